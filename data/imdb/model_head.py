"""The IMDB model head: the id space, the vocabulary, inputs and labels, evaluation targets."""

from __future__ import annotations

from data.imdb.config import FEATURES_KEY, LABEL_KEY, VOCAB_NAME, ImdbData


def vocabulary_size(tft_output, cfg: ImdbData) -> int:
    """Size of the id space: padding, the vocabulary, and the OOV buckets."""
    return 1 + tft_output.vocabulary_size_by_name(VOCAB_NAME) + cfg.oov_buckets


def vocabulary(tft_output) -> list[str]:
    """The vocabulary in id order (word ``i`` has id ``i + 1``)."""
    return [w.decode("utf-8", "replace") if isinstance(w, bytes) else w
            for w in tft_output.vocabulary_by_name(VOCAB_NAME)]


def model_shape(cfg: ImdbData, tft_output) -> tuple[list[int], int, int]:
    """Model input shape, number of outputs, and id-space size."""
    return [cfg.max_len], 1, vocabulary_size(tft_output, cfg)


def model_io(features):
    """Token ids and float labels [batch, 1]."""
    import tensorflow as tf

    return features[FEATURES_KEY], tf.cast(features[LABEL_KEY], tf.float32)[:, None]


def evaluation_targets(raw, cfg: ImdbData) -> dict:
    """Labels, ids and word counts (for length slices) of parsed raw test examples."""
    import numpy as np

    texts = raw["text"].numpy()
    return {"truth": raw["label"].numpy(), "ids": raw["id"].numpy(),
            "lengths": np.array([len(t.split()) for t in texts])}
