"""Tests for the MNIST readers: IDX (gz or not), npz, corruption, splits and class names."""

import io

import numpy as np
import pytest

from data.errors import DataError
from data.mnist import MnistData, check_input, load_arrays, records
from tests.conftest import synthetic_digits, write_idx, write_mnist_folder


def test_good_idx_files_gzipped_or_not(tmp_path):
    folder = write_mnist_folder(tmp_path / "mnist", count=50, with_train=True)
    pairs = load_arrays(MnistData(path=str(folder)))
    assert set(pairs) == {"train", "test"}
    images, labels = pairs["test"]
    expected_images, expected_labels = synthetic_digits(50, 0)
    np.testing.assert_array_equal(images, expected_images)
    np.testing.assert_array_equal(labels, expected_labels)


def test_with_train_files_the_canonical_split_is_kept(tmp_path):
    folder = write_mnist_folder(tmp_path / "mnist", count=200, with_train=True)
    splits = [(item[0], item[1]["id"]) for kind, item in records(MnistData(path=str(folder)))]
    assert {split for split, record_id in splits if record_id.startswith("test:")} == {"test"}
    assert {split for split, record_id in splits if record_id.startswith("train:")} == {"train", "eval"}


def test_with_only_test_files_a_stable_hash_splits_them(tmp_path):
    folder = write_mnist_folder(tmp_path / "mnist", count=1000)
    cfg = MnistData(path=str(folder), test_fraction=0.2)
    splits = [item[0] for kind, item in records(cfg)]
    assert 150 < splits.count("test") < 250 and splits.count("eval") > 0
    assert splits == [item[0] for kind, item in records(cfg)]  # stable


@pytest.mark.parametrize("corrupt,message", [
    ("magic", "wrong magic number 0x00000999"),
    ("truncated", "truncated: header promises"),
    ("count", "50 images but t10k-labels-idx1-ubyte.gz has 49 labels"),
    ("size", "wrong image size 20x20, expected 28x28"),
    ("half", "found only one of"),
])
def test_each_kind_of_corruption_gives_its_documented_error(tmp_path, corrupt, message):
    folder = tmp_path / "mnist"
    folder.mkdir()
    images, labels = synthetic_digits(50)
    images_path = folder / "t10k-images-idx3-ubyte.gz"
    if corrupt == "magic":
        write_idx(images_path, images, magic=0x0999)
    elif corrupt == "truncated":
        write_idx(images_path, images)
        import gzip
        images_path.write_bytes(gzip.compress(gzip.decompress(images_path.read_bytes())[:5000]))
    elif corrupt == "size":
        write_idx(images_path, images[:, :20, :20])
    else:
        write_idx(images_path, images)
    if corrupt != "half":
        write_idx(folder / "t10k-labels-idx1-ubyte.gz", labels[:49] if corrupt == "count" else labels)
    with pytest.raises(DataError, match=message):
        check_input(MnistData(path=str(folder)))


def test_out_of_range_labels_are_dead_letters(tmp_path):
    folder = write_mnist_folder(tmp_path / "mnist", count=20)
    images, labels = synthetic_digits(20)
    labels[3] = 11
    write_idx(folder / "t10k-labels-idx1-ubyte.gz", labels)
    dead = [item for kind, item in records(MnistData(path=str(folder))) if kind == "dead"]
    assert dead == [{"id": "test:3", "reason": "label 11 outside 0..9"}]


def test_class_names_from_config_set_the_classes(tmp_path):
    folder = write_mnist_folder(tmp_path / "fashion", count=100)
    cfg = MnistData(path=str(folder), class_names=("T-shirt", "Trouser", "Pullover"))
    dead = [item for kind, item in records(cfg) if kind == "dead"]
    assert cfg.num_classes == 3 and all("outside 0..2" in d["reason"] for d in dead) and dead


def test_npz_is_read_without_pickle(tmp_path):
    images, labels = synthetic_digits(30)
    good = tmp_path / "mnist.npz"
    np.savez(good, x_train=images, y_train=labels, x_test=images[:10], y_test=labels[:10])
    pairs = load_arrays(MnistData(path=str(good)))
    assert len(pairs["train"][0]) == 30 and len(pairs["test"][0]) == 10
    pickled = tmp_path / "pickled.npz"
    objects = np.empty(2, dtype=object)
    np.savez(pickled, x_train=objects, y_train=labels[:2])
    with pytest.raises(DataError, match="not a readable mnist.npz"):
        load_arrays(MnistData(path=str(pickled)))


def test_missing_data_says_how_to_pass_it(tmp_path):
    with pytest.raises(DataError, match="pass --data-dir DIR"):
        check_input(MnistData(path=str(tmp_path / "nothing")))


def test_scoring_images_reject_bad_files_with_the_reason(tmp_path):
    from data.mnist import scoring_images

    images, _ = synthetic_digits(3)
    buffer = io.BytesIO()
    np.savez(buffer, x=np.zeros((2, 20, 20), np.uint8))
    dead = list(scoring_images("small.npz", buffer.getvalue()))
    assert dead == [("dead", {"source": "small.npz", "id": "small.npz",
                              "reason": "small.npz: wrong image size: array 'x' has shape (2, 20, 20), expected [n, 28, 28]"})]
    labels_file = write_idx(tmp_path / "labels.gz", np.zeros(10, np.uint8))
    wrong = list(scoring_images(str(labels_file), labels_file.read_bytes()))
    assert "wrong magic number 0x00000801" in wrong[0][1]["reason"]
    good = list(scoring_images("x-idx3-ubyte.gz", write_idx(tmp_path / "x.gz", images).read_bytes()))
    assert [item[1][0] for item in good] == ["x-idx3-ubyte.gz:0", "x-idx3-ubyte.gz:1", "x-idx3-ubyte.gz:2"]
    assert np.array_equal(good[2][1][1], images[2])


def _dot(row: int, col: int) -> np.ndarray:
    image = np.zeros((1, 28, 28), np.float32)
    image[0, row, col] = 1.0
    return image


def _moved_to(image, angle=0.0, shear=0.0, scale=1.0, shift_x=0.0, shift_y=0.0) -> list[float]:
    """Where the warped image's mass is centred, as [row, column]."""
    import tensorflow as tf

    from data.mnist import affine_matrices, warp

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

    from data.mnist import Augmentation, train_augmentation

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


@pytest.mark.parametrize("settings,message", [
    ({"augment": {"rotation_degrees": 90}}, "rotation_degrees must lie in"),
    ({"augment": {"shift_pixels": 2}, "standardize": True}, "needs data.standardize: false"),
])
def test_bad_augmentation_settings_are_refused(settings, message):
    from data.mnist import Augmentation

    with pytest.raises(ValueError, match=message):
        MnistData(augment=Augmentation(**settings.pop("augment")), **settings)
