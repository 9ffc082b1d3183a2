"""Tests for scoring.staging: a killed job's staging folder is cleaned by the next job beside it,
a live job's staging folder and folders that are not a job's own are never touched."""

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from components.scoring import staging as staging_folders
from tests.conftest import REPO, last_json, rnnpipe, write_series_csv
from tests.pipeline.test_fault_tolerance import kill_at

# Runs the CLI with an audit hook that SIGSTOPs its own process at the first ``open`` of a path
# containing a fragment: a job paused at an exact point, alive and holding its staging folder.
STOP_AT_OPEN = """
import os, runpy, signal, sys
fragment = sys.argv[1]
stopped = []
def stop_at(event, args):
    if not stopped and event == "open" and args and fragment in str(args[0]):
        stopped.append(args[0])
        os.kill(os.getpid(), signal.SIGSTOP)
sys.addaudithook(stop_at)
sys.argv = ["rnnpipe", *sys.argv[2:]]
runpy.run_module("pipeline.cli", run_name="__main__", alter_sys=True)
"""


def stagings(parent: Path) -> list[Path]:
    return sorted(parent.glob(".*.staging-*"))


def test_a_stale_staging_folder_is_removed_and_a_live_or_foreign_one_is_kept(tmp_path):
    parent = tmp_path / "scored"
    live = staging_folders.StagingFolder.create(str(parent / "day1"))
    dead = staging_folders.StagingFolder.create(str(parent / "day2"))
    (Path(dead.path) / "predictions").mkdir()
    (Path(dead.path) / "predictions" / "part-0").write_text("{}\n")
    kept = staging_folders.StagingFolder.create(str(parent / "day4"))
    foreign = parent / ".day3.staging-0000"  # no owner marker: not ours to judge
    foreign.mkdir()
    dead.release()  # as the kernel does when its process dies: the lock goes, the folder stays
    kept.keep()  # kept for its dead letters: the user's now
    owner = json.loads((Path(live.path) / staging_folders.OWNER).read_text())
    assert owner["pid"] == os.getpid() and owner["host"] and owner["output"] == str(parent / "day1")

    assert staging_folders.remove_stale(str(parent)) == [dead.path]
    assert stagings(parent) == sorted([Path(live.path), foreign, Path(kept.path)])
    live.discard()
    assert stagings(parent) == sorted([foreign, Path(kept.path)])



def test_a_job_killed_while_making_its_staging_folder_leaves_one_the_next_job_removes(tmp_path):
    parent = tmp_path / "scored"
    made = staging_folders.StagingFolder.create(str(parent / "day1"))
    marker = Path(made.path) / staging_folders.OWNER
    marker.rename(Path(made.path) / staging_folders.PENDING_OWNER)  # as a job killed before naming its marker
    assert staging_folders.remove_stale(str(parent)) == []  # its lock is still held: the job is alive
    made.release()
    assert staging_folders.remove_stale(str(parent)) == [made.path]
    assert stagings(parent) == []

@pytest.mark.slow
def test_a_killed_score_leaves_a_staging_folder_that_the_next_score_beside_it_cleans(demo_run, tmp_path):
    serving = demo_run[1]["serving_dir"]
    series = write_series_csv(tmp_path / "s.csv", n_days=60)
    parent = tmp_path / "scored"

    def score(day: str) -> list[str]:
        return ["score", "--model", serving, "--input", str(series), "--output", str(parent / day),
                "--format", "series", "--json"]

    # A job paused while it writes is live: no job beside it may touch its staging folder.
    paused = subprocess.Popen([sys.executable, "-c", STOP_AT_OPEN, "/predictions/", *score("day2")], cwd=REPO,
                              start_new_session=True, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                              env={**os.environ, "PYTHONPATH": str(REPO)})
    try:
        deadline = time.monotonic() + 300
        while not paused_at_its_writes(paused.pid):
            assert paused.poll() is None and time.monotonic() < deadline, paused.communicate()[1][-3000:]
            time.sleep(0.2)
        (live,) = stagings(parent)

        kill_at(score("day1"), "os.rename", "/predictions/")  # Beam moving its written predictions into place
        (stale,) = [path for path in stagings(parent) if path != live]
        assert any(path.is_file() and path.name != "_STAGING_OWNER" for path in stale.rglob("*"))
        assert not (parent / "day1").exists()

        result = rnnpipe(*score("day3"))
        assert result.returncode == 0, result.stderr[-3000:]
        assert f"removed the staging folder {stale} of a score that ended without finishing" in result.stderr
        assert stagings(parent) == [live]
        assert last_json(result.stdout)["scored"] > 0 and (parent / "day3" / "_SUCCESS").is_file()
    finally:
        os.killpg(paused.pid, signal.SIGCONT)
        out, err = paused.communicate(timeout=300)
    assert paused.returncode == 0, err[-3000:]
    assert (parent / "day2" / "_SUCCESS").is_file() and stagings(parent) == []
    assert sorted(path.name for path in parent.iterdir()) == ["day2", "day3"]


def paused_at_its_writes(pid: int) -> bool:
    """Whether process ``pid`` is stopped (state ``T`` in /proc)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return fields[0] == "T"
