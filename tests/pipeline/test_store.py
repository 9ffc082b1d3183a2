"""The run store under damage: a damaged file is one error naming it, an emptied or lost store never
hands out the id of an artifact folder on disk, and a recovery moves the file aside and re-indexes."""

import json
import sqlite3
from pathlib import Path

import pytest

from pipeline.errors import DamagedStoreError
from pipeline.store import STORE_FILE, RunStore
from tests.pipeline.test_runner import fake_dag, run


def damage(path: Path, keep_fraction: float) -> None:
    """Truncates a file to the first ``keep_fraction`` of its bytes."""
    data = path.read_bytes()
    path.write_bytes(data[:int(len(data) * keep_fraction)])


def busy_store(root: Path, runs: int = 40) -> Path:
    """A store with enough rows to span many pages, so a truncation damages its tables."""
    store = RunStore(root)
    for index in range(runs):
        store.start_run(f"r{index}", "p", {"source": "x" * 300})
        execution = store.start_execution(f"r{index}", "c", "k" * 64, cached=False)
        store.add_artifact(execution, "a", "T", f"/nowhere/{index}", "f" * 64, {"p": "q" * 300})
    return root / STORE_FILE


@pytest.mark.parametrize("keep_fraction", [0.9, 0.5, 0.02])
def test_a_truncated_store_is_one_error_naming_the_file(tmp_path, keep_fraction):
    path = busy_store(tmp_path)
    damage(path, keep_fraction)
    with pytest.raises(DamagedStoreError) as raised:
        RunStore(tmp_path).runs()
    assert str(path) in str(raised.value) and "rnnpipe store recover" in str(raised.value)
    assert raised.value.path == path


def test_a_file_that_is_not_a_database_is_one_error_naming_the_file(tmp_path):
    (tmp_path / STORE_FILE).write_bytes(b"not sqlite at all\n" * 500)
    with pytest.raises(DamagedStoreError, match="file is not a database"):
        RunStore(tmp_path)


def test_runs_on_a_damaged_store_prints_one_line_and_exits_3(tmp_path, capsys):
    from pipeline.cli import main

    damage(busy_store(tmp_path), 0.5)
    assert main(["runs", "--root", str(tmp_path)]) == 3
    err = capsys.readouterr().err
    assert "Traceback" not in err
    assert f"damaged run store: run store {tmp_path / STORE_FILE} is damaged" in err


@pytest.mark.parametrize("loss", ["emptied", "deleted", "fresh schema"])
def test_an_emptied_or_lost_store_never_hands_out_the_id_of_an_artifact_folder(tmp_path, loss):
    root = tmp_path / "root"
    first, _ = run(fake_dag(tmp_path), root, "r1")
    folders = sorted(root.glob("artifacts/*/[0-9]*"))
    assert sorted(folder.name for folder in folders) == ["1", "2"]
    if loss == "emptied":
        (root / STORE_FILE).write_bytes(b"")
    elif loss == "deleted":
        (root / STORE_FILE).unlink()
    else:
        (root / STORE_FILE).unlink()
        RunStore(root)
    written = {folder: (folder / "text").stat().st_mtime_ns for folder in folders if (folder / "text").exists()}
    second, store = run(fake_dag(tmp_path, "three words now"), root, "r2")  # today: "Directory not empty"
    assert second.executed == ["source", "judge"]
    ids = [execution["id"] for execution in store.run("r2")["executions"]]
    assert min(ids) > 2
    assert {folder: (folder / "text").stat().st_mtime_ns for folder in written} == written  # untouched
    assert Path(second.outputs["source"]["text"].uri, "text.txt").read_text() == "three words now"


def test_a_store_that_lost_its_records_warns_that_the_artifacts_are_not_indexed(tmp_path, caplog):
    root = tmp_path / "root"
    run(fake_dag(tmp_path), root, "r1")
    (root / STORE_FILE).write_bytes(b"")
    with caplog.at_level("WARNING", logger="rnnpipe.store"):
        RunStore(root)
    assert f"{root / STORE_FILE} has no executions but {root / 'artifacts'} holds 2 execution folder(s)" in caplog.text
    assert "rnnpipe store recover" in caplog.text


def test_an_intact_store_is_opened_without_a_warning(tmp_path, caplog):
    root = tmp_path / "root"
    run(fake_dag(tmp_path), root, "r1")
    with caplog.at_level("WARNING", logger="rnnpipe.store"):
        RunStore(root)
    assert caplog.text == ""


def test_recovery_moves_the_damaged_file_aside_and_reindexes_the_artifacts(tmp_path):
    from pipeline.store_recovery import recover_store

    root = tmp_path / "root"
    first, old = run(fake_dag(tmp_path), root, "r1")
    recorded = {row["uri"]: (row["type"], row["fingerprint"], row["execution_id"]) for row in old.artifacts()}
    original = (root / STORE_FILE).read_bytes()
    damage(root / STORE_FILE, 0.5)
    damaged = (root / STORE_FILE).read_bytes()
    (root / f"{STORE_FILE}-journal").write_bytes(b"a hot journal of the damaged file")

    report = recover_store(root)

    moved = Path(report.moved_aside[0])
    assert moved.parent == root and moved.name.startswith(f"{STORE_FILE}.damaged-") and moved.read_bytes() == damaged
    assert original != damaged
    assert not (root / f"{STORE_FILE}-journal").exists()  # never replayed onto the new store
    assert any(Path(p).name.startswith(f"{STORE_FILE}-journal.damaged-") for p in report.moved_aside)
    store = RunStore(root)
    assert {row["uri"]: (row["type"], row["fingerprint"], row["execution_id"]) for row in store.artifacts()} == recorded
    assert report.artifacts == 2 and report.executions == 2 and report.runs == 1
    [recovered] = store.runs()
    assert recovered["id"] == "r1" and recovered["status"] == "recovered"
    assert json.loads(recovered["config"])["recovered_from"] == str(moved)
    assert [(e["component"], e["status"]) for e in store.run("r1")["executions"]] == [
        ("source", "complete"), ("judge", "complete")]
    assert {event["kind"] for event in store.events()} == {"output"}

    second, _ = run(fake_dag(tmp_path), root, "r2")  # no cache key on disk: recomputed, into new folders
    assert second.executed == ["source", "judge"]
    assert sorted(p.name for p in root.glob("artifacts/source/[0-9]*")) == ["1", "3"]


def test_recovery_keeps_pushed_versions_known_to_gc(tmp_path):
    from pipeline.gc import served_versions
    from pipeline.store_recovery import recover_store

    root = tmp_path / "root"
    store = RunStore(root)
    store.start_run("r1", "p", {})
    execution = store.start_execution("r1", "exporter", "key", cached=False)
    folder = root / "artifacts" / "exporter" / str(execution) / "pushed_model"
    folder.mkdir(parents=True)
    version = root / "serving" / "m" / "1"
    version.mkdir(parents=True)
    card = {"type": "PushedModel", "producer": "exporter", "run_id": "r1", "name": "pushed_model",
            "fingerprint": "f", "properties": {"pushed": True, "path": str(version)}}
    (folder / "artifact.json").write_text(json.dumps(card))
    store.add_artifact(execution, "pushed_model", "PushedModel", str(folder), "f", card["properties"])
    before = served_versions(store)
    (root / STORE_FILE).write_bytes(b"")

    recover_store(root)
    assert served_versions(RunStore(root)) == before != {}


def test_recovery_refuses_a_healthy_store_unless_forced(tmp_path):
    from pipeline.errors import UsageError
    from pipeline.store_recovery import recover_store

    root = tmp_path / "root"
    run(fake_dag(tmp_path), root, "r1")
    with pytest.raises(UsageError, match=f"{root / STORE_FILE} is healthy"):
        recover_store(root)
    assert recover_store(root, force=True).artifacts == 2


def test_recovery_of_a_folder_that_is_no_pipeline_root_is_a_usage_error(tmp_path):
    from pipeline.errors import UsageError
    from pipeline.store_recovery import recover_store

    with pytest.raises(UsageError, match="is not a pipeline root"):
        recover_store(tmp_path / "nothing")


def test_recovery_skips_an_unreadable_card_and_names_it(tmp_path):
    from pipeline.store_recovery import recover_store

    root = tmp_path / "root"
    run(fake_dag(tmp_path), root, "r1")
    card = next(root.glob("artifacts/judge/*/verdict/artifact.json"))
    card.write_text("{ half a card")
    (root / STORE_FILE).write_bytes(b"")
    report = recover_store(root)
    assert report.artifacts == 1 and report.skipped == [str(card)]


def test_store_recover_on_the_command_line(tmp_path, capsys):
    from pipeline.cli import main

    root = tmp_path / "root"
    run(fake_dag(tmp_path), root, "r1")
    damage(root / STORE_FILE, 0.5)
    assert main(["store", "recover", "--root", str(root), "--json"]) == 0
    report = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert report["artifacts"] == 2 and Path(report["moved_aside"][0]).is_file()
    assert main(["runs", "--root", str(root)]) == 0
    assert "recovered" in capsys.readouterr().out
    assert main(["store", "recover", "--root", str(root)]) == 2  # healthy now
    assert "is healthy" in capsys.readouterr().err


def test_sqlite_errors_that_are_not_damage_are_not_called_damage(tmp_path):
    store = RunStore(tmp_path)
    with sqlite3.connect(tmp_path / STORE_FILE) as holder:
        holder.execute("BEGIN EXCLUSIVE")
        with pytest.raises(sqlite3.OperationalError, match="locked"):
            RunStore(tmp_path, timeout=0.1).start_run("r", "p", {})
    assert store.runs() == []
