"""evaluator: scores the candidate on test through its serving graph and decides the blessing.

The candidate is wrapped exactly as it will be exported (raw tf.Examples in, transform graph
inside), so the evaluation sees what serving will see. The latest version in the serving
directory (the baseline) is re-scored on the same test examples in the same run.
"""

from __future__ import annotations

import json
import logging
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Mapping

import numpy as np

from components.example_gen import split_pattern
from components.types import Artifact, OutputDir, write_json
from data import get_kind

NAME = "evaluator"
INPUTS = ("examples", "model", "transform_graph")
OUTPUTS = ("evaluation",)
LOG = logging.getLogger("rnnpipe.evaluator")

# Metric name -> True when larger is better.
METRICS = {
    "regression": {"rmse": False, "mae": False, "mape": False, "persistence_rmse": False,
                   "persistence_mae": False, "rmse_vs_persistence": False},
}
DEFAULT_COMPARISON = {"regression": "rmse"}


@dataclass(frozen=True)
class EvaluatorParams:
    """Parameters of evaluator.

    Attributes:
        kind: Dataset kind.
        data: The kind's dataset config.
        serving_dir: Serving root; the baseline is its newest version of ``model_name``.
        model_name: Name of the served model.
        lower_bounds: Metric -> smallest acceptable value.
        upper_bounds: Metric -> largest acceptable value.
        comparison_metric: Metric compared with the baseline (default per task).
        max_regression: Largest tolerated relative worsening against the baseline.
    """

    kind: str
    data: Any
    serving_dir: str = ""
    model_name: str = "model"
    lower_bounds: Mapping[str, float] = field(default_factory=dict)
    upper_bounds: Mapping[str, float] = field(default_factory=dict)
    comparison_metric: str = ""
    max_regression: float = 0.0

    def __post_init__(self):
        from data import get_kind as kind_of

        known = METRICS[kind_of(self.kind).TASK]
        for section, bounds in (("lower_bounds", self.lower_bounds), ("upper_bounds", self.upper_bounds)):
            unknown = sorted(set(bounds) - set(known))
            if unknown:
                raise ValueError(f"evaluator.{section}: unknown metric(s) {unknown}; known: {sorted(known)}")
        if self.comparison_metric and self.comparison_metric not in known:
            raise ValueError(f"evaluator.comparison_metric {self.comparison_metric!r} is not one of {sorted(known)}")
        if self.max_regression < 0:
            raise ValueError(f"evaluator.max_regression must be >= 0, got {self.max_regression}")


def latest_version(serving_dir: str | Path, model_name: str) -> Path | None:
    """The newest complete version directory of a served model, or None."""
    base = Path(serving_dir, model_name)
    versions = [p for p in base.iterdir() if p.name.isdigit() and (p / "saved_model.pb").exists()] if base.is_dir() else []
    return max(versions, key=lambda p: int(p.name)) if versions else None


def regression_metrics(truth: np.ndarray, predicted: np.ndarray, persistence: np.ndarray) -> dict[str, float]:
    """RMSE, MAE and MAPE of predictions, beside the persistence baseline."""
    error = predicted - truth
    rmse = float(np.sqrt(np.mean(error ** 2)))
    persistence_rmse = float(np.sqrt(np.mean((persistence - truth) ** 2)))
    nonzero = np.abs(truth) > 1e-8
    return {
        "rmse": rmse,
        "mae": float(np.mean(np.abs(error))),
        "mape": float(np.mean(np.abs(error[nonzero] / truth[nonzero])) * 100) if nonzero.any() else math.nan,
        "persistence_rmse": persistence_rmse,
        "persistence_mae": float(np.mean(np.abs(persistence - truth))),
        "rmse_vs_persistence": rmse / persistence_rmse if persistence_rmse else math.nan,
    }


def decide_blessing(metrics: Mapping[str, float], baseline: Mapping[str, float] | None,
                    params: EvaluatorParams, task: str) -> tuple[bool, list[str]]:
    """Applies the absolute thresholds and the change threshold.

    Returns:
        ``(blessed, reasons)``; reasons explain every failed check.
    """
    reasons = []
    for name, bound in params.lower_bounds.items():
        if not metrics[name] >= bound:
            reasons.append(f"{name}={metrics[name]:.4f} is below the lower bound {bound}")
    for name, bound in params.upper_bounds.items():
        if not metrics[name] <= bound:
            reasons.append(f"{name}={metrics[name]:.4f} is above the upper bound {bound}")
    if baseline is not None:
        name = params.comparison_metric or DEFAULT_COMPARISON[task]
        higher_is_better = METRICS[task][name]
        ours, theirs = metrics[name], baseline[name]
        if higher_is_better and not ours >= theirs * (1 - params.max_regression):
            reasons.append(f"{name}={ours:.4f} is worse than the baseline's {theirs:.4f}")
        if not higher_is_better and not ours <= theirs * (1 + params.max_regression):
            reasons.append(f"{name}={ours:.4f} is worse than the baseline's {theirs:.4f}")
    return not reasons, reasons


def run(inputs: Mapping[str, Artifact], params: EvaluatorParams, out: OutputDir) -> dict[str, Artifact]:
    """Evaluates the candidate (and the baseline) on the test split.

    Args:
        inputs: raw ``examples``, the trained ``model`` and the ``transform_graph``.
        params: Thresholds and where the baseline lives.
        out: Where to write.

    Returns:
        ``evaluation``: ``metrics.json``, a ``BLESSED`` or ``NOT_BLESSED`` marker and plots
        (``forecast.png`` for series). Properties: ``blessed``, ``metrics``, ``baseline``, ``reasons``.
    """
    import tensorflow as tf

    from components.plots import plot_forecast
    from components.serving import build_serving_module, predict_serialized
    from components.trainer import load_model

    kind = get_kind(params.kind)
    serialized = [record.numpy() for record in tf.data.TFRecordDataset(
        sorted(tf.io.gfile.glob(split_pattern(inputs["examples"], "test"))), compression_type="GZIP")]
    raw = tf.io.parse_example(tf.constant(serialized), kind.raw_feature_spec(params.data))
    targets = kind.evaluation_targets(raw, params.data)
    module, signatures = build_serving_module(load_model(inputs["model"]), inputs["transform_graph"].uri,
                                              kind, params.data)
    predicted = predict_serialized(signatures["serving_default"], serialized)
    metrics = regression_metrics(targets["truth"], predicted["predictions"], targets["persistence"])

    baseline = None
    baseline_dir = latest_version(params.serving_dir, params.model_name) if params.serving_dir else None
    if baseline_dir is not None:
        loaded = tf.saved_model.load(str(baseline_dir))
        scored = predict_serialized(loaded.signatures["serving_default"], serialized)
        baseline = {"version": int(baseline_dir.name),
                    "metrics": regression_metrics(targets["truth"], scored["predictions"], targets["persistence"])}
    blessed, reasons = decide_blessing(metrics, baseline and baseline["metrics"], params, kind.TASK)
    LOG.info("evaluation: %s%s", "BLESSED" if blessed else "NOT BLESSED", "" if blessed else f" ({'; '.join(reasons)})")

    target = out.artifact_dir("evaluation")
    write_json(target / "metrics.json", {"metrics": metrics, "baseline": baseline, "blessed": blessed,
                                         "reasons": reasons, "test_examples": len(serialized)})
    (target / ("BLESSED" if blessed else "NOT_BLESSED")).write_text(json.dumps(reasons) + "\n")
    order = np.argsort(targets["times"])
    times = targets["times"][order].astype("datetime64[s]")
    plot_forecast(times, targets["truth"][order, 0], predicted["predictions"][order, 0],
                  targets["persistence"][order, 0], target / "forecast.png",
                  f"test: RMSE {metrics['rmse']:.3f} vs persistence {metrics['persistence_rmse']:.3f}")
    return {"evaluation": out.artifact("evaluation", "ModelEvaluation", blessed=blessed, metrics=metrics,
                                       baseline=baseline, reasons=reasons)}
