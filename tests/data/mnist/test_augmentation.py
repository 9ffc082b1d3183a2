"""Tests for the MNIST training augmentation: affine matrices and random batch distortions."""

import numpy as np

from data.mnist.config import MnistData


def _dot(row: int, col: int) -> np.ndarray:
    image = np.zeros((1, 28, 28), np.float32)
    image[0, row, col] = 1.0
    return image


def _moved_to(image, angle=0.0, shear=0.0, scale=1.0, shift_x=0.0, shift_y=0.0) -> list[float]:
    """Where the warped image's mass is centred, as [row, column]."""
    import tensorflow as tf

    from data.mnist.augmentation import affine_matrices, warp

    matrices = affine_matrices(*(tf.constant([value], tf.float32) for value in (angle, shear, scale, shift_x, shift_y)))
    warped = warp(tf.constant(image), matrices).numpy()[0]
    rows, cols = np.indices(warped.shape)
    return [round(float((rows * warped).sum() / warped.sum()), 3), round(float((cols * warped).sum() / warped.sum()), 3)]


def test_affine_matrices_shift_rotate_and_zoom_about_the_centre():
    assert _moved_to(_dot(10, 5)) == [10, 5]
    assert _moved_to(_dot(10, 5), shift_x=2.0, shift_y=-3.0) == [7, 7]
    assert _moved_to(_dot(10, 5), angle=np.pi / 2) == [5, 17]  # a quarter turn about (13.5, 13.5)
    assert _moved_to(_dot(11, 12), scale=2.0) == [8.5, 10.5]  # twice as far from the centre
    assert _moved_to(_dot(10, 5), shear=np.pi / 4)[0] == 10  # a horizontal shear keeps rows


def test_augmentation_distorts_training_batches_and_keeps_labels():
    import tensorflow as tf

    from data.mnist.augmentation import train_augmentation
    from data.mnist.config import Augmentation

    assert train_augmentation(MnistData()) is None
    cfg = MnistData(augment=Augmentation(rotation_degrees=10, shift_pixels=2, zoom=0.1, shear_degrees=8))
    images = np.zeros((8, 28, 28), np.float32)
    images[:, 9:19, 12:16] = 1.0  # a centred bar, well inside the border
    labels = tf.range(8)
    distorted, kept = train_augmentation(cfg, seed=3)(tf.constant(images), labels)
    distorted = distorted.numpy()
    assert distorted.shape == images.shape and kept.numpy().tolist() == list(range(8))
    assert not np.allclose(distorted, images) and distorted.min() >= 0.0 and distorted.max() <= 1.0 + 1e-6
    assert len({distorted[i].tobytes() for i in range(8)}) == 8  # each image its own distortion
    np.testing.assert_allclose(distorted.sum(axis=(1, 2)), images.sum(axis=(1, 2)), rtol=0.3)
