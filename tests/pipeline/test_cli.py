"""End-to-end tests of the rnnpipe command line: the demo, caching, reload, errors, locks."""

import json
import subprocess
import sys

import pytest

from pipeline.lock import root_lock
from tests.conftest import REPO, last_json, rnnpipe, write_series_csv

RELOAD_AND_CALL = """
import json, sys
import numpy as np
import tensorflow as tf
model = tf.saved_model.load(sys.argv[1])
history = np.sin(2 * np.pi * np.arange(25, dtype="float32") / 50)
windows = np.stack([history[i:i + 20] for i in range(5)])
raw = model.signatures["serving_raw"](history=tf.constant(windows))["predictions"].numpy()
examples = [tf.train.Example(features=tf.train.Features(feature={
    "history": tf.train.Feature(float_list=tf.train.FloatList(value=w)),
    "mask": tf.train.Feature(float_list=tf.train.FloatList(value=[1.0] * 20)),
    "timestamps": tf.train.Feature(int64_list=tf.train.Int64List(value=[0] * 20)),
})).SerializeToString() for w in windows]
parsed = model.signatures["serving_default"](examples=tf.constant(examples))["predictions"].numpy()
print(json.dumps({"raw": raw[:, 0].tolist(), "parsed": parsed[:, 0].tolist(),
                  "truth": [float(np.sin(2 * np.pi * (i + 20) / 50)) for i in range(5)]}))
"""


@pytest.mark.slow
def test_demo_runs_the_whole_pipeline_and_pushes_version_1(demo_run):
    root, summary = demo_run
    assert summary["status"] == "complete" and summary["blessed"] is True
    assert summary["executed"] == ["example_gen", "statistics", "transform", "trainer", "evaluator", "exporter"]
    assert summary["pushed_version"] == 1
    assert summary["model_path"] == str((root / "serving" / "sine" / "1").resolve())
    assert summary["metrics"]["rmse"] < summary["metrics"]["persistence_rmse"]
    from pathlib import Path
    assert Path(summary["evaluation_dir"], "forecast.png").stat().st_size > 5000


@pytest.mark.slow
def test_exported_model_reloads_in_a_fresh_process_and_signatures_agree(demo_run):
    _, summary = demo_run
    result = subprocess.run([sys.executable, "-c", RELOAD_AND_CALL, summary["model_path"]], capture_output=True,
                            text=True, timeout=300)
    assert result.returncode == 0, result.stderr[-2000:]
    outputs = json.loads(result.stdout.strip().splitlines()[-1])
    assert outputs["raw"] == pytest.approx(outputs["parsed"], abs=1e-5)
    assert outputs["raw"] == pytest.approx(outputs["truth"], abs=0.3)  # it learned the wave


@pytest.mark.slow
def test_second_identical_run_is_fully_cached_and_pushes_nothing(demo_run):
    root, _ = demo_run
    result = rnnpipe("demo", "--root", str(root), "--json")
    assert result.returncode == 0, result.stderr[-2000:]
    summary = last_json(result.stdout)
    assert summary["executed"] == []
    assert summary["cached"] == ["example_gen", "statistics", "transform", "trainer", "evaluator", "exporter"]
    assert summary["pushed_version"] is None and summary["model_version"] == 1
    assert sorted(p.name for p in (root / "serving" / "sine").iterdir() if p.name.isdigit()) == ["1"]


@pytest.mark.slow
def test_an_altered_artifact_is_recomputed_not_trusted(demo_run):
    root, _ = demo_run
    metrics = next((root / "artifacts" / "evaluator").glob("*/evaluation/metrics.json"))
    metrics.write_text("{}")
    summary = last_json(rnnpipe("demo", "--root", str(root), "--json").stdout)
    assert "evaluator" in summary["executed"] and "trainer" in summary["cached"]


@pytest.mark.slow
def test_runs_lists_and_shows_past_runs(demo_run):
    root, first = demo_run
    listing = rnnpipe("runs", "--root", str(root))
    assert listing.returncode == 0 and first["run_id"] in listing.stdout
    shown = rnnpipe("runs", "show", first["run_id"], "--root", str(root))
    assert shown.returncode == 0
    assert "pushed_version: 1" in shown.stdout and "trainer" in shown.stdout
    assert rnnpipe("runs", "show", "nope", "--root", str(root)).returncode == 2


@pytest.mark.slow
def test_a_locked_root_exits_5_with_a_clear_message(demo_run):
    root, _ = demo_run
    with root_lock(root):
        result = rnnpipe("demo", "--root", str(root))
    assert result.returncode == 5
    assert "is locked by another run" in result.stderr


def test_help_teaches_commands_and_exit_codes():
    result = rnnpipe("--help")
    assert result.returncode == 0
    for text in ("rnnpipe demo", "rnnpipe run", "exit codes", "--runner=DirectRunner"):
        assert text in result.stdout
    assert rnnpipe("run", "--help").returncode == 0
    assert rnnpipe("frobnicate").returncode == 2


def test_bad_config_exits_2_naming_file_and_key(tmp_path):
    config = tmp_path / "bad.yaml"
    config.write_text((REPO / "pipeline/configs/demo.yaml").read_text().replace("epochs:", "epoch:"))
    result = rnnpipe("run", str(config), "--root", str(tmp_path / "root"), "--json")
    assert result.returncode == 2
    assert f"{config}: unknown key 'trainer.epoch' (did you mean 'epochs'?)" in result.stderr
    assert last_json(result.stdout)["exit_code"] == 2
    assert not (tmp_path / "root").exists()  # nothing written before validation


def test_missing_data_file_exits_3_and_says_how_to_fix(tmp_path):
    result = rnnpipe("run", str(REPO / "pipeline/configs/timeseries.yaml"), "--root", str(tmp_path),
                     "--data-dir", str(tmp_path / "nowhere"))
    assert result.returncode == 3
    assert "no input file matches data.path" in result.stderr and "--data-dir" in result.stderr


@pytest.mark.slow
def test_bad_rows_over_the_budget_exit_3(tmp_path):
    csv = write_series_csv(tmp_path / "sine.csv", n_days=100, bad_lines=tuple(f"2001-02-{d:02d},x" for d in range(1, 20)))
    result = rnnpipe("demo", "--root", str(tmp_path / "root"), "--data-dir", str(tmp_path))
    assert csv.exists() and result.returncode == 3
    assert "over the error budget data.max_error_rate=0.01" in result.stderr


def test_the_text_summary_of_a_run_stopped_before_the_evaluator_says_not_evaluated(capsys):
    from pipeline.cli import print_summary

    summary = {"run_id": "r1", "status": "complete", "seconds": 1.0, "executed": ["example_gen"], "cached": [],
               "metrics": {}, "blessed": False, "reasons": [], "pushed_version": None, "model_path": None,
               "evaluation_dir": None}
    print_summary(summary, as_json=False)
    assert "blessed: not evaluated" in capsys.readouterr().out
