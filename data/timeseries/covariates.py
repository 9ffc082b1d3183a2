"""Categorical covariates: a tf.Transform vocabulary per column fitted on train, fed one-hot.

Each categorical column keeps its ``CATEGORY_TOP_K`` most frequent train categories, one channel
each; every other category (seen beyond the top k, or unseen at train) goes to the one OOV bucket
channel after them (``CATEGORY_OOV_BUCKETS``). A missing category
("") and a padding step have all-zero channels. An unseen category is counted per window
(``unseen_categories``), which serving returns beside the predictions.
"""

from __future__ import annotations

from data.timeseries.config import CATEGORY_OOV_BUCKETS, CATEGORY_TOP_K


def vocabulary_name(column: str) -> str:
    """The tf.Transform vocabulary file name of one categorical column."""
    return f"category_{column}"


def category_channels(categories, mask, columns):
    """One-hot channels of the categories of a batch of windows, and the count of unseen ones.

    Must run inside a tf.Transform ``preprocessing_fn``: the vocabulary of each column is fitted
    on the last step of each train window (each row once), real steps with a category only.

    Args:
        categories: bytes ``[batch, window, len(columns)]`` ("" = missing).
        mask: float ``[batch, window]``, 1 at real steps, 0 at padding.
        columns: The categorical column names.

    Returns:
        ``(channels, unseen)``: float32 ``[batch, window, len(columns) * (top k + OOV buckets)]``
        and int64 ``[batch]``, the cells of each window whose category is not in the vocabulary
        (the top k included: a rare train category beyond it goes to OOV but is not "unseen").
    """
    import tensorflow as tf
    import tensorflow_transform as tft

    width = CATEGORY_TOP_K + CATEGORY_OOV_BUCKETS
    channels, unseen = [], []
    for index, column in enumerate(columns):
        cells = categories[:, :, index]
        present = tf.not_equal(cells, "") & (mask > 0)
        last = tf.boolean_mask(cells[:, -1], present[:, -1])
        kept = tft.vocabulary(last, top_k=CATEGORY_TOP_K, vocab_filename=vocabulary_name(column))
        everything = tft.vocabulary(last, vocab_filename=vocabulary_name(column) + "_all")
        ids = tft.apply_vocabulary(cells, kept, default_value=-1)
        ids = tf.where(ids < 0, tf.cast(CATEGORY_TOP_K, ids.dtype), ids)  # the OOV bucket's channel
        known = tft.apply_vocabulary(cells, everything, default_value=-1) >= 0
        channels.append(tf.one_hot(ids, width, dtype=tf.float32) * tf.cast(present, tf.float32)[..., None])
        unseen.append(tf.reduce_sum(tf.cast(present & ~known, tf.int64), axis=1))
    return tf.concat(channels, axis=-1), tf.add_n(unseen)
