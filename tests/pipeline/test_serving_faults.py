"""The serving folder under faults, end to end through the CLI: a rollback by hand followed by gc
and a cached run, and a kill right after a version is renamed into place."""

import shutil
from pathlib import Path

import pytest

from components.artifacts.serving import ServingFolder
from tests.conftest import last_json, rnnpipe
from tests.pipeline.test_fault_tolerance import kill_at

pytestmark = pytest.mark.slow  # whole demo runs

QUICK = ["--set", "trainer.epochs=1", "--set", "evaluator.upper_bounds={}", "--set", "evaluator.max_regression=100"]


def demo_arguments(root: Path, seed: int) -> list[str]:
    return ["demo", "--root", str(root), *QUICK, "--set", f"trainer.seed={seed}", "--json"]


def demo(root: Path, seed: int) -> dict:
    result = rnnpipe(*demo_arguments(root, seed))
    assert result.returncode == 0, result.stderr[-3000:]
    return last_json(result.stdout)


def test_after_a_rollback_by_hand_gc_keeps_the_version_left_and_a_cached_push_publishes_again(tmp_path):
    root = tmp_path / "root"
    folder = ServingFolder.of(root / "serving", "sine")
    assert [demo(root, seed)["pushed_version"] for seed in (1, 2)] == [1, 2]
    shutil.rmtree(folder.version_path(2))  # a manual rollback to version 1

    collected = rnnpipe("gc", "--root", str(root), "--keep-versions", "1", "--json")
    assert collected.returncode == 0, collected.stderr[-3000:]
    plan = last_json(collected.stdout)
    assert plan["delete_versions"] == [] and plan["kept_versions"] == [str(folder.version_path(1))]
    assert folder.versions() == [1]

    # The run of version 2 again: all cached but the push, whose version is gone: it publishes anew.
    again = demo(root, 2)
    assert again["executed"] == ["exporter"] and again["pushed_version"] == 3
    assert again["model_path"] == str(folder.version_path(3)) and folder.versions() == [1, 3]
    assert demo(root, 2)["executed"] == []  # and now its record holds


def test_a_kill_right_after_the_version_rename_does_not_publish_the_model_twice(tmp_path):
    root = tmp_path / "root"
    folder = ServingFolder.of(root / "serving", "sine")
    # The exporter's record is written after the rename: killed there, the run store never hears of version 1.
    kill_at(demo_arguments(root, 1), "open", "/pushed_model/.push.json")
    assert folder.versions() == [1]

    rerun = demo(root, 1)
    assert rerun["executed"] == ["exporter"] and rerun["model_path"] == str(folder.version_path(1))
    assert folder.versions(complete=False) == [1]  # recognised as already published, not pushed as 2
