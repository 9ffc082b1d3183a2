"""Raw time-series examples: their ``tf.train.Example`` form, parsing spec and statistics profile."""

from __future__ import annotations

from typing import Any, Sequence

import numpy as np

from data.tf_example import float_feature, int64_feature, serialize, text_feature
from data.timeseries.config import TimeseriesData


def texts_feature(texts: Sequence[str]):
    """A bytes-list feature of ``texts`` as UTF-8."""
    import tensorflow as tf

    return tf.train.Feature(bytes_list=tf.train.BytesList(value=[text.encode("utf-8") for text in texts]))


def encode_example(features: dict[str, Any]) -> bytes:
    """Serialises raw window features as a ``tf.train.Example``.

    ``categories`` is written only when the series has categorical columns (it is empty otherwise).
    """
    encoded = {
        "history": float_feature(features["history"]),
        "mask": float_feature(features["mask"]),
        "filled": float_feature(features["filled"]),
        "target": float_feature(features["target"]),
        "timestamps": int64_feature(features["timestamps"]),
        "target_timestamps": int64_feature(features["target_timestamps"]),
        "id": text_feature(features["id"]),
    }
    if features["categories"]:
        encoded["categories"] = texts_feature(features["categories"])
    return serialize(encoded)


def raw_feature_spec(cfg: TimeseriesData) -> dict:
    """The ``tf.io`` parsing spec of raw examples (``categories`` only with categorical columns)."""
    import tensorflow as tf

    spec = {
        "history": tf.io.FixedLenFeature([cfg.window * cfg.n_values], tf.float32),
        "mask": tf.io.FixedLenFeature([cfg.window], tf.float32),
        "filled": tf.io.FixedLenFeature([cfg.window], tf.float32),
        "timestamps": tf.io.FixedLenFeature([cfg.window], tf.int64),
        "target": tf.io.FixedLenFeature([cfg.horizon], tf.float32),
        "target_timestamps": tf.io.FixedLenFeature([cfg.horizon], tf.int64),
        "id": tf.io.FixedLenFeature([], tf.string),
    }
    if cfg.categorical_columns:
        spec["categories"] = tf.io.FixedLenFeature([cfg.window * len(cfg.categorical_columns)], tf.string)
    return spec


def profile(feature) -> dict[str, Any]:
    """Facts about one raw example for the statistics component.

    Args:
        feature: The ``features.feature`` map of a parsed ``tf.train.Example``.

    Returns:
        ``label`` (None: a regression target), ``length`` (steps), ``missing``/``values``
        (steps missing from the series, filled by interpolation or absent inside the window's
        time span as judged by its most common step, over all steps) and ``numeric`` (history
        and target values).
    """
    mask = np.asarray(feature["mask"].float_list.value) > 0
    stamps = np.asarray(feature["timestamps"].int64_list.value)[mask]
    gaps = np.diff(stamps)
    missing = 0
    if gaps.size:
        values, counts = np.unique(gaps, return_counts=True)
        step = values[counts.argmax()]
        missing = int(np.maximum(np.round(gaps / step) - 1, 0).sum()) if step > 0 else 0
    filled = int((np.asarray(feature["filled"].float_list.value)[mask] > 0).sum())
    history = np.asarray(feature["history"].float_list.value).reshape(mask.size, -1)[mask]
    return {"label": None, "length": int(mask.sum()), "missing": missing + filled,
            "values": int(mask.sum()) + missing,
            "numeric": {"history": history.ravel().tolist(), "target": list(feature["target"].float_list.value)},
            "tokens": None}
