"""The IMDB tf.Transform ``preprocessing_fn``: tokens, a train-only vocabulary, truncation and padding."""

from __future__ import annotations

from data.imdb.config import EMPTY_TOKEN, FEATURES_KEY, LABEL_KEY, PUNCTUATION, VOCAB_NAME, ImdbData


def tokenize(text):
    """Lowercases, strips ``<br />`` and splits punctuation off words; returns ragged tokens."""
    import tensorflow as tf

    text = tf.strings.lower(text)
    text = tf.strings.regex_replace(text, r"<br\s*/?>", " ")
    text = tf.strings.regex_replace(text, PUNCTUATION, r" \1 ")
    return tf.strings.split(text)


def truncate(tokens, max_len: int, truncation: str):
    """Keeps at most ``max_len`` tokens of each row, dropping the ``truncation`` part.

    Args:
        tokens: A ragged ``[batch, None]`` tensor.
        max_len: Tokens kept per row.
        truncation: ``end``, ``start`` or ``middle`` (see :class:`ImdbData`).

    Returns:
        The ragged tensor with long rows cut; rows of at most ``max_len`` are unchanged.
    """
    import tensorflow as tf

    tail = {"end": 0, "start": max_len, "middle": max_len // 2}[truncation]
    head = max_len - tail
    rows = tokens.value_rowids()
    position = tf.range(tf.size(rows, out_type=tf.int64)) - tf.gather(tokens.row_starts(), rows)
    length = tf.gather(tokens.row_lengths(), rows)
    keep = (position < head) | (position >= length - tail)
    return tf.ragged.boolean_mask(tokens, tokens.with_flat_values(keep))


def pad_at_start(dense, lengths):
    """Moves each row's padding from its end to its start: ``[a b c 0 0]`` -> ``[0 0 a b c]``.

    Args:
        dense: End-padded ``[batch, max_len]`` ids.
        lengths: Ids before the padding in each row.
    """
    import tensorflow as tf

    return tf.reverse(tf.reverse_sequence(dense, lengths, seq_axis=1, batch_axis=0), axis=[1])


def make_preprocessing_fn(cfg: ImdbData):
    """Vocabulary (train only, ``top_k``, OOV buckets) and padded, truncated ids.

    Id 0 is padding, vocabulary ids start at 1, OOV ids follow the vocabulary. A review
    without tokens becomes one OOV id, never an all-padding row. Long reviews are cut as
    ``cfg.truncation`` says, short ones padded where ``cfg.padding`` says.
    """
    max_len, top_k, oov, truncation = cfg.max_len, cfg.top_k, cfg.oov_buckets, cfg.truncation
    start_padded = cfg.padding == "start"

    def preprocessing_fn(inputs):
        import tensorflow as tf
        import tensorflow_transform as tft

        tokens = tokenize(inputs["text"])
        vocabulary = tft.vocabulary(tokens, top_k=top_k, vocab_filename=VOCAB_NAME)
        ids = tft.apply_vocabulary(tokens, vocabulary, num_oov_buckets=oov) + 1
        empty_id = tft.apply_vocabulary(tf.constant([EMPTY_TOKEN]), vocabulary, num_oov_buckets=oov)[0] + 1
        dense = truncate(ids, max_len, truncation).to_tensor(default_value=0, shape=[None, max_len])
        lengths = tokens.row_lengths()
        first = tf.equal(tf.range(max_len, dtype=tf.int64), 0)[None, :]
        dense = tf.where((lengths == 0)[:, None] & first, empty_id, dense)
        if start_padded:
            dense = pad_at_start(dense, tf.clip_by_value(lengths, 1, max_len))
        return {FEATURES_KEY: dense, LABEL_KEY: inputs["label"], "length": lengths}

    return preprocessing_fn
