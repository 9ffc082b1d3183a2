"""tuner: searches the model's hyperparameters with KerasTuner, between transform and trainer.

Hyperband by default, RandomSearch or BayesianOptimization on request. The search directory
lives in the execution's scratch space until the search completes, so a killed run resumes it:
finished trials are kept, an interrupted one is run again. It then becomes the ``tuning``
artifact.

Distributed search uses KerasTuner's chief/worker protocol. With ``role="chief"`` this
component serves the oracle on ``chief_address`` and waits; ``rnnpipe tune-worker`` processes
call :func:`work` on the same search directory to run trials.
"""

from __future__ import annotations

import contextlib
import csv
import json
import logging
import os
import shutil
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterator, Mapping

from components.artifacts.examples import split_files
from components.artifacts.hyperparameters import BEST_FILE, TRIALS_CSV_FILE, TRIALS_FILE
from components.artifacts.transform_graph import load_transform_output
from components.contract import ComponentSpec, DatasetParams
from components.types import Artifact, OutputDir
from data.contract import DataConfig
from models.atomic_files import write_json
from models.input_pipeline import kind_datasets, plan_devices
from models.spec import ModelSpec, SearchSpace

NAME = "tuner"
INPUTS = ("transformed_examples", "transform_graph")
OUTPUTS = ("best_hyperparameters", "tuning")
ALGORITHMS = ("hyperband", "random", "bayesian")
ROLES = ("local", "chief")
PROJECT = "search"
LOG = logging.getLogger("rnnpipe.tuner")


@dataclass(frozen=True)
class TunerParams(DatasetParams):
    """Parameters of tuner.

    Attributes:
        data: The dataset config; its ``KIND`` names the dataset kind (``kind``).
        model: The config's model spec (fields outside the search space keep its values).
        trainer: The config's training settings (shuffle buffer, patience, fallbacks).
        enabled: Run the tuner before the trainer.
        algorithm: ``hyperband``, ``random`` or ``bayesian``.
        max_trials: Most trials to run (Hyperband included).
        max_epochs: Epochs per trial (Hyperband's largest bracket).
        max_seconds: Start no new trial after this many seconds of searching (None: no limit).
        factor: Hyperband's reduction factor.
        executions_per_trial: Fits per trial, averaged.
        seed: Seed of the oracle.
        space: The ranges searched.
        role: ``local`` (search in this process) or ``chief`` (serve the oracle to workers).
        chief_address: ``HOST:PORT`` the chief serves on and workers connect to.
    """

    data: DataConfig
    model: ModelSpec = field(default_factory=ModelSpec)
    trainer: Any = None
    enabled: bool = False
    algorithm: str = "hyperband"
    max_trials: int = 10
    max_epochs: int = 10
    max_seconds: float | None = None
    factor: int = 3
    executions_per_trial: int = 1
    seed: int = 7
    space: SearchSpace = field(default_factory=SearchSpace)
    role: str = "local"
    chief_address: str = "127.0.0.1:8470"

    def __post_init__(self):
        if self.algorithm not in ALGORITHMS:
            raise ValueError(f"tuner.algorithm must be one of {ALGORITHMS}, got {self.algorithm!r}")
        if self.role not in ROLES:
            raise ValueError(f"tuner role must be one of {ROLES}, got {self.role!r}")
        if self.max_trials < 1 or self.max_epochs < 1 or self.executions_per_trial < 1:
            raise ValueError("tuner.max_trials, tuner.max_epochs and tuner.executions_per_trial must be >= 1")
        if self.factor < 2:
            raise ValueError(f"tuner.factor must be >= 2, got {self.factor}")
        if self.max_seconds is not None and self.max_seconds <= 0:
            raise ValueError(f"tuner.max_seconds must be > 0 or null, got {self.max_seconds}")
        parse_address(self.chief_address)


def parse_address(address: str) -> tuple[str, int]:
    """Splits ``HOST:PORT``.

    Raises:
        ValueError: If the port is missing or not a number in 1..65535.
    """
    host, _, port = address.rpartition(":")
    if not host or not port.isdigit() or not 0 < int(port) < 65536:
        raise ValueError(f"chief address must be HOST:PORT, got {address!r}")
    return host, int(port)


def tuning_objective(kind) -> tuple[str, str]:
    """The eval metric a kind is tuned on and its direction: the kind's ``TUNER_OBJECTIVE``, else its task's."""
    from models.search_space import OBJECTIVES

    return kind.TUNER_OBJECTIVE or OBJECTIVES[kind.TASK]


def make_oracle(params: TunerParams, metric: str, direction: str):
    """The oracle of ``params.algorithm``, optimising ``metric`` (``min`` or ``max``)."""
    import keras_tuner

    from models.tuning import BayesianOptimizationOracle, HyperbandOracle, RandomSearchOracle

    objective = keras_tuner.Objective(metric, direction)
    if params.algorithm == "hyperband":
        oracle = HyperbandOracle(objective=objective, max_epochs=params.max_epochs, factor=params.factor,
                                 seed=params.seed)
        oracle.max_trials = params.max_trials  # Hyperband has no trial budget of its own
    elif params.algorithm == "random":
        oracle = RandomSearchOracle(objective=objective, max_trials=params.max_trials, seed=params.seed)
    else:
        oracle = BayesianOptimizationOracle(objective=objective, max_trials=params.max_trials, seed=params.seed)
    if params.max_seconds is not None:
        oracle.deadline = time.time() + params.max_seconds
    return oracle


@contextlib.contextmanager
def distribution_env(tuner_id: str | None, chief_address: str) -> Iterator[None]:
    """Sets KerasTuner's distribution variables for the duration of a search, then restores them.

    Args:
        tuner_id: ``chief``, ``tuner<N>`` for a worker, or None for a local search.
        chief_address: ``HOST:PORT`` of the chief's oracle server.
    """
    names = ("KERASTUNER_TUNER_ID", "KERASTUNER_ORACLE_IP", "KERASTUNER_ORACLE_PORT")
    saved = {name: os.environ.get(name) for name in names}
    for name in names:
        os.environ.pop(name, None)
    if tuner_id is not None:
        host, port = parse_address(chief_address)
        os.environ.update(KERASTUNER_TUNER_ID=tuner_id, KERASTUNER_ORACLE_IP=host, KERASTUNER_ORACLE_PORT=str(port))
    try:
        yield
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


def make_tuner(inputs: Mapping[str, Artifact], params: TunerParams, directory: Path):
    """Builds the KerasTuner tuner over the transformed data (reloading any earlier search state)."""
    import tensorflow as tf

    from models.search_space import RecurrentHyperModel
    from models.tuning import TUNERS

    kind = params.kind
    tft_output = load_transform_output(inputs["transform_graph"])
    spec = tft_output.transformed_feature_spec()
    examples = inputs["transformed_examples"]
    trainer = params.trainer

    def datasets(batch_size: int):
        return kind_datasets(kind, trainer.data, split_files(examples, "train"), split_files(examples, "eval"), spec,
                             batch_size, trainer.input_settings())

    data = kind.resolved_config(params.data, examples.properties)  # as transform fitted it
    input_shape, outputs, vocab_size = kind.model_shape(data, tft_output)
    plan = plan_devices([d.name for d in tf.config.list_logical_devices("GPU")], trainer.mixed_precision)
    highway = kind.highway_inputs(data)
    hypermodel = RecurrentHyperModel(params.space, params.model, kind.TASK, input_shape, outputs, vocab_size,
                                     datasets, dtype="mixed_float16" if plan.mixed_precision else None,
                                     steps_per_execution=trainer.steps_per_execution,
                                     highway=highway, ridges=highway.ridges)
    strategy = tf.distribute.MirroredStrategy() if plan.strategy == "mirrored" else None
    return TUNERS[params.algorithm](make_oracle(params, *tuning_objective(kind)), hypermodel, directory=str(directory),
                                    project_name=PROJECT, executions_per_trial=params.executions_per_trial,
                                    distribution_strategy=strategy, overwrite=False)


def search(tuner, params: TunerParams, logs_dir: Path) -> None:
    """Runs (or, on the chief, serves) the search until the budget is spent."""
    import keras

    callbacks = [keras.callbacks.TensorBoard(str(logs_dir), histogram_freq=0, write_graph=False)]
    patience = params.trainer.early_stopping_patience
    if patience:
        callbacks.append(keras.callbacks.EarlyStopping(monitor="val_loss", patience=patience))
    # keras-tuner 1.4 prints from Condition.to_proto in distributed runs; stdout is for our summary.
    with contextlib.redirect_stdout(sys.stderr):
        tuner.search(epochs=params.max_epochs, callbacks=callbacks, verbose=0)


def work(inputs: Mapping[str, Artifact], params: TunerParams, directory: Path, worker_id: int) -> int:
    """Runs trials for a chief's search, as worker ``tuner<worker_id>``, until the chief stops.

    Args:
        inputs: The same ``transformed_examples`` and ``transform_graph`` as the chief's.
        params: The same params as the chief's.
        directory: The chief's search directory (shared storage when on several hosts).
        worker_id: This worker's number, unique within the search.

    Returns:
        The number of trials this worker ran.
    """
    tuner_id = f"tuner{worker_id}"
    with distribution_env(tuner_id, params.chief_address):
        tuner = make_tuner(inputs, params, directory)
        search(tuner, params, directory / "logs" / tuner_id)
    return sum(1 for record in trial_records(directory).values() if record.get("worker") == tuner_id)


def trial_records(directory: Path) -> dict[str, dict]:
    """Who ran each trial: ``{trial_id: record}`` from the search directory."""
    from models.tuning import RECORD_FILE

    records = {}
    for path in sorted(Path(directory, PROJECT).glob(f"trial_*/{RECORD_FILE}")):
        record = json.loads(path.read_text())
        records[record["trial_id"]] = record
    return records


def results_table(oracle, records: Mapping[str, dict]) -> list[dict]:
    """One row per trial: id, status, score, worker, seconds and every hyperparameter."""
    rows = []
    for trial_id in sorted(oracle.trials):
        trial = oracle.trials[trial_id]
        record = records.get(trial_id, {})
        rows.append({"trial_id": trial_id, "status": trial.status, "score": trial.score,
                     "best_step": trial.best_step, "worker": record.get("worker"), "seconds": record.get("seconds"),
                     "hyperparameters": dict(trial.hyperparameters.values)})
    return rows


def write_csv(rows: list[dict], path: Path) -> None:
    """Writes the results table as CSV, one column per hyperparameter."""
    names = sorted({name for row in rows for name in row["hyperparameters"]})
    columns = ["trial_id", "status", "score", "best_step", "worker", "seconds"]
    with open(path, "w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(columns + names)
        for row in rows:
            writer.writerow([row[c] for c in columns] + [row["hyperparameters"].get(n, "") for n in names])


def run(inputs: Mapping[str, Artifact], params: TunerParams, out: OutputDir) -> dict[str, Artifact]:
    """Searches the hyperparameters.

    Args:
        inputs: ``transformed_examples`` and ``transform_graph`` from transform.
        params: The search's budget and space.
        out: Where to write; the search itself lives in ``out.scratch`` until it completes.

    Returns:
        ``best_hyperparameters`` (``best_hyperparameters.json``, ``trials.json``, ``trials.csv``) and
        ``tuning`` (KerasTuner's search directory, with TensorBoard logs per trial).

    Raises:
        RuntimeError: If no trial completed within the budget.
    """
    from keras_tuner.engine.trial import TrialStatus

    kind = params.kind
    directory = out.scratch / "tuning"
    started = time.perf_counter()
    with distribution_env("chief" if params.role == "chief" else None, params.chief_address):
        tuner = make_tuner(inputs, params, directory)
        if params.role == "chief":
            LOG.info("chief serving the oracle on %s; start workers with: rnnpipe tune-worker CONFIG "
                     "--chief %s --worker-id N", params.chief_address, params.chief_address)
        search(tuner, params, directory / "logs" / ("chief" if params.role == "chief" else "local"))
    seconds = time.perf_counter() - started
    oracle = tuner.oracle
    rows = results_table(oracle, trial_records(directory))
    completed = [row for row in rows if row["status"] == TrialStatus.COMPLETED and row["score"] is not None]
    if not completed:
        raise RuntimeError(f"the search completed no trial within its budget (tuner.max_seconds="
                           f"{params.max_seconds}); raise the budget or shrink the space")
    best = oracle.get_best_trials(1)[0]
    metric, direction = tuning_objective(kind)
    best_dir = out.artifact_dir("best_hyperparameters")
    summary = {"values": dict(best.hyperparameters.values), "score": best.score, "trial_id": best.trial_id,
               "objective": metric, "direction": direction, "algorithm": params.algorithm}
    write_json(best_dir / BEST_FILE, summary)
    write_json(best_dir / TRIALS_FILE, rows)
    write_csv(rows, best_dir / TRIALS_CSV_FILE)
    tuning = out.staging / "tuning"
    shutil.move(str(directory), str(tuning))
    workers = sorted({row["worker"] for row in rows if row["worker"]})
    LOG.info("best trial %s: %s=%.4f after %d trials on %s", best.trial_id, metric, best.score, len(completed),
             ", ".join(workers))
    trials_per_hour = len(completed) / seconds * 3600 if seconds else None
    return {
        "best_hyperparameters": out.artifact("best_hyperparameters", "HyperParameters", best=summary,
                                             trials=len(rows), completed=len(completed), workers=workers,
                                             search_seconds=round(seconds, 3),
                                             trials_per_hour=round(trials_per_hour, 2) if trials_per_hour else None),
        "tuning": out.artifact("tuning", "TuningDirectory"),
    }


SPEC = ComponentSpec(name=NAME, inputs=INPUTS, outputs=OUTPUTS, params_type=TunerParams, run=run)
