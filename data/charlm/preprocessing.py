"""The charlm tf.Transform ``preprocessing_fn``: a train-only character vocabulary and window ids."""

from __future__ import annotations

from data.charlm.config import (FEATURES_KEY, FIRST_CHAR_ID, LABEL_KEY, MASK_ID, OOV_BUCKETS, REPLACEMENT_CHARACTER,
                                START_ID, VOCAB_NAME, CharlmData)


def codepoints(text):
    """Unicode code points of strings as a ragged int64 [n, None] (``\\r\\n`` read as ``\\n``).

    Invalid UTF-8 (possible only in a served prompt) becomes U+FFFD, which is out of vocabulary.
    """
    import tensorflow as tf

    text = tf.strings.regex_replace(text, "\r\n", "\n")
    return tf.cast(tf.strings.unicode_decode(text, "UTF-8", errors="replace",
                                             replacement_char=REPLACEMENT_CHARACTER), tf.int64)


def left_pad(ids, window: int):
    """The last ``window`` ids of each ragged row, left-padded with the start id: int64 [n, window]."""
    import tensorflow as tf

    lengths = ids.row_lengths()
    dense = tf.pad(ids.to_tensor(default_value=START_ID), [[0, 0], [0, 1]], constant_values=START_ID)
    positions = lengths[:, None] - window + tf.range(window, dtype=tf.int64)[None, :]
    gathered = tf.gather(dense, tf.maximum(positions, 0), batch_dims=1)
    return tf.where(positions >= 0, gathered, tf.constant(START_ID, tf.int64))


def make_preprocessing_fn(cfg: CharlmData):
    """Character vocabulary (train only, optionally ``top_k``) and ids for the window and the target.

    ``inputs`` holds the last ``window`` characters of the context, left-padded with the start
    id; ``target`` is the id of the target's first character (``MASK_ID`` when there is none,
    as for a served prompt).
    """
    window, top_k = cfg.window, cfg.top_k

    def preprocessing_fn(inputs):
        import tensorflow as tf
        import tensorflow_transform as tft

        context = codepoints(inputs["context"])
        target = codepoints(inputs["target"])
        vocabulary = tft.vocabulary(tf.concat([context, target], axis=1), top_k=top_k, vocab_filename=VOCAB_NAME)
        context_ids = tft.apply_vocabulary(context, vocabulary, num_oov_buckets=OOV_BUCKETS) + FIRST_CHAR_ID
        target_ids = tft.apply_vocabulary(target, vocabulary, num_oov_buckets=OOV_BUCKETS) + FIRST_CHAR_ID
        target_id = target_ids.to_tensor(default_value=MASK_ID, shape=[None, 1])[:, 0]
        return {FEATURES_KEY: left_pad(context_ids, window), LABEL_KEY: target_id}

    return preprocessing_fn
