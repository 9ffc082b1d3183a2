"""Kill-and-rerun, the root lock, and the no-op nightly rerun, through the real CLI."""

import json
import logging
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from components.types import fingerprint_dir
from pipeline.cli import main
from pipeline.lock import root_lock
from pipeline.store import RunStore
from tests.conftest import REPO, last_json, rnnpipe, write_series_csv

pytestmark = pytest.mark.slow  # whole pipelines, end to end

DEMO = str(REPO / "pipeline/configs/demo.yaml")


def nightly(root: Path, data_dir: Path, *extra: str) -> list[str]:
    """The CLI arguments of a nightly run reading the latest span under ``data_dir/drops``."""
    return ["run", DEMO, "--root", str(root), "--data-dir", str(data_dir), "--set", "data.path=drops/{SPAN}/sine.csv",
            "--set", "trainer.epochs=6", *extra, "--json"]


# Runs the CLI with an audit hook that SIGKILLs its own process group at the nth event
# (``open`` or ``os.rename``) whose first argument contains a path fragment: a kill at an exact
# point, however slowly a loaded machine runs, where polling for files can miss a short window.
KILL_AT_EVENT = """
import os, runpy, signal, sys
event_name, fragment, nth = sys.argv[1], sys.argv[2], int(sys.argv[3])
seen = []
def kill_at(event, args):
    if event == event_name and args and fragment in str(args[0]):
        seen.append(args[0])
        if len(seen) == nth:
            os.killpg(0, signal.SIGKILL)
sys.addaudithook(kill_at)
sys.argv = ["rnnpipe", *sys.argv[4:]]
runpy.run_module("pipeline.cli", run_name="__main__", alter_sys=True)
"""


def kill_at(arguments: list[str], event: str, fragment: str, nth: int = 1) -> None:
    """Runs the CLI and SIGKILLs its process group at the ``nth`` ``event`` on a path containing
    ``fragment``; fails if the run ends first."""
    process = subprocess.run([sys.executable, "-c", KILL_AT_EVENT, event, fragment, str(nth), *arguments], cwd=REPO,
                             start_new_session=True, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
                             env={**os.environ, "PYTHONPATH": str(REPO)}, timeout=600)
    assert process.returncode == -signal.SIGKILL, f"no {event} of {fragment!r}: {process.stderr[-2000:]}"


def drop_span(data_dir: Path, span: int, days: int) -> None:
    """Writes span ``span`` of the nightly series."""
    (data_dir / "drops" / str(span)).mkdir(parents=True)
    write_series_csv(data_dir / "drops" / str(span) / "sine.csv", n_days=days)


def files_under(pattern_root: Path, pattern: str) -> bool:
    """Whether any file lies under a folder matching ``pattern``."""
    return any(path.is_file() for folder in pattern_root.glob(pattern) for path in folder.rglob("*"))


def test_killed_during_beam_writes_training_and_export_the_next_run_completes(tmp_path):
    root, data = tmp_path / "root", tmp_path / "data"
    drop_span(data, 1, days=500)
    arguments = nightly(root, data)
    kill_at(arguments, "open", "/example_gen/.staging-", nth=2)  # Beam writing its second file
    assert files_under(root / "artifacts", "example_gen/.staging-*")
    kill_at(arguments, "os.rename", "/pending.weights.h5", nth=2)  # epoch 2's checkpoint, before it replaces epoch 1's
    assert files_under(root / "scratch", "trainer/*/backup*")
    kill_at(arguments, "os.rename", "/serving/sine/.tmp-")  # a whole SavedModel, before it is published
    assert files_under(root / "serving" / "sine", ".tmp-*")
    assert not any((root / "serving" / "sine").glob("[0-9]*"))  # no version, not even a partial one

    result = rnnpipe(*arguments)
    assert result.returncode == 0, result.stderr[-3000:]
    summary = last_json(result.stdout)
    assert summary["pushed_version"] == 1 and summary["spans"] == ["1"]
    assert "exporter" in summary["executed"] and "example_gen" in summary["cached"]  # finished work was kept
    store = RunStore(root)
    assert [run["status"] for run in store.runs()] == ["complete", "interrupted", "interrupted", "interrupted"]
    assert not list((root / "artifacts").glob("*/.staging-*")) and not list((root / "serving").glob("*/.tmp-*"))
    for artifact in store.artifacts():  # every recorded artifact is whole
        assert fingerprint_dir(artifact["uri"]) == artifact["fingerprint"], artifact["uri"]
    version = root / "serving" / "sine" / "1"
    assert (version / "saved_model.pb").is_file() and json.loads((version / "model.json").read_text())

    # The next night, with no new span and no config change: a no-op.
    again = last_json(rnnpipe(*arguments).stdout)
    assert again["executed"] == [] and again["pushed_version"] is None and again["spans"] == ["1"]
    assert again["seconds"] < summary["seconds"]
    assert sorted(p.name for p in (root / "serving" / "sine").iterdir() if p.name.isdigit()) == ["1"]

    # A new span arrives: it is the one read, and the run store records it.
    drop_span(data, 2, days=520)
    newer = last_json(rnnpipe(*nightly(root, data, "--until", "statistics")).stdout)
    assert newer["spans"] == ["2"] and newer["executed"] == ["example_gen", "statistics"]
    assert json.loads(store.run(newer["run_id"])["config"])["spans"] == ["2"]


def test_a_second_run_waits_for_the_lock_then_gives_up_or_proceeds(demo_run, capsys):
    root, _ = demo_run
    with root_lock(root):
        started = time.monotonic()
        code = main(["demo", "--root", str(root), "--set", "run.lock_timeout_seconds=1.5"])
        waited = time.monotonic() - started
    assert code == 5 and waited >= 1.5
    assert "is locked by another run" in capsys.readouterr().err

    taken, waiting = threading.Event(), threading.Event()

    said_it_waits = []

    class WaitingSeen(logging.Handler):
        def emit(self, record):
            if "waiting up to 60s" in record.getMessage():
                said_it_waits.append(record.getMessage())
                waiting.set()

    def hold_until_the_run_waits():
        with root_lock(root):
            taken.set()
            waiting.wait(60)  # released only once the run has said it waits, however slow the machine

    seen = WaitingSeen()
    logging.getLogger("rnnpipe.lock").addHandler(seen)
    holder = threading.Thread(target=hold_until_the_run_waits)
    holder.start()
    try:
        taken.wait(10)
        code = main(["demo", "--root", str(root), "--set", "run.lock_timeout_seconds=60", "--json"])
    finally:
        waiting.set()
        holder.join()
        logging.getLogger("rnnpipe.lock").removeHandler(seen)
    assert code == 0 and said_it_waits  # it waited for the holder, then ran
    assert last_json(capsys.readouterr().out)["executed"] == []  # on intact artifacts
