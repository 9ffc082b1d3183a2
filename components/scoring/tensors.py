"""A batch of raw records as the keyword arguments of the signature that scores them.

A dataset kind turns its own records into tensors (``kind.scoring_tensors``); here are the
kind-agnostic parts: raw tf.Examples, and the sampling settings of a ``generate`` signature.
"""

from __future__ import annotations

from typing import Any, Sequence

from components.scoring.formats import InputFormat
from components.scoring.params import GenerationSettings


def batch_tensors(fmt: InputFormat, batch: Sequence[Any], input_names: Sequence[str],
                  generation: GenerationSettings | None = None) -> dict[str, Any]:
    """The signature's keyword arguments for a batch of raw records of format ``fmt``.

    Args:
        fmt: The input format: its kind converts the records (raw tf.Examples need no kind).
        batch: The raw inputs, as the format's reader yields them.
        input_names: The inputs the signature takes.
        generation: The sampling settings, for a ``generate`` signature.
    """
    import tensorflow as tf

    if fmt.kind is None:
        tensors = {fmt.input.input_names[0]: tf.constant(list(batch), tf.string)}
    else:
        tensors = dict(fmt.kind.scoring_tensors(batch, input_names))
    if generation is not None:
        tensors.update(sampling_tensors(generation))
    return tensors


def sampling_tensors(generation: GenerationSettings) -> dict[str, Any]:
    """The sampling inputs of a ``generate`` signature: length, temperature and seed."""
    import tensorflow as tf

    return {"length": tf.constant(generation.length, tf.int32),
            "temperature": tf.constant(generation.temperature, tf.float32),
            "seed": tf.constant(generation.seed, tf.int64)}
