"""Reference forecasts of the test windows: persistence, seasonal naive and a linear autoregression.

All three see only what the model sees. Persistence repeats the last observed value; seasonal
naive repeats the value one season before each target step (the last season, repeated, over a
long horizon); the linear autoregression is a least-squares fit (with a small ridge for stability)
of the scaled target on the model's own transformed inputs of the train windows, put back in the
target's units as the model's predictions are. Its penalty is the one of :data:`RIDGES` that
forecasts the eval windows best (the smallest when there are none).
"""

from __future__ import annotations

from typing import Any, Callable, Mapping

import numpy as np

from data.contract import BaselineForecasts, EvaluationSplit
from data.timeseries.config import FEATURES_KEY, LABEL_KEY, RIDGES, TimeseriesData
from data.timeseries.frequency import infer_frequency, parse_frequency
from data.timeseries.model_head import to_original_units

RIDGE = 1e-3
"""The default ridge penalty of :func:`fit_linear` (on the weights, not the intercept)."""
CHUNK = 4096
"""Windows per step of the normal equations' sums."""


def seasonal_naive(history: np.ndarray, mask: np.ndarray, horizon: int, season: int) -> np.ndarray:
    """Each target step's value one season earlier: step ``k`` (1-based) of a window ending at ``t``
    takes the value at ``t + 1 + (k - 1) % season - season``.

    A step inside the window's left padding (a short series) falls back to the last value.

    Args:
        history: The target column of the windows, ``[windows, window]``.
        mask: 1 for a real step, 0 for left padding, ``[windows, window]``.
        horizon: Target steps per window.
        season: Steps per season, at most the window; 1 is persistence.

    Returns:
        ``[windows, horizon]``.
    """
    window = history.shape[1]
    if not 1 <= season <= window:
        raise ValueError(f"season {season} must lie in [1, window={window}]")
    positions = window - season + np.arange(horizon) % season
    values, real = history[:, positions], mask[:, positions] > 0
    return np.where(real, values, history[:, -1:])


def persistence(history: np.ndarray, mask: np.ndarray, horizon: int) -> np.ndarray:
    """The last observed value repeated over the horizon ("tomorrow = today"), ``[windows, horizon]``."""
    return seasonal_naive(history, mask, horizon, 1)


def design(inputs: np.ndarray) -> np.ndarray:
    """The regression's design matrix: the flattened inputs and a column of ones (the intercept)."""
    flat = inputs.reshape(len(inputs), -1).astype(np.float64)
    return np.concatenate([flat, np.ones((len(flat), 1))], axis=1)


def fit_linear(inputs: np.ndarray, labels: np.ndarray, ridge: float = RIDGE) -> np.ndarray:
    """Closed-form ridge regression ``(X'X + ridge I) w = X'y`` of labels on flattened inputs.

    Args:
        inputs: ``[windows, ...]`` model inputs.
        labels: ``[windows, outputs]`` (scaled) targets.
        ridge: The penalty on every weight but the intercept's.

    Returns:
        Weights ``[features + 1, outputs]``, the intercept last.
    """
    return solve_ridge(*normal_equations(inputs, labels), ridge)


def normal_equations(inputs: np.ndarray, labels: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``X'X`` and ``X'y`` of the flattened inputs (with the intercept's column) and the labels."""
    labels = labels.reshape(len(labels), -1).astype(np.float64)
    width = int(np.prod(inputs.shape[1:])) + 1
    gram, moment = np.zeros((width, width)), np.zeros((width, labels.shape[1]))
    for start in range(0, len(inputs), CHUNK):  # a chunk at a time: long series have many wide windows
        x = design(inputs[start:start + CHUNK])
        gram += x.T @ x
        moment += x.T @ labels[start:start + CHUNK]
    return gram, moment


def solve_ridge(gram: np.ndarray, moment: np.ndarray, ridge: float) -> np.ndarray:
    """The weights solving ``(X'X + ridge I') w = X'y``, ``I'`` sparing the intercept (last)."""
    penalty = np.full(len(gram), ridge)
    penalty[-1] = 0.0
    return np.linalg.solve(gram + np.diag(penalty), moment)


def chosen_linear(train: EvaluationSplit, held_out: EvaluationSplit) -> tuple[np.ndarray, float]:
    """The linear autoregression fitted on ``train`` with the penalty of :data:`RIDGES` (times the
    train windows) whose scaled forecasts of ``held_out`` have the least squared error.

    Returns:
        ``(weights, penalty)``.
    """
    inputs, labels = np.asarray(train.transformed[FEATURES_KEY]), np.asarray(train.transformed[LABEL_KEY])
    gram, moment = normal_equations(inputs, labels)
    candidates = [(solve_ridge(gram, moment, ratio * len(inputs)), ratio * len(inputs)) for ratio in RIDGES]
    if not len(held_out.transformed.get(FEATURES_KEY, ())):
        return candidates[0]
    held_inputs = np.asarray(held_out.transformed[FEATURES_KEY])
    held_labels = np.asarray(held_out.transformed[LABEL_KEY]).reshape(len(held_inputs), -1)
    return min(candidates, key=lambda found: float(np.mean((predict_linear(found[0], held_inputs) - held_labels) ** 2)))


def predict_linear(weights: np.ndarray, inputs: np.ndarray) -> np.ndarray:
    """The fitted regression's outputs for ``inputs``, ``[windows, outputs]``."""
    return design(inputs) @ weights


def season_of(cfg: TimeseriesData, frequency: str, times: np.ndarray) -> tuple[int, str]:
    """The seasonal period in steps, and where it came from.

    ``data.season`` when set; else the natural season of the frequency (``data.frequency``, the
    one recorded with the examples, or the one inferred from ``times``): 24 hourly, 7 daily,
    12 monthly, 1 (none) yearly.
    """
    if cfg.season:
        return cfg.season, "data.season"
    text = cfg.frequency or frequency
    found = parse_frequency(text) if text else infer_frequency(np.unique(times).tolist()).frequency
    return found.season(), f"frequency {found.text}"


def series_of(ids: np.ndarray) -> tuple[str, ...]:
    """The series name of each window id (``<series>:<first target row>``)."""
    return tuple((i.decode() if isinstance(i, bytes) else str(i)).rpartition(":")[0] for i in ids)


def baseline_forecasts(cfg: TimeseriesData, examples: Callable[[str], EvaluationSplit],
                       properties: Mapping[str, Any]) -> BaselineForecasts:
    """Persistence, seasonal naive and linear forecasts of the test windows, in the target's units.

    Args:
        cfg: The series config.
        examples: Split name -> its raw and transformed windows.
        properties: The examples artifact's properties (``frequency`` when recorded).
    """
    test = examples("test")
    target_index = cfg.value_columns.index(cfg.target)
    history = np.asarray(test.raw["history"]).reshape(-1, cfg.window, cfg.n_values)[..., target_index]
    mask = np.asarray(test.raw["mask"]).reshape(-1, cfg.window)
    forecasts = {"persistence": persistence(history, mask, cfg.horizon)}
    unavailable = {}
    try:
        season, source = season_of(cfg, str(properties.get("frequency") or ""), np.asarray(test.raw["timestamps"])[mask > 0])
    except ValueError as error:
        season, source = 0, ""
        unavailable["seasonal_naive"] = f"no season: {error}"
    if season == 1:
        unavailable["seasonal_naive"] = f"{source} has no season; set data.season"
    elif season > cfg.window:
        unavailable["seasonal_naive"] = (f"the window ({cfg.window} steps) is shorter than the season "
                                         f"({season} steps, {source}); raise data.window or set data.season")
    elif season:
        forecasts["seasonal_naive"] = seasonal_naive(history, mask, cfg.horizon, season)
    train, ridge = examples("train"), None
    if len(train.transformed[FEATURES_KEY]):
        weights, ridge = chosen_linear(train, examples("eval"))
        scaled = predict_linear(weights, np.asarray(test.transformed[FEATURES_KEY]))
        forecasts["linear"] = np.asarray(to_original_units(scaled, test.transformed))
    else:
        unavailable["linear"] = "no train windows to fit it on"
    return BaselineForecasts(forecasts=forecasts, unavailable=unavailable, groups=series_of(np.asarray(test.raw["id"])),
                             facts={"season": season, "season_source": source, "linear_ridge": ridge})
