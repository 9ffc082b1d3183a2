"""IMDB serving signatures: serialized tf.Examples and review strings."""

from __future__ import annotations

from data.imdb.config import FEATURES_KEY, ImdbData
from data.imdb.records import raw_feature_spec


def serving_signatures(module, cfg: ImdbData) -> dict:
    """``serving_default`` (serialized tf.Examples) and ``serving_raw`` (review strings).

    Both output ``probabilities`` [n] (of a positive review) and ``class_ids`` [n].
    """
    import tensorflow as tf

    spec = {"text": raw_feature_spec(cfg)["text"]}  # serving needs only the review

    def predict(text):
        batch = tf.shape(text)[0]
        features = module.tft_layer({"text": text, "label": tf.zeros([batch], tf.int64),
                                     "id": tf.fill([batch], ""), "rating": tf.zeros([batch], tf.int64)})
        probabilities = tf.cast(module.model(features[FEATURES_KEY], training=False), tf.float32)[:, 0]
        return {"probabilities": probabilities, "class_ids": tf.cast(probabilities > 0.5, tf.int64)}

    @tf.function(input_signature=[tf.TensorSpec([None], tf.string, name="examples")])
    def serve_examples(examples):
        return predict(tf.io.parse_example(examples, spec)["text"])

    @tf.function(input_signature=[tf.TensorSpec([None], tf.string, name="text")])
    def serve_raw(text):
        return predict(text)

    module.serve_examples = serve_examples
    module.serve_raw = serve_raw
    return {"serving_default": serve_examples, "serving_raw": serve_raw}
