"""Reference forecasts in the evaluator: the kind's baselines scored on the test examples, overall
and per series, and the model's ratio to the best of them.

(The "baseline" of the rest of the evaluator is the served model; these are forecasts the
candidate must beat: persistence, seasonal naive, a linear autoregression.)
"""

from __future__ import annotations

import functools
import math
from typing import Any, Callable, Mapping

import numpy as np

from data.contract import BaselineForecasts, EvaluationSplit

TRANSFORM_BATCH = 1024
"""Examples per call of the transform graph."""


def split_reader(read: Callable[[str], list[bytes]], test_records: list[bytes], raw_spec: Mapping,
                 tft_output) -> Callable[[str], EvaluationSplit]:
    """A split name -> :class:`EvaluationSplit` function: parsed raw features and the transform
    graph's outputs as NumPy arrays; ``test`` is ``test_records``, in their order.

    Args:
        read: Split name -> its serialized raw examples.
        test_records: The test examples the model is scored on.
        raw_spec: The kind's raw feature spec.
        tft_output: The ``tft.TFTransformOutput`` of the transform graph.
    """
    import tensorflow as tf

    @functools.cache
    def layer():  # loaded on the first call: kinds without reference forecasts never call
        return tft_output.transform_features_layer()

    def examples(split: str) -> EvaluationSplit:
        records = test_records if split == "test" else read(split)
        raw_parts, transformed_parts = [], []
        for start in range(0, len(records), TRANSFORM_BATCH):
            raw = tf.io.parse_example(tf.constant(records[start:start + TRANSFORM_BATCH]), raw_spec)
            transformed_parts.append({k: v.numpy() for k, v in layer()(dict(raw)).items()})
            raw_parts.append({k: v.numpy() for k, v in raw.items()})
        return EvaluationSplit(raw=joined(raw_parts, raw_spec), transformed=joined(transformed_parts, {}))

    return examples


def joined(parts: list[dict[str, np.ndarray]], names: Mapping) -> dict[str, np.ndarray]:
    """Batches of arrays joined along the examples; ``names`` when there are no batches."""
    if not parts:
        return {name: np.zeros((0,)) for name in names}
    return {name: np.concatenate([part[name] for part in parts]) for name in parts[0]}


def errors(truth: np.ndarray, forecast: np.ndarray) -> dict[str, float]:
    """RMSE and MAE of a forecast."""
    error = np.asarray(forecast) - truth  # in the truth's precision, as regression_metrics
    return {"rmse": float(np.sqrt(np.mean(error ** 2))), "mae": float(np.mean(np.abs(error)))}


def compared(truth: np.ndarray, predicted: np.ndarray, forecasts: BaselineForecasts,
             inside: np.ndarray) -> dict[str, Any]:
    """The model and each baseline on the examples ``inside``, the best baseline and the ratio."""
    section: dict[str, Any] = {"count": int(inside.sum()), "model": errors(truth[inside], predicted[inside])}
    for name, forecast in forecasts.forecasts.items():
        section[name] = errors(truth[inside], np.asarray(forecast)[inside])
    for name, reason in forecasts.unavailable.items():
        section[name] = {"unavailable": reason}
    best = min(forecasts.forecasts, key=lambda name: section[name]["rmse"]) if forecasts.forecasts else None
    section["best_baseline"] = best
    best_rmse = section[best]["rmse"] if best else math.nan
    section["rmse_vs_best_baseline"] = section["model"]["rmse"] / best_rmse if best_rmse else math.nan
    return section


def baselines_section(truth: np.ndarray, predicted: np.ndarray, forecasts: BaselineForecasts) -> dict[str, Any]:
    """``metrics.json``'s ``baselines``: each baseline's RMSE and MAE (or why it is unavailable),
    the best one and the model's RMSE ratio to it, overall and per series (``series``), with the
    facts they were built with (the season)."""
    truth, predicted = np.asarray(truth), np.asarray(predicted)
    overall = compared(truth, predicted, forecasts, np.ones(len(truth), bool))
    groups = np.asarray(forecasts.groups or [""] * len(truth))
    series = {str(name): compared(truth, predicted, forecasts, groups == name) for name in sorted(set(groups.tolist()))}
    return {**overall, **forecasts.facts, "series": series}


def baseline_metrics(section: Mapping[str, Any], rmse: float) -> dict[str, float]:
    """Flat metrics from a baselines section, for a model of RMSE ``rmse``: each available
    baseline's ``<name>_rmse`` / ``<name>_mae`` and ``rmse_vs_best_baseline``."""
    metrics = {}
    for name, values in section.items():
        if isinstance(values, Mapping) and "rmse" in values and name not in ("model", "series"):
            metrics[f"{name}_rmse"], metrics[f"{name}_mae"] = values["rmse"], values["mae"]
    best = section.get("best_baseline")
    best_rmse = section[best]["rmse"] if best else math.nan
    metrics["rmse_vs_best_baseline"] = rmse / best_rmse if best_rmse else math.nan
    return metrics
