"""Tests for the time-series CSV parsing: rows, dead letters, columns and timestamps."""

import pytest

from data.errors import DataError
from data.timeseries.parsing import Row, parse_csv, parse_timestamp
from tests.data.timeseries.common import CSV, config


def test_parse_csv_sends_each_bad_row_to_dead_letters_with_line_and_reason():
    parsed = list(parse_csv(CSV, config(missing_values=()), "temps.csv"))  # no missing markers
    rows = [item for kind, item in parsed if kind == "row"]
    dead = {item["line"]: item["reason"] for kind, item in parsed if kind == "dead"}
    assert [row.values for row in rows] == [(20.7,), (17.9,), (14.6,)]
    assert dead[4] == "missing value in column 'Temp'"
    assert dead[5] == "non-numeric value 'abc' in column 'Temp'"
    assert "non-finite" in dead[6]
    assert "unparsable timestamp 'not-a-date'" in dead[7]
    assert "expected 3 columns, found 2" in dead[8]


def test_parse_csv_reads_any_named_columns():
    parsed = list(parse_csv(CSV, config(value_columns=("Other", "Temp")), "temps.csv"))
    rows = [item for kind, item in parsed if kind == "row"]
    assert rows[0] == Row(parse_timestamp("1981-01-01"), (1.0, 20.7), (), 2)


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


def test_one_bad_byte_drops_only_its_line_to_the_dead_letters():
    from data.timeseries.parsing import parse_csv_bytes

    raw = "Date,Temp\n1981-01-01,20.7\n1981-01-02,caf\xe9\n1981-01-03,14.6\n".encode("latin-1")
    parsed = list(parse_csv_bytes(raw, config(), "temps.csv"))
    assert [item[1] for kind, item in parsed if kind == "row"] == [(20.7,), (14.6,)]
    (letter,) = [item for kind, item in parsed if kind == "dead"]
    assert letter["source"] == "temps.csv" and letter["line"] == 3
    assert letter["reason"].startswith("not UTF-8: 'utf-8' codec can't decode byte 0xe9")
    assert [kind for kind, _ in parsed] == ["row", "dead", "row"]  # in file order: scoring breaks stretches there


def test_rows_carry_their_line_numbers():
    parsed = list(parse_csv(CSV, config(missing_values=()), "temps.csv"))
    assert [item.line for kind, item in parsed if kind == "row"] == [2, 3, 9]


def test_a_byte_order_mark_and_crlf_lines_are_read():
    from data.timeseries.parsing import parse_csv_bytes

    raw = "Date,Temp\r\n1981-01-01,20.7\r\n".encode("utf-8-sig")
    assert list(parse_csv_bytes(raw, config(), "temps.csv")) == [("row", Row(parse_timestamp("1981-01-01"), (20.7,), (), 2))]


def test_an_undecodable_header_is_a_data_error_naming_the_file_and_line():
    from data.timeseries.parsing import parse_csv_bytes

    with pytest.raises(DataError, match=r"temps.csv: line 1, the CSV header, is not UTF-8"):
        list(parse_csv_bytes(b"D\xe9te,Temp\n1981-01-01,1\n", config(), "temps.csv"))


@pytest.mark.parametrize("head, what", [
    (b"aclImdb/" + b"\0" * 92 + b"0000775\0" + b"\0" * 149 + b"ustar  \0" + b"\0" * 255, "a tar archive"),
    (b"PK\x03\x04\x14\0\0\0", "a zip archive (or .npz)"),
    (b"\x1f\x8b\x08\0\0\0\0\0", "gzip data"),
    ("Date,Temp\n".encode("utf-16"), "UTF-16 text"),
    (b"\x01\x02\0\x03", "binary data"),
], ids=["tar", "zip", "gzip", "utf-16", "other"])
def test_a_binary_file_is_named_plainly_and_never_quoted(head, what):
    from data.timeseries.parsing import parse_csv_bytes

    with pytest.raises(DataError) as raised:
        list(parse_csv_bytes(head + b"\n" * 5 + b"x" * 7_500_000, config(), "temps.csv"))
    message = str(raised.value)
    assert message.startswith(f"temps.csv: not a CSV text file: NUL byte at offset ") and what in message
    assert len(message) < 300


def test_messages_quote_a_bounded_prefix_of_long_values():
    long_value = "y" * 10_000
    parsed = list(parse_csv(f"Date,Temp\n1981-01-01,{long_value}\n{long_value},1\n", config(), "temps.csv"))
    reasons = [item["reason"] for _, item in parsed]
    assert reasons[0].startswith("non-numeric value 'yyyy") and "... (10000 characters)" in reasons[0]
    assert reasons[1].startswith("unparsable timestamp 'yyyy") and "... (10000 characters)" in reasons[1]
    assert all(len(reason) < 200 for reason in reasons)
    assert all(len(item["raw"]) < 300 for _, item in parsed)


def test_a_huge_header_is_quoted_in_part():
    header = ",".join(f"column{number}" for number in range(200_000))
    with pytest.raises(DataError, match=r"temps.csv: column\(s\) \['Date', 'Temp'\] not in CSV header "
                                        r"\['column0', 'column1', .*\.\.\. \(200000 columns\)") as raised:
        list(parse_csv(header + "\n", config(), "temps.csv"))
    assert len(str(raised.value)) < 500


def test_a_timestamp_of_too_many_digits_is_a_bad_row_not_a_crash():
    with pytest.raises(ValueError, match=r"unparsable timestamp '9999.*\.\.\. \(400 characters\)"):
        parse_timestamp("9" * 400)


def test_a_nul_byte_past_the_start_of_the_file_costs_one_line():
    from data.timeseries.parsing import parse_csv_bytes

    good = "".join(f"1981-01-{day:02d},{day}\n" for day in range(1, 29)) * 40  # over 8 KiB
    raw = b"Date,Temp\n" + good.encode() + b"1982-01-01,1\x002\n1982-01-02,3\n"
    bad_line = 2 + good.count("\n")
    parsed = list(parse_csv_bytes(raw, config(), "temps.csv"))
    dead = [item for kind, item in parsed if kind == "dead"]
    assert [(letter["line"], letter["reason"]) for letter in dead] == [
        (bad_line, "not CSV text: NUL byte at position 12")]
    assert parsed[-1] == ("row", Row(parse_timestamp("1982-01-02"), (3.0,), (), bad_line + 1))
