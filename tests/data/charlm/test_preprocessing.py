"""Tests for the charlm transform: code points and left-padded windows of ids."""

import tensorflow as tf

from data.charlm.config import START_ID
from data.charlm.preprocessing import codepoints, left_pad


def test_left_padding_keeps_the_last_window_of_ids_and_pads_short_rows_with_the_start_id():
    ids = tf.ragged.constant([[5, 6, 7, 8, 9], [5, 6], []], dtype=tf.int64)
    assert left_pad(ids, 3).numpy().tolist() == [[7, 8, 9], [START_ID, 5, 6], [START_ID] * 3]
    assert codepoints(tf.constant(["a\r\nb", "\xe9"])).to_list() == [[97, 10, 98], [0xE9]]
