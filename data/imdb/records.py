"""Review records: one file's record or dead letter, its ``tf.train.Example`` form, spec and profile."""

from __future__ import annotations

import re
from typing import Any

from data.hashing import stable_fraction
from data.imdb.config import MEMBER, PUNCTUATION, ImdbData
from data.tf_example import int64_feature, serialize, text_feature


def make_record(name: str, raw: bytes, source: str, eval_fraction: float) -> tuple[str, Any]:
    """Turns one review file into ``("record", (split, features))`` or ``("dead", letter)``."""
    match = MEMBER.search(name)
    split, polarity, number, rating = match.groups()
    review_id = f"{split}/{polarity}/{number}_{rating}"
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as error:
        return "dead", {"source": source, "id": review_id, "reason": f"not UTF-8: {error}"}
    if not text.strip():
        return "dead", {"source": source, "id": review_id, "reason": "empty review"}
    if split == "train" and stable_fraction(review_id) < eval_fraction:
        split = "eval"
    return "record", (split, {"text": text, "label": int(polarity == "pos"), "id": review_id,
                              "rating": int(rating)})


def oversized(name: str, size: int, limit: int, source: str) -> tuple[str, dict[str, Any]]:
    """The dead letter of a review file over ``data.max_review_bytes``."""
    split, polarity, number, rating = MEMBER.search(name).groups()
    return "dead", {"source": source, "id": f"{split}/{polarity}/{number}_{rating}",
                    "reason": f"review of {size} bytes is over data.max_review_bytes ({limit})"}


def encode_example(features: dict[str, Any]) -> bytes:
    """Serialises one review as a ``tf.train.Example``."""
    return serialize({
        "text": text_feature(features["text"]), "id": text_feature(features["id"]),
        "label": int64_feature([features["label"]]), "rating": int64_feature([features["rating"]]),
    })


def raw_feature_spec(cfg: ImdbData) -> dict:
    """The ``tf.io`` parsing spec of raw examples."""
    import tensorflow as tf

    return {
        "text": tf.io.FixedLenFeature([], tf.string),
        "label": tf.io.FixedLenFeature([], tf.int64),
        "id": tf.io.FixedLenFeature([], tf.string),
        "rating": tf.io.FixedLenFeature([], tf.int64),
    }


def profile(feature) -> dict[str, Any]:
    """Facts about one raw example for the statistics component.

    Args:
        feature: The ``features.feature`` map of a parsed ``tf.train.Example``.

    Returns:
        ``label``, ``length`` (tokens), ``missing``/``values`` (an empty review is missing),
        ``numeric`` (name -> values) and ``tokens``, tokenized as :func:`tokenize` does.
    """
    text = feature["text"].bytes_list.value[0].decode("utf-8", "replace")
    words = re.sub(PUNCTUATION, r" \1 ", re.sub(r"<br\s*/?>", " ", text.lower())).split()
    return {"label": str(feature["label"].int64_list.value[0]), "length": len(words),
            "missing": int(not words), "values": 1,
            "numeric": {"rating": list(feature["rating"].int64_list.value)}, "tokens": words}
