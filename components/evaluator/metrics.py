"""The evaluator's metrics: what each task measures, and the numbers from truth and predictions."""

from __future__ import annotations

import math
from typing import Any

import numpy as np

# Metric name -> True when larger is better.
METRICS = {
    "regression": {"rmse": False, "mae": False, "mape": False, "persistence_rmse": False,
                   "persistence_mae": False, "rmse_vs_persistence": False,
                   # Reference forecasts of kinds that have them (series): see forecast_baselines.
                   "seasonal_naive_rmse": False, "seasonal_naive_mae": False, "linear_rmse": False,
                   "linear_mae": False, "rmse_vs_best_baseline": False},
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
