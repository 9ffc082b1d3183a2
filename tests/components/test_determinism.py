"""The same records in the same order on every run: byte-identical shards, and the same trained weights."""

import hashlib

import apache_beam as beam
import numpy as np
import pytest
import tensorflow as tf

from components import example_gen, trainer, transform
from components.artifacts.example_shards import WriteOrderedSplits, canonical_record
from components.types import OutputDir
from data.timeseries import TimeseriesData
from models.rnn import ModelSpec
from tests.conftest import corpus_text, write_aclimdb, write_mnist_folder, write_series_csv

MULTI_PROCESSING = ("--direct_running_mode=multi_processing", "--direct_num_workers=2")


def digests(artifact) -> dict[str, str]:
    """sha256 of every TFRecord file of an Examples artifact, by its path inside the artifact."""
    root = artifact.path()
    return {str(path.relative_to(root)): hashlib.sha256(path.read_bytes()).hexdigest()
            for path in sorted(root.rglob("*.tfrecord.gz"))}


def decoded(artifact, split: str) -> list[dict[str, np.ndarray]]:
    """A split's records in file order, each feature as an array."""
    files = sorted(str(path) for path in artifact.path(f"Split-{split}").glob("*.tfrecord.gz"))
    records = []
    for record in tf.data.TFRecordDataset(files, compression_type="GZIP"):
        features = tf.train.Example.FromString(record.numpy()).features.feature
        records.append({name: np.array(getattr(value, value.WhichOneof("kind")).value)
                        for name, value in features.items()})
    return records


def out(base, name):
    return OutputDir(base / name / "staging", base / name / "scratch", run_id=name)


def generate(base, name, data, *beam_args, seed=0):
    params = example_gen.ExampleGenParams(data, beam_args=beam_args, seed=seed)
    return example_gen.run({}, params, out(base, name))["examples"]


def tiny_data(kind: str, folder):
    """A tiny dataset config of each kind, on files written into ``folder``."""
    if kind == "timeseries":
        return TimeseriesData(path=str(write_series_csv(folder / "series.csv", n_days=120)), window=10)
    if kind == "imdb":
        from data.imdb import ImdbData

        return ImdbData(path=str(write_aclimdb(folder, per_class=10)), max_len=12, top_k=50, eval_fraction=0.2)
    if kind == "mnist":
        from data.mnist import MnistData

        return MnistData(path=str(write_mnist_folder(folder / "mnist", count=60)))
    from data.charlm import CharlmData

    (folder / "corpus").mkdir()
    for index in range(2):
        (folder / "corpus" / f"part{index}.txt").write_text(corpus_text(sentences=20, seed=index), encoding="utf-8")
    return CharlmData(path=str(folder / "corpus"), window=8, stride=3)


def write_pairs(tmp_path, name, pairs, seed=0):
    """Writes ``(split, bytes)`` pairs with the ordered writer, in the order given."""
    folder = tmp_path / name
    with beam.Pipeline() as pipeline:
        _ = (pipeline | beam.Create(pairs, reshuffle=False)
             | WriteOrderedSplits(str(folder), ("train", "test"), num_shards=3, seed=seed))
    return {str(path.relative_to(folder)): path.read_bytes() for path in sorted(folder.rglob("*.tfrecord.gz"))}


def example(ident: str) -> bytes:
    features = {name: tf.train.Feature(bytes_list=tf.train.BytesList(value=[ident.encode()]))
                for name in ("id", "a", "b", "c", "d")}
    return tf.train.Example(features=tf.train.Features(feature=features)).SerializeToString()


def test_the_ordered_writer_ignores_the_arrival_order_and_writes_every_shard(tmp_path):
    pairs = [("train" if i % 4 else "test", example(f"r{i}")) for i in range(40)]
    forward = write_pairs(tmp_path, "forward", pairs)
    backward = write_pairs(tmp_path, "backward", pairs[::-1])
    assert forward == backward
    assert sorted(forward) == [f"Split-{split}/data-0000{shard}-of-00003.tfrecord.gz"
                               for split in ("test", "train") for shard in range(3)]
    for split in ("test", "train"):  # inside each shard: sorted by the seeded key
        for shard in range(3):
            path = tmp_path / "forward" / f"Split-{split}" / f"data-0000{shard}-of-00003.tfrecord.gz"
            keys = [canonical_record(record.numpy(), 0).key
                    for record in tf.data.TFRecordDataset(str(path), compression_type="GZIP")]
            assert keys == sorted(keys) and all(key % 3 == shard for key in keys)
    assert write_pairs(tmp_path, "seeded", pairs, seed=1) != forward  # the seed picks another order


def test_records_are_serialized_the_same_whatever_the_map_order():
    first = tf.train.Example()
    second = tf.train.Example()
    for name in ("a", "b", "c"):
        first.features.feature[name].int64_list.value.append(1)
    for name in ("c", "b", "a"):
        second.features.feature[name].int64_list.value.append(1)
    assert canonical_record(first.SerializeToString(), 0) == canonical_record(second.SerializeToString(), 0)


def test_two_example_gen_runs_write_byte_identical_shards(tmp_path):
    data = tiny_data("timeseries", tmp_path)
    first, second = (digests(generate(tmp_path, name, data)) for name in ("first", "second"))
    assert len(first) == 3 * 2 and first == second
    assert digests(generate(tmp_path, "other_seed", data, seed=7)) != first


@pytest.mark.slow
@pytest.mark.parametrize("kind", ["timeseries", "imdb", "mnist", "charlm"])
def test_every_kind_writes_the_same_bytes_in_memory_and_on_multi_processing(tmp_path, kind):
    data = tiny_data(kind, tmp_path)
    in_memory = digests(generate(tmp_path, "in_memory", data))
    assert digests(generate(tmp_path, "in_memory_again", data)) == in_memory
    assert digests(generate(tmp_path, "multi", data, *MULTI_PROCESSING)) == in_memory


@pytest.mark.slow
@pytest.mark.parametrize("upstream", ["tiny", "tiny_imdb"])
def test_transform_writes_the_same_bytes_on_every_run(tmp_path, request, upstream):
    """Byte-identical on every run of one runner mode. Across modes, the same examples in the same order
    (each placed by its raw record's id), with values equal up to rounding: tf.Transform's combiners
    merge the workers' partial sums in another order."""
    tiny = request.getfixturevalue(upstream)

    def again(name, *beam_args):
        params = transform.TransformParams(tiny["data"], beam_args=beam_args)
        return transform.run({"examples": tiny["examples"]}, params, out(tmp_path, name))["transformed_examples"]

    expected = digests(tiny["transformed_examples"])
    assert len(expected) == 3 * 2 and digests(again("in_memory")) == expected
    multi = again("multi", *MULTI_PROCESSING)
    assert digests(again("multi_again", *MULTI_PROCESSING)) == digests(multi)
    for split in ("train", "eval", "test"):
        in_memory, workers = decoded(tiny["transformed_examples"], split), decoded(multi, split)
        assert len(in_memory) == len(workers) > 0
        for first, second in zip(in_memory, workers):
            assert first.keys() == second.keys()
            for name in first:
                np.testing.assert_allclose(first[name], second[name], rtol=1e-5, atol=1e-6, err_msg=name)


@pytest.mark.slow
def test_two_trainer_runs_on_the_same_data_train_the_same_weights_on_cpu(tmp_path, tiny):
    import keras

    params = trainer.TrainerParams(tiny["data"], ModelSpec(units=(8,)), epochs=2, batch_size=16)
    inputs = {"transformed_examples": tiny["transformed_examples"], "transform_graph": tiny["transform_graph"]}
    weights = []
    for name in ("first", "second"):
        model = trainer.run(inputs, params, out(tmp_path, name))["model"]
        weights.append(keras.saving.load_model(str(model.path("model.keras")), compile=False).get_weights())
    assert len(weights[0]) == len(weights[1]) > 0
    for first, second in zip(*weights):
        np.testing.assert_array_equal(first, second)
