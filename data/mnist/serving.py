"""MNIST serving signatures: serialized tf.Examples and uint8 images."""

from __future__ import annotations

from data.mnist.config import FEATURES_KEY, PIXELS, SIDE, MnistData
from data.mnist.records import raw_feature_spec


def serving_signatures(module, cfg: MnistData) -> dict:
    """``serving_default`` (serialized tf.Examples) and ``serving_raw`` (uint8 [n, 28, 28]).

    Both output ``probabilities`` [n, classes] and ``class_ids`` [n].
    """
    import tensorflow as tf

    spec = {"image": raw_feature_spec(cfg)["image"]}

    def predict(image):
        batch = tf.shape(image)[0]
        features = module.tft_layer({"image": image, "label": tf.zeros([batch], tf.int64),
                                     "id": tf.fill([batch], "")})
        probabilities = tf.cast(module.model(features[FEATURES_KEY], training=False), tf.float32)
        return {"probabilities": probabilities, "class_ids": tf.argmax(probabilities, axis=-1)}

    @tf.function(input_signature=[tf.TensorSpec([None], tf.string, name="examples")])
    def serve_examples(examples):
        return predict(tf.io.parse_example(examples, spec)["image"])

    @tf.function(input_signature=[tf.TensorSpec([None, SIDE, SIDE], tf.uint8, name="images")])
    def serve_raw(images):
        return predict(tf.reshape(tf.cast(images, tf.int64), [-1, PIXELS]))

    module.serve_examples = serve_examples
    module.serve_raw = serve_raw
    return {"serving_default": serve_examples, "serving_raw": serve_raw}
