"""Reaching MLflow: where the tracking server is, importing ``mlflow`` only when it is asked for,
and bounding every request by ``tracking.timeout_seconds`` with few retries."""

from __future__ import annotations

import math
import os
from collections.abc import Iterator
from contextlib import contextmanager

from pipeline.config import TrackingSettings

URI_VARIABLE = "MLFLOW_TRACKING_URI"
TIMEOUT_VARIABLE = "MLFLOW_HTTP_REQUEST_TIMEOUT"
# MLflow retries a failed request 7 times with exponential backoff (minutes in all) by default;
# a pipeline run waits for at most this many retries, one second apart at first, and MLflow does
# not print run links to standard output (where --json's summary goes), unless these are set.
ENV_DEFAULTS = {"MLFLOW_HTTP_REQUEST_MAX_RETRIES": "1", "MLFLOW_HTTP_REQUEST_BACKOFF_FACTOR": "1",
                "MLFLOW_SUPPRESS_PRINTING_URL_TO_STDOUT": "true"}
INSTALL_HINT = 'pip install -e ".[mlflow]"'


class TrackingUnavailable(Exception):
    """Tracking is configured but cannot start (mlflow is not installed)."""


def tracking_uri(tracking: TrackingSettings | None) -> str:
    """The tracking server's URI: ``tracking.mlflow_uri``, else ``MLFLOW_TRACKING_URI``, else ``""`` (no tracking)."""
    configured = tracking.mlflow_uri if tracking is not None else ""
    return configured or os.environ.get(URI_VARIABLE, "")


def run_page(uri: str, experiment_id: str, run_id: str) -> str | None:
    """The address of a run's page in the MLflow UI, for a server reached over HTTP (else None)."""
    if not uri.startswith(("http://", "https://")):
        return None
    return f"{uri.rstrip('/')}/#/experiments/{experiment_id}/runs/{run_id}"


@contextmanager
def request_limits(timeout_seconds: float) -> Iterator[None]:
    """Within it, each MLflow HTTP request times out after ``timeout_seconds`` (whole seconds,
    rounded up: MLflow reads an integer), with the other :data:`ENV_DEFAULTS` unless the
    environment sets them. The environment is restored afterwards."""
    wanted = {TIMEOUT_VARIABLE: str(max(1, math.ceil(timeout_seconds)))}
    wanted.update({name: value for name, value in ENV_DEFAULTS.items() if name not in os.environ})
    before = {name: os.environ.get(name) for name in wanted}
    os.environ.update(wanted)
    try:
        yield
    finally:
        for name, value in before.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


def connect(uri: str):
    """An ``mlflow.MlflowClient`` for ``uri`` (imports mlflow here, and only here).

    Raises:
        TrackingUnavailable: If mlflow is not installed.
    """
    try:
        from mlflow import MlflowClient
    except ImportError as error:
        raise TrackingUnavailable(f"tracking to {uri} needs mlflow, which is not installed ({error}); "
                                  f"install it with {INSTALL_HINT}, or unset tracking.mlflow_uri and "
                                  f"{URI_VARIABLE}") from error
    return MlflowClient(tracking_uri=uri, registry_uri=uri)
