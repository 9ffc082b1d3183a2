"""The served model's history and control on the demo: ``versions``, ``rollback``, ``--force-push``, gc.

Real runs, real SavedModels, real processes: one demo pushes version 1 (blessed), a second with a
gate nothing passes and ``--force-push --reason`` pushes version 2, and a rollback serves version
1's model again as version 3. Tests that change a serving folder other than by that rollback work
on a copy of it.
"""

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

from components.artifacts import serving_history
from components.artifacts.serving import ServingFolder
from pipeline.store import RunStore
from tests.conftest import REPO, last_json, rnnpipe

# One worker builds the module's demo root once; every test here runs real pipelines or CLI processes.
pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("versions")]

MODEL = "sine"  # the demo's pipeline name, its served model's name
FORCED = ["--set", "trainer.epochs=1", "--set", "model.highway_lags=0",  # another model, never blessed
          "--set", "evaluator.upper_bounds.rmse=0.0001"]
REASON = "the gate's rmse bound is wrong for this data (ticket 42)"


@pytest.fixture(scope="module")
def pushed_twice(tmp_path_factory):
    """A demo root whose model was pushed blessed (1), then forced (2): root, both summaries, and
    copies of both versions kept aside (gc may delete the originals)."""
    base = tmp_path_factory.mktemp("versions")
    root = base / "root"
    first = rnnpipe("demo", "--root", str(root), "--json")
    assert first.returncode == 0, first.stderr[-3000:]
    forced = rnnpipe("demo", "--root", str(root), *FORCED, "--force-push", "--reason", REASON, "--json")
    assert forced.returncode == 0, forced.stderr[-3000:]
    folder = ServingFolder(root / "serving" / MODEL)
    for version in (1, 2):
        shutil.copytree(folder.version_path(version), base / f"aside-{version}")
    return {"root": root, "folder": folder, "first": last_json(first.stdout), "forced": last_json(forced.stdout),
            "aside": {1: base / "aside-1", 2: base / "aside-2"}}


@pytest.fixture(scope="module")
def rolled_back(pushed_twice):
    """``rnnpipe rollback sine --to 1``: its JSON result."""
    result = rnnpipe("rollback", MODEL, "--to", "1", "--reason", "version 2 regressed", "--root",
                     str(pushed_twice["root"]), "--json")
    assert result.returncode == 0, result.stderr[-3000:]
    return last_json(result.stdout)


def copy_root(pushed_twice, tmp_path) -> tuple[Path, ServingFolder]:
    """A root of its own holding a copy of the demo's serving folder (versions 1 and 2 and their history)."""
    root = tmp_path / "root"
    shutil.copytree(pushed_twice["aside"][1], root / "serving" / MODEL / "1")
    shutil.copytree(pushed_twice["aside"][2], root / "serving" / MODEL / "2")
    shutil.copy(pushed_twice["folder"].model_dir / serving_history.HISTORY_FILE, root / "serving" / MODEL)
    lines = (root / "serving" / MODEL / serving_history.HISTORY_FILE).read_text().splitlines()
    kept = [line for line in lines if json.loads(line)["version"] in (1, 2)]  # without a rollback already made
    (root / "serving" / MODEL / serving_history.HISTORY_FILE).write_text("".join(line + "\n" for line in kept))
    return root, ServingFolder(root / "serving" / MODEL)


def answers(path: Path) -> dict:
    """What the SavedModel at ``path`` answers on fixed inputs (its ``serving_raw`` signature)."""
    import tensorflow as tf

    signature = tf.saved_model.load(str(path)).signatures["serving_raw"]
    rng = np.random.default_rng(7)
    inputs = {}
    for name, spec in signature.structured_input_signature[1].items():
        shape = [5 if size is None else size for size in spec.shape]
        if spec.dtype == tf.float32:
            inputs[name] = tf.constant(rng.normal(size=shape).astype(np.float32))
        elif spec.dtype == tf.int64:
            inputs[name] = tf.constant(1_700_000_000 + 86_400 * np.arange(np.prod(shape)).reshape(shape), tf.int64)
        else:
            inputs[name] = tf.fill(shape, "a")
    return {name: value.numpy() for name, value in signature(**inputs).items()}


def test_force_push_needs_a_reason_and_nothing_runs_without_one(tmp_path):
    root = tmp_path / "root"
    for args, message in ((["--force-push"], "--force-push needs --reason TEXT"),
                          (["--reason", "why"], "--reason goes with --force-push"),
                          (["--force-push", "--reason", "  "], "--reason: a forced push needs a reason that says why")):
        result = rnnpipe("demo", "--root", str(root), *args)
        assert result.returncode == 2, result.stderr[-2000:]
        assert f"rnnpipe: usage error: {message}" in result.stderr
    assert not root.exists()


def test_a_forced_push_publishes_the_unblessed_model_and_records_the_reason(pushed_twice):
    forced, folder = pushed_twice["forced"], pushed_twice["folder"]
    assert forced["blessed"] is False and forced["reasons"]
    assert forced["pushed_version"] == 2 and forced["force_push_reason"] == REASON
    assert "exporter" in forced["executed"]
    assert "force_push_reason" not in pushed_twice["first"]
    card = json.loads((pushed_twice["aside"][2] / "model.json").read_text())
    assert card["force_push_reason"] == REASON and card["blessed"] is False and card["run_id"] == forced["run_id"]
    record = next(r for r in serving_history.read(folder) if r.version == 2)
    assert (record.action, record.reason, record.blessed, record.run_id) == ("force_push", REASON, False,
                                                                             forced["run_id"])
    assert record.metrics["rmse"] == pytest.approx(forced["metrics"]["rmse"])


def test_a_forced_push_after_a_cached_refusal_executes_the_exporter(pushed_twice):
    # The reason is in the exporter's params: with the same evaluation cached, the push is not a cached no-op.
    root, folder = str(pushed_twice["root"]), pushed_twice["folder"]
    gate = ["--set", "evaluator.upper_bounds.rmse=0.0001"]  # run 1's model, refused
    refused = rnnpipe("demo", "--root", root, *gate, "--json")
    assert refused.returncode == 4, refused.stderr[-3000:]
    forced = rnnpipe("demo", "--root", root, *gate, "--force-push", "--reason", "pushed after all", "--json")
    assert forced.returncode == 0, forced.stderr[-3000:]
    summary = last_json(forced.stdout)
    assert "evaluator" in summary["cached"] and summary["executed"] == ["exporter"]
    assert summary["blessed"] is False and summary["force_push_reason"] == "pushed after all"
    served = folder.newest()
    assert summary["model_version"] == served  # run 1's model is served (its version, or a rollback's copy of it)
    assert folder.identity(served) == (pushed_twice["aside"][1] / "identity.txt").read_text().strip()
    versions = [record.version for record in serving_history.read(folder)]
    assert versions == sorted(set(versions)) and served in versions


def test_versions_lists_each_push_with_its_run_metrics_blessing_and_reason(pushed_twice):
    first, forced, root = pushed_twice["first"], pushed_twice["forced"], str(pushed_twice["root"])
    result = rnnpipe("versions", MODEL, "--root", root, "--json")
    assert result.returncode == 0, result.stderr[-2000:]
    report = last_json(result.stdout)
    rows = {row["version"]: row for row in report["versions"]}
    assert (rows[1]["run_id"], rows[1]["action"], rows[1]["blessed"], rows[1]["recorded"]) == (
        first["run_id"], "push", True, True)
    assert rows[1]["metrics"]["rmse"] == pytest.approx(first["metrics"]["rmse"])
    assert (rows[2]["run_id"], rows[2]["action"], rows[2]["blessed"], rows[2]["reason"]) == (
        forced["run_id"], "force_push", False, REASON)
    assert report["served"] == pushed_twice["folder"].newest()
    assert [row["version"] for row in report["versions"] if row["served"]] == [report["served"]]
    text = rnnpipe("versions", MODEL, "--root", root)
    assert text.returncode == 0 and f"version {report['served']} is served" in text.stdout
    assert first["run_id"] in text.stdout and f"reason: {REASON}" in text.stdout


def test_versions_lists_versions_published_before_the_history(pushed_twice, tmp_path):
    root, folder = copy_root(pushed_twice, tmp_path)
    (folder.model_dir / serving_history.HISTORY_FILE).unlink()
    for version in (1, 2):
        (folder.version_path(version) / serving_history.RECORD_FILE).unlink()
    result = rnnpipe("versions", MODEL, "--root", str(root), "--json")
    assert result.returncode == 0, result.stderr[-2000:]
    rows = last_json(result.stdout)["versions"]
    assert [(row["version"], row["recorded"], row["run_id"], row["served"]) for row in rows] == [
        (1, False, pushed_twice["first"]["run_id"], False), (2, False, pushed_twice["forced"]["run_id"], True)]


def test_a_rollback_is_served_and_answers_like_the_version_it_copies(pushed_twice, rolled_back):
    folder, version = pushed_twice["folder"], rolled_back["version"]
    assert rolled_back["source_version"] == 1 and version > 2 and rolled_back["tracking_error"] is None
    assert serving_history.served(folder) == version  # the highest loadable: what TF Serving serves
    record = next(r for r in serving_history.read(folder) if r.version == version)
    assert (record.action, record.source_version, record.reason, record.run_id) == (
        "rollback", 1, "version 2 regressed", None)
    restored, original, forced = answers(folder.version_path(version)), answers(pushed_twice["aside"][1]), \
        answers(pushed_twice["aside"][2])
    assert restored.keys() == original.keys()
    for name in original:
        np.testing.assert_array_equal(restored[name], original[name])
    assert not np.array_equal(forced["predictions"], original["predictions"])  # the check can tell models apart
    listed = last_json(rnnpipe("versions", MODEL, "--root", str(pushed_twice["root"]), "--json").stdout)
    assert listed["served"] == version and listed["versions"][-1]["source_version"] == 1


def test_rollback_refuses_a_missing_or_broken_version_and_a_blank_reason(pushed_twice, tmp_path):
    root, folder = copy_root(pushed_twice, tmp_path)
    (folder.version_path(1) / "variables" / "variables.index").unlink()  # half deleted: not loadable
    history = (folder.model_dir / serving_history.HISTORY_FILE).read_text()
    for args, message in (
            (["--to", "9", "--reason", "x"], f"--to 9: {folder.model_dir} has no version 9 (versions: 1, 2;"),
            (["--to", "1", "--reason", "x"], f"--to 1: {folder.version_path(1)} is not a loadable SavedModel"),
            (["--to", "2", "--reason", " "], "rollback needs --reason TEXT"),
            (["--to", "2"], "the following arguments are required: --reason")):
        result = rnnpipe("rollback", MODEL, *args, "--root", str(root))
        assert result.returncode == 2, (args, result.stderr[-2000:])
        assert message in result.stderr, (args, result.stderr[-2000:])
    result = rnnpipe("rollback", "nosuch", "--to", "1", "--reason", "x", "--root", str(root))
    assert result.returncode == 2 and "no served model 'nosuch'" in result.stderr and "models there: sine" in result.stderr
    assert folder.versions(complete=False) == [1, 2]
    assert (folder.model_dir / serving_history.HISTORY_FILE).read_text() == history


def test_a_sigkill_during_a_rollback_leaves_the_old_state_or_the_new(pushed_twice, tmp_path):
    root, folder = copy_root(pushed_twice, tmp_path)
    command = [sys.executable, "-m", "pipeline.cli", "rollback", MODEL, "--to", "1", "--reason", "killed",
               "--root", str(root)]
    killed_mid_copy = 0
    for attempt in range(5):
        before = {"versions": folder.versions(complete=False), "records": serving_history.read(folder)}
        stale = set(os.listdir(folder.model_dir))  # a killed attempt's staging stays until the next publish
        process = subprocess.Popen(command, cwd=REPO, env={**os.environ, "PYTHONPATH": str(REPO)},
                                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 60
        while process.poll() is None and time.monotonic() < deadline:  # until the staging folder appears
            if any(name.startswith(".tmp-") and name not in stale for name in os.listdir(folder.model_dir)):
                process.send_signal(signal.SIGKILL)
                killed_mid_copy += 1
                break
        process.wait(timeout=60)
        after = folder.versions(complete=False)
        records = serving_history.read(folder)
        if after == before["versions"]:  # the old state: nothing published, nothing recorded
            assert records == before["records"], attempt
        else:  # the new state: one whole version, served, and its record
            assert after == [*before["versions"], max(after)] and folder.is_loadable(max(after)), attempt
            assert serving_history.served(folder) == max(after)
            assert records[:-1] == before["records"] and records[-1].version == max(after)
            assert (records[-1].action, records[-1].source_version) == ("rollback", 1)
        assert all(folder.is_loadable(version) for version in after), attempt  # never a partial version
        if killed_mid_copy >= 2:
            break
    assert killed_mid_copy >= 1, "the rollback never showed its staging folder: the kill never landed in the copy"
    finished = rnnpipe("rollback", MODEL, "--to", "1", "--reason", "after the kills", "--root", str(root), "--json")
    assert finished.returncode == 0, finished.stderr[-2000:]
    assert serving_history.served(folder) == last_json(finished.stdout)["version"]
    assert not list(folder.model_dir.glob(".tmp-*"))  # the killed copies' staging is cleared
    assert [r.version for r in serving_history.read(folder)] == folder.versions(complete=False)


def test_gc_keeps_the_served_version_and_the_model_it_was_rolled_back_to(pushed_twice, rolled_back):
    root, folder = pushed_twice["root"], pushed_twice["folder"]
    result = rnnpipe("gc", "--root", str(root), "--keep-runs", "1", "--keep-versions", "1", "--json")
    assert result.returncode == 0, result.stderr[-2000:]
    plan = last_json(result.stdout)
    served = serving_history.served(folder)
    assert served == folder.newest() and served >= rolled_back["version"]
    assert plan["kept_versions"] == [str(folder.version_path(served))]
    assert folder.is_loadable(served)
    # Version 3 holds run 1's model, which only the history links to it: that model's folder stays.
    model_of_run_1 = json.loads((pushed_twice["aside"][1] / "model.json").read_text())["model_fingerprint"]
    kept_models = [row for row in RunStore(root).artifacts("Model") if Path(row["uri"]).is_dir()]
    assert model_of_run_1 in {row["fingerprint"] for row in kept_models}, plan
