"""Tests for the shared ``tf.train.Example`` builders."""

import tensorflow as tf

from data.tf_example import float_feature, int64_feature, serialize, text_feature


def test_features_round_trip_through_a_serialized_example():
    raw = serialize({"x": float_feature([1.5, 2.0]), "n": int64_feature([3]), "id": text_feature("caf\xe9")})
    parsed = tf.train.Example.FromString(raw).features.feature
    assert list(parsed["x"].float_list.value) == [1.5, 2.0] and list(parsed["n"].int64_list.value) == [3]
    assert parsed["id"].bytes_list.value[0].decode("utf-8") == "caf\xe9"
