"""Shared fixtures: seeding, tiny generated data, and one demo run reused by several tests."""

from __future__ import annotations

import json
import os
import random
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

REPO = Path(__file__).resolve().parent.parent
SHARED_DATASETS = REPO.parent / "shared" / "datasets"


# Session fixtures that run a whole pipeline; under pytest-xdist their users share one worker.
SHARED_RUNS = ("demo_run", "imdb_run", "mnist_run", "charlm_run")


def pytest_configure(config):
    config.addinivalue_line("markers", "real_data: runs on the real datasets in ../shared/datasets")
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")


@pytest.hookimpl(wrapper=True)
def pytest_collection_modifyitems(items):
    """Groups each test with the shared pipeline run it uses (``--dist loadgroup``), so that
    every run is built once per suite rather than once per worker. A wrapper, so that the
    marks are in place before pytest-xdist reads them.

    A test that uses a shared pipeline run, or the real datasets, is also marked ``slow``."""
    for item in items:
        used = [name for name in SHARED_RUNS if name in item.fixturenames]
        if used and not item.get_closest_marker("xdist_group"):
            item.add_marker(pytest.mark.xdist_group(used[0]))
        group = item.get_closest_marker("xdist_group")
        if used or (group and group.args and group.args[0] in SHARED_RUNS) or item.get_closest_marker("real_data"):
            item.add_marker(pytest.mark.slow)
    return (yield)


@pytest.fixture(autouse=True)
def seeded():
    """Seeds Python and NumPy before every test."""
    random.seed(0)
    np.random.seed(0)


@pytest.fixture(scope="session")
def shared_datasets() -> Path:
    """The real datasets folder; tests that need it skip, visibly, where it is absent."""
    if not SHARED_DATASETS.is_dir():
        pytest.skip(f"real datasets not found at {SHARED_DATASETS}")
    return SHARED_DATASETS


def rnnpipe(*args: str, cwd: Path | None = None, timeout: int = 600) -> subprocess.CompletedProcess:
    """Runs the rnnpipe CLI in a fresh process."""
    return subprocess.run([sys.executable, "-m", "pipeline.cli", *args], cwd=cwd or REPO, capture_output=True,
                          text=True, timeout=timeout, env={**os.environ, "PYTHONPATH": str(REPO)})


def last_json(output: str) -> dict:
    """Parses the JSON summary printed as the last line."""
    return json.loads(output.strip().splitlines()[-1])


@pytest.fixture(scope="session")
def demo_run(tmp_path_factory):
    """``rnnpipe demo`` run once for the session: its root and JSON summary."""
    root = tmp_path_factory.mktemp("demo_root")
    result = rnnpipe("demo", "--root", str(root), "--json")
    assert result.returncode == 0, result.stderr[-3000:]
    return root, last_json(result.stdout)


# Small, fast settings for end-to-end runs on tiny generated reviews and digits.
TINY_IMDB = ["--set", "data.path=aclImdb", "--set", "data.max_len=40", "--set", "data.top_k=200",
             "--set", "model.units=[16]", "--set", "model.embedding_dim=16", "--set", "model.bidirectional=false",
             "--set", "model.pooling=attention", "--set", "model.embedding_dropout=0.0", "--set", "trainer.epochs=4",
             "--set", "trainer.learning_rate=0.01", "--set", "trainer.batch_size=16", "--set", "beam.num_shards=1",
             "--set", "evaluator.lower_bounds.accuracy=0.6"]
TINY_MNIST = ["--set", "model.units=[16]", "--set", "model.bidirectional=false", "--set", "trainer.epochs=8",
              "--set", "trainer.batch_size=16", "--set", "trainer.learning_rate=0.01", "--set", "beam.num_shards=1",
              "--set", "data.standardize=true", "--set", "data.augment={}", "--set", "evaluator.lower_bounds.accuracy=0.5"]


@pytest.fixture(scope="session")
def imdb_run(tmp_path_factory):
    """The IMDB pipeline run once on tiny generated reviews: ``(data folder, summary)``."""
    folder = tmp_path_factory.mktemp("imdb_run")
    write_aclimdb(folder, per_class=60)
    result = rnnpipe("run", str(REPO / "pipeline/configs/imdb.yaml"), "--root", str(folder / "root"),
                     "--data-dir", str(folder), *TINY_IMDB, "--json")
    assert result.returncode == 0, result.stderr[-3000:]
    return folder, last_json(result.stdout)


@pytest.fixture(scope="session")
def mnist_run(tmp_path_factory):
    """The MNIST pipeline run once on 600 synthetic digits: ``(IDX folder, summary)``."""
    base = tmp_path_factory.mktemp("mnist_run")
    folder = write_mnist_folder(base / "mnist", count=600)
    result = rnnpipe("run", str(REPO / "pipeline/configs/mnist.yaml"), "--root", str(base / "root"),
                     "--data-dir", str(base), *TINY_MNIST, "--json")
    assert result.returncode == 0, result.stderr[-3000:]
    return folder, last_json(result.stdout)


# A tiny learnable corpus for charlm: a few short sentences from a small grammar.
CORPUS_SUBJECTS = ("the cat", "a dog", "the bird", "my friend", "the old man")
CORPUS_VERBS = ("sat on", "ran to", "looked at", "walked past", "jumped over")
CORPUS_OBJECTS = ("the mat.", "the park.", "a tree.", "the river.", "the house.")
TINY_CHARLM = ["--set", "data.path=corpus", "--set", "data.window=16", "--set", "data.stride=2",
               "--set", "model.units=[16]", "--set", "model.embedding_dim=8", "--set", "trainer.epochs=2",
               "--set", "trainer.batch_size=32", "--set", "trainer.learning_rate=0.01", "--set", "beam.num_shards=1",
               "--set", "evaluator.upper_bounds={}"]


def corpus_text(sentences: int = 80, seed: int = 0) -> str:
    """Sentences like "the cat sat on the mat.", one per line."""
    rng = random.Random(seed)
    return "".join(f"{rng.choice(CORPUS_SUBJECTS)} {rng.choice(CORPUS_VERBS)} {rng.choice(CORPUS_OBJECTS)}\n"
                   for _ in range(sentences))


@pytest.fixture(scope="session")
def charlm_run(tmp_path_factory):
    """The charlm pipeline run once on a tiny generated corpus of two files: ``(data folder, summary)``."""
    folder = tmp_path_factory.mktemp("charlm_run")
    (folder / "corpus").mkdir()
    for index in range(2):
        (folder / "corpus" / f"part{index}.txt").write_text(corpus_text(seed=index), encoding="utf-8")
    result = rnnpipe("run", str(REPO / "pipeline/configs/charlm.yaml"), "--root", str(folder / "root"),
                     "--data-dir", str(folder), *TINY_CHARLM, "--json")
    assert result.returncode == 0, result.stderr[-3000:]
    return folder, last_json(result.stdout)


def write_series_csv(path: Path, n_days: int = 300, bad_lines: tuple[str, ...] = ()) -> Path:
    """A tiny daily series (sine plus a trend) with optional bad lines appended."""
    from data.timeseries import write_sine_csv

    write_sine_csv(path, n_days=n_days, period=30)
    with open(path, "a", encoding="utf-8") as handle:
        for line in bad_lines:
            handle.write(line + "\n")
    return path


POSITIVE_WORDS = ("great", "wonderful", "superb", "moving", "brilliant", "loved", "beautiful", "best")
NEGATIVE_WORDS = ("awful", "boring", "terrible", "waste", "dull", "worst", "hated", "poor")
NEUTRAL_WORDS = ("the", "film", "movie", "plot", "actors", "scene", "story", "was", "and", "a")


def review_text(rng, positive: bool, words: int = 30) -> str:
    """A synthetic review whose sentiment is carried by a few marked words."""
    marked = POSITIVE_WORDS if positive else NEGATIVE_WORDS
    tokens = [rng.choice(NEUTRAL_WORDS if rng.random() < 0.7 else marked) for _ in range(words)]
    return " ".join(tokens).capitalize() + ".<br /><br />Really, " + rng.choice(marked) + "!"


def write_aclimdb(root: Path, per_class: int = 40, seed: int = 0) -> Path:
    """A tiny aclImdb tree: ``aclImdb/{train,test}/{pos,neg}/<id>_<rating>.txt``."""
    rng = random.Random(seed)
    for split in ("train", "test"):
        for polarity in ("pos", "neg"):
            folder = root / "aclImdb" / split / polarity
            folder.mkdir(parents=True, exist_ok=True)
            for number in range(per_class):
                rating = rng.randint(7, 10) if polarity == "pos" else rng.randint(1, 4)
                (folder / f"{number}_{rating}.txt").write_text(review_text(rng, polarity == "pos"), encoding="utf-8")
    return root / "aclImdb"


def synthetic_digits(count: int, seed: int = 0, classes: int = 10) -> tuple[np.ndarray, np.ndarray]:
    """Learnable 28x28 uint8 'digits': class k draws a bright bar on rows 2k..2k+2, plus noise."""
    rng = np.random.default_rng(seed)
    labels = rng.integers(0, classes, count).astype(np.uint8)
    images = rng.integers(0, 60, (count, 28, 28)).astype(np.uint8)
    for image, label in zip(images, labels):
        image[2 * label + 2: 2 * label + 5, 4:24] = 255
    return images, labels


def write_idx(path: Path, array: np.ndarray, magic: int | None = None, gz: bool = True) -> Path:
    """Writes an IDX file (gzipped when the name ends in .gz)."""
    import gzip

    magic = magic if magic is not None else (0x0803 if array.ndim == 3 else 0x0801)
    header = magic.to_bytes(4, "big") + b"".join(d.to_bytes(4, "big") for d in array.shape)
    payload = header + array.astype(np.uint8).tobytes()
    path.write_bytes(gzip.compress(payload) if gz else payload)
    return path


def damage(path: Path, how: str) -> Path:
    """Damages a file in place, as a bad disk or transfer would.

    Args:
        path: The file.
        how: ``truncated`` keeps its first half; ``33%`` or ``90%`` inverts 16 bytes at that share of it.
    """
    raw = bytearray(path.read_bytes())
    if how == "truncated":
        raw = raw[:len(raw) // 2]
    else:
        at = len(raw) * int(how.rstrip("%")) // 100
        raw[at:at + 16] = bytes(byte ^ 0xFF for byte in raw[at:at + 16])
    path.write_bytes(bytes(raw))
    return path


def write_mnist_folder(folder: Path, count: int = 300, seed: int = 0, with_train: bool = False) -> Path:
    """A folder of IDX files holding synthetic digits (t10k only, unless ``with_train``)."""
    folder.mkdir(parents=True, exist_ok=True)
    images, labels = synthetic_digits(count, seed)
    write_idx(folder / "t10k-images-idx3-ubyte.gz", images)
    write_idx(folder / "t10k-labels-idx1-ubyte.gz", labels)
    if with_train:
        images, labels = synthetic_digits(count, seed + 1)
        write_idx(folder / "train-images-idx3-ubyte", images, gz=False)
        write_idx(folder / "train-labels-idx1-ubyte", labels, gz=False)
    return folder
