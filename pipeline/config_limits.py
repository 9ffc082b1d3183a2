"""Bounds on a config's size-like keys, checked when the config is loaded, before any work starts.

A dataset kind declares which of its ``data`` keys are sizes, on the field:
``field(default=..., metadata={"size": ROLE})``, ROLE one of :data:`DATA_LIMITS`:

- ``steps``: time steps of one example (``data.window``, ``data.max_len``);
- ``outputs``: values predicted per example (``data.horizon``);
- ``vocabulary``: token ids (``data.top_k``, ``data.oov_buckets``; a kind's ids add up).

The model's and the trainer's sizes are known here by key (:data:`MODEL_LIMITS`). Every size has
an absolute limit, and together they imply the memory of two things that must fit in a share
(:data:`MEMORY_SHARE`) of this machine's physical memory: one training batch's activations, kept
for the backward pass, and the embedding table with its gradient and Adam's two moments. When
the tuner is on, its largest choices are checked the same way. The data side (a window against
the series it is cut from) is checked by the kind when it reads its input.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from dataclasses import dataclass

from pipeline.config_validation import ConfigError

DATA_LIMITS = {"steps": 1_000_000, "outputs": 100_000, "vocabulary": 10_000_000}
"""The absolute limit of a ``data`` key by its declared size role."""
ROLES = {"steps": "time steps per example", "outputs": "values predicted per example", "vocabulary": "token ids"}
MODEL_LIMITS = {"model.units": 16_384, "model.embedding_dim": 16_384, "model.dense_units": 65_536,
                "trainer.batch_size": 1_048_576, "trainer.shuffle_buffer": 100_000_000,
                "tuner.space.units": 16_384, "tuner.space.embedding_dims": 16_384,
                "tuner.space.batch_sizes": 1_048_576}
"""The absolute limit of each size-like key of the model, trainer and tuner (any element of a list)."""
MEMORY_SHARE = 0.5
BYTES_PER_VALUE = 4  # float32
VALUES_PER_UNIT = {"lstm": 6, "gru": 4, "simple_rnn": 2}  # gates and states kept per unit and step
EMBEDDING_COPIES = 4  # weights, gradient, and Adam's two moments
GB = 1 << 30


@dataclass(frozen=True)
class TrainingShape:
    """The sizes that set a training batch's memory, with the keys they come from (for messages).

    Attributes:
        batch: Examples per batch.
        batch_key: Where ``batch`` is set.
        units: Units of each recurrent layer.
        units_key: Where ``units`` are set.
        cell: The recurrent cell.
        bidirectional: Whether each layer runs both ways.
        embedding_dim: Size of a token's embedding (0 without token inputs).
        embedding_key: Where ``embedding_dim`` is set.
    """

    batch: int
    batch_key: str
    units: tuple[int, ...]
    units_key: str
    cell: str
    bidirectional: bool
    embedding_dim: int
    embedding_key: str

    def values_per_step(self) -> int:
        """Float values one example keeps per time step."""
        directions = 2 if self.bidirectional else 1
        return self.embedding_dim + sum(units * VALUES_PER_UNIT[self.cell] * directions for units in self.units)


def declared_sizes(data) -> dict[str, list[tuple[str, int | None]]]:
    """The size-like keys a kind's ``data`` config declares: role -> ``[(dotted key, value)]``."""
    sizes: dict[str, list[tuple[str, int | None]]] = {}
    for field in dataclasses.fields(data):
        role = field.metadata.get("size")
        if role is not None:
            sizes.setdefault(role, []).append((f"data.{field.name}", getattr(data, field.name)))
    return sizes


def check_sizes(data, model, trainer, tuner, source: str, memory: int | None) -> None:
    """Checks every size-like key against its absolute limit and the memory it implies.

    Args:
        data: The kind's ``data`` config (its fields declare their size roles).
        model: The ``model`` section (a ``ModelSpec``).
        trainer: The ``trainer`` section (``TrainerParams``).
        tuner: The ``tuner`` section (``TunerParams``).
        source: The config file, for messages.
        memory: This machine's physical memory in bytes (None: only the absolute limits).

    Raises:
        ConfigError: Naming the key, its value and the limit it breaks.
    """
    sizes = declared_sizes(data)
    for role, keys in sizes.items():
        for key, value in keys:
            _at_most(source, key, value, DATA_LIMITS[role], f" {ROLES[role]}")
    space = tuner.space
    given = {"model.units": model.units, "model.embedding_dim": (model.embedding_dim,),
             "model.dense_units": (model.dense_units,), "trainer.batch_size": (trainer.batch_size,),
             "trainer.shuffle_buffer": (trainer.shuffle_buffer,), "tuner.space.units": space.units,
             "tuner.space.embedding_dims": space.embedding_dims, "tuner.space.batch_sizes": space.batch_sizes}
    for key, values in given.items():
        for value in values:
            _at_most(source, key, value, MODEL_LIMITS[key], "")
    if memory is None:
        return
    budget = int(memory * MEMORY_SHARE)
    tokens = "vocabulary" in sizes
    shapes = [TrainingShape(trainer.batch_size, "trainer.batch_size", model.units, "model.units", model.cell,
                            model.bidirectional, model.embedding_dim if tokens else 0, "model.embedding_dim")]
    if tuner.enabled:
        shapes.append(TrainingShape(max(space.batch_sizes), "tuner.space.batch_sizes",
                                    (max(space.units),) * space.depth[1], "tuner.space.units",
                                    max(space.cells, key=VALUES_PER_UNIT.__getitem__), any(space.bidirectional),
                                    max(space.embedding_dims) if tokens else 0, "tuner.space.embedding_dims"))
    for shape in shapes:
        _check_batch(source, sizes.get("steps", []), shape, memory, budget)
        if tokens:
            _check_embedding(source, sizes["vocabulary"], shape, memory, budget)


def _at_most(source: str, key: str, value: int | None, limit: int, unit: str) -> None:
    if value is not None and value > limit:
        raise ConfigError(f"{source}: {key}={value} is over its limit of {limit:,}{unit}")


def _check_batch(source: str, steps: Sequence[tuple[str, int]], shape: TrainingShape, memory: int,
                 budget: int) -> None:
    """One training batch's activations, ``batch x steps x values per step`` floats, fit the budget."""
    total_steps = max(1, sum(value for _, value in steps))
    per_example = BYTES_PER_VALUE * total_steps * shape.values_per_step()
    needed = shape.batch * per_example
    if needed <= budget:
        return
    given = ", ".join([*(f"{key}={value}" for key, value in steps), f"{shape.batch_key}={shape.batch}",
                       f"{shape.units_key}={list(shape.units)}"])
    advice = f"{shape.batch_key} must be at most {max(1, budget // per_example):,} here"
    if steps:
        key, value = max(steps, key=lambda item: item[1])
        others = total_steps - value
        fits = budget // (shape.batch * BYTES_PER_VALUE * shape.values_per_step()) - others
        advice = f"{key} must be at most {max(1, fits):,} here, or {advice}"
    raise ConfigError(f"{source}: {given} imply about {needed / GB:.1f} GB of activations per training batch, "
                      f"more than {MEMORY_SHARE:.0%} of this machine's {memory / GB:.1f} GB of memory; {advice}")


def _check_embedding(source: str, vocabulary: Sequence[tuple[str, int | None]], shape: TrainingShape,
                     memory: int, budget: int) -> None:
    """The embedding table, ``ids x embedding_dim`` floats in :data:`EMBEDDING_COPIES` copies, fits the budget."""
    if any(value is None for _, value in vocabulary) or not shape.embedding_dim:
        return  # an unbounded vocabulary (every character of the corpus) is bounded by the data
    ids = sum(value for _, value in vocabulary)
    per_id = BYTES_PER_VALUE * EMBEDDING_COPIES * shape.embedding_dim
    needed = ids * per_id
    if needed <= budget:
        return
    key, value = max(vocabulary, key=lambda item: item[1])
    fits = max(1, budget // per_id - (ids - value))
    given = ", ".join([*(f"{k}={v}" for k, v in vocabulary), f"{shape.embedding_key}={shape.embedding_dim}"])
    raise ConfigError(f"{source}: {given} imply an embedding table of about {needed / GB:.1f} GB with its gradient "
                      f"and optimizer state, more than {MEMORY_SHARE:.0%} of this machine's {memory / GB:.1f} GB "
                      f"of memory; {key} must be at most {fits:,} here")
