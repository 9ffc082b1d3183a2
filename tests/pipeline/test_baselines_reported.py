"""The evaluator's reference forecasts reach the JSON summary, ``rnnpipe runs show``, the printed
summary and the HTML report; a kind without them records none."""

import json
from pathlib import Path

from pipeline.cli.output import baseline_lines
from pipeline.summary import RunSummary
from tests.conftest import rnnpipe

NAMES = ("persistence", "seasonal_naive", "linear")


def test_the_demo_reports_each_baseline_everywhere(demo_run):
    root, summary = demo_run
    baselines = summary["baselines"]
    for name in NAMES:
        assert set(baselines[name]) == {"rmse", "mae"}
        assert summary["metrics"][f"{name}_rmse"] == baselines[name]["rmse"]
    best = baselines["best_baseline"]
    assert summary["metrics"]["rmse_vs_best_baseline"] == summary["metrics"]["rmse"] / baselines[best]["rmse"]
    assert baselines["season"] == 7 and baselines["season_source"] == "frequency 1D"  # daily demo
    assert list(baselines["series"]) == ["sine.csv"]
    metrics_file = json.loads((Path(summary["evaluation_dir"]) / "metrics.json").read_text())
    assert metrics_file["baselines"] == baselines
    page = (Path(summary["evaluation_dir"]) / "report.html").read_text()
    assert "<h2>Reference forecasts</h2>" in page and all(f"<td>{name}</td>" in page for name in NAMES)
    shown = rnnpipe("runs", "show", summary["run_id"], "--root", str(root))
    assert shown.returncode == 0, shown.stderr[-2000:]
    line = next(line for line in shown.stdout.splitlines() if line.strip().startswith("baselines:"))
    assert f"linear rmse={baselines['linear']['rmse']:.4g}" in line and f"model/best ({best})" in line


def test_lines_name_an_unavailable_baseline_with_its_reason_and_each_series():
    section = {"model": {"rmse": 1.0, "mae": 0.8}, "persistence": {"rmse": 2.0, "mae": 1.5},
               "seasonal_naive": {"unavailable": "the window (3 steps) is shorter than the season (7 steps)"},
               "best_baseline": "persistence", "rmse_vs_best_baseline": 0.5}
    lines = baseline_lines({**section, "series": {"a.csv": section, "b.csv": section}})
    assert lines[0] == ("baselines: persistence rmse=2 mae=1.5; seasonal_naive unavailable (the window (3 steps) "
                        "is shorter than the season (7 steps)); model/best (persistence) rmse 0.5")
    assert [line.split(":")[0] for line in lines[1:]] == ["  series a.csv", "  series b.csv"]
    assert baseline_lines({**section, "series": {"a.csv": section}}) == lines[:1]  # one series: no repeat
    assert baseline_lines(None) == []


def test_a_summary_without_baselines_does_not_record_the_key():
    fields = dict(status="complete", run_id="r1", pipeline="p", cached=(), executed=(), metrics={}, blessed=True,
                  reasons=(), pushed_version=None, model_version=None, model_path=None, serving_dir="s",
                  evaluation_dir=None, seconds=1.0, component_seconds={})
    assert "baselines" not in RunSummary(**fields).to_dict()
    assert RunSummary(**fields, baselines={"best_baseline": "linear"}).to_dict()["baselines"] == {
        "best_baseline": "linear"}
