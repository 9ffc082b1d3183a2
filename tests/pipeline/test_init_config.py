"""``rnnpipe init timeseries CSV --output CONFIG.yaml``: the config written loads, fits the data, and runs."""

import json

import pytest

from pipeline.cli import main
from pipeline.config import load_config
from pipeline.errors import UsageError
from pipeline.init_config import choose_window, init_config
from tests.conftest import REPO, last_json, rnnpipe

SHARED_SERIES = ("airline-passengers.csv", "daily-min-temperatures.csv", "daily-total-female-births.csv",
                 "pollution.csv", "ETTh2.csv")


def write_hourly(path, hours: int = 24 * 14):
    """An hourly CSV spread over year/month/day/hour, with a row number, a category, a constant and NA cells."""
    lines = ["No,year,month,day,hour,load,temp,wind,station"]
    for n in range(hours):
        load = "NA" if n % 50 == 3 else f"{100 + (n % 24) * 2.5 + n * 0.01:.2f}"
        lines.append(f"{n + 1},2021,3,{1 + n // 24},{n % 24},{load},{n % 7 - 3},{'NW' if n % 3 else 'SE'},S1")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_the_config_written_loads_and_says_what_was_found(tmp_path):
    csv = write_hourly(tmp_path / "meter.csv")
    result = init_config("timeseries", csv, tmp_path / "meter.yaml")
    cfg = load_config(tmp_path / "meter.yaml")
    data = cfg.data
    assert (cfg.name, cfg.kind, data.path) == ("meter", "timeseries", "meter.csv")
    assert data.timestamp_columns == ("year", "month", "day", "hour") and data.timestamp_format == ""
    assert (data.frequency, data.season, data.window, data.horizon) == ("1h", 24, 56, 1)  # 336 rows / 6
    assert data.value_columns == ("load", "temp") and data.target == "load"
    assert data.categorical_columns == ("wind",) and "NA" in data.missing_values
    text = (tmp_path / "meter.yaml").read_text(encoding="utf-8")
    assert "left out: No (index), station (constant)" in text and "'NA' x7" in text
    report = result.describe()
    for fact in ("336 rows", "time: year, month, day, hour", "frequency: 1h (season 24 steps)",
                 "missing markers: 'NA' x7", "No: index", "station: constant", "wind: categorical",
                 f"wrote {tmp_path / 'meter.yaml'}: target load"):
        assert fact in report, report
    assert json.loads(json.dumps(result.summary()))["config"]["window"] == 56
    assert sorted(path.name for path in tmp_path.iterdir()) == ["meter.csv", "meter.yaml"]  # no temporary left


def test_a_target_is_chosen_with_its_option_and_must_be_numeric(tmp_path):
    csv = write_hourly(tmp_path / "meter.csv")
    init_config("timeseries", csv, tmp_path / "by_temp.yaml", target="temp", name="by-temp")
    cfg = load_config(tmp_path / "by_temp.yaml")
    assert cfg.data.value_columns == ("temp", "load") and cfg.name == "by-temp"
    with pytest.raises(UsageError, match=r"--target 'wind' is not a numeric column of .*meter\.csv; numeric "
                                         r"columns: \['load', 'temp'\]"):
        init_config("timeseries", csv, tmp_path / "other.yaml", target="wind")
    assert not (tmp_path / "other.yaml").exists()


def test_a_dialect_and_a_strptime_pattern_are_written_only_when_needed(tmp_path):
    rows = "".join(f"{day:02d}/01/2021;{day * 1.5};{day % 3}\n" for day in range(1, 31))
    csv = tmp_path / "shop.csv"
    csv.write_bytes(("Tag;Umsatz;K\u00fchl\n" + rows).encode("cp1252"))
    init_config("timeseries", csv, tmp_path / "shop.yaml")
    data = load_config(tmp_path / "shop.yaml").data
    assert (data.timestamp_column, data.timestamp_format, data.delimiter, data.encoding) == (
        "Tag", "%d/%m/%Y", ";", "cp1252")
    assert (data.frequency, data.value_columns, data.window) == ("1D", ("Umsatz", "K\u00fchl"), 5)
    plain = load_config(init_config("timeseries", write_hourly(tmp_path / "m.csv"), tmp_path / "m.yaml").output)
    assert (plain.data.timestamp_format, plain.data.delimiter, plain.data.encoding) == ("", ",", "utf-8")


def test_init_never_overwrites_a_config(tmp_path):
    csv = write_hourly(tmp_path / "meter.csv")
    existing = tmp_path / "meter.yaml"
    existing.write_text("mine\n", encoding="utf-8")
    with pytest.raises(UsageError, match=f"--output {existing} already exists; init never overwrites"):
        init_config("timeseries", csv, existing)
    assert existing.read_text(encoding="utf-8") == "mine\n"
    with pytest.raises(UsageError, match="folder .*nowhere does not exist"):
        init_config("timeseries", csv, tmp_path / "nowhere" / "x.yaml")


@pytest.mark.parametrize("season, rows, window", [(24, 43824, 72), (12, 144, 24), (7, 365, 21), (1, 50, 8),
                                                  (96, 100_000, 288), (52, 40, 6), (24, 3, 1)])
def test_the_window_is_a_few_seasons_that_fit_the_series(season, rows, window):
    assert choose_window(season, rows) == window


def test_the_command_reports_refuses_and_exits_with_the_documented_codes(tmp_path, capsys):
    csv = write_hourly(tmp_path / "meter.csv")
    output = tmp_path / "meter.yaml"
    assert main(["init", "timeseries", str(csv), "--output", str(output), "--json"]) == 0
    summary = last_json(capsys.readouterr().out)
    assert summary["status"] == "written" and summary["profile"]["time"]["frequency"] == "1h"
    assert main(["init", "timeseries", str(csv), "--output", str(output)]) == 2
    assert f"--output {output} already exists" in capsys.readouterr().err
    flat = tmp_path / "flat.csv"
    flat.write_text("name,score\n" + "".join(f"n{k},{k}\n" for k in range(10)), encoding="utf-8")
    assert main(["init", "timeseries", str(flat), "--output", str(tmp_path / "flat.yaml")]) == 3
    assert f"{flat}: no time-like column among ['name', 'score']" in capsys.readouterr().err
    assert not (tmp_path / "flat.yaml").exists()


@pytest.mark.real_data
@pytest.mark.parametrize("name", SHARED_SERIES)
def test_init_on_each_shared_series_writes_a_config_that_loads(shared_datasets, tmp_path, name):
    result = init_config("timeseries", shared_datasets / "timeseries" / name, tmp_path / "config.yaml")
    cfg = load_config(tmp_path / "config.yaml")
    assert cfg.data.path == name and cfg.data.frequency == result.profile.time.frequency
    assert cfg.data.window + cfg.data.horizon < result.profile.rows
    expected = {"airline-passengers.csv": ("Month", "1MS", 12), "pollution.csv": ("year", "1h", 24),
                "daily-min-temperatures.csv": ("Date", "1D", 7), "ETTh2.csv": ("date", "1h", 24),
                "daily-total-female-births.csv": ("Date", "1D", 7)}[name]
    time = result.profile.time
    assert (time.columns[0], time.frequency, cfg.data.season) == expected


@pytest.mark.real_data
def test_the_shipped_pollution_config_is_the_one_init_writes(shared_datasets, tmp_path):
    init_config("timeseries", shared_datasets / "timeseries" / "pollution.csv", tmp_path / "pollution.yaml")
    shipped = load_config(REPO / "pipeline" / "configs" / "pollution.yaml")
    assert shipped.data == load_config(tmp_path / "pollution.yaml").data
    assert shipped.data.value_columns[0] == "pm2.5" and shipped.data.categorical_columns == ("cbwd",)


@pytest.mark.real_data
@pytest.mark.parametrize("name, options", [
    ("pollution.csv", ("--set", "data.max_examples=3000")),
    ("airline-passengers.csv", ()),
])
def test_a_generated_config_runs_on_the_shared_series(shared_datasets, tmp_path, name, options):
    config = tmp_path / "config.yaml"
    made = rnnpipe("init", "timeseries", str(shared_datasets / "timeseries" / name), "--output", str(config))
    assert made.returncode == 0, made.stderr[-3000:]
    result = rnnpipe("run", str(config), "--root", str(tmp_path / "root"), "--data-dir",
                     str(shared_datasets / "timeseries"), "--set", "trainer.epochs=1", *options, "--json",
                     timeout=900)
    assert result.returncode in (0, 4), result.stderr[-3000:]  # 4: one epoch may not beat the baselines
    summary = last_json(result.stdout)
    assert summary["executed"] == ["example_gen", "statistics", "transform", "trainer", "evaluator", "exporter"]
    assert summary["metrics"]["rmse"] > 0
