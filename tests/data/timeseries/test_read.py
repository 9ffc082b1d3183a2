"""Tests for reading series files before Beam: timestamp forms, frequency and gaps, dialects, missing values."""

import logging
import math
from datetime import datetime, timedelta, timezone

import pytest

from data.errors import DataError
from data.timeseries.parsing import parse_csv, parse_csv_bytes
from data.timeseries.read import check_input
from tests.data.timeseries.common import config


def hourly(n, skip=(), start=datetime(2020, 1, 1, tzinfo=timezone.utc)):
    """``n`` hourly ISO datetimes, leaving out the hours in ``skip``."""
    return [(start + timedelta(hours=h)).strftime("%Y-%m-%dT%H:%M:%S") for h in range(n) if h not in skip]


def write(tmp_path, text, name="s.csv", encoding="utf-8"):
    path = tmp_path / name
    path.write_bytes(text.encode(encoding))
    return str(path)


def rows_of(parsed):
    return [item for kind, item in parsed if kind == "row"]


@pytest.mark.parametrize("stamps, form, frequency", [
    ([f"2020-01-{d:02d}" for d in range(1, 21)], "iso-date", "1D"),
    (hourly(20), "iso-datetime", "1h"),
    ([f"{1749 + m // 12}-{m % 12 + 1:02d}" for m in range(20)], "year-month", "1MS"),
    ([str(1900 + y) for y in range(20)], "year", "1Y"),
    ([str(1_600_000_000 + 900 * i) for i in range(20)], "unix-seconds", "15min"),
    ([str(1_600_000_000_000 + 604_800_000 * i) for i in range(20)], "unix-milliseconds", "1W"),
], ids=["iso-date", "iso-datetime", "year-month", "year", "unix-seconds", "unix-milliseconds"])
def test_check_input_reports_the_timestamp_form_and_frequency(tmp_path, caplog, stamps, form, frequency):
    path = write(tmp_path, "Date,Temp\n" + "".join(f"{s},{i}\n" for i, s in enumerate(stamps)))
    with caplog.at_level(logging.INFO, logger="rnnpipe.timeseries"):
        found = check_input(config(path=path))
    assert {key: found[key] for key in ("timestamp_form", "frequency", "gaps", "irregular_steps")} == {
        "timestamp_form": form, "frequency": frequency, "gaps": 0, "irregular_steps": 0}
    assert f"{path}: 20 rows, timestamps " in caplog.text and f"({form}), frequency {frequency} (inferred)" in caplog.text


def test_a_missing_step_is_reported_as_a_gap(tmp_path, caplog):
    path = write(tmp_path, "Date,Temp\n" + "".join(f"{s},1\n" for s in hourly(24, skip=(5, 6, 7, 15))))
    with caplog.at_level(logging.INFO, logger="rnnpipe.timeseries"):
        found = check_input(config(path=path))
    assert found["frequency"] == "1h" and found["gaps"] == 2
    assert ("2 gap(s) of 4 missing step(s): after 2020-01-01T04:00:00+00:00 (3 missing), "
            "after 2020-01-01T14:00:00+00:00 (1 missing)") in caplog.text


def test_a_given_frequency_is_used_and_irregular_steps_reported(tmp_path, caplog):
    path = write(tmp_path, "Date,Temp\n" + "".join(f"{s},1\n" for s in hourly(20)))
    with caplog.at_level(logging.INFO, logger="rnnpipe.timeseries"):
        found = check_input(config(path=path, frequency="2h"))
    assert found["frequency"] == "2h" and found["irregular_steps"] == 19
    assert "frequency 2h (data.frequency)" in caplog.text and "19 irregular step(s)" in caplog.text


def test_series_with_different_steps_need_a_frequency(tmp_path):
    write(tmp_path, "Date,Temp\n" + "".join(f"{s},1\n" for s in hourly(20)), "a.csv")
    write(tmp_path, "Date,Temp\n" + "".join(f"2020-01-{d:02d},1\n" for d in range(1, 21)), "b.csv")
    with pytest.raises(DataError, match=r"the series have different steps \(.*a.csv: 1h, .*b.csv: 1D\); set data.frequency"):
        check_input(config(path=str(tmp_path / "*.csv")))


def test_a_wrong_timestamp_format_quotes_the_values_line_and_pattern(tmp_path):
    path = write(tmp_path, "Date,Temp\n" + "".join(f"2020-01-{d:02d},1\n" for d in range(1, 21)))
    with pytest.raises(DataError, match=rf"{path}: line 2: timestamp column 'Date': no timestamp matches "
                                        r"data.timestamp_format '%d/%m/%Y': '2020-01-01', '2020-01-02'"):
        check_input(config(path=path, timestamp_format="%d/%m/%Y"))


def test_a_strptime_format_reads_the_file(tmp_path):
    path = write(tmp_path, "Date,Temp\n" + "".join(f"{d:02d}/01/2020 10:30,1\n" for d in range(1, 21)))
    found = check_input(config(path=path, timestamp_format="%d/%m/%Y %H:%M"))
    assert found["timestamp_form"] == "strptime" and found["frequency"] == "1D"


def test_timestamp_columns_make_one_time(tmp_path):
    text = "year,month,day,hour,pm2.5\n" + "".join(f"2010,1,{1 + h // 24},{h % 24},{h}\n" for h in range(30))
    cfg = config(path=write(tmp_path, text), timestamp_columns=("year", "month", "day", "hour"),
                 value_columns=("pm2.5",))
    rows = rows_of(parse_csv(text, cfg, "p.csv"))
    assert rows[25].time == datetime(2010, 1, 2, 1, tzinfo=timezone.utc).timestamp() and rows[25].values == (25.0,)
    assert check_input(cfg)["frequency"] == "1h"


def test_naive_times_are_read_in_the_time_zone(tmp_path):
    text = "Date,Temp\n2020-07-01T12:00:00,1\n2020-07-01T13:00:00+00:00,2\n"
    rows = rows_of(parse_csv(text, config(timezone="Europe/Berlin", timestamp_format=""), "s.csv"))
    assert [row.time for row in rows] == [datetime(2020, 7, 1, h, tzinfo=timezone.utc).timestamp() for h in (10, 13)]


@pytest.mark.parametrize("delimiter", [";", "\t"])
def test_a_delimiter_and_a_byte_order_mark_are_read(delimiter):
    raw = f"Date{delimiter}Temp\n2020-01-01{delimiter}1,5\n".replace(",", "").encode("utf-8-sig")
    (row,) = rows_of(parse_csv_bytes(raw, config(delimiter=delimiter), "s.csv"))
    assert row.values == (15.0,) and row.line == 2


def test_a_byte_order_mark_in_decoded_text_is_dropped_from_the_header():
    (row,) = rows_of(parse_csv("\ufeffDate,Temp\n2020-01-01,1\n", config(), "s.csv"))
    assert row.values == (1.0,)


def test_an_encoding_decodes_each_line_and_a_bad_byte_is_one_dead_letter():
    raw = "Date,Température\n2020-01-01,1\n".encode("latin-1") + b"2020-01-02,\x81\n" + b"2020-01-03,3\n"
    parsed = list(parse_csv_bytes(raw, config(value_columns=("Température",), encoding="cp1252"), "s.csv"))
    assert [row.values for row in rows_of(parsed)] == [(1.0,), (3.0,)]
    (letter,) = [item for kind, item in parsed if kind == "dead"]
    assert letter["line"] == 3 and letter["reason"].startswith("not cp1252: 'charmap' codec can't decode byte 0x81")


def test_missing_markers_are_nan_and_malformed_values_dead_letters():
    text = "Date,Temp,Wind\n2020-01-01,NA,NE\n2020-01-02,,?\n2020-01-03,abc,SE\n2020-01-04,4, cv \n"
    parsed = list(parse_csv(text, config(categorical_columns=("Wind",)), "s.csv"))
    rows = rows_of(parsed)
    assert [math.isnan(row.values[0]) for row in rows] == [True, True, False]
    assert [row.categories for row in rows] == [("NE",), ("",), ("cv",)]
    assert [(item["line"], item["reason"]) for kind, item in parsed if kind == "dead"] == [
        (4, "non-numeric value 'abc' in column 'Temp'")]


def test_missing_values_can_be_configured():
    text = "Date,Temp\n2020-01-01,-999\n2020-01-02,NA\n"
    parsed = list(parse_csv(text, config(missing_values=("-999",)), "s.csv"))
    assert math.isnan(rows_of(parsed)[0].values[0])
    assert [item["reason"] for kind, item in parsed if kind == "dead"] == ["non-numeric value 'NA' in column 'Temp'"]


def test_a_missing_value_fails_the_check_under_missing_fail(tmp_path):
    path = write(tmp_path, "Date,Temp\n" + "".join(f"2020-01-{d:02d},{'NA' if d == 7 else d}\n" for d in range(1, 21)))
    with pytest.raises(DataError, match=rf"{path}: line 8 \(2020-01-07T00:00:00\+00:00\): missing value in column 'Temp'"):
        check_input(config(path=path, missing="fail"))


def test_a_missing_column_gets_did_you_mean_and_the_header(tmp_path):
    with pytest.raises(DataError, match=r"s.csv: column\(s\) \['temp', 'Wind_dir'\] not in CSV header "
                                        r"\['Date', 'Temp', 'wind dir'\]; did you mean 'Temp' for 'temp', "
                                        r"'wind dir' for 'Wind_dir'\? \(set data.timestamp_column / "
                                        r"data.value_columns / data.categorical_columns\)"):
        list(parse_csv("Date,Temp,wind dir\n2020-01-01,1,N\n",
                       config(value_columns=("temp",), categorical_columns=("Wind_dir",)), "s.csv"))


def test_a_missing_timestamp_column_names_the_timestamp_key():
    with pytest.raises(DataError, match=r"column\(s\) \['hour'\] not in CSV header \['year', 'month', 'day', 'Temp'\] "
                                        r"\(set data.timestamp_columns / data.value_columns\)"):
        list(parse_csv("year,month,day,Temp\n2020,1,1,1\n",
                       config(timestamp_columns=("year", "month", "day", "hour")), "s.csv"))
