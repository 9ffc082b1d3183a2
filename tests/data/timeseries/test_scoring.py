"""Tests for the time-series batch-scoring input: rolling windows of a CSV series."""

import numpy as np

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


def scored(lines, **overrides):
    """``(ok windows by id, dead-letter reasons)`` of scoring a CSV of ``lines`` under a window of 3."""
    from data.timeseries.scoring import scoring_windows

    cfg = TimeseriesData(**{"path": "x.csv", "timestamp_column": "day", "value_columns": ("v",), "window": 3,
                            **overrides})
    items = list(scoring_windows("x.csv", "\n".join(["day,v", *lines]).encode(), cfg))
    return ({item[0]: item[1] for status, item in items if status == "ok"},
            [item["reason"] for status, item in items if status == "dead"])


def at(day: int) -> str:
    return f"x.csv@2024-01-{day:02d}T00:00:00+00:00"


def test_scoring_interpolates_missing_values_and_missing_steps_as_training_does():
    lines = [f"2024-01-{d:02d},{'NA' if d == 3 else d}" for d in range(1, 8) if d != 5]  # day 5 absent
    ok, dead = scored(lines)
    assert dead == [] and list(ok) == [at(day) for day in range(3, 8)]
    # A filled value goes to the model as NaN: serving_raw fills it and marks it as training did.
    history = np.array(ok[at(5)]["history"])
    assert np.isnan(history[[0, 2], 0]).all() and history[1, 0] == 4.0
    assert np.isnan(ok[at(7)]["history"][0][0]) and ok[at(7)]["history"][1:] == [[6.0], [7.0]]
    assert ok[at(7)]["categories"] == [[], [], []]


def test_scoring_with_drop_dead_letters_each_window_that_touches_a_missing_value():
    lines = [f"2024-01-{d:02d},{'NA' if d == 4 else d}" for d in range(1, 9)]
    ok, dead = scored(lines, missing="drop")
    assert list(ok) == [at(3), at(7), at(8)]
    assert dead == ["the window touches a missing value (data.missing=drop)"] * 3


def test_scoring_with_fail_dead_letters_the_stretch_naming_the_line_and_column():
    lines = [f"2024-01-{d:02d},{'NA' if d == 4 else d}" for d in range(1, 9)]
    ok, dead = scored(lines, missing="fail")
    assert ok == {} and dead == ["x.csv: line 5 (2024-01-04T00:00:00+00:00): missing value in column 'v' "
                                 "(data.missing=fail); set data.missing to drop or interpolate to keep going"]


def test_scoring_tensors_pass_categories_per_step_when_the_signature_takes_them():
    from data.timeseries.scoring import scoring_tensors

    batch = [{"history": [[1.0], [np.nan]], "timestamps": [0, 1], "categories": [["a"], [""]]}]
    tensors = scoring_tensors(batch, ("history", "categories"))
    assert np.isnan(tensors["history"].numpy()[0, 1]) and tensors["history"].shape == (1, 2)
    assert tensors["categories"].numpy().tolist() == [[b"a", b""]]
    assert set(scoring_tensors(batch, ("history",))) == {"history"}
    two = [{"history": [[1.0], [2.0]], "timestamps": [0, 1], "categories": [["a", "x"], ["b", "y"]]}]
    assert scoring_tensors(two, ("history", "categories"))["categories"].shape == (1, 2, 2)  # [n, window, columns]
