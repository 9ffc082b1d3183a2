"""Tests for missing values and missing steps: the regular grid and each ``data.missing`` policy."""

import math

import numpy as np
import pytest

from data.errors import DataError
from data.timeseries.gaps import MissingCounts, prepare_series
from data.timeseries.parsing import Row
from data.timeseries.windows import window_series
from tests.data.timeseries.common import config

DAY = 86400
NAN = math.nan


def daily(values, skip=(), categories=None):
    """Rows of a daily series from 1970-01-01 (line = day + 2); days in ``skip`` are absent."""
    return [Row(day * DAY, (value,) if not isinstance(value, tuple) else value,
                (categories[day],) if categories else (), day + 2)
            for day, value in enumerate(values) if day not in skip]


def test_interpolate_fills_a_short_gap_linearly_and_marks_the_filled_steps():
    grid, dead = prepare_series(daily([1.0, NAN, NAN, 4.0, 5.0]), config(), "s.csv")
    assert dead == []
    assert grid.values[:, 0].tolist() == [1.0, 2.0, 3.0, 4.0, 5.0]
    assert grid.filled[:, 0].tolist() == [False, True, True, False, False]
    assert grid.counts == MissingCounts(missing_values=2, missing_steps=0, interpolated_steps=2)


def test_interpolate_leaves_a_gap_longer_than_max_gap_and_the_ends_missing():
    values = [NAN, 1.0, NAN, NAN, NAN, 5.0, 6.0, NAN]
    grid, _ = prepare_series(daily(values), config(max_gap=2), "s.csv")
    assert np.isnan(grid.values[:, 0]).tolist() == [True, False, True, True, True, False, False, True]
    assert not grid.filled.any() and grid.counts.interpolated_steps == 0
    grid, _ = prepare_series(daily(values), config(max_gap=3), "s.csv")
    assert grid.values[2:5, 0].tolist() == [2.0, 3.0, 4.0]  # the inner run of 3 fits max_gap=3
    assert grid.usable.tolist() == [False] + [True] * 6 + [False]


def test_each_value_column_is_filled_on_its_own():
    rows = daily([(1.0, 10.0), (NAN, 20.0), (3.0, NAN), (4.0, 40.0)])
    grid, _ = prepare_series(rows, config(value_columns=("a", "b")), "s.csv")
    assert grid.values.tolist() == [[1.0, 10.0], [2.0, 20.0], [3.0, 30.0], [4.0, 40.0]]
    assert grid.filled.tolist() == [[False, False], [True, False], [False, True], [False, False]]
    assert grid.counts == MissingCounts(missing_values=2, missing_steps=0, interpolated_steps=2)


def test_missing_steps_of_the_frequency_are_inserted_and_filled():
    rows = daily([0.0, 1.0, 2.0, 3.0, 4.0, 5.0, 6.0], skip=(2, 3))
    grid, _ = prepare_series(rows, config(), "s.csv")  # the daily step is inferred
    assert grid.times.tolist() == [day * DAY for day in range(7)]
    assert grid.values[:, 0].tolist() == [0.0, 1.0, 2.0, 3.0, 4.0, 5.0, 6.0]
    assert grid.lines == (2, 3, 0, 0, 6, 7, 8)  # an inserted step has no line
    assert grid.counts == MissingCounts(missing_values=0, missing_steps=2, interpolated_steps=2)


def test_a_given_frequency_finds_gaps_an_inferred_one_would_take_as_the_step():
    rows = [Row(hour * 3600, (float(hour),), (), hour + 2) for hour in range(0, 12, 2)]
    grid, _ = prepare_series(rows, config(frequency="1h", max_gap=1), "s.csv")
    assert len(grid) == 11 and grid.counts.missing_steps == 5
    assert grid.values[:, 0].tolist() == [float(hour) for hour in range(11)]


def test_monthly_gaps_follow_the_calendar():
    months = ["1749-01-01", "1749-02-01", "1749-05-01", "1749-06-01", "1749-07-01"]
    from datetime import datetime, timezone
    stamps = [datetime.fromisoformat(m).replace(tzinfo=timezone.utc).timestamp() for m in months]
    rows = [Row(stamp, (float(i),), (), i + 2) for i, stamp in enumerate(stamps)]
    grid, _ = prepare_series(rows, config(frequency="1MS"), "s.csv")
    assert grid.counts.missing_steps == 2
    inserted = [datetime.fromtimestamp(t, tz=timezone.utc).strftime("%Y-%m") for t in grid.times[2:4]]
    assert inserted == ["1749-03", "1749-04"]


def test_an_off_grid_timestamp_is_a_dead_letter_naming_it():
    rows = daily([0.0, 1.0, 2.0, 3.0])
    rows.insert(2, Row(1.5 * DAY, (9.0,), (), 9))
    grid, dead = prepare_series(rows, config(frequency="1D"), "s.csv")
    assert len(grid) == 4 and grid.values[:, 0].tolist() == [0.0, 1.0, 2.0, 3.0]
    assert [(letter["line"], letter["source"]) for letter in dead] == [(9, "s.csv")]
    assert dead[0]["reason"].startswith("timestamp off the 1D grid of the series: 1970-01-02T12:00:00+00:00 is "
                                        "not a whole number of 1D steps after 1970-01-01")


def test_fail_names_the_file_the_line_the_time_and_the_column():
    with pytest.raises(DataError, match=r"^s.csv: line 4 \(1970-01-03T00:00:00\+00:00\): missing value in column "
                                        r"'Temp' \(data.missing=fail\)"):
        prepare_series(daily([1.0, 2.0, NAN, 4.0]), config(missing="fail"), "s.csv")


def test_fail_names_the_missing_steps_and_where_they_start():
    with pytest.raises(DataError, match=r"^s.csv: 2 missing step\(s\) of 1D after 1970-01-02T00:00:00\+00:00 "
                                        r"\(line 3\) \(data.missing=fail\)"):
        prepare_series(daily([1.0] * 6, skip=(2, 3)), config(missing="fail"), "s.csv")
    prepare_series(daily([1.0] * 6), config(missing="fail"), "s.csv")  # nothing missing: no error


def test_drop_fills_nothing_and_drops_and_counts_every_window_touching_a_missing_value():
    values = [float(day) for day in range(20)]
    values[5] = NAN
    result = window_series(daily(values), config(window=3, missing="drop"), "s.csv")
    assert not result.grid.filled.any() and result.counts.missing_values == 1
    starts = [start for start, _ in result.kept]
    # windows with first target 5..8 hold day 5 in their history or target
    assert [start for start in range(3, 20) if start not in starts] == [5, 6, 7, 8]
    assert result.dropped == {"train": 4, "eval": 0, "test": 0}
    windows = [features for _, features in result.windows(config(window=3, missing="drop"), "s")]
    assert all(not any(math.isnan(v) for v in w["history"] + w["target"]) for w in windows)
    assert all(w["filled"] == [0.0, 0.0, 0.0] for w in windows)


def test_the_filled_feature_marks_interpolated_steps_in_each_window():
    values = [float(day) for day in range(12)]
    values[4] = NAN
    cfg = config(window=3)
    windows = {w["id"]: w for _, w in window_series(daily(values), cfg, "s.csv").windows(cfg, "s")}
    assert windows["s:5"]["history"] == [2.0, 3.0, 4.0] and windows["s:5"]["filled"] == [0.0, 0.0, 1.0]
    assert windows["s:6"]["filled"] == [0.0, 1.0, 0.0]
    assert windows["s:4"]["target"] == [4.0]  # a train target may be filled


def test_eval_and_test_windows_never_have_an_interpolated_target():
    values = [float(day) for day in range(20)]
    values[17] = NAN  # a test-split target
    cfg = config(window=3)
    result = window_series(daily(values), cfg, "s.csv")
    assert 17 not in [start for start, _ in result.kept]
    assert result.dropped == {"train": 0, "eval": 0, "test": 1}
    assert 18 in [start for start, _ in result.kept]  # the filled step may be in a test window's history


def test_categories_are_carried_row_major_with_empty_for_missing_and_inserted_steps():
    rows = daily([1.0, 2.0, 3.0, 4.0, 5.0, 6.0], skip=(2,), categories=["NE", "", "x", "SE", "NW", "NE"])
    cfg = config(window=3, categorical_columns=("wind",))
    windows = [w for _, w in window_series(rows, cfg, "s.csv").windows(cfg, "s")]
    assert windows[0]["categories"] == ["NE", "", ""]  # day 2 was inserted
    assert windows[-1]["categories"] == ["", "SE", "NW"]
