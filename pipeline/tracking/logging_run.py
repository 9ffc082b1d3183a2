"""One pipeline run as one MLflow run: its config as params, its metrics, tags and files, and
its pushed version in the model registry. Never raises: a tracking failure is logged and returned."""

from __future__ import annotations

import logging
import tempfile
import time
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from components.artifacts.serving import ServingFolder
from pipeline.config import PipelineConfig
from pipeline.store import RunStore
from pipeline.tracking.artifacts import CONFIG_ARTIFACT_PATH, MODEL_ARTIFACT_PATH, files_to_log, pushed_version
from pipeline.tracking.client import connect, request_limits, run_page, tracking_uri
from pipeline.tracking.failures import describe
from pipeline.tracking.metrics import evaluation_metrics, run_figures, training_curves
from pipeline.tracking.params import (CONFIG_FILE, MAX_METRICS_PER_BATCH, MAX_PARAMS_PER_BATCH, config_params,
                                      config_yaml)
from pipeline.tracking.registry import PRODUCTION, point_production, register_push
from pipeline.tracking.run_record import RunRecord, read_run
from pipeline.tracking.tags import RUN_ID_TAG, producing_runs, run_tags

LOG = logging.getLogger("rnnpipe.tracking")


def log_run(cfg: PipelineConfig, root: str | Path, run_id: str, store: RunStore, summary=None,
            error: str | None = None) -> dict[str, Any] | None:
    """Logs a pipeline run to MLflow, as ``run_pipeline`` ends (complete, failed or interrupted).

    Args:
        cfg: The run's resolved config; ``cfg.tracking`` says where (else ``MLFLOW_TRACKING_URI``).
        root: The pipeline root.
        run_id: The rnnpipe run id.
        store: The run store, which holds the run's executions and artifacts.
        summary: The run's :class:`~pipeline.summary.RunSummary` when it completed.
        error: What failed or interrupted it; the MLflow run is then marked FAILED.

    Returns:
        None when no tracking is configured; else ``{"uri", "experiment", "mlflow_run_id", "url",
        "registered", "error"}``, ``error`` being None or the failure (also logged as a warning).
    """
    uri = tracking_uri(cfg.tracking)
    if not uri:
        return None
    result: dict[str, Any] = {"uri": uri, "experiment": cfg.tracking.experiment or cfg.name,
                              "mlflow_run_id": None, "url": None, "registered": None, "error": None}
    try:
        with request_limits(cfg.tracking.timeout_seconds):
            log_to(connect(uri), result, cfg, read_run(store, run_id),
                   summary.to_dict() if summary is not None else {}, error)
        LOG.info("MLflow: run %s logged as %s", run_id, result["url"] or result["mlflow_run_id"])
    except Exception as failure:  # tracking never changes the run's result: the failure is reported instead
        result["error"] = describe(failure)
        LOG.warning("MLflow tracking to %s failed: %s (the run's result is unchanged)", uri, result["error"])
    return result


def experiment_id(client, name: str) -> str:
    """The id of the MLflow experiment ``name``, created if absent."""
    from mlflow.exceptions import MlflowException

    found = client.get_experiment_by_name(name)
    if found is not None:
        return found.experiment_id
    try:
        return client.create_experiment(name, tags={"rnnpipe.pipeline": name})
    except MlflowException as error:  # another run created it meanwhile
        if error.error_code != "RESOURCE_ALREADY_EXISTS":
            raise
        return client.get_experiment_by_name(name).experiment_id


def log_to(client, result: dict[str, Any], cfg: PipelineConfig, record: RunRecord, summary: Mapping[str, Any],
           error: str | None) -> None:
    """Creates the MLflow run and logs everything to it, filling in ``result``; ends it FAILED if
    logging fails halfway (and re-raises)."""
    experiment = experiment_id(client, result["experiment"])
    created = client.create_run(experiment, run_name=record.run_id,
                                start_time=int(record.started * 1000) if record.started else None,
                                tags={**run_tags(record, cfg.name, summary, error),
                                      **origin_tags(client, experiment, record)})
    mlflow_run_id = created.info.run_id
    result.update(mlflow_run_id=mlflow_run_id, url=run_page(result["uri"], experiment, mlflow_run_id))
    try:
        log_values(client, mlflow_run_id, cfg, record, summary)
        log_files(client, mlflow_run_id, cfg, record)
        result["registered"] = register(client, cfg, record, created.info.artifact_uri, mlflow_run_id)
    except Exception:
        end_quietly(client, mlflow_run_id)
        raise
    client.set_terminated(mlflow_run_id, "FAILED" if error else "FINISHED")


def origin_tags(client, experiment: str, record: RunRecord) -> dict[str, str]:
    """For each cached component, the MLflow run of the rnnpipe run that produced what it reused
    (``rnnpipe.reused.<component>.mlflow_run``), where that run was logged to this experiment."""
    producers = producing_runs(record)
    logged = {}  # rnnpipe run id -> its MLflow run id: one search per producing run
    for produced_by in set(producers.values()):
        found = client.search_runs([experiment], f"tags.`{RUN_ID_TAG}` = '{produced_by}'", max_results=1)
        if found:
            logged[produced_by] = found[0].info.run_id
    return {f"rnnpipe.reused.{component}.mlflow_run": logged[produced_by]
            for component, produced_by in producers.items() if produced_by in logged}


def log_values(client, mlflow_run_id: str, cfg: PipelineConfig, record: RunRecord,
               summary: Mapping[str, Any]) -> None:
    """The config as params; the training curves (epoch as step), the evaluation, time and memory as metrics."""
    from mlflow.entities import Metric, Param

    now = int(time.time() * 1000)
    params = [Param(key, value) for key, value in config_params(cfg).items()]
    metrics = []
    model = record.output("trainer", "model")
    if model is not None:
        for key, points in training_curves(Path(model.artifact.uri)).items():
            metrics += [Metric(key, value, now, epoch) for epoch, value in points]
    evaluation = record.output("evaluator", "evaluation")
    finals = {**(evaluation_metrics(Path(evaluation.artifact.uri)) if evaluation is not None else {}),
              **run_figures(summary)}
    metrics += [Metric(key, value, now, 0) for key, value in finals.items()]
    for start in range(0, len(params), MAX_PARAMS_PER_BATCH):
        client.log_batch(mlflow_run_id, params=params[start:start + MAX_PARAMS_PER_BATCH])
    for start in range(0, len(metrics), MAX_METRICS_PER_BATCH):
        client.log_batch(mlflow_run_id, metrics=metrics[start:start + MAX_METRICS_PER_BATCH])


def log_files(client, mlflow_run_id: str, cfg: PipelineConfig, record: RunRecord) -> None:
    """The config as run (``config/config.yaml``) and the executed components' files."""
    with tempfile.TemporaryDirectory(prefix="rnnpipe-mlflow-") as folder:
        config_file = Path(folder) / CONFIG_FILE
        config_file.write_text(config_yaml(cfg), encoding="utf-8")
        client.log_artifact(mlflow_run_id, str(config_file), CONFIG_ARTIFACT_PATH)
    for path, artifact_path in files_to_log(record):
        client.log_artifact(mlflow_run_id, str(path), artifact_path)


def register(client, cfg: PipelineConfig, record: RunRecord, artifact_uri: str,
             mlflow_run_id: str) -> dict[str, Any]:
    """Registers the version this run pushed (if any) and points ``production`` at the served one.

    Returns:
        ``{"model", "version" (the MLflow version registered now, or None), "serving_version",
        "production" (the MLflow version the alias points at, or None when the served version
        has none)}``.
    """
    pushed = pushed_version(record)
    registered = None
    if pushed is not None:
        registered = register_push(client, cfg.model_name, pushed[0], f"{artifact_uri}/{MODEL_ARTIFACT_PATH}",
                                   mlflow_run_id, str(pushed[1]), cfg.tracking.timeout_seconds).version
    served = ServingFolder.of(cfg.exporter.serving_dir, cfg.model_name).newest()
    production = point_production(client, cfg.model_name, served) if served is not None else None
    if production is not None:
        LOG.info("MLflow: %s@%s is version %s (serving version %d)", cfg.model_name, PRODUCTION, production, served)
    return {"model": cfg.model_name, "version": str(registered) if registered is not None else None,
            "serving_version": pushed[0] if pushed else None, "served_version": served, "production": production}


def end_quietly(client, mlflow_run_id: str) -> None:
    """Marks a half-logged MLflow run FAILED, if the server still answers."""
    try:
        client.set_terminated(mlflow_run_id, "FAILED")
    except Exception as error:  # the failure being reported is the first one
        LOG.debug("could not mark MLflow run %s failed: %s", mlflow_run_id, error)
