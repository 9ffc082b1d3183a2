"""Tests for the frequency of a series: parsing, calendar steps, seasons and inference with gaps."""

from datetime import datetime, timezone

import pytest

from data.timeseries.frequency import Frequency, infer_frequency, parse_frequency


def at(*parts):
    return datetime(*parts, tzinfo=timezone.utc).timestamp()


@pytest.mark.parametrize("text, count, unit, canonical", [
    ("15min", 15, "min", "15min"), ("1h", 1, "h", "1h"), ("h", 1, "h", "1h"), ("1D", 1, "D", "1D"),
    ("2d", 2, "D", "2D"), ("1W", 1, "W", "1W"), ("1MS", 1, "MS", "1MS"), ("3MS", 3, "MS", "3MS"),
    ("1Y", 1, "Y", "1Y"),
])
def test_parse_frequency_reads_each_accepted_form(text, count, unit, canonical):
    frequency = parse_frequency(text)
    assert (frequency.count, frequency.unit, frequency.text) == (count, unit, canonical)


@pytest.mark.parametrize("text", ["", "1M", "0h", "fortnightly", "1.5h", "-1D"])
def test_parse_frequency_refuses_other_text_naming_it_and_the_forms(text):
    with pytest.raises(ValueError, match=rf"frequency {text!r} is not understood; give 15min, 1h, 1D"):
        parse_frequency(text)


def test_fixed_steps_count_seconds():
    hourly = parse_frequency("1h")
    assert hourly.step_after(at(2020, 3, 1, 23)) == at(2020, 3, 2, 0)
    assert hourly.steps_between(at(2020, 1, 1), at(2020, 1, 2)) == 24
    with pytest.raises(ValueError, match=r"not a whole number of 1h steps after 2020-01-01T00:00:00"):
        hourly.steps_between(at(2020, 1, 1), at(2020, 1, 1, 0, 30))


def test_calendar_steps_follow_the_calendar():
    monthly = parse_frequency("1MS")
    assert monthly.step_after(at(2020, 1, 1)) == at(2020, 2, 1)
    assert monthly.step_after(at(2020, 12, 1)) == at(2021, 1, 1)
    assert monthly.step_after(at(2020, 1, 31)) == at(2020, 2, 29)
    assert monthly.step_after(at(1749, 1, 1)) == at(1749, 2, 1)  # before 1970
    assert monthly.steps_between(at(2019, 11, 1), at(2020, 2, 1)) == 3
    assert parse_frequency("3MS").steps_between(at(2020, 1, 1), at(2021, 1, 1)) == 4
    with pytest.raises(ValueError, match="not a whole number of 3MS steps"):
        parse_frequency("3MS").steps_between(at(2020, 1, 1), at(2020, 2, 1))
    with pytest.raises(ValueError, match="not a whole number of 1MS steps"):
        monthly.steps_between(at(2020, 1, 1), at(2020, 2, 2))
    yearly = parse_frequency("1Y")
    assert yearly.step_after(at(2020, 1, 1)) == at(2021, 1, 1)
    assert yearly.steps_between(at(2000, 1, 1), at(2020, 1, 1)) == 20


@pytest.mark.parametrize("text, season, features", [
    ("1h", 24, ("hour_of_day", "day_of_week")), ("15min", 96, ("hour_of_day", "day_of_week")),
    ("7min", 1, ("hour_of_day", "day_of_week")), ("1D", 7, ("day_of_week", "day_of_year")),
    ("1W", 52, ("week_of_year",)), ("1MS", 12, ("month_of_year",)), ("3MS", 4, ("month_of_year",)),
    ("1Y", 1, ()),
])
def test_season_and_calendar_features_follow_the_unit(text, season, features):
    frequency = parse_frequency(text)
    assert frequency.season() == season
    assert frequency.calendar_features() == features


def test_a_frequency_rejects_an_unknown_unit_or_count():
    with pytest.raises(ValueError, match="unit 's' is not one of"):
        Frequency(1, "s")
    with pytest.raises(ValueError, match="count must be >= 1"):
        Frequency(0, "h")


def test_infer_frequency_finds_the_typical_step_and_the_gap():
    times = [at(2020, 1, 1, hour) for hour in (0, 1, 2, 5, 6, 7, 8)]
    report = infer_frequency(times)
    assert report.frequency == Frequency(1, "h")
    assert report.gaps == ((at(2020, 1, 1, 2), 2),)
    assert report.missing_steps == 2 and report.irregular_steps == 0


def test_infer_frequency_reports_irregular_steps():
    times = [at(2020, 1, 1, hour) for hour in range(5)] + [at(2020, 1, 1, 4, 30), at(2020, 1, 1, 6)]
    report = infer_frequency(times)
    assert report.frequency == Frequency(1, "h")
    assert report.irregular_steps == 2 and report.gaps == ()  # 4:00 -> 4:30 -> 6:00


@pytest.mark.parametrize("times, expected", [
    ([at(2019, month, 1) for month in range(1, 13)] + [at(2020, 2, 1)], Frequency(1, "MS")),
    ([at(1749, 1, 1), at(1749, 2, 1), at(1749, 3, 1)], Frequency(1, "MS")),
    ([at(2019, month, 1) for month in (1, 4, 7, 10)], Frequency(3, "MS")),
    ([at(year, 1, 1) for year in (2000, 2001, 2002, 2004)], Frequency(1, "Y")),
    ([at(2020, 1, day) for day in (1, 8, 15, 22)], Frequency(1, "W")),
    ([at(2020, 1, day) for day in range(1, 10)], Frequency(1, "D")),
    ([at(2020, 1, 1, 0, minute) for minute in (0, 15, 30, 45)], Frequency(15, "min")),
], ids=["monthly-with-gap", "before-1970", "quarterly", "yearly-with-gap", "weekly", "daily", "15min"])
def test_infer_frequency_recognises_each_unit(times, expected):
    assert infer_frequency(times).frequency == expected


def test_a_monthly_gap_counts_calendar_months():
    times = [at(2019, month, 1) for month in range(1, 13)] + [at(2020, 3, 1)]
    assert infer_frequency(times).gaps == ((at(2019, 12, 1), 2),)


def test_infer_frequency_needs_two_times_and_whole_minutes():
    with pytest.raises(ValueError, match="from 1 distinct timestamp"):
        infer_frequency([at(2020, 1, 1), at(2020, 1, 1)])
    with pytest.raises(ValueError, match="30 seconds, is not a whole number of minutes; set data.frequency"):
        infer_frequency([0, 30, 60, 90])
