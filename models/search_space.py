"""The KerasTuner search space over rnnpipe's recurrent models.

:class:`SearchSpace` holds the ranges (from the ``tuner.space`` config section);
:class:`RecurrentHyperModel` turns sampled hyperparameters into a compiled model and fits it
with a sampled batch size. :func:`apply_values` maps a best-trial result back onto the
config's :class:`~models.rnn.ModelSpec` and training settings.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any, Callable, Mapping, Sequence

import keras
import keras_tuner

from models.rnn import CELLS, MERGE_MODES, ModelSpec, build_model, compile_model

# The metric each task is tuned on, and its direction.
OBJECTIVES = {"regression": ("val_rmse", "min"), "binary": ("val_accuracy", "max"),
              "multiclass": ("val_accuracy", "max")}
TRAINING_KEYS = ("learning_rate", "clipnorm", "batch_size")


@dataclass(frozen=True)
class SearchSpace:
    """Ranges the tuner samples from. A one-element list fixes that hyperparameter.

    Attributes:
        cells: Recurrent cell types.
        bidirectional: Whether layers are bidirectional (``[false]``, ``[true]`` or both).
        merge_modes: How bidirectional outputs are merged (only sampled when bidirectional).
        depth: ``[min, max]`` number of stacked recurrent layers.
        units: Choices of units, sampled per layer.
        dropout: ``[min, max]`` dropout, sampled in steps of 0.1.
        embedding_dims: Token embedding sizes (text kinds only).
        attention: Attention pooling (``true``) or the last state (``false``).
        learning_rate: ``[min, max]`` Adam learning rate, sampled on a log scale.
        clipnorm: Choices of the gradient clipping norm.
        batch_sizes: Choices of the batch size (tuned in ``HyperModel.fit``).
    """

    cells: tuple[str, ...] = CELLS
    bidirectional: tuple[bool, ...] = (False, True)
    merge_modes: tuple[str, ...] = ("concat", "sum")
    depth: tuple[int, ...] = (1, 2)
    units: tuple[int, ...] = (32, 64, 128)
    dropout: tuple[float, ...] = (0.0, 0.3)
    embedding_dims: tuple[int, ...] = (32, 64, 128)
    attention: tuple[bool, ...] = (False, True)
    learning_rate: tuple[float, ...] = (3e-4, 1e-2)
    clipnorm: tuple[float, ...] = (1.0,)
    batch_sizes: tuple[int, ...] = (32, 64, 128)

    def __post_init__(self):
        for name in ("cells", "bidirectional", "merge_modes", "units", "embedding_dims", "attention",
                     "clipnorm", "batch_sizes"):
            if not getattr(self, name):
                raise ValueError(f"tuner.space.{name} is an empty range: give at least one value")
        unknown = set(self.cells) - set(CELLS)
        if unknown:
            raise ValueError(f"tuner.space.cells: unknown cells {sorted(unknown)}; expected some of {CELLS}")
        unknown = set(self.merge_modes) - set(MERGE_MODES)
        if unknown:
            raise ValueError(f"tuner.space.merge_modes: unknown modes {sorted(unknown)}; expected some of {MERGE_MODES}")
        for name in ("depth", "dropout", "learning_rate"):
            bounds = getattr(self, name)
            if len(bounds) != 2 or bounds[0] > bounds[1]:
                raise ValueError(f"tuner.space.{name} must be [min, max] with min <= max, got {list(bounds)}")
        if not 1 <= self.depth[0] <= self.depth[1] <= 3:
            raise ValueError(f"tuner.space.depth must lie within [1, 3], got {list(self.depth)}")
        if not 0.0 <= self.dropout[0] <= self.dropout[1] < 1.0:
            raise ValueError(f"tuner.space.dropout must lie within [0, 1), got {list(self.dropout)}")
        if not 0.0 < self.learning_rate[0] <= self.learning_rate[1] < 1.0:
            raise ValueError(f"tuner.space.learning_rate must lie within (0, 1), got {list(self.learning_rate)}")
        for name in ("units", "embedding_dims", "batch_sizes"):
            if any(value < 1 for value in getattr(self, name)):
                raise ValueError(f"tuner.space.{name} must hold positive integers, got {list(getattr(self, name))}")
        if any(value <= 0 for value in self.clipnorm):
            raise ValueError(f"tuner.space.clipnorm must hold positive numbers, got {list(self.clipnorm)}")


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
    choice(hp, "attention", space.attention)
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
        attention=bool(values.get("attention", model.attention)),
        embedding_dim=int(values.get("embedding_dim", model.embedding_dim)))
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
    """

    def __init__(self, space: SearchSpace, base: ModelSpec, task: str, input_shape: Sequence[int], outputs: int,
                 vocab_size: int | None, datasets: Callable[[int], tuple[Any, Any]], dtype: str | None = None):
        super().__init__(name="rnnpipe")
        self.space = space
        self.base = base
        self.task = task
        self.input_shape = list(input_shape)
        self.outputs = outputs
        self.vocab_size = vocab_size
        self.datasets = datasets
        self.dtype = dtype

    def build(self, hp: keras_tuner.HyperParameters) -> keras.Model:
        define_model(hp, self.space, tokens=self.vocab_size is not None)
        spec, training = apply_values(hp.values, self.base, 1e-3, None, 0)
        model = build_model(spec, self.input_shape, self.task, self.outputs, vocab_size=self.vocab_size,
                            dtype=self.dtype)
        return compile_model(model, self.task, training["learning_rate"], training["clipnorm"])

    def fit(self, hp: keras_tuner.HyperParameters, model: keras.Model, *args, **kwargs):
        batch_size = choice(hp, "batch_size", self.space.batch_sizes)
        train, evaluation = self.datasets(batch_size)
        kwargs.setdefault("verbose", 0)
        return model.fit(train, validation_data=evaluation, **kwargs)
