"""Tests for the examples, model and hyperparameters artifact layouts and readers."""

import json

from components.artifacts.examples import (read_dead_letters, read_records, split_count, split_files, split_pattern,
                                           split_prefix)
from components.artifacts.hyperparameters import load_best
from components.types import Artifact
from models.input_pipeline import Split


def test_split_files_name_the_shards_and_the_count(tmp_path):
    examples = Artifact("Examples", tmp_path, {"splits": ["train", "eval"], "counts": {"train": 30, "eval": 0}})
    assert split_pattern(examples, "train") == str(tmp_path / "Split-train" / "*.tfrecord.gz")
    assert split_prefix(tmp_path, "train") == str(tmp_path / "Split-train" / "data")
    assert split_files(examples, "train") == Split(split_pattern(examples, "train"), 30)
    assert split_count(examples, "eval") == 0
    assert split_count(Artifact("Examples", tmp_path), "train") is None  # no counts: unknown


def test_records_and_dead_letters_are_read_back(tmp_path):
    import tensorflow as tf

    (tmp_path / "Split-test").mkdir()
    with tf.io.TFRecordWriter(str(tmp_path / "Split-test" / "data-00000-of-00001.tfrecord.gz"), "GZIP") as writer:
        for record in (b"one", b"two"):
            writer.write(record)
    (tmp_path / "dead_letter").mkdir()
    (tmp_path / "dead_letter" / "part-00000-of-00001.jsonl").write_text('{"line": 3, "reason": "bad"}\n\n')
    examples = Artifact("Examples", tmp_path)
    assert read_records(examples, "test") == [b"one", b"two"]
    assert read_dead_letters(examples) == [{"line": 3, "reason": "bad"}]


def test_load_best_reads_the_tuners_summary(tmp_path):
    (tmp_path / "best_hyperparameters.json").write_text(json.dumps({"values": {"units": 8}, "score": 0.5}))
    assert load_best(Artifact("HyperParameters", tmp_path))["values"] == {"units": 8}
