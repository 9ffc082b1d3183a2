"""Tests for the time-series windowing and time-ordered split."""

import pytest

from data.timeseries.config import SplitFractions
from data.timeseries.parsing import Row
from data.timeseries.windows import build_windows, sort_series, split_of
from tests.data.timeseries.common import config


def test_windows_are_split_by_time_and_never_shuffled():
    rows = [(day * 86400, (float(day),)) for day in range(100)]
    windows = list(build_windows(rows, config(window=5), "s"))
    splits = [split for split, _ in windows]
    assert splits == sorted(splits, key=["train", "eval", "test"].index)
    first_test = next(features for split, features in windows if split == "test")
    assert first_test["target"] == [80.0]  # the last 20% of rows are test targets
    assert first_test["history"] == [75.0, 76.0, 77.0, 78.0, 79.0]
    assert all(features["mask"] == [1.0] * 5 for _, features in windows)
    assert all(features["filled"] == [0.0] * 5 and features["categories"] == [] for _, features in windows)


def test_short_series_is_left_padded_and_masked():
    rows = [(day * 86400, (float(day + 1),)) for day in range(4)]
    windows = [features for _, features in build_windows(rows, config(window=10), "s")]
    assert len(windows) == 3
    assert windows[0]["history"] == [0.0] * 9 + [1.0]
    assert windows[0]["mask"] == [0.0] * 9 + [1.0]
    assert windows[-1]["mask"] == [0.0] * 7 + [1.0] * 3
    assert windows[-1]["target"] == [4.0]


def test_sort_series_orders_rows_and_dead_letters_duplicates():
    kept, dead = sort_series([Row(2, (2.0,), (), 1), Row(1, (1.0,), (), 2), Row(2, (9.0,), (), 3)], "s", None)
    assert [row.time for row in kept] == [1, 2]
    assert dead[0]["reason"].startswith("duplicate timestamp 2 ")


def test_split_fractions_are_validated():
    with pytest.raises(ValueError, match="sum to 1"):
        SplitFractions(0.5, 0.1, 0.1)
    assert split_of(69, 100, SplitFractions()) == "train"
    assert split_of(70, 100, SplitFractions()) == "eval"
    assert split_of(80, 100, SplitFractions()) == "test"


def test_duplicate_timestamps_are_dead_letters_with_their_line_and_the_first_kept():
    rows = [Row(2, (9.0,), (), 5), Row(1, (1.0,), (), 2), Row(2, (2.0,), (), 3), Row(2, (7.0,), (), 4)]
    kept, dead = sort_series(rows, "s.csv", None)
    assert kept == [rows[1], rows[2]]  # the earliest line of a timestamp wins, whatever the order
    assert [(letter["line"], letter["source"]) for letter in dead] == [(4, "s.csv"), (5, "s.csv")]
    assert dead[0]["reason"] == ("duplicate timestamp 2 (1970-01-01T00:00:02+00:00), first on line 3, with other "
                                 "values [7.0] (line 3 has [2.0], the one kept)")
    same = [Row(1, (float("nan"),), ("a",), 2), Row(1, (float("nan"),), ("a",), 3)]
    assert sort_series(same, "s.csv", None)[1][0]["reason"].endswith("first on line 2, with the same values")


def test_sort_series_keeps_the_last_rows_and_writes_a_whole_duplicate_time_as_an_integer():
    rows = [Row(float(day), (float(day),), (), day + 2) for day in range(5)] + [Row(4.0, (0.0,), (), 9)]
    kept, dead = sort_series(rows, "s.csv", 2)
    assert [row.time for row in kept] == [3.0, 4.0]
    assert dead[0]["reason"].startswith("duplicate timestamp 4 (")
