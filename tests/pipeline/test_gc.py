"""Tests for gc: retention of runs, lineage and serving versions, on real demo runs."""

from pathlib import Path

import pytest

from tests.conftest import last_json, rnnpipe

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
