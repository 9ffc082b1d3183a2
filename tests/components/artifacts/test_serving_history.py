"""Tests for the served model's history: records appended with their versions, torn lines, kills."""

import json
import logging

import pytest

from components.artifacts import serving_history
from components.artifacts.serving import ServingFolder
from components.artifacts.serving_history import HISTORY_FILE, RECORD_FILE, PushRecord


def draft(action="push", reason="blessed by the evaluator", **fields):
    """A record whose version the publish stamps."""
    return PushRecord(version=0, pushed_at="2026-12-01T21:00:00Z", run_id=fields.pop("run_id", "run-a"),
                      action=action, reason=reason, blessed=fields.pop("blessed", True),
                      metrics=fields.pop("metrics", {"rmse": 0.1}), **fields)


def publish(folder, copy_of, record):
    """Publishes the tiny SavedModel with ``record`` stamped in, then records it as the exporter does."""
    version, _ = folder.publish(copy_of, stamp=serving_history.stamp(record))
    serving_history.record_published(folder, version)
    return version


def test_each_publish_appends_one_record_with_its_version(tmp_path, copy_of):
    folder = ServingFolder(tmp_path / "m")
    assert serving_history.read(folder) == [] and serving_history.served(folder) is None
    first = publish(folder, copy_of, draft())
    second = publish(folder, copy_of, draft("force_push", "the gate is wrong today", blessed=False, run_id="run-b"))

    records = serving_history.read(folder)
    assert [(r.version, r.action, r.run_id, r.blessed) for r in records] == [
        (first, "push", "run-a", True), (second, "force_push", "run-b", False)]
    assert records[1].reason == "the gate is wrong today" and records[0].metrics == {"rmse": 0.1}
    lines = (folder.model_dir / HISTORY_FILE).read_text().splitlines()
    assert [json.loads(line)["version"] for line in lines] == [1, 2]
    assert json.loads((folder.version_path(2) / RECORD_FILE).read_text())["version"] == 2
    assert serving_history.served(folder) == 2
    assert serving_history.record_published(folder, 2).version == 2  # idempotent: no second line
    assert len((folder.model_dir / HISTORY_FILE).read_text().splitlines()) == 2


def test_a_torn_last_line_is_ignored_with_a_warning_and_the_next_append_starts_a_line(tmp_path, copy_of, caplog):
    folder = ServingFolder(tmp_path / "m")
    publish(folder, copy_of, draft())
    with open(folder.model_dir / HISTORY_FILE, "a") as handle:  # a kill in the middle of an append
        handle.write('{"version": 2, "pushed_at": "2026-12-01T2')
    with caplog.at_level(logging.WARNING, logger="rnnpipe.serving_history"):
        assert [r.version for r in serving_history.read(folder)] == [1]
    assert f"{HISTORY_FILE} line 2: not a complete record" in caplog.text

    publish(folder, copy_of, draft(run_id="run-c"))
    assert [(r.version, r.run_id) for r in serving_history.read(folder)] == [(1, "run-a"), (2, "run-c")]
    assert json.loads((folder.model_dir / HISTORY_FILE).read_text().splitlines()[-1])["run_id"] == "run-c"


def test_a_kill_between_the_rename_and_the_append_leaves_the_record_in_the_version(tmp_path, copy_of):
    folder = ServingFolder(tmp_path / "m")
    publish(folder, copy_of, draft())
    version, _ = folder.publish(copy_of, stamp=serving_history.stamp(draft(run_id="run-killed")))  # no append
    assert len((folder.model_dir / HISTORY_FILE).read_text().splitlines()) == 1
    assert [(r.version, r.run_id) for r in serving_history.read(folder)] == [(1, "run-a"), (2, "run-killed")]

    serving_history.record_published(folder, version)  # what the re-run's exporter does
    assert [json.loads(line)["run_id"] for line in (folder.model_dir / HISTORY_FILE).read_text().splitlines()] == [
        "run-a", "run-killed"]


def test_served_is_the_newest_loadable_version_and_a_failed_stamp_publishes_nothing(tmp_path, copy_of):
    folder = ServingFolder(tmp_path / "m")
    publish(folder, copy_of, draft())
    folder.version_path(2).mkdir()  # a half-copied version: not served
    assert serving_history.served(folder) == 1

    def failing_stamp(version, tmp):
        raise OSError("disk full")

    with pytest.raises(OSError, match="disk full"):
        folder.publish(copy_of, stamp=failing_stamp)
    assert folder.versions(complete=False) == [1, 2] and not list(folder.model_dir.glob(".tmp-*"))


def test_a_record_names_a_known_action():
    with pytest.raises(ValueError, match="action must be one of push, force_push, rollback"):
        draft(action="promote")
