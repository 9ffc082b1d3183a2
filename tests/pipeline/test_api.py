"""The Python API: run_pipeline on tiny data returns a typed, frozen summary; the other entry points."""

import dataclasses

import pytest

from pipeline.api import RunSummary, collect_garbage, get_run, list_runs, run_pipeline
from pipeline.config import ConfigError, bundled_config, load_config
from pipeline.errors import RunLookupError, UsageError
from tests.conftest import write_series_csv

DEMO = bundled_config("demo")


@pytest.fixture()
def series(tmp_path):
    """A data dir with a tiny daily series as the demo config's ``sine.csv``."""
    (tmp_path / "data").mkdir()
    write_series_csv(tmp_path / "data" / "sine.csv", n_days=200)
    return tmp_path / "data"


@pytest.mark.slow
def test_run_pipeline_returns_a_frozen_typed_summary_recorded_in_the_run_store(tmp_path, series):
    root = tmp_path / "root"
    summary = run_pipeline(DEMO, root, data_dir=series, until="statistics")
    assert isinstance(summary, RunSummary)
    assert summary.executed == ("example_gen", "statistics") and summary.cached == ()
    assert summary.until == "statistics" and not summary.not_blessed  # stopped before blessing mattered
    assert summary.validation["schema_stored"] is True and summary.evaluation_dir is None
    assert set(summary.component_seconds) == {"example_gen", "statistics"}
    with pytest.raises(dataclasses.FrozenInstanceError):
        summary.blessed = True
    recorded = get_run(root, summary.run_id)
    assert recorded["status"] == "complete"
    assert [run["id"] for run in list_runs(root)] == [summary.run_id]
    assert "until" not in summary.to_dict() and summary.to_dict()["executed"] == ["example_gen", "statistics"]

    again = run_pipeline(load_config(DEMO), root, data_dir=series, until="statistics")  # a loaded config
    assert again.executed == () and again.cached == ("example_gen", "statistics")


@pytest.mark.slow
def test_the_whole_dag_from_python_blesses_and_pushes(tmp_path, series):
    summary = run_pipeline(DEMO, tmp_path / "root", data_dir=series, sets=["trainer.epochs=2"])
    assert summary.executed[-1] == "exporter" and summary.pushed_version == 1
    assert summary.blessed is True and not summary.not_blessed
    assert summary.metrics["rmse"] > 0 and summary.model_path.endswith("/serving/sine/1")


def test_a_bad_config_raises_before_anything_is_written(tmp_path, series):
    with pytest.raises(ConfigError, match="unknown key 'trainer.epoch'"):
        run_pipeline(DEMO, tmp_path / "root", data_dir=series, sets=["trainer.epoch=1"])
    with pytest.raises(ConfigError, match="--until 'nope'"):
        run_pipeline(DEMO, tmp_path / "root", data_dir=series, until="nope")
    with pytest.raises(TypeError, match="sets apply to a config file"):
        run_pipeline(load_config(DEMO), tmp_path / "root", sets=["trainer.epochs=1"])
    assert not (tmp_path / "root").exists()


def test_root_entry_points_name_a_missing_root(tmp_path):
    with pytest.raises(RunLookupError, match="no run store at"):
        list_runs(tmp_path)
    with pytest.raises(UsageError, match="is not a pipeline root"):
        collect_garbage(tmp_path)
