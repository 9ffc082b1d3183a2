"""Tests for the raw time-series records: their tf.Example form, parsing spec and profile."""

import math

from data.timeseries.parsing import Row
from data.timeseries.records import encode_example, profile, raw_feature_spec
from data.timeseries.windows import window_series
from tests.data.timeseries.common import config


def windows_of(values, categories, cfg):
    """The windows of a daily series; ``categories`` holds one cell per day, or None for no column."""
    rows = [Row(day * 86400, (value,), (categories[day],) if categories else (), day + 2)
            for day, value in enumerate(values)]
    return [features for _, features in window_series(rows, cfg, "s.csv").windows(cfg, "s")]


def test_records_carry_the_filled_mask_and_the_categories_through_the_parsing_spec():
    import tensorflow as tf

    cfg = config(window=3, categorical_columns=("wind",))
    values = [1.0, 2.0, math.nan, 4.0, 5.0, 6.0, 7.0, 8.0, 9.0, 10.0]
    windows = windows_of(values, ["NE", "SE", "", "cv", "NE", "NE", "SE", "SE", "NW", "NE"], cfg)
    parsed = tf.io.parse_single_example(encode_example(windows[0]), raw_feature_spec(cfg))
    assert parsed["history"].numpy().tolist() == [1.0, 2.0, 3.0]
    assert parsed["filled"].numpy().tolist() == [0.0, 0.0, 1.0]
    assert parsed["categories"].numpy().tolist() == [b"NE", b"SE", b""]


def test_records_without_categorical_columns_have_no_categories_feature():
    import tensorflow as tf

    cfg = config(window=3)
    windows = windows_of([float(day) for day in range(8)], None, cfg)
    assert "categories" not in raw_feature_spec(cfg)
    example = tf.train.Example.FromString(encode_example(windows[0]))
    assert "categories" not in example.features.feature
    assert tf.io.parse_single_example(encode_example(windows[0]), raw_feature_spec(cfg))["filled"].shape == [3]


def test_the_profile_counts_filled_steps_as_missing():
    import tensorflow as tf

    cfg = config(window=4)
    windows = windows_of([1.0, math.nan, math.nan, 4.0, 5.0, 6.0, 7.0, 8.0], None, cfg)
    facts = profile(tf.train.Example.FromString(encode_example(windows[0])).features.feature)
    assert (facts["length"], facts["missing"], facts["values"]) == (4, 2, 4)
