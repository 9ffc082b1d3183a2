"""Tests for loading and checking the MNIST source: IDX (gz or not), npz, corruption, missing data."""

import numpy as np
import pytest

from data.errors import DataError
from data.mnist.config import MnistData
from data.mnist.source import check_input, load_arrays
from tests.conftest import damage, synthetic_digits, write_idx, write_mnist_folder


def test_good_idx_files_gzipped_or_not(tmp_path):
    folder = write_mnist_folder(tmp_path / "mnist", count=50, with_train=True)
    pairs = load_arrays(MnistData(path=str(folder)))
    assert set(pairs) == {"train", "test"}
    images, labels = pairs["test"]
    expected_images, expected_labels = synthetic_digits(50, 0)
    np.testing.assert_array_equal(images, expected_images)
    np.testing.assert_array_equal(labels, expected_labels)


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


@pytest.mark.parametrize("how", ["truncated", "33%", "90%", "crc", "not gzip"])
def test_a_damaged_gzip_idx_file_is_refused_naming_the_file_and_offset(tmp_path, how):
    folder = write_mnist_folder(tmp_path / "mnist", count=200)
    images = folder / "t10k-images-idx3-ubyte.gz"
    if how == "crc":
        raw = bytearray(images.read_bytes())
        raw[-8] ^= 0xFF
        images.write_bytes(bytes(raw))
    elif how == "not gzip":  # the uncompressed IDX bytes under the .gz name
        import gzip
        images.write_bytes(gzip.decompress(images.read_bytes()))
    else:
        damage(images, how)
    with pytest.raises(DataError, match=rf"^{images}: (corrupt or unreadable gzip file: .*byte \d+|not gzip data, "
                                        rf"as its suffix says: the file starts with b'\\x00\\x00\\x08\\x03)"):
        check_input(MnistData(path=str(folder)))


@pytest.mark.parametrize("how", ["truncated", "33%", "90%"])
def test_a_damaged_npz_is_refused_naming_the_member(tmp_path, how):
    images, labels = synthetic_digits(200)
    path = tmp_path / "mnist.npz"
    np.savez_compressed(path, x_test=images, y_test=labels)
    damage(path, how)
    with pytest.raises(DataError, match=rf"^{path}: not a readable mnist.npz: (not a zip archive|member|its zip)"):
        load_arrays(MnistData(path=str(path)))
