"""Tests for transform."""

import glob
from collections import Counter

import numpy as np
import tensorflow as tf
import tensorflow_transform as tft

from components.artifacts.examples import split_pattern


def transformed_split(tiny, split):
    output = tft.TFTransformOutput(str(tiny["transform_graph"].uri))
    files = glob.glob(split_pattern(tiny["transformed_examples"], split))
    batch = next(iter(tf.data.TFRecordDataset(files, compression_type="GZIP").batch(10_000)))
    return tf.io.parse_example(batch, output.transformed_feature_spec())


def test_scaling_statistics_come_from_train_only(tiny):
    train = transformed_split(tiny, "train")
    test = transformed_split(tiny, "test")
    mean, std = float(train["target_mean"][0]), float(train["target_std"][0])
    np.testing.assert_allclose(test["target_mean"], mean)
    np.testing.assert_allclose(test["target_std"], std)
    # Train targets are rows 10..209, so their last history steps are rows 9..208, each once.
    series = np.loadtxt(tiny["data"].path, delimiter=",", skiprows=1, usecols=1)
    np.testing.assert_allclose([mean, std], [series[9:209].mean(), series[9:209].std()], atol=1e-4)
    assert abs(series.mean() - mean) > 1e-3  # the whole series would give another mean
    np.testing.assert_allclose(train["last_value"], train["inputs"][:, -1, 0] * std + mean, atol=1e-4)


def test_inputs_have_value_mask_and_calendar_channels(tiny):
    train = transformed_split(tiny, "train")
    inputs = train["inputs"].numpy()
    assert inputs.shape[1:] == (10, 1 + 1 + 1 + 4)  # value, mask, filled mask, daily calendar
    np.testing.assert_array_equal(inputs[..., 1], 1.0)
    np.testing.assert_allclose(inputs[..., 3] ** 2 + inputs[..., 4] ** 2, 1.0, atol=1e-5)


def test_imdb_vocabulary_is_from_train_only_and_ids_are_end_padded(tiny_imdb):
    output = tft.TFTransformOutput(str(tiny_imdb["transform_graph"].uri))
    vocabulary = [w.decode() for w in output.vocabulary_by_name("vocab")]
    assert "great" in vocabulary and "zyzzyva" not in vocabulary and len(vocabulary) <= 50
    test = transformed_split(tiny_imdb, "test")
    tokens, lengths = test["tokens"].numpy(), test["length"].numpy()
    assert tokens.shape[1] == 12
    for row, length in zip(tokens, lengths):
        kept = min(int(length), 12)
        assert (row[:kept] > 0).all() and (row[kept:] == 0).all()  # right-padded, truncated at the end
    oov_id = len(vocabulary) + 1
    unknown = tokens[lengths == 3]  # "zyzzyva zyzzyva !": two OOV words and "!"
    assert (unknown[:, :2] == oov_id).all()


def test_imdb_review_without_tokens_becomes_one_oov_id(tiny_imdb):
    import tensorflow as tf

    output = tft.TFTransformOutput(str(tiny_imdb["transform_graph"].uri))
    layer = output.transform_features_layer()
    features = layer({"text": tf.constant(["", "great film"]), "label": tf.constant([0, 1], tf.int64),
                      "id": tf.constant(["a", "b"]), "rating": tf.constant([0, 0], tf.int64)})
    tokens = features["tokens"].numpy()
    oov_id = output.vocabulary_size_by_name("vocab") + 1
    assert tokens[0, 0] == oov_id and (tokens[0, 1:] == 0).all()
    assert (tokens[1, :2] > 0).all() and (tokens[1, 2:] == 0).all()


def kept_lengths(rows, max_len=12):
    """Ids before (or after) the padding per row; a review without tokens keeps its one OOV id."""
    return [max(min(int(length), max_len), 1) for length in rows["length"].numpy()]


def test_imdb_start_padding_moves_the_padding_before_the_same_ids(tiny_imdb):
    import dataclasses

    from components import transform
    from tests.components.conftest import out_dir

    data = dataclasses.replace(tiny_imdb["data"], padding="start")
    start = transform.run({"examples": tiny_imdb["examples"]}, transform.TransformParams(data),
                          out_dir(tiny_imdb["base"], "tr_start"))
    end_rows = transformed_split(tiny_imdb, "test")
    start_rows = transformed_split({**tiny_imdb, **start}, "test")
    end_ids, start_ids = Counter(), Counter()
    for row, kept in zip(end_rows["tokens"].numpy(), kept_lengths(end_rows)):
        end_ids[tuple(row[:kept])] += 1
    for row, kept in zip(start_rows["tokens"].numpy(), kept_lengths(start_rows)):
        assert (row[:12 - kept] == 0).all() and (row[12 - kept:] > 0).all()
        start_ids[tuple(row[12 - kept:])] += 1
    assert end_ids == start_ids  # the same ids, in the same order, only moved


def test_change_mode_labels_the_step_from_the_last_value(tiny):
    import dataclasses

    from components import transform
    from tests.components.conftest import out_dir

    data = dataclasses.replace(tiny["data"], target_mode="change")
    outputs = transform.run({"examples": tiny["examples"]}, transform.TransformParams(data),
                            out_dir(tiny["base"], "tr_change"))
    train = transformed_split({**tiny, **outputs}, "train")
    level = transformed_split(tiny, "train")
    # The center is each window's last value; the scale is still the train std.
    np.testing.assert_allclose(train["target_mean"], train["last_value"])
    np.testing.assert_allclose(train["target_std"], level["target_std"])

    def windows(features):  # (last value, target in original units), sorted: shard order may differ
        target = features["target"].numpy() * features["target_std"].numpy()[:, None]
        pairs = np.column_stack([features["last_value"].numpy(), target[:, 0] + features["target_mean"].numpy()])
        return pairs[np.lexsort(pairs.T[::-1])]

    np.testing.assert_allclose(windows(train), windows(level), atol=1e-4)
    assert np.abs(train["target"]).mean() < np.abs(level["target"]).mean()  # steps are smaller than levels
