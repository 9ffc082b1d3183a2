"""Tests for gc: retention of runs, lineage and serving versions, on real demo runs."""

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from pipeline.lock import root_lock
from pipeline.store import RunStore
from tests.conftest import REPO, last_json, rnnpipe

QUICK = ["--set", "trainer.epochs=1", "--set", "evaluator.upper_bounds={}", "--set", "evaluator.max_regression=100"]


def demo(root: Path, seed: int, *extra: str) -> dict:
    result = rnnpipe("demo", "--root", str(root), *QUICK, "--set", f"trainer.seed={seed}", *extra, "--json")
    assert result.returncode == 0, result.stderr[-3000:]
    return last_json(result.stdout)


@pytest.mark.slow
def test_gc_keeps_recent_runs_their_lineage_and_the_newest_versions(tmp_path):
    root = tmp_path / "root"
    first, second, third = (demo(root, seed) for seed in (1, 2, 3))
    assert [run["pushed_version"] for run in (first, second, third)] == [1, 2, 3]
    executions = {path.relative_to(root / "artifacts").as_posix() for path in (root / "artifacts").glob("*/*")}

    planned = rnnpipe("gc", "--root", str(root), "--keep-runs", "1", "--keep-versions", "2", "--dry-run", "--json")
    assert planned.returncode == 0, planned.stderr[-2000:]
    plan = last_json(planned.stdout)
    doomed = {Path(p).relative_to(root / "artifacts").as_posix() for p in plan["delete_artifacts"]}
    # The first run's trainer, evaluator and exporter; the shared example_gen and transform stay.
    assert {p.split("/")[0] for p in doomed} == {"trainer", "evaluator", "exporter"} and len(doomed) == 3
    assert plan["delete_versions"] == [str(root / "serving" / "sine" / "1")] and plan["bytes"] > 0
    assert {path.relative_to(root / "artifacts").as_posix() for path in (root / "artifacts").glob("*/*")} == executions

    # The same collection, run by the config after a fully cached run.
    rerun = demo(root, 3, "--set", "run.gc_keep_runs=1", "--set", "run.gc_keep_versions=2")
    assert rerun["executed"] == [] and rerun["pushed_version"] is None
    left = {path.relative_to(root / "artifacts").as_posix() for path in (root / "artifacts").glob("*/*")}
    assert left == executions - doomed
    assert sorted(p.name for p in (root / "serving" / "sine").iterdir() if p.name.isdigit()) == ["2", "3"]

    # What is left still serves the cache (a deleted artifact would fail its fingerprint and rerun).
    assert demo(root, 3)["executed"] == []


def test_gc_refuses_a_folder_that_is_not_a_root_and_bad_counts(tmp_path):
    result = rnnpipe("gc", "--root", str(tmp_path))
    assert result.returncode == 2 and "is not a pipeline root (no runs.sqlite)" in result.stderr
    (tmp_path / "runs.sqlite").touch()
    result = rnnpipe("gc", "--root", str(tmp_path), "--keep-runs", "0")
    assert result.returncode == 2 and "--keep-runs and --keep-versions must be >= 1" in result.stderr


def test_gc_waiting_for_a_run_names_its_own_lock_timeout_option(tmp_path):
    RunStore(tmp_path)
    with root_lock(tmp_path):
        result = rnnpipe("gc", "--root", str(tmp_path), "--lock-timeout", "0.2")
    assert result.returncode == 5, result.stderr[-2000:]
    assert "waited 0.2s (raise --lock-timeout to wait longer)" in result.stderr
    assert "run.lock_timeout_seconds" not in result.stderr


def on_read_only(root: Path, *args: str) -> subprocess.CompletedProcess:
    """Runs the CLI with ``root`` read-only: write bits removed, or (as root, whom modes do not stop)
    a read-only bind mount of it in a private mount namespace."""
    command = [sys.executable, "-m", "pipeline.cli", *args]
    if os.geteuid() != 0:
        subprocess.run(["chmod", "-R", "a-w", str(root)], check=True)
    else:
        if shutil.which("unshare") is None:
            pytest.skip("running as root without unshare: cannot make the root read-only")
        command = ["unshare", "-m", "sh", "-c", 'mount --bind -o ro "$0" "$0" && exec "$@"', str(root), *command]
    try:
        result = subprocess.run(command, cwd=REPO, capture_output=True, text=True, timeout=300,
                                env={**os.environ, "PYTHONPATH": str(REPO)})
    finally:
        subprocess.run(["chmod", "-R", "u+w", str(root)], check=True)
    if "mount:" in result.stderr or "unshare:" in result.stderr:
        pytest.skip(f"cannot make a read-only mount here: {result.stderr.strip()[:200]}")
    return result


def test_gc_dry_run_works_on_a_read_only_root_and_gc_says_it_cannot_write(demo_run, tmp_path):
    root = Path(shutil.copytree(demo_run[0], tmp_path / "root"))
    (root / ".rnnpipe.lock").unlink()  # not even the lock file is there to open
    planned = on_read_only(root, "gc", "--root", str(root), "--keep-versions", "1", "--dry-run", "--json")
    assert planned.returncode == 0 and "Traceback" not in planned.stderr, planned.stderr[-3000:]
    assert last_json(planned.stdout)["status"] == "dry-run"

    collected = on_read_only(root, "gc", "--root", str(root), "--json")
    assert collected.returncode == 2 and "Traceback" not in collected.stderr, collected.stderr[-3000:]
    assert f"cannot lock the pipeline root {root}: cannot write {root / '.rnnpipe.lock'}" in collected.stderr
