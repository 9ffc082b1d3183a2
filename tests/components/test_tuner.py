"""Tests for tuner: a real KerasTuner search, its records, resume after SIGKILL, and workers."""

import csv
import json
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from components import trainer, tuner
from components.artifacts.model import load_model
from components.trainer import TrainerParams
from components.tuner import TunerParams
from models.rnn import ModelSpec
from models.search_space import SearchSpace
from models.tuning import RECORD_FILE
from pipeline.config import ConfigError, load_config
from tests.components.conftest import out_dir
from tests.conftest import REPO, last_json, rnnpipe

SMALL_SPACE = SearchSpace(cells=("gru", "lstm"), bidirectional=(False,), depth=(1, 2), units=(4, 8),
                          dropout=(0.0, 0.0), poolings=("last", "attention"), learning_rate=(1e-3, 1e-2),
                          batch_sizes=(16, 32))
# Options for a CLI run of the demo config with a tiny search.
TUNED_DEMO = ["--set", "tuner.enabled=true", "--set", "tuner.algorithm=random", "--set", "tuner.max_epochs=2",
              "--set", "tuner.space.cells=[gru, simple_rnn]", "--set", "tuner.space.units=[4, 8]",
              "--set", "tuner.space.depth=[1, 1]", "--set", "tuner.space.bidirectional=[false]",
              "--set", "trainer.epochs=2", "--set", "evaluator.upper_bounds={}"]


def small_params(tiny, **overrides):
    trainer_params = TrainerParams(tiny["data"], epochs=2, batch_size=16, early_stopping_patience=0)
    settings = dict(enabled=True, algorithm="random", max_trials=3, max_epochs=2, space=SMALL_SPACE)
    settings.update(overrides)
    return TunerParams(tiny["data"], ModelSpec(units=(8,)), trainer_params, **settings)


def transformed(tiny):
    return {"transformed_examples": tiny["transformed_examples"], "transform_graph": tiny["transform_graph"]}


@pytest.mark.slow
def test_search_writes_best_hyperparameters_and_a_table_that_the_trainer_then_uses(tiny):
    outputs = tuner.run(transformed(tiny), small_params(tiny), out_dir(tiny["base"], "tuner"))
    best_dir = outputs["best_hyperparameters"].uri
    best = json.loads((best_dir / "best_hyperparameters.json").read_text())
    rows = json.loads((best_dir / "trials.json").read_text())
    assert len(rows) == 3 and all(row["status"] == "COMPLETED" for row in rows)
    assert {row["worker"] for row in rows} == {"tuner0"}
    assert best["objective"] == "val_rmse" and best["score"] == min(row["score"] for row in rows)
    assert best["values"]["cell"] in ("gru", "lstm") and best["values"]["batch_size"] in (16, 32)
    with open(best_dir / "trials.csv") as handle:
        table = list(csv.DictReader(handle))
    assert [row["trial_id"] for row in table] == [row["trial_id"] for row in rows]
    assert {"cell", "units_0", "learning_rate", "batch_size", "score", "worker"} <= set(table[0])
    assert list(Path(outputs["tuning"].uri).rglob("events.out.tfevents.*")), "TensorBoard logs per trial"
    # The search directory moved out of scratch into the artifact.
    assert not (tiny["base"] / "tuner" / "scratch" / "tuning").exists()

    params = TrainerParams(tiny["data"], ModelSpec(cell="simple_rnn", units=(3,)), epochs=1)
    model = trainer.run({**transformed(tiny), "hyperparameters": outputs["best_hyperparameters"]}, params,
                        out_dir(tiny["base"], "tuned_trainer"))["model"]
    assert model.properties["hyperparameters_source"] == "tuner"
    used = model.properties["hyperparameters"]
    assert used["model"]["cell"] == best["values"]["cell"]
    assert used["model"]["units"][0] == best["values"]["units_0"]
    assert used["batch_size"] == best["values"]["batch_size"]
    assert used["learning_rate"] == pytest.approx(best["values"]["learning_rate"])
    layers = [layer.name for layer in load_model(model).layers]
    assert f"{best['values']['cell']}_0" in layers


def test_hyperband_stops_at_max_trials(tiny):
    outputs = tuner.run(transformed(tiny), small_params(tiny, algorithm="hyperband", max_trials=2, max_epochs=3),
                        out_dir(tiny["base"], "hyperband"))
    rows = json.loads(outputs["best_hyperparameters"].path("trials.json").read_text())
    assert len(rows) == 2
    assert all("tuner/epochs" in row["hyperparameters"] for row in rows)


def test_a_spent_wall_clock_budget_without_any_trial_is_a_clear_error(tiny):
    with pytest.raises(RuntimeError, match="completed no trial within its budget"):
        tuner.run(transformed(tiny), small_params(tiny, max_seconds=1e-6), out_dir(tiny["base"], "deadline"))


def completed_records(root: Path) -> dict[str, dict]:
    """Per-trial records of every search directory below ``root``, for trials the oracle has closed.

    A trial's record is written before the oracle marks it completed; a kill between the two
    rightly reruns it.
    """
    records = {}
    for path in root.rglob(RECORD_FILE):
        state = path.with_name("trial.json")
        if state.exists() and json.loads(state.read_text()).get("status") == "COMPLETED":
            record = json.loads(path.read_text())
            records[record["trial_id"]] = record
    return records


@pytest.mark.slow
def test_a_killed_search_resumes_without_repeating_finished_trials(tmp_path):
    root = tmp_path / "root"
    command = [sys.executable, "-m", "pipeline.cli", "demo", "--root", str(root), "--json", *TUNED_DEMO,
               "--set", "tuner.max_trials=4"]
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    first = subprocess.Popen(command, cwd=REPO, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 300
    while len(completed_records(root / "scratch")) < 2 and first.poll() is None and time.monotonic() < deadline:
        time.sleep(0.2)
    first.send_signal(signal.SIGKILL)
    first.wait(timeout=60)
    before = completed_records(root / "scratch")
    assert first.returncode == -signal.SIGKILL and 2 <= len(before) < 4, before

    second = subprocess.run(command, cwd=REPO, env=env, capture_output=True, text=True, timeout=600)
    assert second.returncode == 0, second.stderr[-3000:]
    summary = last_json(second.stdout)
    assert {"example_gen", "transform"} <= set(summary["cached"]) and "tuner" in summary["executed"]
    after = completed_records(root / "artifacts" / "tuner")
    assert len(after) == 4
    for trial_id, record in before.items():
        assert after[trial_id] == record, f"trial {trial_id} was run again"
    assert {record["pid"] for record in after.values()} == {first.pid, next(
        record["pid"] for trial_id, record in after.items() if trial_id not in before)}


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.mark.slow
def test_a_chief_and_two_workers_on_loopback_complete_a_search_together(tmp_path):
    root = tmp_path / "root"
    address = f"127.0.0.1:{free_port()}"
    options = ["--root", str(root), *TUNED_DEMO, "--set", "tuner.max_trials=6"]
    config = str(REPO / "pipeline" / "configs" / "demo.yaml")
    commands = [["demo", *options, "--json", "--tuner-role", "chief", "--chief-address", address]]
    commands += [["tune-worker", config, *options, "--data-dir", str(root / "demo_data"), "--chief", address,
                  "--worker-id", str(n), "--wait-seconds", "240", "--json"] for n in (1, 2)]
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    logs = [(tmp_path / f"{n}.out", tmp_path / f"{n}.err") for n in range(3)]  # files: no pipe can fill up
    processes = []
    try:
        for command, (out, err) in zip(commands, logs):
            with open(out, "w") as stdout, open(err, "w") as stderr:
                processes.append(subprocess.Popen([sys.executable, "-m", "pipeline.cli", *command], cwd=REPO,
                                                  env=env, stdout=stdout, stderr=stderr))
        codes = [process.wait(timeout=600) for process in processes]
    finally:
        for process in processes:
            process.kill()
    for code, (out, err) in zip(codes, logs):
        assert code == 0, err.read_text()[-3000:]
    chief_summary, *worker_summaries = [last_json(out.read_text()) for out, _ in logs]
    assert "tuner" in chief_summary["executed"]
    best_dir = next((root / "artifacts" / "tuner").glob("*/best_hyperparameters"))
    rows = json.loads((best_dir / "trials.json").read_text())
    assert len(rows) == 6 and all(row["status"] == "COMPLETED" for row in rows)
    ran = {row["worker"] for row in rows}
    assert ran == {"tuner1", "tuner2"}, ran
    assert sum(summary["trials"] for summary in worker_summaries) == 6


@pytest.mark.parametrize("override, message", [
    ("tuner.algorithm=grid", "tuner.algorithm must be one of"),
    ("tuner.space.units=[]", "tuner.space.units is an empty range"),
    ("tuner.space.learning_rate=[0.1, 0.001]", "tuner.space.learning_rate must be [min, max]"),
    ("tuner.max_trials=0", "tuner.max_trials"),
    ("tuner.space.cell=[gru]", "unknown key 'tuner.space.cell' (did you mean 'cells'?)"),
])
def test_bad_tuner_config_is_a_config_error_naming_the_key(override, message):
    with pytest.raises(ConfigError) as raised:
        load_config(REPO / "pipeline" / "configs" / "demo.yaml", ["tuner.enabled=true", override])
    assert message in str(raised.value)


def test_a_bad_tuner_config_fails_on_the_command_line_before_anything_runs(tmp_path):
    root = tmp_path / "root"
    result = rnnpipe("demo", "--root", str(root), "--set", "tuner.enabled=true", "--set", "tuner.space.units=[]",
                     "--json")
    assert result.returncode == 2, result.stderr[-2000:]
    assert "tuner.space.units is an empty range" in result.stderr
    assert not (root / "artifacts").exists()


def test_charlm_is_searched_on_eval_cross_entropy(charlm_run, tmp_path):
    from components.types import Artifact
    from data import get_kind
    from data.charlm import CharlmData

    folder, _ = charlm_run
    assert tuner.tuning_objective(get_kind("charlm")) == ("val_loss", "min")
    assert tuner.tuning_objective(get_kind("timeseries")) == ("val_rmse", "min")
    artifacts = folder / "root" / "artifacts" / "transform"
    inputs = {name: Artifact.load(next(artifacts.glob(f"*/{name}"))) for name in ("transformed_examples", "transform_graph")}
    data = CharlmData(path=str(folder / "corpus"), window=16, stride=2)
    trainer_params = TrainerParams(data, epochs=1, batch_size=32, early_stopping_patience=0)
    params = TunerParams(data, ModelSpec(units=(8,), embedding_dim=8), trainer_params, enabled=True,
                         algorithm="random", max_trials=2, max_epochs=1,
                         space=SearchSpace(cells=("gru",), bidirectional=(False,), depth=(1, 1), units=(4, 8),
                                           dropout=(0.0, 0.0), poolings=("last",), embedding_dims=(8,),
                                           batch_sizes=(32,)))
    best = tuner.run(inputs, params, out_dir(tmp_path, "charlm_tuner"))["best_hyperparameters"]
    summary = json.loads(best.path("best_hyperparameters.json").read_text())
    assert (summary["objective"], summary["direction"]) == ("val_loss", "min")
    rows = json.loads(best.path("trials.json").read_text())
    scores = [row["score"] for row in rows if row["score"] is not None]
    assert len(scores) == 2 and summary["score"] == min(scores) and all(score > 0 for score in scores)
