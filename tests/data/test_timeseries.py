"""Tests for the time-series reader, windowing and split."""

import pytest

from data.errors import DataError
from data.timeseries import (SplitFractions, TimeseriesData, build_windows, parse_csv, parse_timestamp,
                             sort_series, split_of)

CSV = "Date,Temp,Other\n1981-01-01,20.7,1\n1981-01-02,17.9,2\n1981-01-03,,3\n1981-01-04,abc,4\n" \
      "1981-01-05,nan,5\nnot-a-date,1.0,6\n1981-01-07,1.0\n1981-01-08,14.6,8\n"


def config(**overrides):
    return TimeseriesData(**{"timestamp_column": "Date", "value_columns": ("Temp",), "window": 3, **overrides})


def test_parse_csv_sends_each_bad_row_to_dead_letters_with_line_and_reason():
    parsed = list(parse_csv(CSV, config(), "temps.csv"))
    rows = [item for kind, item in parsed if kind == "row"]
    dead = {item["line"]: item["reason"] for kind, item in parsed if kind == "dead"}
    assert [values for _, values in rows] == [(20.7,), (17.9,), (14.6,)]
    assert dead[4] == "missing value in column 'Temp'"
    assert dead[5] == "non-numeric value 'abc' in column 'Temp'"
    assert "non-finite" in dead[6]
    assert "unparsable timestamp 'not-a-date'" in dead[7]
    assert "expected 3 columns, found 2" in dead[8]


def test_parse_csv_reads_any_named_columns():
    parsed = list(parse_csv(CSV, config(value_columns=("Other", "Temp")), "temps.csv"))
    rows = [item for kind, item in parsed if kind == "row"]
    assert rows[0] == (parse_timestamp("1981-01-01"), (1.0, 20.7))


def test_parse_csv_missing_column_names_file_and_columns():
    with pytest.raises(DataError, match=r"temps.csv: column\(s\) \['Temperature'\] not in CSV header"):
        list(parse_csv(CSV, config(value_columns=("Temperature",)), "temps.csv"))


def test_parse_timestamp_accepts_dates_datetimes_and_unix_seconds():
    assert parse_timestamp("1970-01-02") == 86400
    assert parse_timestamp("1970-01-01T01:00:00Z") == 3600
    assert parse_timestamp("86400") == 86400
    with pytest.raises(ValueError, match="unparsable timestamp"):
        parse_timestamp("yesterday")


def test_windows_are_split_by_time_and_never_shuffled():
    rows = [(day * 86400, (float(day),)) for day in range(100)]
    windows = list(build_windows(rows, config(window=5), "s"))
    splits = [split for split, _ in windows]
    assert splits == sorted(splits, key=["train", "eval", "test"].index)
    first_test = next(features for split, features in windows if split == "test")
    assert first_test["target"] == [80.0]  # the last 20% of rows are test targets
    assert first_test["history"] == [75.0, 76.0, 77.0, 78.0, 79.0]
    assert all(features["mask"] == [1.0] * 5 for _, features in windows)


def test_short_series_is_left_padded_and_masked():
    rows = [(day * 86400, (float(day + 1),)) for day in range(4)]
    windows = [features for _, features in build_windows(rows, config(window=10), "s")]
    assert len(windows) == 3
    assert windows[0]["history"] == [0.0] * 9 + [1.0]
    assert windows[0]["mask"] == [0.0] * 9 + [1.0]
    assert windows[-1]["mask"] == [0.0] * 7 + [1.0] * 3
    assert windows[-1]["target"] == [4.0]


def test_sort_series_orders_rows_and_dead_letters_duplicates():
    kept, dead = sort_series([(2, (2.0,)), (1, (1.0,)), (2, (9.0,))], "s", None)
    assert [stamp for stamp, _ in kept] == [1, 2]
    assert dead[0]["reason"] == "duplicate timestamp 2"


def test_split_fractions_are_validated():
    with pytest.raises(ValueError, match="sum to 1"):
        SplitFractions(0.5, 0.1, 0.1)
    assert split_of(69, 100, SplitFractions()) == "train"
    assert split_of(70, 100, SplitFractions()) == "eval"
    assert split_of(80, 100, SplitFractions()) == "test"


def test_scoring_windows_roll_over_the_series_and_stop_at_bad_rows():
    from data.timeseries import scoring_windows

    cfg = TimeseriesData(path="x.csv", timestamp_column="day", value_columns=("v",), window=3)
    rows = ["day,v"] + [f"2024-01-{d:02d},{d}" for d in range(1, 6)] + ["2024-01-06,oops"] + \
           [f"2024-01-{d:02d},{d}" for d in range(7, 9)]
    items = list(scoring_windows("data/x.csv", "\n".join(rows).encode(), cfg))
    ok = [item for status, item in items if status == "ok"]
    assert [record_id for record_id, _ in ok] == [f"x.csv@2024-01-0{d}T00:00:00+00:00" for d in (3, 4, 5)]
    assert ok[0][1]["history"] == [[1.0], [2.0], [3.0]] and len(ok[0][1]["timestamps"]) == 3
    reasons = [item["reason"] for status, item in items if status == "dead"]
    assert reasons[0] == "non-numeric value 'oops' in column 'v'"
    assert reasons[1].startswith("series of 2 rows from 2024-01-07") and reasons[1].endswith("window (3)")


def test_scoring_reads_a_csv_with_a_byte_order_mark_as_training_does():
    from data.timeseries import scoring_windows

    cfg = TimeseriesData(path="x.csv", timestamp_column="day", value_columns=("v",), window=2)
    text = "day,v\n2024-01-01,1\n2024-01-02,2\n"
    items = list(scoring_windows("x.csv", text.encode("utf-8-sig"), cfg))
    assert [status for status, _ in items] == ["ok"] and items[0][1][1]["history"] == [[1.0], [2.0]]


def test_a_csv_field_over_the_csv_limit_is_a_data_error_naming_the_line():
    text = "Date,Temp\n1981-01-01,20.7\n1981-01-02,\"" + "9" * 200_000 + "\"\n"
    with pytest.raises(DataError, match=r"temps.csv: line 3: unreadable CSV: field larger than field limit"):
        list(parse_csv(text, config(), "temps.csv"))
