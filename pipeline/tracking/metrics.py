"""What a run measured, as MLflow metrics: the training curves (the epoch as the step), the
evaluation's metrics with its slices and baselines, time and memory per component."""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from components.artifacts.model import HISTORY_FILE
from pipeline.compare import flatten
from pipeline.tracking.params import safe_key

EVALUATION_FILE = "metrics.json"  # in the evaluator's evaluation artifact: metrics, slices, baselines
VALIDATION_PREFIX = "val_"  # Keras names a validation metric after its training one


def numbers(data: Mapping[str, Any], prefix: str) -> dict[str, float]:
    """The finite numbers in nested data, flattened to ``prefix.dotted.keys`` (booleans left out)."""
    found = {}
    for key, value in flatten(data).items():
        if isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value):
            found[safe_key(f"{prefix}{key}")] = float(value)
    return found


def curve_name(history_key: str, member: str = "") -> str:
    """``loss`` -> ``train.loss``, ``val_loss`` -> ``val.loss`` (``member_1.`` before them for an ensemble)."""
    if history_key.startswith(VALIDATION_PREFIX):
        return safe_key(f"{member}val.{history_key[len(VALIDATION_PREFIX):]}")
    return safe_key(f"{member}train.{history_key}")


def training_curves(model_dir: Path) -> dict[str, list[tuple[int, float]]]:
    """Each training and validation metric per epoch, as ``[(epoch, value), ...]`` with epochs
    counted from 1; every member's for an ensemble. Empty when the model has no history file."""
    path = Path(model_dir) / HISTORY_FILE
    if not path.is_file():
        return {}
    history = json.loads(path.read_text())
    members = history.get("members")
    named = [(f"member_{index}.", member) for index, member in enumerate(members)] if members else [("", history)]
    curves = {}
    for prefix, member in named:
        for key, values in member.items():
            curves[curve_name(key, prefix)] = [(epoch, float(value)) for epoch, value in enumerate(values, 1)
                                               if isinstance(value, (int, float)) and math.isfinite(value)]
    return curves


def evaluation_metrics(evaluation_dir: Path) -> dict[str, float]:
    """The evaluation's metrics under their own names (``rmse``), each slice's as
    ``slice.<by>.<value>.<metric>``, the reference forecasts' as ``baseline.<name>.<metric>``, and
    the served model's that it was compared with as ``served.<metric>``."""
    path = Path(evaluation_dir) / EVALUATION_FILE
    if not path.is_file():
        return {}
    report = json.loads(path.read_text())
    served = report.get("baseline") or {}
    return {**numbers(report.get("metrics") or {}, ""),
            **numbers(report.get("slices") or {}, "slice."),
            **numbers(report.get("baselines") or {}, "baseline."),
            **numbers(served.get("metrics") or {}, "served.")}


def run_figures(summary: Mapping[str, Any]) -> dict[str, float]:
    """The run's time (``seconds``, ``seconds.<component>``) and each execution's memory
    (``memory.<component>.peak_rss_mb`` ...) from its summary."""
    return {**numbers({"seconds": summary.get("seconds")}, ""),
            **numbers(summary.get("component_seconds") or {}, "seconds."),
            **numbers(summary.get("memory") or {}, "memory.")}
