"""Image records: the split of each image, their ``tf.train.Example`` form, spec and profile."""

from __future__ import annotations

from typing import Any, Iterator

import numpy as np

from data.hashing import stable_fraction
from data.mnist.config import PIXELS, SIDE, MnistData
from data.mnist.source import load_arrays
from data.tf_example import int64_feature, serialize, text_feature


def assign_split(canonical: str, record_id: str, has_train: bool, cfg: MnistData) -> str:
    """Canonical test stays test; without train files, a stable-hash share of test becomes train."""
    if canonical == "test" and (has_train or stable_fraction("test:" + record_id) < cfg.test_fraction):
        return "test"
    return "eval" if stable_fraction("eval:" + record_id) < cfg.eval_fraction else "train"


def records(cfg: MnistData) -> Iterator[tuple[str, Any]]:
    """``("record", (split, features))`` per good image, ``("dead", letter)`` per malformed one."""
    pairs = load_arrays(cfg)
    for canonical, (images, labels) in pairs.items():
        limit = len(images) if cfg.max_examples is None else min(cfg.max_examples, len(images))
        for index in range(limit):
            record_id = f"{canonical}:{index}"
            label = int(labels[index])
            if not 0 <= label < cfg.num_classes:
                yield "dead", {"id": record_id, "reason": f"label {label} outside 0..{cfg.num_classes - 1}"}
                continue
            split = assign_split(canonical, record_id, "train" in pairs, cfg)
            yield "record", (split, {"image": images[index].reshape(-1).tolist(), "label": label, "id": record_id})


def encode_example(features: dict[str, Any]) -> bytes:
    """Serialises one image as a ``tf.train.Example``."""
    return serialize({
        "image": int64_feature(features["image"]),
        "label": int64_feature([features["label"]]),
        "id": text_feature(features["id"]),
    })


def raw_feature_spec(cfg: MnistData) -> dict:
    """The ``tf.io`` parsing spec of raw examples."""
    import tensorflow as tf

    return {"image": tf.io.FixedLenFeature([PIXELS], tf.int64),
            "label": tf.io.FixedLenFeature([], tf.int64),
            "id": tf.io.FixedLenFeature([], tf.string)}


def profile(feature) -> dict[str, Any]:
    """Facts about one raw example for the statistics component.

    Args:
        feature: The ``features.feature`` map of a parsed ``tf.train.Example``.

    Returns:
        ``label``, ``length`` (rows with ink: the digit's height), ``missing``/``values`` (a
        blank image is missing) and ``numeric`` (pixel values).
    """
    pixels = np.asarray(feature["image"].int64_list.value, dtype=np.int64)
    ink_rows = int(np.count_nonzero(pixels.reshape(-1, SIDE).max(axis=1))) if pixels.size % SIDE == 0 else 0
    return {"label": str(feature["label"].int64_list.value[0]), "length": ink_rows,
            "missing": int(not pixels.any()), "values": 1, "numeric": {"pixel": pixels.tolist()}, "tokens": None}
