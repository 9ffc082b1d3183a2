"""Window records: their ``tf.train.Example`` form, parsing spec and statistics profile."""

from __future__ import annotations

from typing import Any

from data.charlm.config import CharlmData
from data.tf_example import serialize, text_feature


def encode_example(features: dict[str, str]) -> bytes:
    """Serialises one window as a ``tf.train.Example``."""
    return serialize({name: text_feature(features[name]) for name in ("context", "target", "id")})


def profile(feature) -> dict[str, Any]:
    """Facts about one raw example for the statistics component.

    Args:
        feature: The ``features.feature`` map of a parsed ``tf.train.Example``.

    Returns:
        ``label`` None (the next character is not a class the schema should pin down: a rare
        character only test has is no anomaly), ``length`` (characters of context), no missing
        values, and ``tokens``: the target character, for vocabulary coverage.
    """
    context = feature["context"].bytes_list.value[0].decode("utf-8", "replace")
    target = feature["target"].bytes_list.value[0].decode("utf-8", "replace")
    return {"label": None, "length": len(context), "missing": 0, "values": 1, "numeric": {}, "tokens": [target]}


def raw_feature_spec(cfg: CharlmData) -> dict:
    """The ``tf.io`` parsing spec of raw examples."""
    import tensorflow as tf

    return {name: tf.io.FixedLenFeature([], tf.string) for name in ("context", "target", "id")}
