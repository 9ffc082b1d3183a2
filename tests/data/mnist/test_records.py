"""Tests for MNIST image records: splits, out-of-range labels and class names."""

from data.mnist.config import MnistData
from data.mnist.records import records
from tests.conftest import synthetic_digits, write_idx, write_mnist_folder


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
