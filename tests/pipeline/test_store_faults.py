"""Kills through the real CLI around what the run store and the trainer's checkpoint keep: a demo
killed mid-training resumes to the model the uninterrupted demo ships, and a recovery killed between
its renames can run again."""

import json
import shutil
from pathlib import Path

import pytest

from pipeline.store import STORE_FILE, RunStore
from tests.conftest import REPO, last_json, rnnpipe, write_series_csv
from tests.pipeline.test_fault_tolerance import kill_at

pytestmark = pytest.mark.slow  # whole demo runs, end to end

# Early stopping that triggers within the epochs, a learning-rate plateau, and no shuffle: the epochs
# after a resume then see the batches the uninterrupted run saw.
TRAINING = ["--set", "trainer.epochs=10", "--set", "trainer.early_stopping_patience=2", "--set",
            "trainer.reduce_lr_patience=1", "--set", "trainer.shuffle_buffer=0", "--set", "evaluator.upper_bounds={}"]


def demo(root: Path, data: Path, *options: str) -> list[str]:
    """The demo config on one series file that both roots read, so that their upstream keys agree."""
    return ["run", str(REPO / "pipeline/configs/demo.yaml"), "--root", str(root), "--set", f"data.path={data}",
            *TRAINING, *options, "--json"]


def trained_model(root: Path) -> dict:
    """The properties of the newest Model artifact and its history."""
    row = RunStore(root).artifacts("Model")[-1]
    return {"properties": json.loads(row["properties"]),
            "history": json.loads(Path(row["uri"], "history.json").read_text())}


def test_a_demo_killed_mid_training_ships_what_the_uninterrupted_demo_ships(tmp_path):
    data = write_series_csv(tmp_path / "sine.csv", n_days=500)
    whole, root = tmp_path / "whole", tmp_path / "killed"
    upstream = rnnpipe(*demo(whole, data, "--until", "transform"))
    assert upstream.returncode == 0, upstream.stderr[-3000:]
    shutil.copytree(whole, root)  # both train on the same transform outputs (Beam's shards are not byte-stable)
    finished = rnnpipe(*demo(whole, data))
    assert finished.returncode == 0, finished.stderr[-3000:]
    expected = trained_model(whole)
    assert len(expected["history"]["loss"]) >= 4

    kill_at(demo(root, data), "os.rename", "/training_metadata.json.pending", nth=3)  # epoch 3 written, not committed
    assert list((root / "scratch").glob("trainer/*/backup/training_metadata.json"))
    resumed = rnnpipe(*demo(root, data))
    assert resumed.returncode == 0, resumed.stderr[-3000:]
    assert last_json(resumed.stdout)["cached"] == ["example_gen", "statistics", "transform"]
    got = trained_model(root)
    assert got["properties"]["shipped_weights"][0]["epochs"] == expected["properties"]["shipped_weights"][0]["epochs"]
    assert got["properties"]["epochs_run"] == expected["properties"]["epochs_run"]
    assert got["history"]["val_loss"] == pytest.approx(expected["history"]["val_loss"], rel=1e-4)


def test_a_recovery_killed_between_its_renames_runs_again(tmp_path):
    root = tmp_path / "root"
    first = rnnpipe("demo", "--root", str(root), "--until", "transform", "--json")
    assert first.returncode == 0, first.stderr[-3000:]
    store = root / STORE_FILE
    store.write_bytes(store.read_bytes()[:store.stat().st_size // 2])

    recover = ["store", "recover", "--root", str(root), "--json"]
    kill_at(recover, "os.rename", "/.store-recovery-")  # the damaged file moved aside, the new one not in place
    assert not store.exists() and list(root.glob(f"{STORE_FILE}.damaged-*"))
    again = rnnpipe(*recover)
    assert again.returncode == 0, again.stderr[-3000:]
    report = last_json(again.stdout)
    assert report["executions"] == 3 and report["moved_aside"] == []
    assert len(list(root.glob(f"{STORE_FILE}.damaged-*"))) == 1  # the damaged file is still kept
    assert not list(root.glob(".store-recovery-*"))  # the killed recovery's half-built store is gone
    rerun = rnnpipe("demo", "--root", str(root), "--until", "transform", "--json")
    assert rerun.returncode == 0, rerun.stderr[-3000:]
