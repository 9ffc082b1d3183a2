"""Comparing runs from the run store (``rnnpipe runs compare``): the config keys that differ,
the metrics side by side, what each run executed or reused, and how long each step took.

A run records its config as run (:func:`config_as_run`: the flattened, resolved config) in the
run store when it starts; runs recorded before that compare by their config file and overrides.
"""

from __future__ import annotations

import dataclasses
import json
import time
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from pipeline.config import INJECTED, PipelineConfig
from pipeline.errors import RunLookupError, UsageError
from pipeline.maintenance import open_store

NOT_KEYS = ("source",)  # PipelineConfig fields that are not config keys


def flatten(value: Mapping[str, Any], prefix: str = "") -> dict[str, Any]:
    """A nested mapping as ``{"dotted.key": value}``; lists are values, an empty mapping is the value ``{}``."""
    flat: dict[str, Any] = {}
    for key, item in value.items():
        dotted = f"{prefix}{key}"
        if isinstance(item, Mapping) and item:
            flat.update(flatten(item, dotted + "."))
        else:
            flat[dotted] = item
    return flat


def _plain(value: Any) -> Any:
    """A config value as JSON data: dataclasses as mappings of their own (not injected) fields."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        hidden = INJECTED.get(type(value), set())
        return {f.name: _plain(getattr(value, f.name)) for f in dataclasses.fields(value) if f.name not in hidden}
    if isinstance(value, Mapping):
        return {str(key): _plain(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(item) for item in value]
    return json.loads(json.dumps(value, default=str))


def config_as_run(cfg: PipelineConfig) -> dict[str, Any]:
    """The resolved config as flat dotted keys (``trainer.epochs``, ``data.split.train``), as JSON data.

    The copies the pipeline injects into a section (``trainer.data``, ``evaluator.model_name``, ...)
    are left out: each key appears once, where the YAML file has it.
    """
    return flatten({f.name: _plain(getattr(cfg, f.name)) for f in dataclasses.fields(cfg) if f.name not in NOT_KEYS})


def recorded_config(record: Mapping[str, Any]) -> dict[str, Any]:
    """The flat config a run recorded; for a run recorded without it, its config file and overrides."""
    if "config" in record:
        return dict(record["config"])
    return {"source": record.get("source"), "overrides": record.get("overrides", [])}


def differing(values: Sequence[Mapping[str, Any]]) -> dict[str, list[Any]]:
    """The keys whose values are not the same in every mapping (absent counts as None), sorted."""
    keys = sorted({key for mapping in values for key in mapping})
    return {key: [mapping.get(key) for mapping in values] for key in keys
            if len({json.dumps(mapping.get(key), sort_keys=True, default=str) for mapping in values}) > 1}


def execution_state(execution: Mapping[str, Any]) -> dict[str, Any]:
    """One execution's state (``executed``, ``cached``, or its status, e.g. ``failed``) and seconds."""
    if execution["status"] == "complete":
        state = "cached" if execution["cached"] else "executed"
    else:
        state = execution["status"]
    seconds = round(execution["ended"] - execution["started"], 3) if execution["ended"] else None
    return {"state": state, "seconds": seconds}


def run_seconds(run: Mapping[str, Any]) -> float | None:
    """A run's wall time in seconds, or None while it has not ended."""
    return round(run["ended"] - run["started"], 3) if run["ended"] else None


def compare_runs(root: str | Path, run_ids: Sequence[str]) -> dict[str, Any]:
    """Compares two or more runs of a pipeline root: ``rnnpipe runs compare``.

    Args:
        root: The pipeline root.
        run_ids: The runs, in the order their columns are shown.

    Returns:
        JSON data: ``runs`` (each run's id, pipeline, status, start time, seconds, forced components
        and the component it started from), ``config`` (each differing dotted key -> the runs'
        values, None where a run has no such key), ``metrics`` (every metric -> the runs' values),
        ``components`` (each component, in pipeline order -> per run ``{"state", "seconds"}`` or
        None where the run has no execution of it) and ``seconds`` (each run's total).

    Raises:
        UsageError: If fewer than two runs are named.
        RunLookupError: If ``root`` has no run store, or some runs are not in it (all are named).
    """
    if len(run_ids) < 2:
        raise UsageError(f"runs compare needs two or more RUN_IDs, got {len(run_ids)} "
                         f"(see: rnnpipe runs --root {root})")
    store = open_store(root)
    runs = [store.run(run_id) for run_id in run_ids]
    unknown = [run_id for run_id, run in zip(run_ids, runs) if run is None]
    if unknown:
        raise RunLookupError(f"no run {', '.join(map(repr, unknown))} in {root} (see: rnnpipe runs --root {root})")
    records = [json.loads(run["config"] or "{}") for run in runs]
    summaries = [json.loads(run["summary"] or "{}") for run in runs]
    components: dict[str, list[dict | None]] = {}
    for column, run in enumerate(runs):
        for execution in run["executions"]:
            states = components.setdefault(execution["component"], [None] * len(runs))
            states[column] = execution_state(execution)
    metrics = [flatten(summary.get("metrics", {})) for summary in summaries]
    return {
        "runs": [{"run_id": run["id"], "pipeline": run["pipeline"], "status": run["status"],
                  "started": time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(run["started"])),
                  "seconds": run_seconds(run),
                  "forced": record.get("forced", []), "started_from": record.get("start_from")}
                 for run, record in zip(runs, records)],
        "config": differing([recorded_config(record) for record in records]),
        "metrics": {key: [values.get(key) for values in metrics]
                    for key in dict.fromkeys(key for values in metrics for key in values)},
        "components": components,
        "seconds": [run_seconds(run) for run in runs],
    }
