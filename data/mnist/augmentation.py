"""Random affine distortions of training images (``data.augment``), applied per batch."""

from __future__ import annotations

import math

from data.mnist.config import SIDE, MnistData


def affine_matrices(angle, shear, scale, shift_x, shift_y):
    """``ImageProjectiveTransformV3`` rows for per-image angles and shears (radians), scales and shifts.

    Each row maps an output pixel to the input pixel it samples: the inverse of a rotation, a
    horizontal shear and a zoom about the image centre, followed by a shift (positive x: right).
    """
    import tensorflow as tf

    cos, sin, tan = tf.cos(angle), tf.sin(angle), tf.tan(shear)
    a, b = cos / scale, (sin + cos * tan) / scale
    c, d = -sin / scale, (cos - sin * tan) / scale
    centre = (SIDE - 1) / 2.0
    offset_x = centre - a * (centre + shift_x) - b * (centre + shift_y)
    offset_y = centre - c * (centre + shift_x) - d * (centre + shift_y)
    zeros = tf.zeros_like(angle)
    return tf.stack([a, b, offset_x, c, d, offset_y, zeros, zeros], axis=1)


def warp(rows, matrices):
    """Applies one affine matrix per image to ``[n, 28, 28]`` rows, filling the border with 0."""
    import tensorflow as tf

    warped = tf.raw_ops.ImageProjectiveTransformV3(
        images=tf.expand_dims(rows, -1), transforms=matrices, output_shape=[SIDE, SIDE], fill_value=0.0,
        interpolation="BILINEAR", fill_mode="CONSTANT")
    return tf.squeeze(warped, -1)


def train_augmentation(cfg: MnistData, seed: int | None = None):
    """A ``(rows, labels) -> (rows, labels)`` batch map that distorts images at random, or None when off."""
    if not cfg.augment.enabled:
        return None
    augment = cfg.augment

    def distort(rows, labels):
        import tensorflow as tf

        count = tf.shape(rows)[0:1]

        def uniform(limit, salt):
            return tf.random.uniform(count, -limit, limit, seed=None if seed is None else seed + salt)

        matrices = affine_matrices(uniform(math.radians(augment.rotation_degrees), 1),
                                   uniform(math.radians(augment.shear_degrees), 2),
                                   1.0 + uniform(augment.zoom, 3),
                                   uniform(augment.shift_pixels, 4), uniform(augment.shift_pixels, 5))
        return warp(rows, matrices), labels

    return distort
