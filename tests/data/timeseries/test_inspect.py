"""Profiling a CSV for ``rnnpipe init``: dialect, column roles, missing markers, the time and its frequency."""

import codecs
import gzip

import pytest

from data.errors import DataError
from data.timeseries.inspect import describe_column, profile_csv


def write(tmp_path, text: str, name: str = "series.csv", encoding: str = "utf-8", bom: bool = False):
    path = tmp_path / name
    path.write_bytes((codecs.BOM_UTF8 if bom else b"") + text.encode(encoding))
    return path


def roles(profile) -> dict:
    return {column.name: column.role for column in profile.columns}


def test_semicolons_a_bom_markers_a_category_a_constant_and_a_row_number(tmp_path):
    days = [n for n in range(20) if n != 10]  # 2021-03-11 is missing
    rows = [f"{row + 1};2021-03-{n + 1:02d};{'NA' if n in (2, 5) else 10 + n};{'N/A' if n == 7 else n * 0.5};"
            f"{'north' if n % 2 else 'south'};7;x{n}" for row, n in enumerate(days)]
    path = write(tmp_path, "No;Date;sales;price;region;site;note\n" + "\n".join(rows) + "\n", bom=True)
    profile = profile_csv(str(path))
    assert (profile.delimiter, profile.encoding, profile.rows, profile.ragged_rows) == (";", "utf-8", 19, 0)
    assert profile.header[0] == "No"  # the byte-order mark is not part of the first name
    assert roles(profile) == {"No": "index", "Date": "timestamp", "sales": "numeric", "price": "numeric",
                              "region": "categorical", "site": "constant", "note": "text"}
    sales, price, region = (profile.columns[index] for index in (2, 3, 4))
    assert sales.missing == {"NA": 2} and sales.present == 17 and (sales.minimum, sales.maximum) == (10, 29)
    assert price.missing == {"N/A": 1}
    assert region.categories == ("north", "south")
    assert profile.missing_markers == {"NA": 2, "N/A": 1}
    time = profile.time
    assert (time.columns, time.form, time.frequency, time.season) == (("Date",), "iso-date", "1D", 7)
    assert (time.gaps, time.missing_steps, time.irregular_steps, time.duplicates) == (1, 1, 0, 0)
    assert time.first.startswith("2021-03-01") and time.last.startswith("2021-03-20")
    assert describe_column(sales) == "sales: numeric (17 present; missing 'NA' x2; 10 .. 29)"


def test_many_distinct_texts_are_free_text_not_categories(tmp_path):
    rows = [f"2021-01-01T{n // 60:02d}:{n % 60:02d}:00,{n},word{n}" for n in range(120)]
    profile = profile_csv(str(write(tmp_path, "time,value,comment\n" + "\n".join(rows) + "\n")))
    assert roles(profile) == {"time": "timestamp", "value": "numeric", "comment": "text"}
    assert (profile.time.form, profile.time.frequency, profile.time.season) == ("iso-datetime", "1min", 1440)


def test_year_month_day_hour_columns_make_one_time(tmp_path):
    rows = [f"2010,1,{1 + n // 24},{n % 24},{n * 1.5},NW" for n in range(48)]
    profile = profile_csv(str(write(tmp_path, "year,month,day,hour,pm,wind\n" + "\n".join(rows) + "\n")))
    assert profile.time.columns == ("year", "month", "day", "hour")
    assert (profile.time.frequency, profile.time.season, profile.time.gaps) == ("1h", 24, 0)
    assert roles(profile) == {"year": "timestamp", "month": "timestamp", "day": "timestamp", "hour": "timestamp",
                              "pm": "numeric", "wind": "constant"}


def test_a_date_column_is_the_time_before_year_and_month_columns_beside_it(tmp_path):
    rows = [f"2010-01-{1 + n:02d},2010,1,{n * 1.5}" for n in range(28)]
    profile = profile_csv(str(write(tmp_path, "date,year,month,pm\n" + "\n".join(rows) + "\n")))
    assert (profile.time.columns, profile.time.frequency) == (("date",), "1D")


def test_quoted_months_in_a_gzipped_file_are_monthly(tmp_path):
    text = '"Month","Passengers"\n' + "\n".join(f'"19{49 + n // 12}-{n % 12 + 1:02d}",{100 + n}' for n in range(36))
    path = tmp_path / "airline.csv.gz"
    path.write_bytes(gzip.compress(text.encode()))
    profile = profile_csv(str(path))
    assert (profile.time.columns, profile.time.form, profile.time.frequency) == (("Month",), "year-month", "1MS")
    assert profile.time.season == 12 and profile.rows == 36 and roles(profile)["Passengers"] == "numeric"


def test_plain_numbers_are_a_time_only_under_a_time_like_name(tmp_path):
    rows = [f"{1_600_000_000 + 3600 * n},{20 + n % 5},{n}" for n in range(30)]
    numbers = write(tmp_path, "temp,other\n" + "\n".join(f"{1_600_000_000 + n},{n % 7}" for n in range(30)))
    with pytest.raises(DataError, match="no time-like column"):
        profile_csv(str(numbers))
    stamped = profile_csv(str(write(tmp_path, "timestamp,temp,n\n" + "\n".join(rows) + "\n", name="unix.csv")))
    assert (stamped.time.columns, stamped.time.form, stamped.time.frequency) == (("timestamp",), "unix-seconds", "1h")
    assert roles(stamped)["temp"] == "numeric"


def test_a_file_without_a_time_like_column_names_the_file_and_its_columns(tmp_path):
    path = write(tmp_path, "city,temp,count\n" + "\n".join(f"c{n % 3},{n * 0.5},{n}" for n in range(10)) + "\n")
    with pytest.raises(DataError, match=r"series\.csv: no time-like column among \['city', 'temp', 'count'\]"):
        profile_csv(str(path))


def test_malformed_cells_and_ragged_rows_are_counted_and_cp1252_is_read(tmp_path):
    rows = [f"2020-01-{n + 1:02d},{'abc' if n == 4 else n},caf\u00e9" for n in range(25)] + ["2020-02-01,1"]
    profile = profile_csv(str(write(tmp_path, "date,value,place\n" + "\n".join(rows) + "\n", encoding="cp1252")))
    assert (profile.encoding, profile.rows, profile.ragged_rows) == ("cp1252", 26, 1)
    value = profile.columns[1]
    assert (value.role, value.malformed, value.present) == ("numeric", 1, 25)
    assert profile.columns[2].categories == ("caf\u00e9",) and profile.columns[2].role == "constant"


@pytest.mark.parametrize("text, message", [
    ("", "file is empty, expected a CSV header"),
    ("date,value\n", "no data row below the header ['date', 'value']"),
    ("date,value\n2020-01-01,1\n", "cannot infer a frequency from 1 distinct timestamp"),
])
def test_files_that_cannot_be_profiled_say_why(tmp_path, text, message):
    with pytest.raises(DataError, match=message.replace("[", r"\[").replace("]", r"\]")):
        profile_csv(str(write(tmp_path, text)))


@pytest.mark.parametrize("dates, pattern, frequency", [
    ([f"{day:02d}/03/2021" for day in range(1, 29)], "%d/%m/%Y", "1D"),  # day first, as days past 12 show
    ([f"03/{day:02d}/2021 06:30" for day in range(1, 29)], "%m/%d/%Y %H:%M", "1D"),
    ([f"{hour // 24 + 1:02d}.01.2021 {hour % 24:02d}:00" for hour in range(48)], "%d.%m.%Y %H:%M", "1h"),
])
def test_a_date_no_common_form_reads_gets_the_strptime_pattern_that_reads_it(tmp_path, dates, pattern, frequency):
    rows = [f"{date},{n}.5" for n, date in enumerate(dates)]
    profile = profile_csv(str(write(tmp_path, "when,value\n" + "\n".join(rows) + "\n")))
    time = profile.time
    assert (time.columns, time.form, time.pattern, time.frequency) == (("when",), "strptime", pattern, frequency)
    assert time.unparsable == 0 and time.gaps == 0
