"""Tests for the tf.data input of training and tuning."""

import warnings

import pytest

from models.input_pipeline import InputSettings, Split, load_dataset, plan_devices, training_data


@pytest.mark.parametrize("gpus,mode,expected", [
    ([], "auto", ("default", False)), (["GPU:0"], "auto", ("default", True)),
    (["GPU:0", "GPU:1"], "auto", ("mirrored", True)), (["GPU:0"], "off", ("default", False)),
    ([], "on", ("default", True))])
def test_device_plan(gpus, mode, expected):
    plan = plan_devices(gpus, mode)
    assert (plan.strategy, plan.mixed_precision) == expected


def write_split(folder, examples: int) -> str:
    """``examples`` tf.Examples (x: 3 floats, y: 1 float) in two GZIP shards; returns their glob."""
    import tensorflow as tf

    folder.mkdir(parents=True)
    for shard in range(2):
        with tf.io.TFRecordWriter(str(folder / f"data-{shard}.tfrecord.gz"), "GZIP") as writer:
            for i in range(shard, examples, 2):
                writer.write(tf.train.Example(features=tf.train.Features(feature={
                    "x": tf.train.Feature(float_list=tf.train.FloatList(value=[i, i / 2, 1.0])),
                    "y": tf.train.Feature(float_list=tf.train.FloatList(value=[i / 10])),
                })).SerializeToString())
    return str(folder / "*.tfrecord.gz")


def features_to_io(features):
    return features["x"], features["y"]


def feature_spec():
    import tensorflow as tf

    return {"x": tf.io.FixedLenFeature([3], tf.float32), "y": tf.io.FixedLenFeature([1], tf.float32)}


def test_a_counted_split_declares_its_batches(tmp_path):
    import tensorflow as tf

    pattern = write_split(tmp_path / "train", 37)
    counted = load_dataset(Split(pattern, 37), feature_spec(), 8, model_io=features_to_io)
    assert int(counted.cardinality()) == 5 and sum(1 for _ in counted) == 5
    uncounted = load_dataset(Split(pattern), feature_spec(), 8, model_io=features_to_io)
    assert int(uncounted.cardinality()) == tf.data.UNKNOWN_CARDINALITY and sum(1 for _ in uncounted) == 5
    cached = load_dataset(Split(pattern, 37), feature_spec(), 8, shuffle_buffer=10, model_io=features_to_io,
                          cache_max_mb=1)
    assert int(cached.cardinality()) == 5 and sum(1 for _ in cached) == 5


@pytest.mark.parametrize("steps_per_execution", [1, 3])
def test_a_short_fit_does_not_run_out_of_data(tmp_path, steps_per_execution):
    """Keras warns "Your input ran out of data" when an epoch's end is found by running dry."""
    import keras

    train = Split(write_split(tmp_path / "train", 37), 37)
    evaluation = Split(write_split(tmp_path / "eval", 11), 11)
    settings = InputSettings(shuffle_buffer=16, seed=1)
    model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(1)])
    model.compile("sgd", "mse", steps_per_execution=steps_per_execution)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        history = model.fit(training_data(train, feature_spec(), 8, settings, features_to_io),
                            validation_data=load_dataset(evaluation, feature_spec(), 8, model_io=features_to_io),
                            epochs=3, verbose=0)
    assert len(history.history["loss"]) == 3 and "val_loss" in history.history
    assert not [w for w in caught if "ran out of data" in str(w.message)]


def test_an_uncounted_split_is_what_made_keras_warn(tmp_path):
    """The cause the count removes: without it Keras meets the end of the first epoch by running dry."""
    import keras

    train = Split(write_split(tmp_path / "train", 37))
    model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(1)])
    model.compile("sgd", "mse")
    with pytest.warns(UserWarning, match="ran out of data"):
        model.fit(load_dataset(train, feature_spec(), 8, model_io=features_to_io), epochs=2, verbose=0)
