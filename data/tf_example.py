"""Building ``tf.train.Example`` records: one helper per feature type, shared by every kind."""

from __future__ import annotations

from typing import Any, Iterable, Mapping


def float_feature(values: Iterable[float]):
    """A float-list feature."""
    import tensorflow as tf

    return tf.train.Feature(float_list=tf.train.FloatList(value=values))


def int64_feature(values: Iterable[int]):
    """An int64-list feature."""
    import tensorflow as tf

    return tf.train.Feature(int64_list=tf.train.Int64List(value=values))


def text_feature(text: str):
    """A one-element bytes feature holding ``text`` as UTF-8."""
    import tensorflow as tf

    return tf.train.Feature(bytes_list=tf.train.BytesList(value=[text.encode("utf-8")]))


def serialize(features: Mapping[str, Any]) -> bytes:
    """A serialized ``tf.train.Example`` of feature name -> ``tf.train.Feature``."""
    import tensorflow as tf

    return tf.train.Example(features=tf.train.Features(feature=features)).SerializeToString()
