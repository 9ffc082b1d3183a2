"""Tests for the IMDB tokenisation, truncation and padding."""

import numpy as np
import pytest
import tensorflow as tf

from data.imdb.preprocessing import pad_at_start, tokenize, truncate


def test_tokenize_lowercases_strips_breaks_and_splits_punctuation():
    tokens = tokenize(tf.constant(["Great film!<br /><br />Loved it, really.", ""])).to_list()
    assert tokens[0] == [b"great", b"film", b"!", b"loved", b"it", b",", b"really", b"."]
    assert tokens[1] == []


@pytest.mark.parametrize("truncation, long_row", [
    ("end", [1, 2, 3, 4]), ("start", [4, 5, 6, 7]), ("middle", [1, 2, 6, 7])])
def test_truncation_drops_the_chosen_part_of_long_rows_only(truncation, long_row):
    rows = tf.ragged.constant([[1, 2, 3, 4, 5, 6, 7], [1, 2, 3, 4], [1], []], dtype=tf.int64)
    cut = tf.function(lambda r: truncate(r, 4, truncation),
                      input_signature=[tf.RaggedTensorSpec([None, None], tf.int64)])  # as tf.Transform traces it
    assert cut(rows).to_list() == [long_row, [1, 2, 3, 4], [1], []]


def test_pad_at_start_moves_each_rows_padding_before_its_ids():
    dense = tf.constant([[1, 2, 3, 0, 0], [4, 0, 0, 0, 0], [5, 6, 7, 8, 9]], tf.int64)
    moved = pad_at_start(dense, tf.constant([3, 1, 5], tf.int64)).numpy()
    np.testing.assert_array_equal(moved, [[0, 0, 1, 2, 3], [0, 0, 0, 0, 4], [5, 6, 7, 8, 9]])
