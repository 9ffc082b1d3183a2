"""benchmarks/README.md's results section is what benchmarks/report.py renders from results/*.json."""

import json

from tests.benchmarks.conftest import load_benchmark_module

report = load_benchmark_module("report")


def test_the_readme_results_match_the_result_files():
    assert report.current_section() == report.render(), "benchmarks/README.md is stale: run python benchmarks/report.py"


def test_every_result_file_names_its_date_and_command():
    for path in sorted(report.RESULTS_DIR.glob("*.json")):
        record = json.loads(path.read_text(encoding="utf-8"))
        assert path.stem in report.HEADLINES, f"{path.name}: no benchmark of that name"
        assert record.get("date") and record.get("command"), f"{path.name} lacks its date or command"


def test_a_missing_result_says_not_yet_run_and_a_present_one_shows_its_figures(tmp_path):
    (tmp_path / "noop.json").write_text(json.dumps({"date": "2026-12-01T16:00:00+00:00", "command": "python x.py",
                                                    "cpus": 2, "ratio": 0.03, "noop_executed": []}))
    section = report.render(tmp_path)
    assert "### mnist\n\nNot yet run on this layout." in section
    assert "`python x.py`, 2026-12-01T16:00:00+00:00, 2 CPUs" in section
    assert "| ratio (target: at most 0.10) | 0.03 |" in section and "| components the rerun executed | none |" in section
    assert "| version the rerun pushed | - |" in section
