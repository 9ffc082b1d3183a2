"""Tests for the time-series batch-scoring input: rolling windows of a CSV series."""

from data.timeseries.config import TimeseriesData


def test_scoring_windows_roll_over_the_series_and_stop_at_bad_rows():
    from data.timeseries.scoring import scoring_windows

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
    from data.timeseries.scoring import scoring_windows

    cfg = TimeseriesData(path="x.csv", timestamp_column="day", value_columns=("v",), window=2)
    text = "day,v\n2024-01-01,1\n2024-01-02,2\n"
    items = list(scoring_windows("x.csv", text.encode("utf-8-sig"), cfg))
    assert [status for status, _ in items] == ["ok"] and items[0][1][1]["history"] == [[1.0], [2.0]]
