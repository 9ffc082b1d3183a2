"""evaluator: scores the candidate on test through its serving graph and decides the blessing.

The candidate is wrapped exactly as it will be exported (raw tf.Examples in, transform graph
inside), so the evaluation sees what serving will see. The latest version in the serving
directory (the baseline) is re-scored on the same test examples in the same run.
"""

from __future__ import annotations

import html
import json
import logging
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Mapping, Sequence

import numpy as np

from components.artifacts.examples import read_records
from components.artifacts.model import load_model
from components.artifacts.transform_graph import load_transform_output
from components.artifacts.serving import MODEL_CARD_FILE, ServingFolder
from components.contract import ComponentSpec, DatasetParams
from components.types import Artifact, OutputDir, fingerprint_dir
from data.contract import DataConfig
from models.atomic_files import write_json

NAME = "evaluator"
INPUTS = ("examples", "model", "transform_graph")
OUTPUTS = ("evaluation",)
LOG = logging.getLogger("rnnpipe.evaluator")

# Metric name -> True when larger is better.
METRICS = {
    "regression": {"rmse": False, "mae": False, "mape": False, "persistence_rmse": False,
                   "persistence_mae": False, "rmse_vs_persistence": False},
    "binary": {"accuracy": True, "auc": True, "precision": True, "recall": True, "log_loss": False},
    "multiclass": {"accuracy": True, "macro_precision": True, "macro_recall": True, "log_loss": False},
    # Next-character prediction: per-character cross-entropy (nats), its exponential and in bits.
    "language_model": {"cross_entropy": False, "perplexity": False, "bits_per_character": False, "accuracy": True},
}
DEFAULT_COMPARISON = {"regression": "rmse", "binary": "accuracy", "multiclass": "accuracy",
                      "language_model": "perplexity"}
# Slices each task can be cut into; the first is the default.
SLICES = {"regression": ("month", "season"), "binary": ("length",), "multiclass": ("class",), "language_model": ()}
MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
SEASONS = ("DJF", "MAM", "JJA", "SON")  # meteorological seasons, named by their months (either hemisphere)
CALIBRATION_BINS = 10


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


def binary_metrics(truth: np.ndarray, probabilities: np.ndarray) -> dict[str, float]:
    """Accuracy, AUC (rank-based), precision, recall and log loss of binary predictions."""
    truth = truth.astype(int).ravel()
    probabilities = np.clip(probabilities.astype(np.float64).ravel(), 1e-7, 1 - 1e-7)
    predicted = (probabilities > 0.5).astype(int)
    tp = int(np.sum((predicted == 1) & (truth == 1)))
    fp = int(np.sum((predicted == 1) & (truth == 0)))
    fn = int(np.sum((predicted == 0) & (truth == 1)))
    return {
        "accuracy": float(np.mean(predicted == truth)),
        "auc": roc_auc(truth, probabilities),
        "precision": tp / (tp + fp) if tp + fp else 0.0,
        "recall": tp / (tp + fn) if tp + fn else 0.0,
        "log_loss": float(-np.mean(truth * np.log(probabilities) + (1 - truth) * np.log(1 - probabilities))),
    }


def roc_auc(truth: np.ndarray, scores: np.ndarray) -> float:
    """Area under the ROC curve: the chance a random positive outranks a random negative."""
    positives, negatives = int(truth.sum()), int(len(truth) - truth.sum())
    if not positives or not negatives:
        return math.nan
    order = np.argsort(scores, kind="mergesort")
    _, inverse, counts = np.unique(scores[order], return_inverse=True, return_counts=True)
    average_rank = np.cumsum(counts) - (counts - 1) / 2  # tied scores share their mean rank
    ranks = np.empty(len(scores))
    ranks[order] = average_rank[inverse]
    return float((ranks[truth == 1].sum() - positives * (positives + 1) / 2) / (positives * negatives))


def multiclass_metrics(truth: np.ndarray, probabilities: np.ndarray,
                       class_names: tuple[str, ...]) -> tuple[dict[str, float], dict[str, dict[str, float]]]:
    """Accuracy, macro precision/recall and log loss, plus precision and recall per class."""
    truth = truth.astype(int).ravel()
    predicted = probabilities.argmax(axis=1)
    per_class = {}
    for index, name in enumerate(class_names):
        predicted_here, truly_here = predicted == index, truth == index
        hits = int(np.sum(predicted_here & truly_here))
        per_class[name] = {"precision": hits / int(predicted_here.sum()) if predicted_here.any() else 0.0,
                           "recall": hits / int(truly_here.sum()) if truly_here.any() else 0.0,
                           "count": int(truly_here.sum())}
    chosen = np.clip(probabilities[np.arange(len(truth)), truth], 1e-7, 1.0)
    return {
        "accuracy": float(np.mean(predicted == truth)),
        "macro_precision": float(np.mean([c["precision"] for c in per_class.values()])),
        "macro_recall": float(np.mean([c["recall"] for c in per_class.values()])),
        "log_loss": float(-np.mean(np.log(chosen))),
    }, per_class


def language_model_metrics(target_ids: np.ndarray, probabilities: np.ndarray) -> dict[str, float]:
    """Per-character cross-entropy (nats), perplexity (its exponential), bits per character and
    top-1 accuracy of next-character probabilities."""
    target_ids = target_ids.astype(int).ravel()
    chosen = np.clip(probabilities[np.arange(len(target_ids)), target_ids].astype(np.float64), 1e-12, 1.0)
    cross_entropy = float(-np.mean(np.log(chosen)))
    return {"cross_entropy": cross_entropy, "perplexity": math.exp(cross_entropy),
            "bits_per_character": cross_entropy / math.log(2),
            "accuracy": float(np.mean(probabilities.argmax(axis=1) == target_ids))}


def confusion_matrix(truth: np.ndarray, predicted: np.ndarray, classes: int) -> list[list[int]]:
    """Counts ``[true class][predicted class]``."""
    matrix = np.zeros((classes, classes), dtype=int)
    np.add.at(matrix, (truth.astype(int).ravel(), predicted.astype(int).ravel()), 1)
    return matrix.tolist()


def length_slices(truth: np.ndarray, predicted: np.ndarray, lengths: np.ndarray,
                  boundaries: tuple[int, ...]) -> dict[str, dict[str, float]]:
    """Accuracy and count per length bucket (``<100``, ``100-199``, ..., ``>=800``)."""
    edges = [0, *boundaries, None]
    slices = {}
    for low, high in zip(edges[:-1], edges[1:]):
        inside = (lengths >= low) & ((lengths < high) if high is not None else True)
        name = f"<{high}" if low == 0 else (f">={low}" if high is None else f"{low}-{high - 1}")
        count = int(inside.sum())
        slices[name] = {"count": count,
                        "accuracy": float(np.mean(truth[inside] == predicted[inside])) if count else math.nan}
    return slices


def time_slices(truth: np.ndarray, predicted: np.ndarray, persistence: np.ndarray, times: np.ndarray,
                by: str) -> dict[str, dict[str, float]]:
    """RMSE, MAE and persistence RMSE per calendar month or meteorological season of the target."""
    months = np.asarray(times, "datetime64[s]").astype("datetime64[M]").astype(int) % 12  # 0 = January
    groups = months if by == "month" else ((months + 1) % 12) // 3  # 0 = Dec-Jan-Feb
    names = MONTHS if by == "month" else SEASONS
    slices = {}
    for index, name in enumerate(names):
        inside = groups == index
        if inside.any():
            metrics = regression_metrics(truth[inside], predicted[inside], persistence[inside])
            slices[name] = {"count": int(inside.sum()), "rmse": metrics["rmse"], "mae": metrics["mae"],
                            "persistence_rmse": metrics["persistence_rmse"]}
    return slices


def calibration(truth: np.ndarray, probabilities: np.ndarray, bins: int = CALIBRATION_BINS) -> dict[str, Any]:
    """Reliability per probability bin, and the expected calibration error (count-weighted gap)."""
    truth = truth.astype(float).ravel()
    probabilities = probabilities.astype(float).ravel()
    which = np.minimum((probabilities * bins).astype(int), bins - 1)
    table, gap = [], 0.0
    for index in range(bins):
        inside = which == index
        count = int(inside.sum())
        mean_predicted = float(probabilities[inside].mean()) if count else math.nan
        observed = float(truth[inside].mean()) if count else math.nan
        if count:
            gap += count * abs(mean_predicted - observed)
        table.append({"low": index / bins, "high": (index + 1) / bins, "count": count,
                      "mean_predicted": mean_predicted, "observed": observed})
    return {"bins": table, "expected_calibration_error": gap / max(len(truth), 1)}


def slices_of(params: EvaluatorParams) -> tuple[str, ...]:
    """The slices to report: the configured ones, or the task's default."""
    return params.slices or SLICES[params.kind.EVALUATION_TASK][:1]


def score(task: str, targets: Mapping[str, np.ndarray], predicted: Mapping[str, np.ndarray],
          data: DataConfig, slices: Sequence[str] = ()) -> tuple[dict[str, float], dict[str, Any]]:
    """Metrics of a task, plus details (confusion matrix, calibration, slices) for the report.

    A language model is scored against the target ids its own serving signature reports, so a
    baseline with a different vocabulary is scored in its own id space.
    """
    if task == "language_model":
        return language_model_metrics(predicted["target_ids"], predicted["probabilities"]), {"slices": {}}
    if task == "regression":
        truth, forecast, persistence = targets["truth"], predicted["predictions"], targets["persistence"]
        return regression_metrics(truth, forecast, persistence), {
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
        (``forecast.png`` for series), and ``report.html`` with the baseline side by side. Properties: ``blessed``, ``metrics``, ``baseline``, ``reasons``.
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
    metrics, details = score(task, targets, predicted, params.data, slices)

    baseline, baseline_slices = None, {}
    baseline_dir = ServingFolder.of(params.serving_dir, params.model_name).newest_path() if params.serving_dir else None
    if baseline_dir is not None:
        loaded = tf.saved_model.load(str(baseline_dir))
        scored = predict_serialized(loaded.signatures["serving_default"], serialized)
        their_metrics, their_details = score(task, targets, scored, params.data, slices)
        baseline = {"version": int(baseline_dir.name), "metrics": their_metrics}
        baseline_slices = their_details.get("slices", {})
    blessed, reasons = decide_blessing(metrics, baseline and baseline["metrics"], params, task)
    LOG.info("evaluation: %s%s", "BLESSED" if blessed else "NOT BLESSED", "" if blessed else f" ({'; '.join(reasons)})")

    target = out.artifact_dir("evaluation")
    report = {"metrics": metrics, **details, "baseline": baseline and {**baseline, "slices": baseline_slices},
              "blessed": blessed, "reasons": reasons, "test_examples": len(serialized)}
    write_json(target / "metrics.json", report)
    (target / ("BLESSED" if blessed else "NOT_BLESSED")).write_text(json.dumps(reasons) + "\n")
    write_plots(task, target, targets, predicted, metrics, details, params.data)
    write_report(target, report, task, f"{params.model_name}: evaluation of run {out.run_id}")
    return {"evaluation": out.artifact("evaluation", "ModelEvaluation", blessed=blessed, metrics=metrics,
                                       baseline=baseline, reasons=reasons)}


def write_plots(task: str, target: Path, targets, predicted, metrics, details, data) -> None:
    """The evaluation's PNGs: a forecast for series; confusion matrix and slices for classes; none
    for language models (their metrics are single numbers)."""
    if task == "language_model":
        return
    from components.plots import (plot_calibration, plot_confusion_matrix, plot_forecast, plot_mistakes,
                                  plot_slices)

    for by, slices in details.get("slices", {}).items():
        if task == "regression":
            plot_slices(slices, target / f"rmse_by_{by}.png", f"test RMSE by {by} (persistence in grey)",
                        metric="rmse", reference="persistence_rmse")
        elif by == "length":
            plot_slices(slices, target / "accuracy_by_length.png", "accuracy by review length (words)")
    if task == "regression":
        order = np.argsort(targets["times"])
        plot_forecast(targets["times"][order].astype("datetime64[s]"), targets["truth"][order, 0],
                      predicted["predictions"][order, 0], targets["persistence"][order, 0], target / "forecast.png",
                      f"test: RMSE {metrics['rmse']:.3f} vs persistence {metrics['persistence_rmse']:.3f}")
        return
    if task == "multiclass":
        plot_confusion_matrix(details["confusion_matrix"], list(data.class_names), target / "confusion_matrix.png",
                              f"test accuracy {metrics['accuracy']:.4f}")
        plot_mistakes(targets["images"], targets["truth"], predicted["probabilities"], list(data.class_names),
                      target / "worst_mistakes.png")
        return
    plot_confusion_matrix(details["confusion_matrix"], ["negative", "positive"], target / "confusion_matrix.png",
                          f"test accuracy {metrics['accuracy']:.3f}, AUC {metrics['auc']:.3f}")
    plot_calibration(details["calibration"]["bins"], target / "calibration.png",
                     f"calibration (ECE {details['calibration']['expected_calibration_error']:.3f})")


def format_number(value: Any) -> str:
    """A metric for the report: 4 significant decimals, ``-`` when missing."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "-"
    return f"{value:.4f}" if isinstance(value, float) else str(value)


def html_table(header: Sequence[str], rows: Sequence[Sequence[Any]]) -> str:
    """An HTML table with escaped cells."""
    head = "".join(f"<th>{html.escape(str(cell))}</th>" for cell in header)
    body = "".join("<tr>" + "".join(f"<td>{html.escape(format_number(cell))}</td>" for cell in row) + "</tr>"
                   for row in rows)
    return f"<table><tr>{head}</tr>{body}</table>"


def write_report(target: Path, report: Mapping[str, Any], task: str, title: str) -> None:
    """``report.html``: the verdict, candidate and baseline side by side, slices, and the PNGs."""
    baseline = report.get("baseline") or {}
    theirs = baseline.get("metrics", {})
    rows = []
    for name, ours in report["metrics"].items():
        delta = ours - theirs[name] if name in theirs and ours is not None and theirs[name] is not None else None
        better = "" if delta is None or delta == 0 else (
            "better" if (delta > 0) == METRICS[task].get(name, True) else "worse")
        rows.append([name, ours, theirs.get(name), delta, better])
    verdict = "BLESSED" if report["blessed"] else "NOT BLESSED"
    parts = [f"<h1>{html.escape(title)}</h1>",
             f"<p class='{'ok' if report['blessed'] else 'bad'}'><b>{verdict}</b></p>",
             "<ul>" + "".join(f"<li>{html.escape(reason)}</li>" for reason in report["reasons"]) + "</ul>",
             f"<p>{report['test_examples']} test examples. Baseline: "
             + (f"served version {baseline['version']}, re-scored on the same examples." if baseline else "none "
                "(first version).") + "</p>",
             "<h2>Candidate and baseline</h2>",
             html_table(["metric", "candidate", f"baseline v{baseline.get('version', '-')}", "difference", ""], rows)]
    their_slices = baseline.get("slices", {})
    for name, slices in report.get("slices", {}).items():
        columns = sorted({key for values in slices.values() for key in values})
        header = ["slice", *columns, *(f"baseline {c}" for c in columns if c != "count")]
        table = [[slice_name, *(values.get(c) for c in columns),
                  *(their_slices.get(name, {}).get(slice_name, {}).get(c) for c in columns if c != "count")]
                 for slice_name, values in slices.items()]
        parts += [f"<h2>Slices by {html.escape(name)}</h2>", html_table(header, table)]
    calibration = report.get("calibration")
    if calibration:
        parts.append(f"<p>Expected calibration error: {format_number(calibration['expected_calibration_error'])}</p>")
    for image in sorted(target.glob("*.png")):
        parts.append(f"<h3>{html.escape(image.stem.replace('_', ' '))}</h3><img src='{html.escape(image.name)}'>")
    style = ("body{font-family:sans-serif;margin:2em;max-width:70em} table{border-collapse:collapse;margin:1em 0}"
             "td,th{border:1px solid #ccc;padding:3px 8px;text-align:right} .ok{color:#080} .bad{color:#b00}"
             "img{max-width:100%}")
    page = (f"<!doctype html><html><head><meta charset='utf-8'><title>{html.escape(title)}</title>"
            f"<style>{style}</style></head><body>{''.join(parts)}</body></html>\n")
    (target / "report.html").write_text(page, encoding="utf-8")


SPEC = ComponentSpec(name=NAME, inputs=INPUTS, outputs=OUTPUTS, params_type=EvaluatorParams, run=run,
                     baseline=baseline_identity)
