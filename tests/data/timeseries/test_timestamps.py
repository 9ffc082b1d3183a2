"""Tests for timestamp forms: recognition from a sample, strptime, time zones and assembled columns."""

from datetime import datetime, timezone

import pytest

from data.timeseries.config import TimeseriesData
from data.timeseries.timestamps import TimestampForm, assemble, recognise_form


def at(*parts):
    return int(datetime(*parts, tzinfo=timezone.utc).timestamp())


@pytest.mark.parametrize("samples, name, expected", [
    (["1981-01-01", "1981-01-02"], "iso-date", at(1981, 1, 1)),
    (["2020-01-01T01:00:00", "2020-01-01 02:00"], "iso-datetime", at(2020, 1, 1, 1)),
    (["2020-01-01T01:00:00Z"], "iso-datetime", at(2020, 1, 1, 1)),
    (["2020-01-01", "2020-01-01 12:00"], "iso-datetime", at(2020, 1, 1)),  # dates and datetimes mixed
    (["1749-01", "1749-02"], "year-month", at(1749, 1, 1)),
    (["1871", "1872"], "year", at(1871, 1, 1)),
    (["86400", "172800"], "unix-seconds", 86400),
    (["1577836800000", "1577840400000"], "unix-milliseconds", at(2020, 1, 1)),
])
def test_each_common_form_is_recognised_and_read(samples, name, expected):
    form = recognise_form(samples)
    assert form.name == name
    assert form.parse(samples[0]) == expected


def test_the_form_read_by_most_samples_wins_and_the_others_name_it():
    form = recognise_form(["1981-01-01", "1981-01-02", "yesterday", "1981-01-04"])
    assert form == TimestampForm("iso-date")
    with pytest.raises(ValueError, match=r"unparsable timestamp 'yesterday' \(expected ISO 8601 date YYYY-MM-DD\)"):
        form.parse("yesterday")
    with pytest.raises(ValueError, match=r"unparsable timestamp '1981-01-01 10:00' \(expected ISO 8601 date"):
        form.parse("1981-01-01 10:00")  # one form per file: a datetime in a file of dates is a bad row


def test_a_strptime_pattern_is_used_when_given():
    form = recognise_form(["31/12/2019 23:30"], "%d/%m/%Y %H:%M")
    assert form == TimestampForm("strptime", "%d/%m/%Y %H:%M")
    assert form.parse("31/12/2019 23:30") == at(2019, 12, 31, 23, 30)


def test_a_wrong_strptime_pattern_quotes_the_values_and_the_pattern():
    with pytest.raises(ValueError, match=r"no timestamp matches data.timestamp_format '%d/%m/%Y': "
                                         r"'1981-01-01', '1981-01-02'; check data.timestamp_format"):
        recognise_form(["1981-01-01", "1981-01-02"], "%d/%m/%Y")
    with pytest.raises(ValueError, match=r"unparsable timestamp '1981-01-01' \(expected data.timestamp_format '%d/%m/%Y'\)"):
        TimestampForm("strptime", "%d/%m/%Y").parse("1981-01-01")


def test_no_known_form_asks_for_a_pattern():
    with pytest.raises(ValueError, match=r"no timestamp matches YYYY, YYYY-MM, ISO 8601 .*: 'Jan 1', 'Jan 2'; "
                                         r"set data.timestamp_format"):
        recognise_form(["Jan 1", "Jan 2"])


def test_naive_times_are_read_in_the_zone_and_aware_ones_converted():
    iso = TimestampForm("iso-datetime")
    assert iso.parse("2020-07-01T12:00:00", "Europe/Berlin") == at(2020, 7, 1, 10)  # CEST, UTC+2
    assert iso.parse("2020-01-01T12:00:00", "Europe/Berlin") == at(2020, 1, 1, 11)  # CET, UTC+1
    assert iso.parse("2020-07-01T12:00:00+05:00", "Europe/Berlin") == at(2020, 7, 1, 7)  # aware: its own offset
    assert TimestampForm("iso-date").parse("2020-07-01", "America/New_York") == at(2020, 7, 1, 4)
    assert TimestampForm("strptime", "%Y-%m-%d %H:%M%z").parse("2020-07-01 12:00+0100", "Asia/Tokyo") == at(2020, 7, 1, 11)
    assert TimestampForm("unix-seconds").parse("86400", "Europe/Berlin") == 86400  # unix times are absolute


def test_daylight_saving_ambiguous_and_missing_local_times():
    iso = TimestampForm("iso-datetime")
    # 2020-10-25 02:30 happens twice in Berlin: the first (summer time, UTC+2) is taken
    assert iso.parse("2020-10-25T02:30:00", "Europe/Berlin") == at(2020, 10, 25, 0, 30)
    # 2020-03-29 02:30 never happens in Berlin: read with the offset before the change (UTC+1)
    assert iso.parse("2020-03-29T02:30:00", "Europe/Berlin") == at(2020, 3, 29, 1, 30)


def test_a_time_out_of_range_is_a_bad_value_not_a_crash():
    with pytest.raises(ValueError, match="unparsable timestamp '99999999999999999999'"):
        TimestampForm("unix-milliseconds").parse("9" * 20)
    with pytest.raises(ValueError, match=r"unparsable timestamp '2020-13' \(expected YYYY-MM\)"):
        TimestampForm("year-month").parse("2020-13")


@pytest.mark.parametrize("cells, fmt, text", [
    (["2010", "1", "2", "3"], "", "2010-01-02 03:00:00"),
    (["2010", "12"], "", "2010-12-01 00:00:00"),
    (["2010", "1", "2", "3", "4", "5"], "", "2010-01-02 03:04:05"),
    (["2010-01-02", "03:00"], "", "2010-01-02 03:00"),
    (["02/01/2010", "3"], "%d/%m/%Y %H", "02/01/2010 3"),
])
def test_timestamp_columns_are_assembled_into_one_text(cells, fmt, text):
    assert assemble(cells, [f"c{i}" for i in range(len(cells))], fmt) == text


def test_an_empty_timestamp_part_names_its_column():
    with pytest.raises(ValueError, match="missing timestamp part in column 'hour'"):
        assemble(["2010", "1", "2", " "], ["year", "month", "day", "hour"])


@pytest.mark.parametrize("key, value, message", [
    ("timezone", "Mars/Base", "data.timezone 'Mars/Base' is not an IANA time zone"),
    ("frequency", "1M", "data.frequency: frequency '1M' is not understood; give 15min, 1h"),
    ("encoding", "klingon", "data.encoding 'klingon' is not a known text encoding"),
    ("encoding", "utf-16", "data.encoding 'utf-16' is not read line by line"),
    ("timestamp_format", "dd/mm/yyyy", "data.timestamp_format 'dd/mm/yyyy' is not a strptime pattern"),
    ("timestamp_columns", ("a", "b", "c", "d", "e", "f", "g"), "data.timestamp_columns names 7 columns; at most 6"),
])
def test_the_reading_keys_are_checked_naming_the_key(key, value, message):
    with pytest.raises(ValueError, match=message):
        TimeseriesData(**{key: value})
