"""Charlm serving signatures: next-character probabilities of serialized windows or of raw text."""

from __future__ import annotations

from data.charlm.config import FEATURES_KEY, LABEL_KEY, CharlmData


def serving_signatures(module, cfg: CharlmData) -> dict:
    """``serving_default`` (serialized tf.Examples with ``context`` and optionally ``target``)
    and ``serving_raw`` (text whose next character is predicted).

    Both output ``probabilities`` [n, ids] and ``class_ids`` [n]; ``serving_default`` also
    ``target_ids`` [n], the id of each example's target (``MASK_ID`` 0 without one).
    """
    import tensorflow as tf

    spec = {"context": tf.io.FixedLenFeature([], tf.string, default_value=""),
            "target": tf.io.FixedLenFeature([], tf.string, default_value="")}

    def transform(context, target):
        return module.tft_layer({"context": context, "target": target, "id": tf.fill(tf.shape(context), "")})

    def predict(features):
        probabilities = tf.cast(module.model(features[FEATURES_KEY], training=False), tf.float32)
        return {"probabilities": probabilities, "class_ids": tf.argmax(probabilities, axis=-1)}

    @tf.function(input_signature=[tf.TensorSpec([None], tf.string, name="examples")])
    def serve_examples(examples):
        parsed = tf.io.parse_example(examples, spec)
        features = transform(parsed["context"], parsed["target"])
        return {**predict(features), "target_ids": features[LABEL_KEY]}

    @tf.function(input_signature=[tf.TensorSpec([None], tf.string, name="text")])
    def serve_raw(text):
        return predict(transform(text, tf.fill(tf.shape(text), "")))

    module.serve_examples = serve_examples
    module.serve_raw = serve_raw
    return {"serving_default": serve_examples, "serving_raw": serve_raw}
