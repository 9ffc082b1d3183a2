"""Tests for the time-series CSV parsing: rows, dead letters, columns and timestamps."""

import pytest

from data.errors import DataError
from data.timeseries.parsing import parse_csv, parse_timestamp
from tests.data.timeseries.common import CSV, config


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


def test_a_csv_field_over_the_csv_limit_is_a_data_error_naming_the_line():
    text = "Date,Temp\n1981-01-01,20.7\n1981-01-02,\"" + "9" * 200_000 + "\"\n"
    with pytest.raises(DataError, match=r"temps.csv: line 3: unreadable CSV: field larger than field limit"):
        list(parse_csv(text, config(), "temps.csv"))
