"""Tests for the data-side bounds of the window geometry: series lengths, splits and memory."""

import pytest

from data.errors import DataError
from data.machine import available_memory_bytes
from data.timeseries.bounds import check_window_fits, memory_limit, window_counts, windows_memory
from data.timeseries.read import check_input
from tests.conftest import write_series_csv
from tests.data.timeseries.common import config

PLENTY = 1 << 50  # bytes: more memory than any window here needs


def test_window_counts_match_the_windows_built():
    from data.timeseries.windows import build_windows

    for n_rows, window, stride in ((100, 5, 1), (100, 5, 3), (8, 10, 1), (30, 29, 2), (2, 3, 1)):
        rows = [(day * 86400, (float(day),)) for day in range(n_rows)]
        cfg = config(window=window, stride=stride)
        built = [split for split, _ in build_windows(rows, cfg, "s")]
        assert window_counts(n_rows, cfg) == {split: built.count(split) for split in ("train", "eval", "test")}


def test_a_window_longer_than_every_series_names_the_key_the_file_and_the_limit():
    with pytest.raises(DataError, match=r"data.window=100000 \+ data.horizon=1 = 100001 rows is longer than the "
                                        r"longest series, b.csv, with 60 usable rows; data.window must be at most "
                                        r"59"):
        check_window_fits({"a.csv": 30, "b.csv": 60}, config(window=100_000), PLENTY)


def test_a_horizon_longer_than_every_series_names_data_horizon():
    with pytest.raises(DataError, match=r"data.horizon=10 needs at least 11 rows .* b.csv, has 5 usable rows; "
                                        r"data.horizon must be at most 4"):
        check_window_fits({"b.csv": 5}, config(window=2, horizon=10), PLENTY)


def test_a_split_without_any_window_is_named_before_work_starts():
    with pytest.raises(DataError, match=r"data.window=50 leaves the train split no window: .*a.csv \(60 usable rows\)"
                                        r".* lower data.window or raise data.split.train"):
        check_window_fits({"a.csv": 60}, config(window=50), PLENTY)


def test_windows_that_fit_the_series_and_memory_pass():
    check_window_fits({"a.csv": 60, "short.csv": 5}, config(window=20), PLENTY)  # the short one is padded
    check_window_fits({}, config(window=20), PLENTY)  # no usable rows: the error budget speaks later
    check_window_fits({"a.csv": 60}, config(window=20), None)  # memory unknown: only the lengths


def test_windows_over_the_available_memory_name_data_window_and_a_limit_that_fits():
    cfg = config(window=50_000)
    lengths = {"long.csv": 100_000}
    available = 1 << 30
    assert windows_memory(lengths, cfg) > available
    with pytest.raises(DataError, match=r"data.window=50000: the 50000 windows of long.csv would take about "
                                        r"[0-9.]+ GB of memory, more than the 1.1 GB available; data.window must "
                                        r"be at most (\d+) here") as raised:
        check_window_fits(lengths, cfg, available)
    limit = int(str(raised.value).rsplit("at most ", 1)[1].split()[0])
    assert limit == memory_limit(lengths, cfg, available)  # the limit the message names is the computed one
    assert windows_memory(lengths, config(window=limit)) <= available  # and it really fits
    check_window_fits(lengths, config(window=limit), available)


def test_available_memory_is_read_from_the_machine():
    available = available_memory_bytes()
    assert available is None or available > 1 << 20


def test_check_input_bounds_the_window_against_the_csv_before_any_beam_work(tmp_path):
    csv = write_series_csv(tmp_path / "s.csv", n_days=60, bad_lines=("2000-01-05,0.5", "2001-01-01,x"))
    cfg = config(path=str(csv), timestamp_column="date", value_columns=("value",), window=100_000_000)
    with pytest.raises(DataError, match=r"data.window=100000000 \+ data.horizon=1 = 100000001 rows is longer than "
                                        rf"the longest series, {csv}, with 60 usable rows"):
        check_input(cfg)
    check_input(config(path=str(csv), timestamp_column="date", value_columns=("value",), window=20))


def test_check_input_names_a_binary_file(tmp_path):
    (tmp_path / "s.csv").write_bytes(b"PK\x03\x04\x14\0\0\0" + bytes(range(256)) * 100)
    with pytest.raises(DataError, match=rf"{tmp_path}/s.csv: not a CSV text file: NUL byte at offset 5"):
        check_input(config(path=str(tmp_path / "s.csv")))


@pytest.mark.parametrize("damage", ["truncated", "corrupt"])
def test_check_input_refuses_a_damaged_gzip_csv_naming_it(tmp_path, damage):
    import gzip

    raw = gzip.compress(write_series_csv(tmp_path / "s.csv", n_days=3000).read_bytes())
    if damage == "truncated":
        raw = raw[:len(raw) // 2]
    else:
        raw = raw[:int(len(raw) * 0.9)] + b"\xff" * 16 + raw[int(len(raw) * 0.9) + 16:]
    (tmp_path / "s.csv.gz").write_bytes(raw)
    with pytest.raises(DataError, match=rf"{tmp_path}/s.csv.gz: corrupt or unreadable gzip file: "):
        check_input(config(path=str(tmp_path / "s.csv.gz"), timestamp_column="date", value_columns=("value",)))


def test_a_whole_gzip_csv_is_read_as_beam_reads_it(tmp_path):
    import gzip

    from data.timeseries.read import usable_rows

    (tmp_path / "s.csv.gz").write_bytes(gzip.compress(write_series_csv(tmp_path / "s.csv", n_days=90).read_bytes()))
    cfg = config(path=str(tmp_path / "s.csv.gz"), timestamp_column="date", value_columns=("value",))
    check_input(cfg)
    assert usable_rows(cfg.path, cfg) == 90


def kept_after(values, **overrides):
    """The window series of a daily series of ``values`` (NaN = missing) under ``config(**overrides)``."""
    from data.timeseries.parsing import Row
    from data.timeseries.windows import window_series

    rows = [Row(day * 86400, (value,), (), day + 2) for day, value in enumerate(values)]
    return window_series(rows, config(**overrides), "s.csv")


def test_a_series_shorter_than_window_and_horizon_after_dropping_names_the_file_and_the_keys():
    from data.timeseries.bounds import check_windows_kept

    values = [1.0 if day % 4 else float("nan") for day in range(60)]  # a missing value every 4 days
    series = {"s.csv": kept_after(values, window=5, missing="drop")}
    with pytest.raises(DataError, match=r"^s.csv: the series is shorter than data.window \+ data.horizon = 5 \+ 1 = "
                                        r"6 steps after data.missing=drop dropped the windows that touch a missing "
                                        r"value: its longest stretch without one is 3 steps \(15 missing values, "
                                        r"0 missing steps; 55 windows dropped, none left for train\); lower "
                                        r"data.window, or set data.missing=interpolate"):
        check_windows_kept(series, config(window=5, missing="drop"))
    check_windows_kept({"s.csv": kept_after(values, window=5)}, config(window=5))  # interpolate fills them


def test_a_required_split_whose_windows_all_touch_a_long_gap_is_named():
    from data.timeseries.bounds import check_windows_kept

    values = [1.0] * 60
    values[44:] = [float("nan")] * 16  # the whole test part, longer than data.max_gap
    with pytest.raises(DataError, match=r"^s.csv: after data.missing=interpolate \(data.max_gap=3\) dropped the "
                                        r"windows that touch a missing value, the test split has none: .* none left "
                                        r"for test\); lower data.window or raise data.max_gap"):
        check_windows_kept({"s.csv": kept_after(values, window=5)}, config(window=5))
