"""Tracking that cannot happen (no URI, mlflow missing, a bad URI) never fails the caller: it
is reported. Fast: no server, no pipeline run."""

from __future__ import annotations

import dataclasses
import os
import sys

import pytest

from pipeline.config import TrackingSettings, load_config, resolve_paths
from pipeline.store import RunStore
from pipeline.tracking import log_run, set_production_alias
from pipeline.tracking.client import ENV_DEFAULTS, TIMEOUT_VARIABLE, request_limits
from tests.conftest import REPO


@pytest.fixture
def started_run(tmp_path):
    """A demo config with tracking to ``uri`` and a run store holding one started run."""
    store = RunStore(tmp_path)
    store.start_run("20261201T000000-abcdef", "sine", {"source": "demo.yaml", "overrides": []})
    cfg = resolve_paths(load_config(REPO / "pipeline/configs/demo.yaml"), tmp_path, tmp_path)

    def with_uri(uri: str):
        return dataclasses.replace(cfg, tracking=dataclasses.replace(cfg.tracking, mlflow_uri=uri,
                                                                     timeout_seconds=2))
    return with_uri, store


def test_no_tracking_configured_is_none(started_run, monkeypatch, tmp_path):
    with_uri, store = started_run
    monkeypatch.delenv("MLFLOW_TRACKING_URI", raising=False)
    assert log_run(with_uri(""), tmp_path, "20261201T000000-abcdef", store) is None
    assert set_production_alias(None, "sine", 1, "1", "why") is None


def test_mlflow_not_installed_is_a_reported_failure(started_run, monkeypatch, tmp_path):
    with_uri, store = started_run
    monkeypatch.setitem(sys.modules, "mlflow", None)  # what Python does when mlflow is absent: ImportError
    result = log_run(with_uri("http://127.0.0.1:1"), tmp_path, "20261201T000000-abcdef", store)
    assert result["mlflow_run_id"] is None
    assert "mlflow, which is not installed" in result["error"] and 'pip install -e ".[mlflow]"' in result["error"]
    error = set_production_alias(TrackingSettings(mlflow_uri="http://127.0.0.1:1"), "sine", 2, "1", "why")
    assert "not installed" in error


def test_the_uri_comes_from_the_environment_when_the_config_has_none(started_run, monkeypatch, tmp_path):
    with_uri, store = started_run
    monkeypatch.setitem(sys.modules, "mlflow", None)
    monkeypatch.setenv("MLFLOW_TRACKING_URI", "http://127.0.0.1:2")
    assert log_run(with_uri(""), tmp_path, "20261201T000000-abcdef", store)["uri"] == "http://127.0.0.1:2"


def test_a_bad_uri_is_a_reported_failure(started_run, tmp_path):
    pytest.importorskip("mlflow")
    with_uri, store = started_run
    result = log_run(with_uri("nosuchscheme://somewhere"), tmp_path, "20261201T000000-abcdef", store)
    assert result["uri"] == "nosuchscheme://somewhere" and result["mlflow_run_id"] is None
    assert "nosuchscheme" in result["error"]


def test_request_limits_bound_mlflow_and_restore_the_environment(monkeypatch):
    monkeypatch.delenv(TIMEOUT_VARIABLE, raising=False)
    monkeypatch.setenv("MLFLOW_HTTP_REQUEST_MAX_RETRIES", "3")  # the user's choice stays
    with request_limits(2.5):
        assert os.environ[TIMEOUT_VARIABLE] == "3"
        assert os.environ["MLFLOW_HTTP_REQUEST_MAX_RETRIES"] == "3"
        assert os.environ["MLFLOW_HTTP_REQUEST_BACKOFF_FACTOR"] == ENV_DEFAULTS["MLFLOW_HTTP_REQUEST_BACKOFF_FACTOR"]
    assert TIMEOUT_VARIABLE not in os.environ and os.environ["MLFLOW_HTTP_REQUEST_MAX_RETRIES"] == "3"


def test_a_server_that_never_answers_times_out_into_a_reported_failure(started_run, tmp_path):
    pytest.importorskip("mlflow")
    import socket
    import time

    with_uri, store = started_run
    with socket.socket() as silent:  # accepts connections (the kernel's backlog) and never answers
        silent.bind(("127.0.0.1", 0))
        silent.listen(8)
        uri = f"http://127.0.0.1:{silent.getsockname()[1]}"
        started = time.monotonic()
        result = log_run(with_uri(uri), tmp_path, "20261201T000000-abcdef", store)
        waited = time.monotonic() - started
    assert result["mlflow_run_id"] is None and "timed out" in result["error"].lower(), result["error"]
    assert waited < 120  # bounded by tracking.timeout_seconds (2 s here) and one retry, not MLflow's 7 minutes


def test_running_a_pipeline_does_not_import_mlflow_until_tracking_is_configured():
    import subprocess

    imported = subprocess.run([sys.executable, "-c", "import sys, pipeline.running, pipeline.cli, pipeline.tracking; "
                               "print('mlflow' in sys.modules)"], cwd=REPO, capture_output=True, text=True,
                              timeout=120, env={**os.environ, "PYTHONPATH": str(REPO)})
    assert imported.returncode == 0, imported.stderr[-2000:]
    assert imported.stdout.strip() == "False"
