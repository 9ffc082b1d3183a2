"""The MNIST tf.Transform ``preprocessing_fn``: pixels in [0, 1] (optionally z-scored) as 28 rows."""

from __future__ import annotations

from data.mnist.config import FEATURES_KEY, LABEL_KEY, SIDE, MnistData


def make_preprocessing_fn(cfg: MnistData):
    """Scales pixels to [0, 1] (optionally z-scored per pixel on train) and shapes [28, 28]."""
    standardize = cfg.standardize

    def preprocessing_fn(inputs):
        import tensorflow as tf
        import tensorflow_transform as tft

        pixels = tf.cast(inputs["image"], tf.float32) / 255.0
        if standardize:
            pixels = (pixels - tft.mean(pixels, reduce_instance_dims=False)) / (
                tf.sqrt(tft.var(pixels, reduce_instance_dims=False)) + 0.05)
        return {FEATURES_KEY: tf.reshape(pixels, [-1, SIDE, SIDE]), LABEL_KEY: inputs["label"]}

    return preprocessing_fn
