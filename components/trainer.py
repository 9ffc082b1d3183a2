"""trainer: fits a Keras 3 recurrent model on transformed TFRecords.

Early stopping on eval, TensorBoard logs, a learning-curve PNG, one progress line per epoch,
and resumption from its last epoch checkpoint when a killed run is started again.
"""

from __future__ import annotations

import dataclasses
import json
import logging
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Mapping, Sequence

from components.artifacts.examples import split_files
from components.artifacts.hyperparameters import load_best
from components.artifacts.model import HISTORY_FILE, HYPERPARAMETERS_FILE, LEARNING_CURVE_FILE, MODEL_FILE
from components.artifacts.transform_graph import load_transform_output
from components.contract import ComponentSpec, DatasetParams
from components.types import Artifact, OutputDir
from data.contract import DataConfig
from models.atomic_files import write_json
from models.input_pipeline import InputSettings, kind_datasets, plan_devices
from models.spec import ModelSpec

NAME = "trainer"
INPUTS = ("transformed_examples", "transform_graph")
OPTIONAL_INPUTS = ("hyperparameters",)
OUTPUTS = ("model", "logs")
LOG = logging.getLogger("rnnpipe.trainer")


@dataclass(frozen=True)
class TrainerParams(DatasetParams):
    """Parameters of trainer.

    Attributes:
        data: The dataset config; its ``KIND`` names the dataset kind (``kind``).
        model: Architecture.
        epochs: Maximum epochs.
        batch_size: Examples per step.
        learning_rate: Adam learning rate.
        clipnorm: Clip each gradient to this norm (None: no clipping).
        early_stopping_patience: Epochs without eval improvement before stopping (0: off).
        reduce_lr_patience: Epochs without eval improvement before the learning rate is halved
            (0: off; keep it below ``early_stopping_patience``).
        shuffle_buffer: Examples held by the shuffle buffer.
        steps_per_execution: Batches run inside one compiled call (1 to 32; Keras's tf.data
            iterator refuses more). The updates are the same; a small model saves most of its
            per-step overhead.
        cache_max_mb: Keep a split's parsed examples in memory after the first epoch when its
            TFRecord files total at most this many MB (0: never). Later epochs then skip reading,
            decompressing and parsing; parsed examples can take several times their file size.
        data_autotune: Let tf.data's autotuner size the input's parallelism and prefetch. Off,
            parallel steps take tf.data's default, sized by the cores, and a fixed 2 batches are
            prefetched: on a 2-core host the autotuner made epochs up to twice as long.
        mixed_precision: ``auto`` (on when a GPU is visible), ``on`` or ``off``.
        seed: Seed for weights, shuffling and dropout.
        ensemble_size: Train this many members (seeds ``seed``, ``seed + 1``, ...) and export
            their average.
        checkpoint_ensemble: Make each member the average of its weights' predictions at the end
            of its last N epochs (a checkpoint ensemble; 1: off). Fewer epochs than N use the ones
            that ran. Needs ``early_stopping_patience: 0``. Inference costs N times as much.
        pretrained_embeddings: GloVe-format text file to initialise token embeddings ("" for none).
        train_embedding: Fine-tune pretrained embeddings (False freezes them).
    """

    data: DataConfig
    model: ModelSpec = field(default_factory=ModelSpec)
    epochs: int = 20
    batch_size: int = 64
    learning_rate: float = 1e-3
    clipnorm: float | None = 1.0
    early_stopping_patience: int = 5
    reduce_lr_patience: int = 0
    shuffle_buffer: int = 10000
    steps_per_execution: int = 8
    cache_max_mb: int = 256
    data_autotune: bool = False
    mixed_precision: str = "auto"
    seed: int = 42
    ensemble_size: int = 1
    checkpoint_ensemble: int = 1
    pretrained_embeddings: str = ""
    train_embedding: bool = True

    def __post_init__(self):
        if min(self.epochs, self.batch_size, self.ensemble_size, self.checkpoint_ensemble) < 1:
            raise ValueError("trainer.epochs, trainer.batch_size, trainer.ensemble_size and "
                             "trainer.checkpoint_ensemble must be >= 1")
        if not 0 < self.learning_rate < 1:
            raise ValueError(f"trainer.learning_rate must lie in (0, 1), got {self.learning_rate}")
        if self.clipnorm is not None and self.clipnorm <= 0:
            raise ValueError(f"trainer.clipnorm must be > 0 or null, got {self.clipnorm}")
        if self.early_stopping_patience < 0 or self.reduce_lr_patience < 0 or self.cache_max_mb < 0:
            raise ValueError("trainer.early_stopping_patience, trainer.reduce_lr_patience and trainer.cache_max_mb "
                             "must be >= 0")
        if self.checkpoint_ensemble > 1 and self.early_stopping_patience:
            raise ValueError("trainer.checkpoint_ensemble > 1 averages the last epochs, which early stopping would "
                             "spend on the epochs after the best one; set trainer.early_stopping_patience: 0")
        if not 1 <= self.steps_per_execution <= 32:
            raise ValueError(f"trainer.steps_per_execution must lie in [1, 32], got {self.steps_per_execution}")
        if self.mixed_precision not in ("auto", "on", "off"):
            raise ValueError(f"trainer.mixed_precision must be auto, on or off, got {self.mixed_precision!r}")

    def input_settings(self) -> InputSettings:
        """How the training input is read: shuffle buffer, seed, cache and autotune."""
        return InputSettings(self.shuffle_buffer, self.seed, self.cache_max_mb, self.data_autotune)


def run(inputs: Mapping[str, Artifact], params: TrainerParams, out: OutputDir) -> dict[str, Artifact]:
    """Trains the model.

    Args:
        inputs: ``transformed_examples`` and ``transform_graph`` from transform, and optionally
            ``hyperparameters`` from tuner, whose best values replace the config's.
        params: Model and training settings.
        out: Where to write; ``out.scratch`` keeps the epoch checkpoint across crashes.

    Returns:
        ``model`` (``model.keras``, ``hyperparameters.json``, ``history.json``,
        ``learning_curve.png``) and ``logs`` (TensorBoard event files).
    """
    import tensorflow as tf

    import keras

    from components.plots import plot_learning_curves
    from models.callbacks import AtomicBackupAndRestore, TrainingClock, snapshot_files
    from models.embeddings import glove_matrix
    from models.highway import warm_start_highway
    from models.rnn import build_model, compile_model, cudnn_eligibility

    kind = params.kind
    source = "config"
    if "hyperparameters" in inputs:
        params = with_tuned_values(params, inputs["hyperparameters"])
        source = "tuner"
    keras.utils.set_random_seed(params.seed)
    tft_output = load_transform_output(inputs["transform_graph"])
    spec = tft_output.transformed_feature_spec()
    examples = inputs["transformed_examples"]
    data = kind.resolved_config(params.data, examples.properties)  # as transform fitted it
    has_eval = examples.properties.get("counts", {}).get("eval", 1) > 0
    train, evaluation = kind_datasets(kind, data, split_files(examples, "train"),
                                      split_files(examples, "eval") if has_eval else None, spec, params.batch_size,
                                      params.input_settings())

    plan = plan_devices([d.name for d in tf.config.list_logical_devices("GPU")], params.mixed_precision)
    strategy = tf.distribute.MirroredStrategy() if plan.strategy == "mirrored" else tf.distribute.get_strategy()
    input_shape, outputs, vocab_size = kind.model_shape(data, tft_output)
    embedding_matrix = None
    if params.pretrained_embeddings:
        if vocab_size is None:
            raise ValueError(f"trainer.pretrained_embeddings needs token inputs; {params.kind.name} has none")
        embedding_matrix = glove_matrix(params.pretrained_embeddings, kind.vocabulary(tft_output), vocab_size,
                                        params.seed)
    model_dir = out.artifact_dir("model")
    logs_dir = out.artifact_dir("logs")
    dtype = "mixed_float16" if plan.mixed_precision else None
    started = time.perf_counter()
    clock = TrainingClock()
    members, records, epochs_trained = [], [], 0  # a record per member: its history and shipped weights
    for member in range(params.ensemble_size):
        saved = out.scratch / f"member_{member}.keras"
        if saved.exists():  # finished before a crash: not trained again
            members.append(keras.saving.load_model(str(saved), compile=False))
            records.append(json.loads((out.scratch / f"member_{member}.json").read_text()))
            continue
        keras.utils.set_random_seed(params.seed + member)
        name = f"member_{member}" if params.ensemble_size > 1 else None

        def build(model_name):
            with strategy.scope():
                return build_model(params.model, input_shape, kind.TASK, outputs, vocab_size=vocab_size,
                                   embedding_matrix=embedding_matrix, train_embedding=params.train_embedding,
                                   dtype=dtype, name=model_name, highway=kind.highway_inputs(data))

        model = build(name)
        with strategy.scope():
            compile_model(model, kind.TASK, params.learning_rate, params.clipnorm, params.steps_per_execution)
        highway = kind.highway_inputs(data)
        # the linear highway starts at its closed-form fit, the penalty chosen on the eval windows
        warmed = warm_start_highway(model, train, evaluation, highway.ridges)
        if member == 0:
            for layer, eligible in cudnn_eligibility(model).items():
                LOG.info("layer %s: %s for the fused cuDNN kernel", layer, "eligible" if eligible else "NOT eligible")
        callbacks = member_callbacks(params, out, logs_dir, member, evaluation is not None)
        if warmed:
            keep_starting_point(model, callbacks, evaluation)
        history = model.fit(train, validation_data=evaluation, epochs=params.epochs, verbose=0, shuffle=False,
                            callbacks=[clock, *callbacks])
        epochs_trained += len(history.history.get("loss", []))
        snapshots = snapshot_files(str(snapshot_folder(out, member))) if params.checkpoint_ensemble > 1 else []
        if len(snapshots) > 1:
            model = checkpoint_ensemble(build, snapshots, input_shape, name)
        stopper = next((c for c in callbacks if isinstance(c, keras.callbacks.EarlyStopping)), None)
        backup = next(c for c in callbacks if isinstance(c, AtomicBackupAndRestore))  # epochs before a kill too
        record = {"history": backup.history,
                  "shipped": shipped_weights(backup.history, backup.epochs, stopper and stopper.best_epoch, snapshots,
                                             stopper.starting_point[0] if stopper and stopper.starting_point else None)}
        model.save(str(saved))
        write_json(out.scratch / f"member_{member}.json", record)
        members.append(model)
        records.append(record)
    seconds = time.perf_counter() - started
    histories = [record["history"] for record in records]
    model = average_members(members, input_shape)
    eligibility = cudnn_eligibility(members[0])  # nested layers included
    train_examples = int(examples.properties.get("counts", {}).get("train", 0))
    epochs_run = sum(len(h.get("loss", [])) for h in histories)
    model.save(str(model_dir / MODEL_FILE))
    write_json(model_dir / HISTORY_FILE, histories[0] if len(histories) == 1 else {"members": histories})
    hyperparameters = {"model": asdict(params.model), "epochs": params.epochs, "batch_size": params.batch_size,
                       "learning_rate": params.learning_rate, "clipnorm": params.clipnorm, "seed": params.seed,
                       "ensemble_size": params.ensemble_size, "checkpoint_ensemble": params.checkpoint_ensemble,
                       "steps_per_execution": params.steps_per_execution,
                       "pretrained_embeddings": params.pretrained_embeddings,
                       "train_embedding": params.train_embedding, "source": source}
    write_json(model_dir / HYPERPARAMETERS_FILE, hyperparameters)
    plot_learning_curves(histories[0], model_dir / LEARNING_CURVE_FILE)
    return {
        "model": out.artifact("model", "Model", hyperparameters=hyperparameters, hyperparameters_source=source,
                              epochs_run=epochs_run,
                              train_seconds=round(seconds, 3), training_pass_seconds=round(clock.seconds, 3),
                              epoch_training_pass_seconds=[round(s, 3) for s in clock.epoch_seconds],
                              cudnn_eligible=eligibility,
                              train_samples_per_second=(round(train_examples * epochs_trained / clock.seconds, 1)
                                                        if clock.seconds else None),
                              mixed_precision=plan.mixed_precision, strategy=plan.strategy,
                              shipped_weights=[record["shipped"] for record in records]),
        "logs": out.artifact("logs", "ModelRun"),
    }


def keep_starting_point(model, callbacks: Sequence, evaluation) -> None:
    """Makes the warm-started model a candidate of early stopping: an epoch ships only if it beats
    the starting point's eval loss (a model at its closed-form linear fit is never made worse)."""
    from models.resumable import ResumableEarlyStopping

    stopper = next((c for c in callbacks if isinstance(c, ResumableEarlyStopping)), None)
    if stopper is None or evaluation is None:
        return
    loss = model.evaluate(evaluation, verbose=0, return_dict=True)["loss"]
    LOG.info("the warm-started model's eval loss: %.5g (an epoch must beat it to be shipped)", loss)
    stopper.start_from(loss, model.get_weights())


def shipped_weights(history: Mapping[str, Sequence[float]], epochs: Sequence[int], best_epoch: int | None,
                    snapshots: Sequence[str], starting_loss: float | None = None) -> dict:
    """Which epochs' weights a member ships, with their logged metrics when they are one epoch's.

    Args:
        history: Keras ``History.history`` of the member's fit: each metric per epoch run.
        epochs: ``History.epoch``: the 0-based index of each epoch run (a resumed fit starts late).
        best_epoch: ``EarlyStopping.best_epoch``, whose weights it restored; None without it.
        snapshots: The epoch snapshots averaged into the member; one or none means no average.
        starting_loss: The warm-started model's eval loss, when it was a candidate.

    Returns:
        ``{"epochs": [1-based epochs], "metrics": {name: value} | None}``; the metrics are None for
        an average of snapshots, which no epoch logged, and when no epoch ran in this fit. Epoch 0
        is the warm-started model, shipped when no epoch beat it (:func:`keep_starting_point`).
    """
    from models.callbacks import snapshot_epoch
    from models.resumable import STARTING_POINT

    if len(snapshots) > 1:
        return {"epochs": [snapshot_epoch(path) for path in snapshots], "metrics": None}
    if best_epoch == STARTING_POINT:  # no epoch beat the warm start: its weights ship
        return {"epochs": [0], "metrics": None if starting_loss is None else {"val_loss": float(starting_loss)}}
    if not epochs:  # killed after its last checkpoint: the restart had nothing left to run
        return {"epochs": [], "metrics": None}
    epoch = best_epoch if best_epoch in epochs else epochs[-1]
    at = list(epochs).index(epoch)
    return {"epochs": [epoch + 1], "metrics": {name: float(values[at]) for name, values in history.items()}}


def with_tuned_values(params: TrainerParams, best: Artifact) -> TrainerParams:
    """The params with the tuner's best model and training values in place of the config's."""
    from models.search_space import apply_values

    values = load_best(best)["values"]
    spec, training = apply_values(values, params.model, params.learning_rate, params.clipnorm, params.batch_size)
    LOG.info("training with the tuner's best hyperparameters: %s", values)
    return dataclasses.replace(params, model=spec, **training)


def member_callbacks(params: TrainerParams, out: OutputDir, logs_dir, member: int, has_eval: bool) -> list:
    """TensorBoard, progress, the plateau, early stopping and, last, the checkpoint for one ensemble
    member.

    The checkpoint (an :class:`~models.callbacks.AtomicBackupAndRestore`) comes last: it keeps the
    state that the plateau and early stopping left at each epoch's end, so that a run resumed after
    a kill stops where the uninterrupted one stops.
    """
    import keras

    from models.callbacks import AtomicBackupAndRestore, EpochProgress
    from models.resumable import ResumableEarlyStopping, ResumableReduceLROnPlateau

    suffix = f"_{member}" if params.ensemble_size > 1 else ""
    keep = params.checkpoint_ensemble if params.checkpoint_ensemble > 1 else 0
    callbacks = [
        keras.callbacks.TensorBoard(str(logs_dir / f"member{suffix}" if suffix else logs_dir),
                                    histogram_freq=0, write_graph=False),
        EpochProgress(params.epochs, f"member {member + 1}/{params.ensemble_size} " if suffix else ""),
    ]
    monitor = "val_loss" if has_eval else "loss"
    resumables = []
    if params.reduce_lr_patience:
        resumables.append(ResumableReduceLROnPlateau(monitor=monitor, factor=0.5, patience=params.reduce_lr_patience,
                                                     min_lr=params.learning_rate / 64))
    if params.early_stopping_patience:
        resumables.append(ResumableEarlyStopping(monitor=monitor, patience=params.early_stopping_patience,
                                                 restore_best_weights=True))
    backup = AtomicBackupAndRestore(str(out.scratch / f"backup{suffix}"), str(snapshot_folder(out, member)), keep,
                                    resumables)
    return [*callbacks, *resumables, backup]


def snapshot_folder(out: OutputDir, member: int) -> Path:
    """Where a member's epoch snapshots live: the scratch space, which survives a crash.

    Args:
        out: The execution's output directories.
        member: Ensemble member index.

    Returns:
        The folder (created by the first snapshot).
    """
    return out.scratch / f"snapshots_{member}"


def checkpoint_ensemble(build, paths: Sequence[str], input_shape, name: str | None = None):
    """One model averaging the predictions of epoch weight snapshots.

    Args:
        build: ``build(name) -> keras.Model``, the member's architecture.
        paths: Snapshots kept by :class:`~models.callbacks.AtomicBackupAndRestore`.
        input_shape: Model input shape.
        name: Name of the averaged model (default ``checkpoint_ensemble``).

    Returns:
        A model whose output is the mean of the snapshots' outputs.
    """
    from models.callbacks import snapshot_epoch
    from models.resumable import STARTING_POINT

    snapshots = []
    for path in paths:
        epoch = snapshot_epoch(path)
        snapshot = build(f"{name}_epoch_{epoch}" if name else f"epoch_{epoch}")
        snapshot.load_weights(path)
        snapshots.append(snapshot)
    LOG.info("checkpoint ensemble of %d epoch snapshot(s)", len(snapshots))
    return average_members(snapshots, input_shape, name or "checkpoint_ensemble")


def average_members(members: list, input_shape, name: str = "ensemble"):
    """One model that averages its members' outputs (the member itself when there is one)."""
    import keras

    if len(members) == 1:
        return members[0]
    inputs = keras.Input(shape=tuple(input_shape), dtype=members[0].inputs[0].dtype, name="inputs")
    averaged = keras.layers.Average(name=f"{name}_average", dtype="float32")([m(inputs) for m in members])
    return keras.Model(inputs, averaged, name=name)


SPEC = ComponentSpec(name=NAME, inputs=INPUTS, outputs=OUTPUTS, params_type=TrainerParams, run=run,
                     optional_inputs=OPTIONAL_INPUTS)
