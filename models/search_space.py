"""The KerasTuner search space over rnnpipe's recurrent models.

:class:`SearchSpace` holds the ranges (from the ``tuner.space`` config section);
:class:`RecurrentHyperModel` turns sampled hyperparameters into a compiled model and fits it
with a sampled batch size. :func:`apply_values` maps a best-trial result back onto the
config's :class:`~models.spec.ModelSpec` and training settings.
"""

from __future__ import annotations

import dataclasses
from typing import Any, Callable, Mapping, Sequence

import keras
import keras_tuner

from models.highway import warm_start_highway
from models.rnn import build_model, compile_model
from models.spec import ModelSpec, SearchSpace

# The metric each task is tuned on, and its direction.
OBJECTIVES = {"regression": ("val_rmse", "min"), "binary": ("val_accuracy", "max"),
              "multiclass": ("val_accuracy", "max")}


def choice(hp: keras_tuner.HyperParameters, name: str, values: Sequence[Any]):
    """A ``Choice``, or a ``Fixed`` value when there is only one."""
    values = list(dict.fromkeys(values))
    if len(values) == 1:
        return hp.Fixed(name, values[0])
    if all(isinstance(value, bool) for value in values):
        return hp.Boolean(name)
    return hp.Choice(name, values, ordered=False)


def number(hp: keras_tuner.HyperParameters, name: str, bounds: Sequence[float], **kwargs):
    """A ``Float`` over ``[min, max]``, or a ``Fixed`` value when they are equal."""
    low, high = bounds
    return hp.Fixed(name, float(low)) if low == high else hp.Float(name, float(low), float(high), **kwargs)


def define_model(hp: keras_tuner.HyperParameters, space: SearchSpace, tokens: bool) -> None:
    """Declares the architecture hyperparameters on ``hp``; read them back from ``hp.values``.

    The space is conditional: ``merge_mode`` only exists for bidirectional models, and
    ``units_<i>`` only for depths that reach layer ``i``.
    """
    choice(hp, "cell", space.cells)
    if choice(hp, "bidirectional", space.bidirectional):
        with hp.conditional_scope("bidirectional", [True]):
            choice(hp, "merge_mode", space.merge_modes)
    low, high = space.depth
    depth = hp.Fixed("depth", low) if low == high else hp.Int("depth", low, high)
    for layer in range(depth):
        with hp.conditional_scope("depth", list(range(layer + 1, high + 1))):
            choice(hp, f"units_{layer}", space.units)
    if space.dropout[1] - space.dropout[0] >= 0.1:
        number(hp, "dropout", space.dropout, step=0.1)
    else:
        hp.Fixed("dropout", float(space.dropout[0]))
    choice(hp, "pooling", space.poolings)
    if space.highway_lags:
        choice(hp, "highway_lags", space.highway_lags)
    if tokens:
        choice(hp, "embedding_dim", space.embedding_dims)
    number(hp, "learning_rate", space.learning_rate, sampling="log")
    choice(hp, "clipnorm", space.clipnorm)


def apply_values(values: Mapping[str, Any], model: ModelSpec, learning_rate: float, clipnorm: float | None,
                 batch_size: int) -> tuple[ModelSpec, dict[str, Any]]:
    """Maps tuned hyperparameter values onto a model spec and training settings.

    Args:
        values: ``HyperParameters.values`` of a trial (inactive ones may be absent).
        model: The config's spec; fields without a tuned value keep its setting.
        learning_rate: The config's learning rate, used if not tuned.
        clipnorm: The config's clipnorm, used if not tuned.
        batch_size: The config's batch size, used if not tuned.

    Returns:
        ``(spec, {"learning_rate", "clipnorm", "batch_size"})``.
    """
    depth = int(values.get("depth", len(model.units)))
    units = tuple(int(values.get(f"units_{i}", model.units[min(i, len(model.units) - 1)])) for i in range(depth))
    spec = dataclasses.replace(
        model, cell=values.get("cell", model.cell), units=units,
        bidirectional=bool(values.get("bidirectional", model.bidirectional)),
        merge_mode=values.get("merge_mode", model.merge_mode),
        dropout=float(values.get("dropout", model.dropout)),
        pooling=values.get("pooling", model.pooling),
        embedding_dim=int(values.get("embedding_dim", model.embedding_dim)),
        highway_lags=int(values["highway_lags"]) if "highway_lags" in values else model.highway_lags)
    training = {"learning_rate": float(values.get("learning_rate", learning_rate)),
                "clipnorm": values.get("clipnorm", clipnorm),
                "batch_size": int(values.get("batch_size", batch_size))}
    return spec, training


class RecurrentHyperModel(keras_tuner.HyperModel):
    """Builds and fits rnnpipe models from sampled hyperparameters.

    Args:
        space: The ranges.
        base: The config's spec (fields the space does not cover, e.g. ``dense_units``).
        task: ``regression``, ``binary`` or ``multiclass``.
        input_shape: Model input shape.
        outputs: Horizon or number of classes.
        vocab_size: Token id space, or None for float inputs.
        datasets: ``datasets(batch_size) -> (train, eval)`` batched ``tf.data`` pipelines.
        dtype: Layer dtype policy (``mixed_float16`` on GPU).
        steps_per_execution: Batches per compiled call, as the trainer runs them.
        highway: ``(channels, default lags, persistence)`` of a linear highway (the kind's
            ``highway_inputs``; see :func:`models.rnn.build_model`).
        ridges: The penalties the highway's closed-form start chooses from, as the trainer's does
            (:func:`models.highway.warm_start_highway`): a trial's model starts where the trained one does.
    """

    def __init__(self, space: SearchSpace, base: ModelSpec, task: str, input_shape: Sequence[int], outputs: int,
                 vocab_size: int | None, datasets: Callable[[int], tuple[Any, Any]], dtype: str | None = None,
                 steps_per_execution: int = 1, highway: tuple[Sequence[int], int, int | None] = ((), 0, None),
                 ridges: Sequence[float] = (1e-3,)):
        super().__init__(name="rnnpipe")
        self.space = space
        self.base = base
        self.task = task
        self.input_shape = list(input_shape)
        self.outputs = outputs
        self.vocab_size = vocab_size
        self.datasets = datasets
        self.dtype = dtype
        self.steps_per_execution = steps_per_execution
        self.highway = highway
        self.ridges = tuple(ridges)

    def build(self, hp: keras_tuner.HyperParameters) -> keras.Model:
        define_model(hp, self.space, tokens=self.vocab_size is not None)
        spec, training = apply_values(hp.values, self.base, 1e-3, None, 0)
        model = build_model(spec, self.input_shape, self.task, self.outputs, vocab_size=self.vocab_size,
                            dtype=self.dtype, highway=self.highway)
        return compile_model(model, self.task, training["learning_rate"], training["clipnorm"],
                             self.steps_per_execution)

    def fit(self, hp: keras_tuner.HyperParameters, model: keras.Model, *args, **kwargs):
        batch_size = choice(hp, "batch_size", self.space.batch_sizes)
        train, evaluation = self.datasets(batch_size)
        warm_start_highway(model, train, evaluation, self.ridges)  # the highway is fixed: fit it first
        kwargs.setdefault("verbose", 0)
        return model.fit(train, validation_data=evaluation, **kwargs)
