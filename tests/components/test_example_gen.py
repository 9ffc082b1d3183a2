"""Tests for example_gen."""

import glob

import pytest
import tensorflow as tf

from components import example_gen
from components.artifacts.examples import read_dead_letters, split_pattern
from components.types import OutputDir
from data.errors import DataError
from data.timeseries import TimeseriesData
from tests.conftest import write_series_csv


def run(tmp_path, data, *beam_args):
    out = OutputDir(tmp_path / "staging", tmp_path / "scratch")
    return example_gen.run({}, example_gen.ExampleGenParams(data, beam_args=beam_args), out)["examples"]


def test_writes_gzip_shards_per_split_in_time_order(tiny):
    examples = tiny["examples"]
    counts = examples.properties["counts"]
    assert counts == {"train": 200, "eval": 30, "test": 60}
    for split, count in counts.items():
        files = sorted(glob.glob(split_pattern(examples, split)))
        assert len(files) == 2
        records = list(tf.data.TFRecordDataset(files, compression_type="GZIP"))
        assert len(records) == count
    parsed = [tf.train.Example.FromString(r.numpy()) for r in tf.data.TFRecordDataset(
        glob.glob(split_pattern(examples, "train")), compression_type="GZIP")]
    assert {len(p.features.feature["history"].float_list.value) for p in parsed} == {10}
    latest_train = max(p.features.feature["target_timestamps"].int64_list.value[0] for p in parsed)
    test = [tf.train.Example.FromString(r.numpy()) for r in tf.data.TFRecordDataset(
        glob.glob(split_pattern(examples, "test")), compression_type="GZIP")]
    assert min(p.features.feature["target_timestamps"].int64_list.value[0] for p in test) > latest_train


def test_bad_rows_go_to_dead_letters_and_are_counted(tmp_path):
    csv = write_series_csv(tmp_path / "s.csv", bad_lines=("2001-01-01,oops", "2001-01-02,"))
    examples = run(tmp_path, TimeseriesData(path=str(csv), window=10))
    assert examples.properties["dead_letters"] == 1  # the empty cell is a missing value, not a bad record
    assert examples.properties["missing_values"] == 1
    letters = sorted(read_dead_letters(examples), key=lambda d: d["line"])
    assert [(d["line"], d["reason"]) for d in letters] == [(302, "non-numeric value 'oops' in column 'value'")]


def test_error_budget_stops_the_run_and_names_the_dead_letter_folder(tmp_path):
    csv = write_series_csv(tmp_path / "s.csv", n_days=100, bad_lines=tuple(f"2001-02-{d:02d},x" for d in range(1, 11)))
    data = TimeseriesData(path=str(csv), window=10, max_error_rate=0.05)
    examples = run(tmp_path, data)
    with pytest.raises(DataError, match=r"10 of 110 input records are bad .* over the error budget") as raised:
        example_gen.check_outputs({"examples": examples}, example_gen.ExampleGenParams(data))
    assert str(examples.path("dead_letter")) in str(raised.value)
    assert len(read_dead_letters(examples)) == 10  # kept for the user to read


def test_duplicates_and_undecodable_lines_are_dead_letters_with_lines_each_counted_once(tmp_path):
    csv = write_series_csv(tmp_path / "s.csv", n_days=100, bad_lines=tuple(f"2000-01-{d:02d},9.0" for d in range(1, 6)))
    lines = csv.read_bytes().split(b"\n")
    lines[49] = lines[49].replace(b",", b",\xff", 1)  # line 50: one byte that is not UTF-8
    csv.write_bytes(b"\n".join(lines))
    examples = run(tmp_path, TimeseriesData(path=str(csv), window=10))
    letters = sorted(read_dead_letters(examples), key=lambda d: d["line"])
    assert [d["line"] for d in letters] == [50, 102, 103, 104, 105, 106]
    assert letters[0]["reason"].startswith("not UTF-8: 'utf-8' codec can't decode byte 0xff")
    assert letters[1]["reason"].startswith("duplicate timestamp 946684800 (2000-01-01T00:00:00+00:00), first on line 2, "
                                           "with other values [9.0] (line 2 has [")
    assert examples.properties["rows_read"] == 105  # the 105 data lines, each once
    assert examples.properties["error_rate"] == 6 / 105
    assert examples.properties["interpolated_steps"] == 1  # the day of line 50, a one-step gap
    assert sum(examples.properties["counts"].values()) == 100 - 10  # the 99 good rows and the filled day


def test_missing_input_says_how_to_fix_it(tmp_path):
    with pytest.raises(DataError, match=r"no input file matches data.path .* pass --data-dir DIR"):
        run(tmp_path, TimeseriesData(path=str(tmp_path / "absent.csv")))


@pytest.mark.slow
def test_multi_processing_runner_gives_the_same_examples(tmp_path, tiny):
    examples = run(tmp_path, tiny["data"], "--direct_running_mode=multi_processing", "--direct_num_workers=2")
    assert examples.properties["counts"] == tiny["examples"].properties["counts"]

    def ids(artifact):
        files = glob.glob(split_pattern(artifact, "test"))
        return sorted(tf.train.Example.FromString(r.numpy()).features.feature["id"].bytes_list.value[0]
                      for r in tf.data.TFRecordDataset(files, compression_type="GZIP"))

    assert ids(examples) == ids(tiny["examples"])


@pytest.mark.slow
def test_imdb_and_mnist_readers_run_pickled_under_multi_processing(tmp_path, tiny_imdb):
    """Every function is pickled to worker processes, as on a remote runner."""
    from data.mnist import MnistData
    from tests.conftest import write_mnist_folder

    beam_args = ("--direct_running_mode=multi_processing", "--direct_num_workers=2")
    imdb = example_gen.run({}, example_gen.ExampleGenParams(tiny_imdb["data"], beam_args=beam_args),
                           OutputDir(tmp_path / "imdb", tmp_path / "imdb_scratch"))["examples"]
    assert imdb.properties["counts"] == tiny_imdb["examples"].properties["counts"]
    mnist = MnistData(path=str(write_mnist_folder(tmp_path / "mnist", count=100)))
    digits = example_gen.run({}, example_gen.ExampleGenParams(mnist, beam_args=beam_args),
                             OutputDir(tmp_path / "mnist_out", tmp_path / "mnist_scratch"))["examples"]
    assert sum(digits.properties["counts"].values()) == 100
