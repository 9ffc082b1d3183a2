"""A run's MLflow tags: who it is (rnnpipe run id, code and data fingerprints), which components
ran and which were cached, and, for a cached one, what it reused and from which run."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pipeline.tracking.fingerprints import code_fingerprint, data_fingerprint
from pipeline.tracking.params import safe_key
from pipeline.tracking.run_record import RunRecord

MAX_TAG_VALUE_LENGTH = 8000  # MLflow's limit (mlflow.utils.validation)
RUN_ID_TAG = "rnnpipe.run_id"
REUSED_PREFIX = "rnnpipe.reused."  # + component (+ ".<output>"): the reused artifact's URI and its run


def reused_tags(record: RunRecord) -> dict[str, str]:
    """For each cached component, each output it reused: ``rnnpipe.reused.<component>.<output>`` =
    ``<artifact folder> (run <rnnpipe run id that produced it>)``."""
    tags = {}
    for component in record.cached:
        for name, output in record.outputs.get(component, {}).items():
            tags[safe_key(f"{REUSED_PREFIX}{component}.{name}")] = f"{output.artifact.uri} (run {output.produced_by})"
    return tags


def producing_runs(record: RunRecord) -> dict[str, str]:
    """Each cached component's producing rnnpipe run: ``{component: run id}``."""
    return {component: next(iter(outputs.values())).produced_by
            for component, outputs in record.outputs.items() if component in record.cached and outputs}


def run_tags(record: RunRecord, pipeline: str, summary: Mapping[str, Any], error: str | None) -> dict[str, str]:
    """The tags of a run's MLflow run (values cut to MLflow's limit)."""
    tags = {
        "mlflow.runName": record.run_id,
        "mlflow.source.name": "rnnpipe",
        RUN_ID_TAG: record.run_id,
        "rnnpipe.pipeline": pipeline,
        "rnnpipe.status": "failed" if error else str(summary.get("status", "complete")),
        "rnnpipe.code_fingerprint": code_fingerprint(),
        "rnnpipe.data_fingerprint": data_fingerprint(record) or "",
        "rnnpipe.executed": ",".join(record.executed),
        "rnnpipe.cached": ",".join(record.cached),
        "rnnpipe.config_source": str(record.config.get("source", "")),
        "rnnpipe.overrides": " ".join(record.config.get("overrides") or []),
        **reused_tags(record),
    }
    if summary:
        tags["rnnpipe.blessed"] = str(bool(summary.get("blessed"))).lower()
        if summary.get("pushed_version") is not None:
            tags["rnnpipe.pushed_version"] = str(summary["pushed_version"])
    if error:
        tags["rnnpipe.error"] = error
    if record.failed:
        tags["rnnpipe.failed"] = ",".join(record.failed)
    return {key: value[:MAX_TAG_VALUE_LENGTH] for key, value in tags.items()}
