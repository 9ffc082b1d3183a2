"""The demo logged to a real MLflow tracking server (SQLite backend, a local artifact root, on
127.0.0.1), read back with the MLflow client and in headless Chromium; and the same pipeline
with the server down."""

from __future__ import annotations

import json
import math
import os

import pytest

from tests.benchmarks.conftest import load_benchmark_module
from tests.conftest import REPO, last_json, rnnpipe

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("mlflow_server")]  # one server and its runs
mlflow = pytest.importorskip("mlflow")
mlflow_ui = load_benchmark_module("mlflow_ui")


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    """A real ``mlflow server`` for this module: its URI."""
    with mlflow_ui.mlflow_server(tmp_path_factory.mktemp("mlflow_server")) as uri:
        yield uri


@pytest.fixture(scope="module")
def client(server):
    return mlflow.MlflowClient(tracking_uri=server, registry_uri=server)


def demo(root, *sets: str):
    result = rnnpipe("demo", "--root", str(root), "--json", *[arg for item in sets for arg in ("--set", item)])
    return result, (last_json(result.stdout) if result.stdout.strip() else None)


@pytest.fixture(scope="module")
def tracked(server, tmp_path_factory):
    """The demo run twice on one root, logging to the server: the second run is all cached.
    ``(root, first summary, second summary)``."""
    root = tmp_path_factory.mktemp("tracked_root")
    runs = []
    for _ in range(2):
        result, summary = demo(root, f"tracking.mlflow_uri={server}")
        assert result.returncode == 0, result.stderr[-3000:]
        runs.append(summary)
    return root, runs[0], runs[1]


def test_the_summary_names_the_mlflow_run(tracked, server, client):
    _, first, _ = tracked
    tracking = first["tracking"]
    assert tracking["error"] is None, tracking
    assert tracking["uri"] == server and tracking["experiment"] == "sine"
    assert tracking["url"] == f"{server}/#/experiments/{tracking['url'].split('/experiments/')[1].split('/')[0]}" \
                              f"/runs/{tracking['mlflow_run_id']}"
    info = client.get_run(tracking["mlflow_run_id"]).info
    assert info.status == "FINISHED" and info.run_name == first["run_id"]
    assert info.end_time - info.start_time >= first["seconds"] * 1000  # from the pipeline run's start


def test_runs_show_says_where_mlflow_has_the_run(tracked):
    root, first, _ = tracked
    shown = rnnpipe("runs", "show", first["run_id"], "--root", str(root))
    assert shown.returncode == 0, shown.stderr[-2000:]
    assert f"MLflow: {first['tracking']['url']} (experiment sine); registered sine version " in shown.stdout


def test_params_are_the_flattened_config(tracked, client):
    _, first, _ = tracked
    run = client.get_run(first["tracking"]["mlflow_run_id"])
    params = run.data.params
    assert params["trainer.epochs"] == "12"
    assert params["data.split.train"] == "0.7"
    assert params["model.units"] == "[32]"
    assert params["tracking.mlflow_uri"] == first["tracking"]["uri"]
    assert run.info.experiment_id == client.get_experiment_by_name("sine").experiment_id


def test_training_curves_have_the_epoch_as_step(tracked, client):
    root, first, _ = tracked
    history = json.loads(next(root.glob("artifacts/trainer/*/model/history.json")).read_text())
    run_id = first["tracking"]["mlflow_run_id"]
    for key, name in (("loss", "train.loss"), ("val_loss", "val.loss"), ("rmse", "train.rmse")):
        logged = sorted((metric.step, metric.value) for metric in client.get_metric_history(run_id, name))
        assert [step for step, _ in logged] == list(range(1, len(history[key]) + 1))
        assert [value for _, value in logged] == pytest.approx(history[key])


def test_evaluation_metrics_slices_and_baselines(tracked, client):
    root, first, _ = tracked
    metrics = client.get_run(first["tracking"]["mlflow_run_id"]).data.metrics
    assert metrics["rmse"] == pytest.approx(first["metrics"]["rmse"])
    assert metrics["baseline.persistence.rmse"] == pytest.approx(first["baselines"]["persistence"]["rmse"])
    report = json.loads((root / first["evaluation_dir"] / "metrics.json").read_text())
    month, figures = next(iter(report["slices"]["month"].items()))
    assert metrics[f"slice.month.{month}.rmse"] == pytest.approx(figures["rmse"])
    assert metrics["seconds.trainer"] == pytest.approx(first["component_seconds"]["trainer"])
    for component, figures in (first.get("memory") or {}).items():  # the memory figures, where the run has them
        assert metrics[f"memory.{component}.peak_rss_mb"] == pytest.approx(figures["peak_rss_mb"])


def test_tags_name_the_run_its_code_data_and_components(tracked, client):
    root, first, _ = tracked
    tags = client.get_run(first["tracking"]["mlflow_run_id"]).data.tags
    assert tags["rnnpipe.run_id"] == first["run_id"]
    assert tags["rnnpipe.executed"] == ",".join(first["executed"])
    assert tags["rnnpipe.cached"] == ""
    assert len(tags["rnnpipe.code_fingerprint"]) == 64
    card = json.loads((root / first["model_path"] / "model.json").read_text())
    assert tags["rnnpipe.data_fingerprint"] == card["data_fingerprint"]


def test_artifacts_are_the_report_plots_model_card_and_config(tracked, client, tmp_path):
    _, first, _ = tracked
    run_id = first["tracking"]["mlflow_run_id"]
    listed = {item.path for folder in ("evaluation", "training", "model", "config")
              for item in client.list_artifacts(run_id, folder)}
    assert {"evaluation/report.html", "evaluation/forecast.png", "training/learning_curve.png",
            "model/model.json", "config/config.yaml"} <= listed
    card = mlflow.artifacts.download_artifacts(run_id=run_id, artifact_path="model/model.json",
                                               dst_path=str(tmp_path), tracking_uri=first["tracking"]["uri"])
    assert json.loads(open(card).read())["run_id"] == first["run_id"]


def test_the_pushed_version_is_registered_and_production(tracked, client):
    _, first, second = tracked
    registered = first["tracking"]["registered"]
    assert registered["model"] == "sine" and registered["serving_version"] == first["pushed_version"]
    version = client.get_model_version("sine", registered["version"])
    assert version.run_id == first["tracking"]["mlflow_run_id"]
    assert version.tags["rnnpipe.serving_version"] == str(first["pushed_version"])
    production = client.get_model_version_by_alias("sine", "production")
    assert production.version == registered["version"]
    assert second["tracking"]["registered"]["version"] is None  # nothing new pushed
    assert second["tracking"]["registered"]["production"] == registered["version"]


def test_a_cached_component_logs_what_it_reused_not_a_copy(tracked, client):
    root, first, second = tracked
    assert second["executed"] == [] and second["tracking"]["error"] is None
    run = client.get_run(second["tracking"]["mlflow_run_id"])
    tags = run.data.tags
    assert tags["rnnpipe.cached"] == ",".join(second["cached"])
    assert tags["rnnpipe.reused.evaluator.evaluation"] == f"{first['evaluation_dir']} (run {first['run_id']})"
    assert tags["rnnpipe.reused.evaluator.mlflow_run"] == first["tracking"]["mlflow_run_id"]
    assert client.list_artifacts(run.info.run_id, "evaluation") == []
    assert client.list_artifacts(run.info.run_id, "model") == []
    assert [item.path for item in client.list_artifacts(run.info.run_id, "config")] == ["config/config.yaml"]


def test_the_run_page_shows_the_evaluation_metric(tracked, tmp_path):
    _, first, _ = tracked
    with mlflow_ui.headless_chromium() as driver:
        driver.get(first["tracking"]["url"])
        shown = mlflow_ui.wait_for_text(driver, first["run_id"]).splitlines()
        shown = mlflow_ui.wait_for_text(driver, "\nrmse\n").splitlines()
        driver.save_screenshot(str(tmp_path / "run_page.png"))
    assert float(shown[shown.index("rmse") + 1]) == pytest.approx(first["metrics"]["rmse"], rel=1e-6)
    assert (tmp_path / "run_page.png").stat().st_size > 10_000


def test_a_failed_run_is_logged_as_failed(server, client, tmp_path):
    result, _ = demo(tmp_path / "root", f"tracking.mlflow_uri={server}", "tracking.experiment=failing",
                     "data.value_columns=[no_such_column]")
    assert result.returncode != 0
    experiment = client.get_experiment_by_name("failing")
    (run,) = client.search_runs([experiment.experiment_id])
    assert run.info.status == "FAILED"
    assert "no_such_column" in run.data.tags["rnnpipe.error"]


def test_with_the_server_down_the_run_succeeds_and_reports_it(tracked, tmp_path):
    root, first, _ = tracked
    down = f"http://127.0.0.1:{mlflow_ui.free_port()}"  # a server stopped: nothing listens there
    result, summary = demo(root, f"tracking.mlflow_uri={down}", "tracking.timeout_seconds=5")
    assert result.returncode == 0, result.stderr[-3000:]
    assert summary["status"] == "complete" and summary["blessed"] == first["blessed"]
    assert summary["tracking"]["uri"] == down and summary["tracking"]["mlflow_run_id"] is None
    assert "127.0.0.1" in summary["tracking"]["error"] and "Connection refused" in summary["tracking"]["error"]
    assert "MLflow tracking to" in result.stderr
    shown = rnnpipe("runs", "show", summary["run_id"], "--root", str(root))
    assert f"MLflow tracking to {down} FAILED (the run's result is unchanged): " in shown.stdout


def test_set_production_alias_follows_a_rollback(tracked, client, server):
    from pipeline.config import TrackingSettings
    from pipeline.tracking import set_production_alias

    _, first, _ = tracked
    settings = TrackingSettings(mlflow_uri=server, timeout_seconds=10)
    served = first["pushed_version"]
    try:
        # a rollback published serving version 90 with version `served`'s content
        assert set_production_alias(settings, "sine", 90, str(served), "version 2 regressed") is None
        production = client.get_model_version_by_alias("sine", "production")
        assert production.tags["rnnpipe.serving_version"] == "90"
        assert production.tags["rnnpipe.source"] == str(served)
        assert production.tags["rnnpipe.production_reason"] == "version 2 regressed"
        original = client.get_model_version("sine", first["tracking"]["registered"]["version"])
        assert (production.source, production.run_id) == (original.source, original.run_id)
        error = set_production_alias(settings, "sine", 91, "77", "no such source")
        assert "no version for serving version 91 nor for its source '77'" in error
        assert client.get_model_version_by_alias("sine", "production").version == production.version
    finally:
        assert set_production_alias(settings, "sine", served, str(served), "back") is None
    assert client.get_model_version_by_alias("sine", "production").version == first["tracking"]["registered"]["version"]
