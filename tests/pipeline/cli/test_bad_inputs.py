"""Bad inputs: each stops the CLI with its documented message and exit code, or goes to the dead letters
within the error budget, and no file that existed before the run changes.

Pipeline cases run in a copy of the demo's root (its runs, artifacts and served model must survive) and
stop after ingest (``--until example_gen``). Scoring cases use the session's exported models and a
workspace that holds an earlier published output. Every case calls the CLI in-process.
"""

from __future__ import annotations

import functools
import gzip
import hashlib
import io
import json
import math
import shutil
import tarfile
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Mapping, Sequence

import numpy as np
import pytest
import tensorflow as tf
from PIL import Image

from components.artifacts.examples import read_dead_letters
from components.types import Artifact
from data.timeseries import TimeseriesData, build_windows, encode_example
from pipeline.cli import main
from tests.conftest import REPO, last_json, synthetic_digits, write_aclimdb, write_idx, write_series_csv
from tests.conftest import corpus_text, damage

CONFIGS = REPO / "pipeline" / "configs"
DEMO = str(CONFIGS / "demo.yaml")
DEMO_WINDOW = 20  # the demo config's data.window
SERIES_DAYS = 60  # good rows of a generated series; lines appended after it start at line 62
WITHIN_BUDGET = ("--set", "data.max_error_rate=0.1")
IMAGES, LABELS = synthetic_digits(50)


# ---------------------------------------------------------------- running the CLI and watching files


@dataclass(frozen=True)
class Outcome:
    """What one in-process CLI call did.

    Attributes:
        code: The exit code.
        stderr: Everything written to stderr.
        summary: The JSON summary printed as the last line of stdout.
        new_files: Files below the watched folders that did not exist before the call.
    """

    code: int
    stderr: str
    summary: dict
    new_files: tuple[Path, ...]


def snapshot(folders: Sequence[Path]) -> dict[Path, str]:
    """The sha256 of every file below ``folders``, by path."""
    return {path: hashlib.sha256(path.read_bytes()).hexdigest()
            for folder in folders for path in sorted(folder.rglob("*")) if path.is_file()}


def run_cli(capsys, argv: Sequence[str], watched: Sequence[Path], may_change: Sequence[Path] = ()) -> Outcome:
    """Runs ``rnnpipe ARGV --json`` in-process and checks that every earlier file is intact.

    Args:
        capsys: pytest's output capture.
        argv: The command line after ``rnnpipe``.
        watched: Folders whose files must all survive the call byte for byte.
        may_change: Files the call may rewrite (the run store, the lock file).

    Returns:
        The outcome, with the files the call added.
    """
    before = snapshot(watched)
    code = main([*argv, "--json"])
    captured = capsys.readouterr()
    after = snapshot(watched)
    changed = sorted(str(path) for path, digest in before.items()
                     if path not in may_change and after.get(path) != digest)
    assert not changed, f"files that existed before the run were changed or deleted: {changed}"
    return Outcome(code, captured.err, last_json(captured.out), tuple(sorted(set(after) - set(before))))


def assert_fails(outcome: Outcome, code: int, message: str) -> None:
    """The call exited with ``code`` and said ``message`` on stderr and in its JSON summary."""
    assert outcome.code == code, outcome.stderr[-3000:]
    assert message in outcome.stderr, outcome.stderr[-3000:]
    assert outcome.summary["exit_code"] == code and message in outcome.summary["error"]


def assert_letters(letters: Sequence[Mapping], expected: Sequence[Mapping]) -> None:
    """Each expected letter matches a dead letter of its own, and there are no others.

    A letter matches when each expected field is equal, or, for strings, contained in the letter's field.
    """
    remaining = list(letters)
    for wanted in expected:
        match = next((letter for letter in remaining if all(
            value in str(letter.get(key)) if isinstance(value, str) else letter.get(key) == value
            for key, value in wanted.items())), None)
        assert match is not None, f"no dead letter like {wanted} in {remaining}"
        remaining.remove(match)
    assert not remaining, f"unexpected dead letters: {remaining}"


def case(spec: type, name: str, *args, **kwargs):
    """``spec(*args, **kwargs)`` as a test case named ``name``.

    Args:
        spec: The dataclass that describes the case.
        name: The case's id.
        *args: Its fields.
        **kwargs: Its fields.
    """
    return pytest.param(spec(*args, **kwargs), id=name)


# ---------------------------------------------------------------- pipeline inputs


@pytest.fixture
def root(demo_run, tmp_path) -> Path:
    """A copy of the demo's pipeline root: its run store, artifacts and served model version 1."""
    return Path(shutil.copytree(demo_run[0], tmp_path / "root"))


@pytest.fixture
def data(tmp_path) -> Path:
    """The folder bad inputs are written to (watched along with the root)."""
    folder = tmp_path / "data"
    folder.mkdir()
    return folder


def run_pipeline(capsys, root: Path, config: str, *options: str) -> Outcome:
    """``rnnpipe run CONFIG --root ROOT --until example_gen OPTIONS``; a later ``--until`` in OPTIONS wins.

    The root and the data folder beside it are watched; only the run store and the lock file may change.
    """
    argv = ["run", config, "--root", str(root), "--until", "example_gen", "--set", "beam.num_shards=1", *options]
    return run_cli(capsys, argv, watched=[root.parent], may_change=[root / "runs.sqlite", root / ".rnnpipe.lock"])


def new_examples(outcome: Outcome) -> Artifact:
    """The examples artifact the run kept."""
    (card,) = [path for path in outcome.new_files
               if path.name == "artifact.json" and path.parent.name == "examples"]
    return Artifact.load(card.parent)


def edited_demo(folder: Path, old: str, new: str) -> list[str]:
    """Writes ``edited.yaml``, the demo config with ``old`` replaced by ``new``; returns its path."""
    text = (CONFIGS / "demo.yaml").read_text(encoding="utf-8")
    assert old in text
    (folder / "edited.yaml").write_text(text.replace(old, new, 1), encoding="utf-8")
    return [str(folder / "edited.yaml")]


def data_path(path: Path) -> list[str]:
    """The option that points ``data.path`` at ``path``."""
    return ["--set", f"data.path={path}"]


def save(folder: Path, name: str, raw: bytes) -> Path:
    """Writes one input file; returns its path."""
    (folder / name).write_bytes(raw)
    return folder / name


def npz(**arrays: np.ndarray) -> bytes:
    """The bytes of an ``.npz`` holding ``arrays``."""
    buffer = io.BytesIO()
    np.savez(buffer, **arrays)
    return buffer.getvalue()


def write_series(folder: Path, *bad_lines: str) -> list[str]:
    """``series.csv``: a 60-day daily series with ``bad_lines`` appended (from line 62)."""
    return data_path(write_series_csv(folder / "series.csv", n_days=SERIES_DAYS, bad_lines=bad_lines))


def write_gappy_series(folder: Path, missing_every: int = 0, na_days: Sequence[int] = (),
                       absent_days: Sequence[int] = ()) -> list[str]:
    """``series.csv``: the 60-day daily series with ``NA`` every ``missing_every`` days and on
    ``na_days``, and the rows of ``absent_days`` left out (missing steps)."""
    header, *rows = write_series_csv(folder / "series.csv", n_days=SERIES_DAYS).read_text().splitlines()
    lines = [header]
    for day, row in enumerate(rows):
        if day in absent_days:
            continue
        missing = day in na_days or (missing_every and day % missing_every == 0)
        lines.append(row.split(",")[0] + ",NA" if missing else row)
    return data_path(save(folder, "series.csv", ("\n".join(lines) + "\n").encode()))


def write_series_bytes(folder: Path, bad_line: bytes) -> list[str]:
    """``series.csv``: a 60-day daily series with the raw ``bad_line`` appended (line 62)."""
    series = write_series_csv(folder / "series.csv", n_days=SERIES_DAYS)
    series.write_bytes(series.read_bytes() + bad_line)
    return data_path(series)


def write_reviews(folder: Path, extra: Mapping[str, bytes]) -> list[str]:
    """A tiny aclImdb folder (32 good reviews) plus ``extra`` review files (path below aclImdb -> bytes)."""
    reviews = write_aclimdb(folder, per_class=8)
    for name, raw in extra.items():
        (reviews / name).write_bytes(raw)
    return data_path(reviews)


def write_archive(folder: Path, files: Mapping[str, bytes],
                  symlinks: Mapping[str, str] | None = None) -> list[str]:
    """``reviews.tar.gz`` holding ``files`` (member name -> bytes) and ``symlinks`` (name -> target)."""
    path = folder / "reviews.tar.gz"
    with tarfile.open(path, "w:gz") as archive:
        for name, raw in files.items():
            member = tarfile.TarInfo(name)
            member.size = len(raw)
            archive.addfile(member, io.BytesIO(raw))
        for name, target in (symlinks or {}).items():
            member = tarfile.TarInfo(name)
            member.type, member.linkname = tarfile.SYMTYPE, target
            archive.addfile(member)
    return data_path(path)


def write_truncated_archive(folder: Path) -> list[str]:
    """A real aclImdb tarball cut in half."""
    reviews = write_aclimdb(folder / "source", per_class=4)
    write_archive(folder, {f"aclImdb/{path.relative_to(reviews).as_posix()}": path.read_bytes()
                           for path in sorted(reviews.rglob("*.txt"))})
    archive = folder / "reviews.tar.gz"
    archive.write_bytes(archive.read_bytes()[:archive.stat().st_size // 2])
    return data_path(archive)


def write_damaged_archive(folder: Path, how: str) -> list[str]:
    """A real aclImdb tarball damaged ``how`` (see :func:`tests.conftest.damage`)."""
    reviews = write_aclimdb(folder / "source", per_class=4)
    write_archive(folder, {f"aclImdb/{path.relative_to(reviews).as_posix()}": path.read_bytes()
                           for path in sorted(reviews.rglob("*.txt"))})
    return data_path(damage(folder / "reviews.tar.gz", how))


def write_tar_with_bad_header(folder: Path) -> list[str]:
    """A plain aclImdb tar of 16 reviews whose 13th member header has a wrong checksum."""
    reviews = write_aclimdb(folder / "source", per_class=4)
    archive = folder / "reviews.tar"
    with tarfile.open(archive, "w", format=tarfile.USTAR_FORMAT) as tar:  # one 512-byte header per member
        for path in sorted(reviews.rglob("*.txt")):
            tar.add(path, arcname=f"aclImdb/{path.relative_to(reviews).as_posix()}")
    raw = bytearray(archive.read_bytes())
    header = raw.index(b"aclImdb/train/pos/")
    raw[header + 148:header + 156] = b"0000000\0"  # the header checksum field
    archive.write_bytes(bytes(raw))
    return data_path(archive)


def write_damaged_digits(folder: Path, how: str) -> list[str]:
    """MNIST test files whose gzipped images are damaged ``how`` (see :func:`tests.conftest.damage`)."""
    options = write_digits(folder, IMAGES, LABELS)
    damage(folder / "mnist" / "t10k-images-idx3-ubyte.gz", how)
    return options


def write_corpus_with_gzip(folder: Path) -> list[str]:
    """A charlm corpus folder: 200 lines of text and a gzipped text file beside them."""
    (folder / "corpus").mkdir()
    (folder / "corpus" / "good.txt").write_text(corpus_text(200), encoding="utf-8")
    (folder / "corpus" / "notes.txt.gz").write_bytes(gzip.compress(corpus_text(20, seed=1).encode("utf-8")))
    return data_path(folder / "corpus")


def write_digits(folder: Path, images: np.ndarray, labels: np.ndarray | None, images_magic: int | None = None,
                 truncate_images: int = 0) -> list[str]:
    """An MNIST folder of IDX test files (no labels file when ``labels`` is None).

    Args:
        folder: Where ``mnist/`` goes.
        images: The images, written gzipped (or uncompressed and cut short by ``truncate_images`` bytes).
        labels: The labels, or None.
        images_magic: A magic number to write instead of the right one.
        truncate_images: Bytes cut off the end of the images file.
    """
    target = folder / "mnist"
    target.mkdir()
    if truncate_images:
        path = write_idx(target / "t10k-images-idx3-ubyte", images, gz=False)
        path.write_bytes(path.read_bytes()[:-truncate_images])
    else:
        write_idx(target / "t10k-images-idx3-ubyte.gz", images, magic=images_magic)
    if labels is not None:
        write_idx(target / "t10k-labels-idx1-ubyte.gz", labels)
    return data_path(target)


def relabelled(index: int, label: int) -> np.ndarray:
    """The test labels with one of them changed."""
    labels = LABELS.copy()
    labels[index] = label
    return labels


@dataclass(frozen=True)
class BadData:
    """A bad pipeline input and the documented answer.

    Attributes:
        config: Bundled config name.
        write: Writes the input below a folder; returns the options that point the config at it.
        code: The exit code.
        message: A substring of the error (``{data}`` stands for the input folder); empty when the run succeeds.
        dead_letters: The dead letters of the kept examples artifact (see :func:`assert_letters`), or None
            when the run stops before ingest writes one.
        options: More command-line options (an error budget).
    """

    config: str
    write: Callable[[Path], list[str]]
    code: int
    message: str = ""
    dead_letters: tuple[Mapping, ...] | None = None
    options: tuple[str, ...] = ()


bad_data = functools.partial(case, BadData)


def nonnumeric_row(line: int) -> dict:
    """The dead letter of an appended ``<date>,x`` row."""
    return {"line": line, "reason": "non-numeric value 'x' in column 'value'"}


BAD_DATA = [
    # time series
    bad_data("series: missing file", "timeseries", lambda d: data_path(d / "missing.csv"), 3,
             "no input file matches data.path '{data}/missing.csv'; check the path or pass --data-dir"),
    bad_data("series: a folder as data.path", "demo",
             lambda d: data_path(write_series_csv(d / "s.csv", SERIES_DAYS).parent), 3,
             "data.path '{data}' is a folder"),
    bad_data("series: file not UTF-8", "demo",
             lambda d: data_path(save(d, "series.csv", "date,value\n2000-01-01,caf\xe9\n".encode("latin-1"))), 3,
             "1 of 1 input records are bad (100.0%), over the error budget data.max_error_rate=0.01; reasons are in",
             dead_letters=({"source": "series.csv", "reason": "not UTF-8: 'utf-8' codec can't decode byte 0xe9"},)),
    bad_data("series: NaN", "demo", lambda d: write_series(d, "2001-01-01,nan"), 0,
             options=(*WITHIN_BUDGET, "--set", "data.missing_values=[NA]"),  # nan not a missing marker here
             dead_letters=({"line": 62, "reason": "non-finite value 'nan' in column 'value'"},)),
    bad_data("series: duplicate timestamp", "demo", lambda d: write_series(d, "2000-01-05,0.5"), 0,
             options=WITHIN_BUDGET, dead_letters=({"reason": "duplicate timestamp 947030400"},)),  # 2000-01-05 UTC
    bad_data("series: text in a numeric column", "demo", lambda d: write_series(d, "2001-01-01,abc"), 0,
             options=WITHIN_BUDGET,
             dead_letters=({"line": 62, "reason": "non-numeric value 'abc' in column 'value'"},)),
    bad_data("series: bad timestamp", "demo", lambda d: write_series(d, "yesterday,1.0"), 0, options=WITHIN_BUDGET,
             dead_letters=({"line": 62, "reason": "unparsable timestamp 'yesterday'"},)),
    bad_data("series: extra column", "demo", lambda d: write_series(d, "2001-01-01,1.0,7"), 0, options=WITHIN_BUDGET,
             dead_letters=({"line": 62, "reason": "expected 2 columns, found 3"},)),
    bad_data("series: bad rows over the budget", "demo",
             lambda d: write_series(d, *(f"2001-02-{day:02d},x" for day in range(1, 11))), 3,
             "10 of 70 input records are bad (14.3%), over the error budget data.max_error_rate=0.01; reasons are in",
             dead_letters=tuple(nonnumeric_row(62 + row) for row in range(10))),
    bad_data("series: missing column", "demo",
             lambda d: data_path(save(d, "series.csv", b"date,temp\n2000-01-01,1.5\n")), 3,
             "{data}/series.csv: column(s) ['value'] not in CSV header ['date', 'temp']"),
    bad_data("series: empty file", "demo", lambda d: data_path(save(d, "series.csv", b"")), 3,
             "{data}/series.csv: file is empty, expected a CSV header"),
    bad_data("series: header only", "demo", lambda d: data_path(save(d, "series.csv", b"date,value\n")), 3,
             "{data}/series.csv: no records found"),
    bad_data("series: one line not UTF-8", "demo", lambda d: write_series_bytes(d, b"2001-01-01,caf\xe9\n"), 0,
             options=WITHIN_BUDGET,
             dead_letters=({"line": 62, "reason": "not UTF-8: 'utf-8' codec can't decode byte 0xe9"},)),
    bad_data("series: duplicate timestamps over the budget", "demo",
             lambda d: write_series(d, *(f"2000-01-{day:02d},0.5" for day in range(1, 11))), 3,
             "10 of 70 input records are bad (14.3%), over the error budget data.max_error_rate=0.01; reasons are in",
             dead_letters=tuple({"line": 62 + row, "reason": "duplicate timestamp"} for row in range(10))),
    bad_data("series: a tar archive as data.path", "demo",
             lambda d: write_archive(d, {"aclImdb/README": b"x" * 100_000}), 3,
             "{data}/reviews.tar.gz: not a CSV text file: NUL byte at offset 14 (it looks like a tar archive)"),
    bad_data("series: window longer than the series", "demo", write_series, 3,
             "data.window=100 + data.horizon=1 = 101 rows is longer than the longest series, "
             "{data}/series.csv, with 60 usable rows; data.window must be at most 59",
             options=("--set", "data.window=100")),
    bad_data("series: horizon longer than the series", "demo", write_series, 3,
             "data.horizon=1000 needs at least 1001 rows", options=("--set", "data.horizon=1000")),
    bad_data("series: window leaving train no window", "demo", write_series, 3,
             "data.window=50 leaves the train split no window", options=("--set", "data.window=50")),
    bad_data("series: truncated gzip CSV", "demo",
             lambda d: data_path(save(d, "series.csv.gz", gzip.compress(
                 write_series_csv(d / "series.csv", n_days=SERIES_DAYS).read_bytes())[:400])), 3,
             "{data}/series.csv.gz: corrupt or unreadable gzip file: truncated: the file ends at byte 400"),
    bad_data("series: shorter than window + horizon after dropping", "demo",
             lambda d: write_gappy_series(d, missing_every=4), 3,
             "{data}/series.csv: the series is shorter than data.window + data.horizon = 20 + 1 = 21 steps after "
             "data.missing=drop dropped the windows that touch a missing value: its longest stretch without one "
             "is 3 steps (15 missing values, 0 missing steps; 40 windows dropped, none left for train)",
             options=("--set", "data.missing=drop")),
    bad_data("series: missing values with data.missing=fail", "demo",
             lambda d: write_gappy_series(d, na_days=(10,)), 3,
             "{data}/series.csv: line 12 (2000-01-11T00:00:00+00:00): missing value in column 'value' "
             "(data.missing=fail)", options=("--set", "data.missing=fail")),
    bad_data("series: windows over the machine's memory", "demo",
             lambda d: data_path(write_series_csv(d / "long.csv", n_days=200_000)), 3,
             "data.window=20000: the 180000 windows of {data}/long.csv would take about",  # 130 GB
             options=("--set", "data.window=20000")),
    # IMDB
    bad_data("imdb: missing folder", "imdb", lambda d: data_path(d / "aclImdb"), 3,
             "IMDB data not found at {data}/aclImdb; pass --data-dir DIR"),
    bad_data("imdb: empty archive", "imdb", lambda d: write_archive(d, {}), 3,
             "{data}/reviews.tar.gz: no records found"),
    bad_data("imdb: truncated gzip", "imdb", write_truncated_archive, 3,
             "{data}/reviews.tar.gz: corrupt or unreadable archive"),
    bad_data("imdb: member escaping with ..", "imdb",
             lambda d: write_archive(d, {"aclImdb/train/pos/0_9.txt": b"Superb.", "aclImdb/../../evil_1.txt": b"x"}), 3,
             "{data}/reviews.tar.gz: unsafe archive member 'aclImdb/../../evil_1.txt' ('..' in path); refusing"),
    bad_data("imdb: absolute member", "imdb", lambda d: write_archive(d, {"/tmp/aclImdb/train/pos/1_9.txt": b"x"}), 3,
             "unsafe archive member '/tmp/aclImdb/train/pos/1_9.txt' (absolute path)"),
    bad_data("imdb: symlink member", "imdb",
             lambda d: write_archive(d, {}, symlinks={"aclImdb/train/pos/2_9.txt": "/etc/passwd"}), 3,
             "unsafe archive member 'aclImdb/train/pos/2_9.txt' (link or device)"),
    bad_data("imdb: untrusted npz", "imdb", lambda d: data_path(save(d, "imdb.npz", npz(x_train=LABELS))),
             3, "{data}/imdb.npz: unknown imdb.npz (sha256 differs from Keras's)"),
    bad_data("imdb: latin-1 review", "imdb",
             lambda d: write_reviews(d, {"train/pos/100_9.txt": "Café, superb".encode("latin-1")}), 0,
             options=WITHIN_BUDGET,
             dead_letters=({"id": "train/pos/100_9", "reason": "not UTF-8: 'utf-8' codec can't decode byte 0xe9"},)),
    bad_data("imdb: 50 MB review", "imdb", lambda d: write_reviews(d, {"test/neg/101_2.txt": b"dull " * (10 << 20)}),
             0, options=WITHIN_BUDGET,
             dead_letters=({"id": "test/neg/101_2",
                            "reason": "review of 52428800 bytes is over data.max_review_bytes (1000000)"},)),
    bad_data("imdb: blank review", "imdb", lambda d: write_reviews(d, {"train/neg/102_1.txt": b" \n"}), 0,
             options=WITHIN_BUDGET, dead_letters=({"id": "train/neg/102_1", "reason": "empty review"},)),
    # MNIST
    bad_data("mnist: missing folder", "mnist", lambda d: data_path(d / "mnist"), 3,
             "MNIST data not found at {data}/mnist; pass --data-dir DIR"),
    bad_data("mnist: wrong magic number", "mnist", lambda d: write_digits(d, IMAGES, LABELS, images_magic=0x0802), 3,
             "{data}/mnist/t10k-images-idx3-ubyte.gz: wrong magic number 0x00000802, expected 0x00000803"),
    bad_data("mnist: label count mismatch", "mnist", lambda d: write_digits(d, IMAGES, LABELS[:49]), 3,
             "{data}/mnist/t10k-images-idx3-ubyte.gz: 50 images but t10k-labels-idx1-ubyte.gz has 49 labels"),
    bad_data("mnist: 27x28 IDX images", "mnist", lambda d: write_digits(d, IMAGES[:, :27], LABELS), 3,
             "{data}/mnist/t10k-images-idx3-ubyte.gz: wrong image size 27x28, expected 28x28"),
    bad_data("mnist: truncated IDX", "mnist", lambda d: write_digits(d, IMAGES, LABELS, truncate_images=100), 3,
             "{data}/mnist/t10k-images-idx3-ubyte: truncated: header promises (50, 28, 28) = 39200 bytes, "
             "file has 39100"),
    bad_data("mnist: no labels file", "mnist", lambda d: write_digits(d, IMAGES, None), 3,
             "{data}/mnist: found only one of t10k-images-idx3-ubyte and t10k-labels-idx1-ubyte"),
    bad_data("mnist: 27x28 npz images", "mnist",
             lambda d: data_path(save(d, "mnist.npz", npz(x_test=IMAGES[:5, :27], y_test=LABELS[:5]))), 3,
             "{data}/mnist.npz: x_test has shape (5, 27, 28) for 5 labels; expected [n, 28, 28]"),
    bad_data("mnist: label outside the classes", "mnist", lambda d: write_digits(d, IMAGES, relabelled(3, 11)), 0,
             options=WITHIN_BUDGET, dead_letters=({"id": "test:3", "reason": "label 11 outside 0..9"},)),
    # damaged archives and gzip files: found to the end of the stream, naming the file and offset
    bad_data("imdb: archive damaged at 90%", "imdb", lambda d: write_damaged_archive(d, "90%"), 3,
             "{data}/reviews.tar.gz: corrupt or unreadable archive: the CRC or length check at the end of the gzip "
             "stream failed (at or before byte "),
    bad_data("imdb: archive damaged at 33%", "imdb", lambda d: write_damaged_archive(d, "33%"), 3,
             "{data}/reviews.tar.gz: corrupt or unreadable archive: bad gzip data found in bytes "),
    bad_data("imdb: a damaged member header", "imdb", write_tar_with_bad_header, 3,
             "{data}/reviews.tar: corrupt or unreadable archive after member 'aclImdb/train/neg/3_4.txt': bad member "
             "header at byte 12288 of the unpacked archive (bad checksum)"),
    bad_data("series: wrong timestamp_format", "demo",
             lambda d: [*write_series(d), "--set", 'data.timestamp_format="%d/%m/%Y"'], 3,
             "{data}/series.csv: line 2: timestamp column 'date': no timestamp matches data.timestamp_format "
             "'%d/%m/%Y': '2000-01-01', '2000-01-02', '2000-01-03'; check data.timestamp_format"),
    bad_data("series: a column missing entirely", "demo",
             lambda d: data_path(save(d, "series.csv", b"date,Value\n2000-01-01,1.5\n")), 3,
             "{data}/series.csv: column(s) ['value'] not in CSV header ['date', 'Value']; did you mean "
             "'Value' for 'value'?"),
    bad_data("imdb: a web page saved as the archive", "imdb",
             lambda d: data_path(save(d, "reviews.tar.gz", b"<html>Not Found</html>\n")), 3,
             "{data}/reviews.tar.gz: not gzip data, as its suffix says: the file starts with b'<html>'"),
    bad_data("mnist: gzip damaged at 90%", "mnist", lambda d: write_damaged_digits(d, "90%"), 3,
             "{data}/mnist/t10k-images-idx3-ubyte.gz: corrupt or unreadable gzip file: the CRC or length check"),
    bad_data("mnist: gzip damaged at 33%", "mnist", lambda d: write_damaged_digits(d, "33%"), 3,
             "{data}/mnist/t10k-images-idx3-ubyte.gz: corrupt or unreadable gzip file: bad gzip data found in bytes "),
    bad_data("mnist: truncated gzip", "mnist", lambda d: write_damaged_digits(d, "truncated"), 3,
             "{data}/mnist/t10k-images-idx3-ubyte.gz: corrupt or unreadable gzip file: truncated: the file ends at byte "),
    bad_data("charlm: a gzipped corpus file", "charlm", write_corpus_with_gzip, 0,
             dead_letters=({"source": "notes.txt.gz",
                            "reason": "not UTF-8 text: gzip-compressed data (decompress it first)"},)),
]


@pytest.mark.parametrize("case", BAD_DATA)
def test_bad_data_stops_the_run_or_is_dead_lettered(case: BadData, capsys, root, data):
    outcome = run_pipeline(capsys, root, str(CONFIGS / f"{case.config}.yaml"), *case.write(data), *case.options)
    if case.code:
        assert_fails(outcome, case.code, case.message.format(data=data))
    else:
        assert outcome.code == 0, outcome.stderr[-3000:]
        assert outcome.summary["executed"] == ["example_gen"]
    if case.dead_letters is not None:
        examples = new_examples(outcome)
        letters = read_dead_letters(examples)
        assert examples.properties["dead_letters"] == len(letters)
        assert_letters(letters, case.dead_letters)
        if case.code:  # the message says where the reasons are, and they are kept there
            assert str(examples.path("dead_letter")) in outcome.stderr


def test_unsorted_timestamps_are_sorted_not_dead_lettered(capsys, root, data):
    series = write_series_csv(data / "series.csv", n_days=SERIES_DAYS)
    header, *rows = series.read_text().splitlines()
    series.write_text("\n".join([header, *reversed(rows)]) + "\n")
    outcome = run_pipeline(capsys, root, DEMO, *data_path(series))
    assert outcome.code == 0, outcome.stderr[-3000:]
    examples = new_examples(outcome)
    assert examples.properties["dead_letters"] == 0 and read_dead_letters(examples) == []
    records = tf.data.TFRecordDataset([str(p) for p in examples.uri.glob("Split-*/*.gz")], compression_type="GZIP")
    windows = [list(tf.train.Example.FromString(record.numpy()).features.feature["timestamps"].int64_list.value)
               for record in records]
    assert len(windows) == SERIES_DAYS - DEMO_WINDOW  # one per target with a full window of history
    assert all(stamps == sorted(set(stamps)) for stamps in windows)


def test_missing_values_and_steps_are_filled_and_counted_in_the_examples_and_the_summary(capsys, root, data):
    outcome = run_pipeline(capsys, root, DEMO, *write_gappy_series(data, na_days=(25, 26), absent_days=(30, 33, 34)),
                           "--until", "statistics", "--set", "validation.max_missing_rate=0.5")  # 5 of 60 filled
    assert outcome.code == 0, outcome.stderr[-3000:]
    examples = new_examples(outcome)
    counts = {"missing_values": 2, "missing_steps": 3, "interpolated_steps": 5,
              "dropped_windows": {"train": 0, "eval": 0, "test": 0}}
    assert {key: examples.properties[key] for key in counts} == counts
    assert outcome.summary["missing"] == counts
    (statistics,) = [path for path in outcome.new_files if path.name == "statistics.json"]
    assert json.loads(statistics.read_text())["missing"] == counts
    assert ("missing: 2 values, 3 steps of the timeline, 5 steps interpolated; windows dropped: train 0, eval 0, "
            "test 0") in (statistics.parent / "report.txt").read_text()
    assert examples.properties["counts"] == {"train": 22, "eval": 6, "test": 12}  # 60 steps again, on the grid
    dropping = run_pipeline(capsys, root, DEMO, *write_gappy_series(data, na_days=(25,)), "--set", "data.missing=drop")
    assert dropping.code == 0, dropping.stderr[-3000:]
    assert dropping.summary["missing"]["dropped_windows"] == {"train": 17, "eval": 4, "test": 0}  # targets 25..45


def test_a_monthly_series_in_another_dialect_records_its_form_frequency_and_gap(capsys, root, data):
    months = [f"{1749 + m // 12}-{m % 12 + 1:02d}" for m in range(70) if m != 40]  # 1752-05 is missing
    text = "date;value\n" + "".join(f"{month};{index % 12}.5\n" for index, month in enumerate(months))
    series = save(data, "sunspots.csv", text.encode("utf-8-sig"))
    outcome = run_pipeline(capsys, root, DEMO, *data_path(series), "--set", 'data.delimiter=";"', "--verbose")
    assert outcome.code == 0, outcome.stderr[-3000:]
    properties = new_examples(outcome).properties  # the form and gaps are logged at info (shown with --verbose)
    assert (properties["timestamp_form"], properties["frequency"], properties["gaps"]) == ("year-month", "1MS", 1)
    assert "timestamps YYYY-MM (year-month), frequency 1MS (inferred), 1 gap(s) of 1 missing step(s): " \
           "after 1752-04-01T00:00:00+00:00" in outcome.stderr


def test_a_series_config_on_an_archive_or_a_huge_header_quotes_a_bounded_prefix(capsys, root, data):
    archive = write_archive(data, {f"aclImdb/train/pos/{n}_9.txt": b"Superb. " * 1000 for n in range(100)})
    header = save(data, "wide.csv", ",".join(f"column{n}" for n in range(200_000)).encode() + b"\n1,2\n")
    for option, message in ((archive, "reviews.tar.gz: not a CSV text file"),
                            (data_path(header), "column(s) ['date', 'value'] not in CSV header ['column0', ")):
        outcome = run_pipeline(capsys, root, DEMO, *option)
        assert_fails(outcome, 3, message)
        assert len(outcome.summary["error"]) < 600, outcome.summary["error"][:3000]
        assert len(outcome.stderr) < 5000, outcome.stderr[:3000]


CONFIG_ERRORS = {
    "unknown key": (lambda d: [DEMO, "--set", "trainer.epoch=3"],
                    f"{DEMO}: unknown key 'trainer.epoch' (did you mean 'epochs'?)"),
    "negative window": (lambda d: [DEMO, "--set", "data.window=-5"], f"{DEMO}: data: data.window must be >= 1, got -5"),
    "wrong type": (lambda d: edited_demo(d, "epochs: 12", 'epochs: "ten"'),
                   "{data}/edited.yaml: key 'trainer.epochs' must be an integer, got 'ten' (str)"),
    "bad YAML": (lambda d: edited_demo(d, "units: [32]", "units: [32"),
                 "config file {data}/edited.yaml is not valid YAML"),
    "missing config file": (lambda d: [str(d / "nope.yaml")], "config file {data}/nope.yaml does not exist"),
    "serving dir escaping the root": (lambda d: [DEMO, "--set", "exporter.serving_dir=../x"],
                                      f"{DEMO}: exporter.serving_dir '../x' escapes the pipeline root"),
    "unknown --until component": (lambda d: [DEMO, "--until", "trainr"],
                                  "--until 'trainr': this pipeline's components are example_gen, "),
    "unknown --force component": (lambda d: [DEMO, "--force", "trainr"],
                                  "--force 'trainr': this pipeline has no such component; its components are "
                                  "example_gen, statistics, transform, trainer, evaluator, exporter (or all)"),
    "unknown --from component": (lambda d: [DEMO, "--from", "trainr"],
                                 "--from 'trainr': this pipeline has no such component; its components are "
                                 "example_gen, statistics, transform, trainer, evaluator, exporter"),
    "--force-push without --reason": (lambda d: [DEMO, "--force-push"], "--force-push needs --reason TEXT"),
    "blank --reason of a forced push": (lambda d: [DEMO, "--force-push", "--reason", "  "],
                                        "--reason: a forced push needs a reason that says why"),
    "error budget out of range": (lambda d: [DEMO, "--set", "data.max_error_rate=1.5"],
                                  f"{DEMO}: data: data.max_error_rate must lie in [0, 1], got 1.5"),
    "negative highway lags": (lambda d: [DEMO, "--set", "model.highway_lags=-1"],
                              f"{DEMO}: model: model.highway_lags must be >= 0 (0 turns the highway off), got -1"),
    "unknown dataset kind": (lambda d: [DEMO, "--set", "kind=audio"],
                             f"{DEMO}: key 'kind': unknown dataset kind 'audio'"),
    "override without =": (lambda d: [DEMO, "--set", "trainer.epochs"], "--set 'trainer.epochs': expected key=value"),
    "model name escaping the root": (lambda d: [DEMO, "--set", "exporter.model_name=../../../escaped_model"],
                                     f"{DEMO}: exporter.model_name: '../../../escaped_model' is not one path segment"),
    "name escaping the root": (lambda d: [DEMO, "--set", "name=../../escape"],
                               f"{DEMO}: name: '../../escape' is not one path segment"),
    "duplicate section": (lambda d: edited_demo(d, "evaluator:", "trainer:\n  epochs: 3\nevaluator:"),
                          "config file {data}/edited.yaml: key 'trainer' appears twice, on lines 15 and 21"),
    "override value not YAML": (lambda d: [DEMO, "--set", "data.path={SPAN}/series.csv"],
                                "--set 'data.path={{SPAN}}/series.csv': the value of data.path is not valid YAML"),
    "config not UTF-8": (lambda d: [str(save(d, "latin1.yaml", (CONFIGS / "demo.yaml").read_bytes().replace(
                             b"name: sine", b"name: sin\xe9")))],
                         "config file {data}/latin1.yaml is not UTF-8 text: byte 0xe9 at offset 187"),
    "root with glob characters": (lambda d: [DEMO, "--root", str(d / "root[1]")],
                                  "pipeline root {data}/root[1]: its path has glob characters"),
    "window over its limit": (lambda d: [DEMO, "--set", "data.window=100000000"],
                              f"{DEMO}: data.window=100000000 is over its limit of 1,000,000 time steps per example"),
    "batch over the machine's memory": (lambda d: [DEMO, "--set", "data.window=900000", "--set",
                                                   "trainer.batch_size=1000000"],
                                        f"{DEMO}: data.window=900000, trainer.batch_size=1000000, model.units=[32] "
                                        "imply about"),
    "notify hook with another URL scheme": (lambda d: [DEMO, "--set", "notify.on_failure=ftp://example.com/x"],
                                            f"{DEMO}: notify: notify.on_failure: 'ftp://example.com/x' is a ftp:// "
                                            "URL; a hook is an http:// or https:// URL or a command"),
    "notify hook that needs a shell": (lambda d: [DEMO, "--set", 'notify.on_push="cat | mail ops"'],
                                       f"{DEMO}: notify: notify.on_push: command 'cat | mail ops' uses the shell "
                                       "operator '|', but hooks run without a shell"),
    "tracking timeout not positive": (lambda d: [DEMO, "--set", "tracking.timeout_seconds=0"],
                                      f"{DEMO}: tracking: tracking.timeout_seconds must be > 0, got 0.0"),
}


@pytest.mark.parametrize("arguments, message", CONFIG_ERRORS.values(), ids=CONFIG_ERRORS.keys())
def test_bad_config_exits_2_before_writing_anything(arguments, message, capsys, root, data):
    config, *options = arguments(data)
    outcome = run_pipeline(capsys, root, config, *options)
    assert_fails(outcome, 2, message.format(data=data))
    assert outcome.new_files == ()


def test_a_serving_dir_that_is_a_file_exits_2_before_anything_runs(capsys, root, data):
    # Found when the DAG is built: not after training, and not hidden by a cached push.
    outcome = run_pipeline(capsys, root, DEMO, "--until", "exporter", "--set", "exporter.serving_dir=runs.sqlite")
    assert_fails(outcome, 2, f"exporter.serving_dir: {root / 'runs.sqlite'} is a file, not a folder")
    assert outcome.new_files == ()


# ---------------------------------------------------------------- scoring inputs

OUTPUT = "scored/2026-11-23"


@pytest.fixture
def work(tmp_path) -> Path:
    """A scoring workspace holding an earlier day's published output, which must survive."""
    earlier = tmp_path / "scored" / "2026-11-22"
    (earlier / "predictions").mkdir(parents=True)
    (earlier / "predictions" / "part-00000-of-00001.jsonl").write_text('{"id": "r0.txt", "probabilities": 0.9}\n')
    (earlier / "_SUCCESS").write_text("")
    return tmp_path


def window_records(count: int = 10) -> list[bytes]:
    """Serialized raw tf.Examples of sine windows, as the demo model's ``serving_default`` parses them."""
    rows = [(day * 86400, (math.sin(day / 8),)) for day in range(DEMO_WINDOW + count)]
    return [encode_example(features) for _, features in build_windows(rows, TimeseriesData(window=DEMO_WINDOW), "sine")]


def write_tfrecord(folder: Path, name: str, keep: Callable[[bytes, list[bytes]], int]) -> str:
    """Writes 10 window records as a TFRecord file, cut to its first ``keep(file bytes, records)`` bytes.

    The file is GZIP-compressed (before the cut) when ``name`` ends in ``.gz``, as the scorer expects.
    """
    records = window_records()
    plain = folder / "whole.tfrecord"
    with tf.io.TFRecordWriter(str(plain)) as writer:
        for record in records:
            writer.write(record)
    raw = plain.read_bytes()
    plain.unlink()
    if name.endswith(".gz"):
        raw = gzip.compress(raw, mtime=0)
    return str(save(folder, name, raw[:keep(raw, records)]))


def write_reviews_folder(folder: Path, raw_review: bytes) -> str:
    """A folder of three good reviews and ``bad.txt`` holding ``raw_review``."""
    reviews = folder / "reviews"
    reviews.mkdir()
    for number in range(3):
        (reviews / f"r{number}.txt").write_text("A superb, moving film.")
    (reviews / "bad.txt").write_bytes(raw_review)
    return str(reviews)


def png(image: np.ndarray) -> bytes:
    """A grey PNG of a uint8 image."""
    buffer = io.BytesIO()
    Image.fromarray(image).save(buffer, format="PNG")
    return buffer.getvalue()


def write_duplicate_ids(folder: Path) -> str:
    """``reviews.jsonl``: three reviews, the third with the first one's id."""
    lines = [json.dumps({"id": record_id, "text": "A superb, moving film."}) for record_id in ("r1", "r2", "r1")]
    return str(save(folder, "reviews.jsonl", "\n".join(lines).encode() + b"\n"))


def write_png_folder(folder: Path) -> str:
    """Three 28x28 digits and ``narrow.png``, 27 pixels wide and 28 high."""
    pngs = folder / "pngs"
    pngs.mkdir()
    for number in range(3):
        (pngs / f"d{number}.png").write_bytes(png(IMAGES[number]))
    (pngs / "narrow.png").write_bytes(png(IMAGES[3][:, :27]))
    return str(pngs)


def write_into_output(folder: Path) -> str:
    """Puts an earlier result into the output folder; returns an input path that does not matter."""
    (folder / OUTPUT).mkdir(parents=True)
    (folder / OUTPUT / "keep.jsonl").write_text('{"id": "earlier"}\n')
    return str(folder / "anything.txt")


def write_series_input(folder: Path) -> str:
    """``s.csv``: 30 days with a non-numeric value on day 26 (line 27), which breaks the series there."""
    lines = write_series_csv(folder / "s.csv", n_days=30).read_text().splitlines()
    lines[26] = lines[26].split(",")[0] + ",abc"
    (folder / "s.csv").write_text("\n".join(lines) + "\n")
    return str(folder / "s.csv")


def bad_float_images() -> np.ndarray:
    """Five digits as float32 in [0, 1]; image 1 holds a NaN, image 2 a negative pixel."""
    images = IMAGES[:5].astype(np.float32) / 255
    images[1, 0, 0], images[2, 0, 0] = np.nan, -0.5
    return images


def corrupt(record_id: str) -> dict:
    """The dead letter of a TFRecord that breaks off at record ``record_id``."""
    return {"id": record_id, "reason": "corrupt TFRecord"}


@dataclass(frozen=True)
class BadScoringInput:
    """A bad ``rnnpipe score`` input and the documented answer.

    Attributes:
        model: The session fixture whose served model scores (``demo_run``, ``imdb_run``, ``mnist_run``).
        format: ``--format``.
        write: Writes the input below the workspace; returns ``--input``.
        code: The exit code.
        message: A substring of the error (``{serving}``, ``{output}`` stand for those folders); empty on success.
        dead_letters: The dead letters (see :func:`assert_letters`): published, or, past the budget, staged.
        options: More options, e.g. ``--max-error-rate``.
        model_suffix: Appended to the model's serving folder for ``--model``.
    """

    model: str
    format: str
    write: Callable[[Path], str]
    code: int
    message: str = ""
    dead_letters: tuple[Mapping, ...] = ()
    options: tuple[str, ...] = ()
    model_suffix: str = ""


def bad_scoring_input(name: str, model: str, *args, **kwargs):
    """A :class:`BadScoringInput` case, run on the worker that holds its ``model`` run."""
    return pytest.param(BadScoringInput(model, *args, **kwargs), id=name, marks=pytest.mark.xdist_group(model))
HALF_BUDGET = ("--max-error-rate", "0.5")
OVER_BUDGET = "are dead letters, over --max-error-rate 0.0; nothing was published, the dead letters are in"

BAD_SCORING_INPUTS = [
    bad_scoring_input("TFRecord cut mid-record", "demo_run", "examples",
                      lambda w: write_tfrecord(w, "cut.tfrecord", lambda raw, records: len(raw) - 8), 0,
                      options=HALF_BUDGET, dead_letters=(corrupt("cut.tfrecord:9"),)),
    bad_scoring_input("gzipped TFRecord cut in half", "demo_run", "examples",
                      lambda w: write_tfrecord(w, "cut.tfrecord.gz", lambda raw, records: len(raw) // 2), 3,
                      OVER_BUDGET, dead_letters=(corrupt("cut.tfrecord.gz:"),)),
    bad_scoring_input("TFRecord cut inside a record header", "demo_run", "examples",
                      lambda w: write_tfrecord(w, "cut.tfrecord", lambda raw, records: 16 + len(records[0]) + 6), 0,
                      options=HALF_BUDGET, dead_letters=(corrupt("cut.tfrecord:1"),)),
    bad_scoring_input("missing model folder", "demo_run", "series", lambda w: str(w / "s.csv"), 2,
                      "--model {serving}-typo: no such folder", model_suffix="-typo"),
    bad_scoring_input("missing model version", "demo_run", "series", lambda w: str(w / "s.csv"), 2,
                      "--model {serving}/7: version 7 not found; versions in {serving}: [1", model_suffix="/7"),
    bad_scoring_input("model of another kind", "demo_run", "reviews", lambda w: write_reviews_folder(w, b"Fine."), 2,
                      "--format reviews needs a imdb model, this one is 'timeseries'"),
    bad_scoring_input("non-empty output folder", "demo_run", "series", write_into_output, 2,
                      "--output {output} already exists and is not empty; scoring never overwrites"),
    bad_scoring_input("no input file", "demo_run", "series", lambda w: str(w / "none*.csv"), 3, "no files match"),
    bad_scoring_input("--batch-size 0", "demo_run", "series", lambda w: str(w / "s.csv"), 2,
                      "--batch-size must be an integer within [1, 65536], got 0", options=("--batch-size", "0")),
    bad_scoring_input("--num-shards -1", "demo_run", "series", lambda w: str(w / "s.csv"), 2,
                      "--num-shards must be an integer within [0, 10000], got -1", options=("--num-shards", "-1")),
    bad_scoring_input("--max-error-rate nan", "demo_run", "series", lambda w: str(w / "s.csv"), 2,
                      "--max-error-rate must lie within [0, 1], got nan", options=("--max-error-rate", "nan")),
    bad_scoring_input("non-numeric series value", "demo_run", "series", write_series_input, 0, options=HALF_BUDGET,
                      dead_letters=({"id": "s.csv:27", "reason": "non-numeric value 'abc' in column 'value'"},
                                    {"id": "s.csv@", "reason": "series of 4 rows from 2000-01-27"})),
    bad_scoring_input("review not UTF-8", "imdb_run", "reviews",
                      lambda w: write_reviews_folder(w, "Café, superb".encode("latin-1")), 3,
                      "1 of 4 records (25.00%) " + OVER_BUDGET,
                      dead_letters=({"id": "bad.txt", "reason": "not UTF-8"},)),
    bad_scoring_input("duplicate ids in .jsonl", "imdb_run", "reviews", write_duplicate_ids, 0, options=HALF_BUDGET,
                      dead_letters=({"id": "r1", "reason": "duplicate id 'r1': record 3 of "},)),
    bad_scoring_input("review over --max-record-bytes", "imdb_run", "reviews",
                      lambda w: write_reviews_folder(w, b"dull " * 100), 0,
                      options=(*HALF_BUDGET, "--max-record-bytes", "200"),
                      dead_letters=({"id": "bad.txt", "reason": "review of 500 bytes is over the 200-byte limit"},)),
    bad_scoring_input("27x28 PNG", "mnist_run", "images", write_png_folder, 0, options=HALF_BUDGET,
                      dead_letters=({"id": "narrow.png", "reason": "wrong image size 27x28, expected 28x28"},)),
    bad_scoring_input("27x28 npz images", "mnist_run", "images",
                      lambda w: str(save(w, "digits.npz", npz(x_test=IMAGES[:3, :27]))), 3,
                      "1 of 1 records (100.00%) " + OVER_BUDGET,
                      dead_letters=({"id": "digits.npz",
                                     "reason": "wrong image size: array 'x_test' has shape (3, 27, 28)"},)),
    bad_scoring_input("float npz with NaN and negative pixels", "mnist_run", "images",
                      lambda w: str(save(w, "f.npz", npz(x=bad_float_images()))), 0, options=HALF_BUDGET,
                      dead_letters=({"id": "f.npz:1", "reason": "image 1 of array 'x' (float32) holds NaN"},
                                    {"id": "f.npz:2", "reason": "has pixel values in [-0.5, 1], outside [0, 1]"})),
    bad_scoring_input("int16 npz over 255", "mnist_run", "images",
                      lambda w: str(save(w, "i.npz", npz(x=np.stack([IMAGES[0], IMAGES[1] * np.int16(2)])))), 0,
                      options=HALF_BUDGET,
                      dead_letters=({"id": "i.npz:1", "reason": "(int16) has pixel values in [0, 510], outside 0..255"},)),
    bad_scoring_input("bool npz", "mnist_run", "images",
                      lambda w: str(save(w, "b.npz", npz(x=IMAGES[:2] > 100))), 3, "1 of 1 records (100.00%) " + OVER_BUDGET,
                      dead_letters=({"id": "b.npz", "reason": "array 'x' holds bool pixels; expected uint8"},)),
]


def scoring_letters(folder: Path) -> list[dict]:
    """The dead letters of a scoring output (or staging) folder."""
    return [json.loads(line) for path in sorted(folder.glob("dead_letter/part*"))
            for line in path.read_text().splitlines()]


@pytest.mark.parametrize("case", BAD_SCORING_INPUTS)
def test_bad_scoring_input_is_refused_or_dead_lettered(case: BadScoringInput, request, capsys, work):
    serving = request.getfixturevalue(case.model)[1]["serving_dir"]
    output = work / OUTPUT
    source = case.write(work)
    argv = ["score", "--model", serving + case.model_suffix, "--input", source, "--output", str(output),
            "--format", case.format, *case.options]
    outcome = run_cli(capsys, argv, watched=[work, Path(serving)])
    if case.code == 0:
        assert outcome.code == 0, outcome.stderr[-3000:]
        assert (output / "_SUCCESS").exists() and outcome.summary["dead_letters"] == len(case.dead_letters)
        assert_letters(scoring_letters(output), case.dead_letters)
        return
    assert_fails(outcome, case.code, case.message.format(serving=serving, output=output))
    assert not [path for path in outcome.new_files if path.is_relative_to(output) or path.name == "_SUCCESS"]
    if case.dead_letters:  # past the budget: the staging folder named in the message keeps them
        (staging,) = output.parent.glob(f".{output.name}.staging-*")
        assert str(staging / "dead_letter") in outcome.stderr
        assert_letters(scoring_letters(staging), case.dead_letters)


def scored_probabilities(capsys, serving: str, source: Path, output: Path) -> dict[str, list[float]]:
    """Scores ``source`` (all within budget) and returns each row's probabilities by id."""
    code = main(["score", "--model", serving, "--input", str(source), "--output", str(output), "--format", "images",
                 "--json"])
    captured = capsys.readouterr()
    assert code == 0 and last_json(captured.out)["dead_letters"] == 0, captured.err[-3000:]
    return {row["id"]: row["probabilities"] for path in sorted(output.glob("predictions/part*"))
            for row in map(json.loads, path.read_text().splitlines())}


def test_float_and_16_bit_images_score_as_their_uint8_versions(mnist_run, capsys, work):
    serving = mnist_run[1]["serving_dir"]
    inputs = work / "digits"
    inputs.mkdir()
    save(inputs, "u8.npz", npz(x=IMAGES[:5]))
    save(inputs, "unit.npz", npz(x=IMAGES[:5].astype(np.float32) / 255))  # floats in [0, 1]
    save(inputs, "wide.npz", npz(x_test=IMAGES[:5].astype(np.float64)))  # floats in [0, 255]
    for number in range(3):
        save(inputs, f"d{number}-8.png", png(IMAGES[number]))
        save(inputs, f"d{number}-16.png", png(IMAGES[number].astype(np.uint16) * 257))  # a 16-bit grey PNG
    rows = scored_probabilities(capsys, serving, inputs / "*", work / OUTPUT)
    assert len(rows) == 21
    distinct = {json.dumps(rows[f"u8.npz:{index}"]) for index in range(5)}
    assert len(distinct) == 5  # different digits, different scores: not one garbage image
    for index in range(5):
        assert rows[f"unit.npz:{index}"] == rows[f"u8.npz:{index}"] == rows[f"wide.npz:{index}"]
    for number in range(3):
        assert rows[f"d{number}-16.png"] == rows[f"d{number}-8.png"] == rows[f"u8.npz:{number}"]


# ---------------------------------------------------------------- a damaged run store


def test_a_damaged_run_store_is_one_message_naming_it_until_store_recover(capsys, root, data):
    store = root / "runs.sqlite"
    store.write_bytes(store.read_bytes()[:store.stat().st_size // 2])  # truncated, as by a full disk
    named = f"damaged run store: run store {store} is damaged"
    ingest = ["run", DEMO, "--root", str(root), "--until", "example_gen", *write_series(data)]
    for argv in (["runs", "--root", str(root)], ingest, ["gc", "--root", str(root), "--dry-run"]):
        outcome = run_cli(capsys, argv, watched=[root], may_change=[root / ".rnnpipe.lock"])
        assert_fails(outcome, 3, named)
        assert "Traceback" not in outcome.stderr and "rnnpipe store recover" in outcome.stderr

    recovered = run_cli(capsys, ["store", "recover", "--root", str(root)], watched=[root],
                        may_change=[store, root / ".rnnpipe.lock"])
    assert recovered.code == 0, recovered.stderr[-3000:]
    assert recovered.summary["artifacts"] > 0 and recovered.summary["skipped"] == []
    assert [Path(path).name[:len("runs.sqlite.damaged-")] for path in recovered.summary["moved_aside"]] == [
        "runs.sqlite.damaged-"]
    outcome = run_cli(capsys, ingest, watched=[root], may_change=[store, root / ".rnnpipe.lock"])
    assert outcome.code == 0 and outcome.summary["executed"] == ["example_gen"], outcome.stderr[-3000:]


def test_an_emptied_run_store_does_not_break_the_next_run(capsys, root, data):
    (root / "runs.sqlite").write_bytes(b"")  # today: the next run's ids restart at 1, "Directory not empty"
    ingest = ["run", DEMO, "--root", str(root), "--until", "example_gen", *write_series(data)]
    outcome = run_cli(capsys, ingest, watched=[root], may_change=[root / "runs.sqlite", root / ".rnnpipe.lock"])
    assert outcome.code == 0 and outcome.summary["executed"] == ["example_gen"], outcome.stderr[-3000:]
    assert "has no executions but" in outcome.stderr and "rnnpipe store recover" in outcome.stderr


# ---------------------------------------------------------------- rnnpipe init


def test_init_on_a_file_without_a_time_like_column_exits_3_naming_the_file_and_columns(capsys, data):
    flat = save(data, "scores.csv", b"player,points,team\n" + b"".join(b"p%d,%d,t%d\n" % (n, n, n % 2)
                                                                         for n in range(10)))
    outcome = run_cli(capsys, ["init", "timeseries", str(flat), "--output", str(data / "scores.yaml")], watched=[data])
    assert_fails(outcome, 3, f"{flat}: no time-like column among ['player', 'points', 'team']")
    assert outcome.new_files == ()
    taken = save(data, "taken.yaml", b"name: mine\n")
    series = write_series_csv(data / "series.csv", n_days=SERIES_DAYS)
    outcome = run_cli(capsys, ["init", "timeseries", str(series), "--output", str(taken)], watched=[data])
    assert_fails(outcome, 2, f"--output {taken} already exists; init never overwrites a config")
    assert outcome.new_files == ()
