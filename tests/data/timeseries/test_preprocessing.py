"""Tests for the time-series preprocessing: calendar channels per frequency, the filled mask,
numeric covariates scaled with train statistics, and the category vocabulary with its OOV bucket."""

import math

import numpy as np
import pytest
import tensorflow as tf

from data.timeseries.calendar import calendar_channels
from data.timeseries.config import CATEGORY_TOP_K, TimeseriesData
from data.timeseries.frequency import parse_frequency
from data.timeseries.preprocessing import UNSEEN_KEY
from tests.data.timeseries.transforming import batch, fit, unix, windows


def config(**overrides):
    return TimeseriesData(**{"value_columns": ("load", "temp"), "window": 4, "calendar_features": True,
                             **overrides})


@pytest.mark.parametrize("frequency, names", [
    ("1h", ("hour_of_day", "day_of_week")), ("15min", ("hour_of_day", "day_of_week")),
    ("1D", ("day_of_week", "day_of_year")), ("1W", ("week_of_year",)), ("1MS", ("month_of_year",)),
    ("1Y", ()), ("", ("day_of_week", "day_of_year"))])
def test_calendar_features_and_the_channel_count_follow_the_frequency(frequency, names):
    cfg = config(frequency=frequency, missing="drop")
    assert cfg.calendar_names == names
    assert cfg.n_channels == 2 + 1 + 2 * len(names)
    assert config(frequency=frequency, calendar_features=False).calendar_names == ()


def test_the_filled_mask_and_each_categorical_column_add_channels():
    assert config(missing="drop", calendar_features=False).n_channels == 3
    assert config(missing="interpolate", calendar_features=False).n_channels == 4
    with_categories = config(missing="drop", calendar_features=False, categorical_columns=("wind", "site"))
    assert with_categories.n_channels == 3 + 2 * (CATEGORY_TOP_K + 1)


def test_hourly_channels_are_the_hour_of_day_and_the_day_of_week():
    stamps = tf.constant([unix("2024-01-01T06:00:00"), unix("2024-01-03T18:00:00")], tf.int64)  # Mon, Wed
    channels = calendar_channels(stamps, parse_frequency("1h").calendar_features()).numpy()
    hours, weekdays = np.array([6, 18]) / 24, np.array([0, 2]) / 7
    expected = np.stack([np.sin(2 * math.pi * hours), np.cos(2 * math.pi * hours),
                         np.sin(2 * math.pi * weekdays), np.cos(2 * math.pi * weekdays)], axis=-1)
    np.testing.assert_allclose(channels, expected, atol=1e-6)


def test_monthly_channels_are_the_month_of_year_only_also_before_1970():
    months = ["1749-01-01", "1749-02-01", "1900-03-01", "2000-02-01", "2023-12-01"]
    stamps = tf.constant([unix(month + "T00:00:00") for month in months], tf.int64)
    channels = calendar_channels(stamps, parse_frequency("1MS").calendar_features()).numpy()
    phase = np.array([0, 1, 2, 1, 11]) / 12
    np.testing.assert_allclose(channels, np.stack([np.sin(2 * math.pi * phase), np.cos(2 * math.pi * phase)], -1),
                               atol=1e-6)


def hourly_series(n=40, wind=None):
    times = [unix("2024-03-01T00:00:00") + 3600 * step for step in range(n)]
    load = 10 + np.sin(np.arange(n) / 3.0)
    temp = 20 + 5 * np.cos(np.arange(n) / 5.0)
    wind = wind or [("NE" if step % 3 else "SW",) for step in range(n)]
    filled = (np.arange(n) % 7 == 3).astype(np.float32)
    return times, np.column_stack([load, temp]), wind, filled


@pytest.fixture(scope="module")
def hourly(tmp_path_factory):
    """An hourly series with a categorical column and filled steps, analysed on its first 30 rows."""
    cfg = config(frequency="1h", categorical_columns=("wind",), missing="interpolate", horizon=1)
    times, values, wind, filled = hourly_series()
    train = windows(cfg, times[:30], values[:30], wind[:30], filled[:30])
    output = fit(cfg, train, tmp_path_factory.mktemp("hourly"))
    return cfg, output, (times, values, wind, filled)


def test_hourly_inputs_carry_the_filled_mask_calendar_and_one_hot_channels(hourly):
    cfg, output, (times, values, wind, filled) = hourly
    rows = windows(cfg, times, values, wind, filled)
    features = output.transform_features_layer()(batch(cfg, rows))
    inputs = features["inputs"].numpy()
    assert inputs.shape == (len(rows), cfg.window, cfg.n_channels)
    assert output.transformed_feature_spec()["inputs"].shape == [cfg.window, cfg.n_channels]
    np.testing.assert_array_equal(inputs[..., 2], 1.0)  # the real-step mask
    np.testing.assert_array_equal(inputs[..., 3], np.stack([row["filled"] for row in rows]))
    expected_calendar = calendar_channels(tf.constant(np.stack([row["timestamps"] for row in rows])),
                                          ("hour_of_day", "day_of_week")).numpy()
    np.testing.assert_allclose(inputs[..., 4:8], expected_calendar, atol=1e-6)
    one_hot = inputs[..., 8:]
    assert one_hot.shape[-1] == CATEGORY_TOP_K + 1
    np.testing.assert_array_equal(one_hot.sum(-1), 1.0)  # every step has one category
    vocabulary = [word.decode() for word in output.vocabulary_by_name("category_wind")]
    assert sorted(vocabulary) == ["NE", "SW"]
    ne = vocabulary.index("NE")
    is_ne = np.array([[cell == b"NE" for cell in row["categories"]] for row in rows])
    np.testing.assert_array_equal(one_hot[..., ne] == 1.0, is_ne)
    np.testing.assert_array_equal(features[UNSEEN_KEY].numpy(), 0)


def test_numeric_covariates_are_scaled_with_train_statistics(hourly):
    cfg, output, (times, values, wind, filled) = hourly
    rows = windows(cfg, times, values, wind, filled)
    inputs = output.transform_features_layer()(batch(cfg, rows))["inputs"].numpy()
    # Train windows end at rows 3..28 (the last history step of each, each row once).
    train_last = values[cfg.window - 1:29]
    mean, std = train_last.mean(axis=0), train_last.std(axis=0)
    history = np.stack([row["history"].reshape(cfg.window, 2) for row in rows])
    np.testing.assert_allclose(inputs[..., :2], (history - mean) / std, atol=1e-4)
    assert abs(values[:, 1].mean() - mean[1]) > 1e-2  # the whole series would give other statistics


def test_an_unseen_category_goes_to_the_oov_bucket_and_is_counted(hourly):
    cfg, output, (times, values, _, filled) = hourly
    wind = [("NE",)] * 37 + [("calm",), ("",), ("NE",)]  # "calm" was never seen at train; "" is missing
    rows = windows(cfg, times, values, wind, filled)
    features = output.transform_features_layer()(batch(cfg, rows))
    one_hot = features["inputs"].numpy()[..., 8:]
    last = one_hot[-1]  # the last window's history ends with the unseen category, then the missing one
    assert last[-2, CATEGORY_TOP_K] == 1.0 and last[-2].sum() == 1.0  # the OOV bucket's channel
    assert last[-1].sum() == 0.0  # a missing category has no channel set
    assert (last[:-2].sum(-1) == 1.0).all()
    # The last two windows hold "calm" in their history: each counts it once; no other is unseen.
    assert features[UNSEEN_KEY].numpy().tolist() == [0] * (len(rows) - 2) + [1, 1]


def test_monthly_inputs_have_a_month_channel_and_no_day_of_week(tmp_path):
    cfg = config(frequency="1MS", value_columns=("passengers",), missing="drop", window=3)
    months = [unix(f"{1949 + m // 12}-{m % 12 + 1:02d}-01T00:00:00") for m in range(30)]
    values = 100 + np.arange(30.0)
    output = fit(cfg, windows(cfg, months[:20], values[:20]), tmp_path)
    rows = windows(cfg, months, values)
    inputs = output.transform_features_layer()(batch(cfg, rows))["inputs"].numpy()
    assert inputs.shape[-1] == cfg.n_channels == 1 + 1 + 2
    month = np.array([[(m % 12) for m in range(start, start + 3)] for start in range(len(rows))]) / 12
    np.testing.assert_allclose(inputs[..., 2], np.sin(2 * math.pi * month), atol=1e-6)
    np.testing.assert_allclose(inputs[..., 3], np.cos(2 * math.pi * month), atol=1e-6)


@pytest.mark.slow
def test_categories_beyond_the_top_k_share_the_oov_channel_but_are_not_unseen(tmp_path):
    cfg = config(value_columns=("load",), frequency="1h", categorical_columns=("site",), missing="drop",
                 calendar_features=False, window=2)
    n = 2 * (CATEGORY_TOP_K + 3)
    times = [unix("2024-03-01T00:00:00") + 3600 * step for step in range(n)]
    # "common" on every other row, then CATEGORY_TOP_K + 2 other names: some must fall beyond the top k.
    sites = [(f"rare{step // 2:02d}",) if step % 2 else ("common",) for step in range(n)]  # row 0: common
    rows = windows(cfg, times, np.arange(n, dtype=float), sites)
    output = fit(cfg, rows, tmp_path)
    vocabulary = [word.decode() for word in output.vocabulary_by_name("category_site")]
    assert len(vocabulary) == CATEGORY_TOP_K and "common" in vocabulary
    features = output.transform_features_layer()(batch(cfg, rows))
    one_hot = features["inputs"].numpy()[..., 2:]  # after the value and the mask
    kept = np.array([[cell.decode() in vocabulary for cell in row["categories"]] for row in rows])
    assert (~kept).any()
    np.testing.assert_array_equal(one_hot[..., CATEGORY_TOP_K] == 1.0, ~kept)  # beyond the top k: OOV
    np.testing.assert_array_equal(features[UNSEEN_KEY].numpy(), 0)  # but each was seen at train
