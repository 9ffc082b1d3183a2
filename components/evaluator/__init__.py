"""evaluator: scores the candidate on test through its serving graph and decides the blessing.

The candidate is wrapped exactly as it will be exported (raw tf.Examples in, transform graph
inside), so the evaluation sees what serving will see. The latest version in the serving
directory (the baseline) is re-scored on the same test examples in the same run. Kinds with
reference forecasts (series: persistence, seasonal naive, linear) have them scored beside the model
on the same test examples (:mod:`components.evaluator.forecast_baselines`).

The metrics are in :mod:`components.evaluator.metrics`, the HTML report and plots in
:mod:`components.evaluator.report`.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass, field
from typing import Any, Mapping, Sequence

import numpy as np

from components.artifacts.examples import read_records
from components.artifacts.model import load_model
from components.artifacts.transform_graph import load_transform_output
from components.artifacts.serving import MODEL_CARD_FILE, ServingFolder
from components.contract import ComponentSpec, DatasetParams
from components.evaluator.forecast_baselines import baseline_metrics, baselines_section, split_reader
from components.evaluator.metrics import (DEFAULT_COMPARISON, METRICS, SLICES, binary_metrics, calibration,
                                          confusion_matrix, language_model_metrics, length_slices,
                                          multiclass_metrics, regression_metrics, time_slices)
from components.evaluator.report import write_plots, write_report
from components.types import Artifact, OutputDir, fingerprint_dir
from data.contract import DataConfig
from models.atomic_files import write_json

NAME = "evaluator"
INPUTS = ("examples", "model", "transform_graph")
OUTPUTS = ("evaluation",)
LOG = logging.getLogger("rnnpipe.evaluator")
__all__ = ["METRICS", "SPEC", "EvaluatorParams", "calibration", "decide_blessing", "language_model_metrics",
           "regression_metrics", "run", "score", "time_slices"]


@dataclass(frozen=True)
class EvaluatorParams(DatasetParams):
    """Parameters of evaluator.

    Attributes:
        data: The dataset config; its ``KIND`` names the dataset kind (``kind``).
        serving_dir: Serving root; the baseline is its newest version of ``model_name``.
        model_name: Name of the served model.
        lower_bounds: Metric -> smallest acceptable value.
        upper_bounds: Metric -> largest acceptable value.
        comparison_metric: Metric compared with the baseline (default per task).
        max_regression: Largest tolerated relative worsening against the baseline.
        slices: Slices reported in ``metrics.json`` and the HTML report: ``month`` and ``season``
            (series), ``length`` (reviews, by ``data.length_buckets``), ``class`` (digits). Empty:
            the kind's default.
    """

    data: DataConfig
    serving_dir: str = ""
    model_name: str = "model"
    lower_bounds: Mapping[str, float] = field(default_factory=dict)
    upper_bounds: Mapping[str, float] = field(default_factory=dict)
    comparison_metric: str = ""
    max_regression: float = 0.0
    slices: tuple[str, ...] = ()

    def __post_init__(self):
        task = self.kind.EVALUATION_TASK
        known = METRICS[task]
        unknown = sorted(set(self.slices) - set(SLICES[task]))
        if unknown:
            raise ValueError(f"evaluator.slices: {unknown} do not apply to {self.kind.name} data; choose from {SLICES[task]}")
        for section, bounds in (("lower_bounds", self.lower_bounds), ("upper_bounds", self.upper_bounds)):
            unknown = sorted(set(bounds) - set(known))
            if unknown:
                raise ValueError(f"evaluator.{section}: unknown metric(s) {unknown}; known: {sorted(known)}")
        if self.comparison_metric and self.comparison_metric not in known:
            raise ValueError(f"evaluator.comparison_metric {self.comparison_metric!r} is not one of {sorted(known)}")
        if self.max_regression < 0:
            raise ValueError(f"evaluator.max_regression must be >= 0, got {self.max_regression}")


def baseline_identity(params: EvaluatorParams, inputs: Mapping[str, Artifact]) -> str:
    """The served version the verdict rests on, for the cache key: ``"<version>:<fingerprint>"`` or ``"none"``.

    The newest complete version, passing over versions exported from the candidate itself (their
    ``model.json`` names its ``model_fingerprint``): those are the candidate, whose equal metrics
    never count as worse, so a run after its own push keeps its evaluation.
    """
    if not params.serving_dir:
        return "none"
    folder = ServingFolder.of(params.serving_dir, params.model_name)
    for version in reversed(folder.versions()):
        path = folder.version_path(version)
        card_file = path / MODEL_CARD_FILE
        card = json.loads(card_file.read_text()) if card_file.exists() else {}
        if card.get("model_fingerprint") != inputs["model"].fingerprint:
            return f"{version}:{fingerprint_dir(path)}"
    return "none"


def slices_of(params: EvaluatorParams) -> tuple[str, ...]:
    """The slices to report: the configured ones, or the task's default."""
    return params.slices or SLICES[params.kind.EVALUATION_TASK][:1]


def score(task: str, targets: Mapping[str, np.ndarray], predicted: Mapping[str, np.ndarray],
          data: DataConfig, slices: Sequence[str] = (),
          baselines: Mapping[str, Any] | None = None) -> tuple[dict[str, float], dict[str, Any]]:
    """Metrics of a task, plus details (confusion matrix, calibration, slices) for the report.

    A language model is scored against the target ids its own serving signature reports, so a
    baseline with a different vocabulary is scored in its own id space. A regression with
    reference forecasts (``baselines``, see :func:`baselines_section`) also gets their RMSE and
    MAE and ``rmse_vs_best_baseline``, the model's RMSE over the best one's.
    """
    if task == "language_model":
        return language_model_metrics(predicted["target_ids"], predicted["probabilities"]), {"slices": {}}
    if task == "regression":
        truth, forecast, persistence = targets["truth"], predicted["predictions"], targets["persistence"]
        metrics = regression_metrics(truth, forecast, persistence)
        if baselines:
            extra = baseline_metrics(baselines, metrics["rmse"])
            metrics.update({name: value for name, value in extra.items() if name not in metrics})
        return metrics, {
            "slices": {by: time_slices(truth, forecast, persistence, targets["times"], by) for by in slices}}
    truth = targets["truth"]
    if task == "multiclass":
        metrics, per_class = multiclass_metrics(truth, predicted["probabilities"], data.class_names)
        return metrics, {"per_class": per_class, "slices": {"class": per_class},
                         "confusion_matrix": confusion_matrix(truth, predicted["class_ids"], len(data.class_names))}
    metrics = binary_metrics(truth, predicted["probabilities"])
    classes = predicted["class_ids"].ravel()
    return metrics, {"confusion_matrix": confusion_matrix(truth, classes, 2),
                     "calibration": calibration(truth, predicted["probabilities"]),
                     "slices": {"length": length_slices(truth, classes, targets["lengths"], data.length_buckets)}}


def decide_blessing(metrics: Mapping[str, float], baseline: Mapping[str, float] | None,
                    params: EvaluatorParams, task: str) -> tuple[bool, list[str]]:
    """Applies the absolute thresholds and the change threshold.

    Returns:
        ``(blessed, reasons)``; reasons explain every failed check.
    """
    reasons = []
    for name, bound in params.lower_bounds.items():
        if name not in metrics:
            reasons.append(f"{name} was not measured, so its lower bound {bound} cannot be checked")
        elif not metrics[name] >= bound:
            reasons.append(f"{name}={metrics[name]:.4f} is below the lower bound {bound}")
    for name, bound in params.upper_bounds.items():
        if name not in metrics:
            reasons.append(f"{name} was not measured, so its upper bound {bound} cannot be checked")
        elif not metrics[name] <= bound:
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
        (``forecast.png`` for series), and ``report.html`` with the baseline side by side. Properties: ``blessed``,
        ``metrics``, ``baseline``, ``reasons`` and, for kinds with reference forecasts, ``baselines``.
    """
    import tensorflow as tf

    from components.serving import build_serving_module, predict_serialized

    kind = params.kind
    task = kind.EVALUATION_TASK  # charlm trains a softmax but is judged as a language model
    serialized = read_records(inputs["examples"], "test")
    raw = tf.io.parse_example(tf.constant(serialized), kind.raw_feature_spec(params.data))
    targets = kind.evaluation_targets(raw, params.data)
    tft_output = load_transform_output(inputs["transform_graph"])
    module, signatures = build_serving_module(load_model(inputs["model"]), tft_output, kind, params.data)
    predicted = predict_serialized(signatures["serving_default"], serialized)
    slices = slices_of(params)
    examples = split_reader(lambda split: read_records(inputs["examples"], split), serialized,
                            kind.raw_feature_spec(params.data), tft_output)
    forecasts = kind.baseline_forecasts(params.data, examples, inputs["examples"].properties)
    baselines = forecasts and baselines_section(targets["truth"], predicted["predictions"], forecasts)
    metrics, details = score(task, targets, predicted, params.data, slices, baselines)

    baseline, baseline_slices = None, {}
    baseline_dir = ServingFolder.of(params.serving_dir, params.model_name).newest_path() if params.serving_dir else None
    if baseline_dir is not None:
        loaded = tf.saved_model.load(str(baseline_dir))
        scored = predict_serialized(loaded.signatures["serving_default"], serialized)
        their_metrics, their_details = score(task, targets, scored, params.data, slices, baselines)
        baseline = {"version": int(baseline_dir.name), "metrics": their_metrics}
        baseline_slices = their_details.get("slices", {})
    blessed, reasons = decide_blessing(metrics, baseline and baseline["metrics"], params, task)
    LOG.info("evaluation: %s%s", "BLESSED" if blessed else "NOT BLESSED", "" if blessed else f" ({'; '.join(reasons)})")

    target = out.artifact_dir("evaluation")
    report = {"metrics": metrics, **details, **({"baselines": baselines} if baselines else {}),
              "baseline": baseline and {**baseline, "slices": baseline_slices},
              "blessed": blessed, "reasons": reasons, "test_examples": len(serialized)}
    write_json(target / "metrics.json", report)
    (target / ("BLESSED" if blessed else "NOT_BLESSED")).write_text(json.dumps(reasons) + "\n")
    write_plots(task, target, targets, predicted, metrics, details, params.data)
    write_report(target, report, task, f"{params.model_name}: evaluation of run {out.run_id}")
    return {"evaluation": out.artifact("evaluation", "ModelEvaluation", blessed=blessed, metrics=metrics,
                                       baseline=baseline, reasons=reasons,
                                       **({"baselines": baselines} if baselines else {}))}


SPEC = ComponentSpec(name=NAME, inputs=INPUTS, outputs=OUTPUTS, params_type=EvaluatorParams, run=run,
                     baseline=baseline_identity)
