"""The series baselines (persistence, seasonal naive, linear autoregression) against NumPy by hand."""

import numpy as np
import pytest

from components.evaluator import EvaluatorParams, decide_blessing
from components.evaluator.forecast_baselines import baseline_metrics, baselines_section
from data.contract import BaselineForecasts, EvaluationSplit
from data.timeseries import TimeseriesData
from data.timeseries.baselines import (baseline_forecasts, fit_linear, predict_linear, season_of,
                                      seasonal_naive)
from data.timeseries.config import RIDGES

SERIES = np.array([3.0, 5.0, 4.0, 8.0, 6.0, 7.0, 9.0, 8.0, 12.0, 10.0])


def windows(series, window, horizon):
    """Every (history, target) pair of a series, by hand."""
    starts = range(window, len(series) - horizon + 1)
    return (np.array([series[s - window:s] for s in starts]), np.array([series[s:s + horizon] for s in starts]))


def test_seasonal_naive_repeats_the_last_season_over_the_horizon():
    history, _ = windows(SERIES, 4, 3)
    mask = np.ones_like(history)
    forecast = seasonal_naive(history, mask, horizon=3, season=2)
    # A window ending at t: step 1 takes t-1, step 2 takes t, step 3 takes t-1 again.
    assert forecast.tolist() == [[h[-2], h[-1], h[-2]] for h in history.tolist()]
    assert seasonal_naive(history, mask, 3, 1).tolist() == [[h[-1]] * 3 for h in history.tolist()]
    with pytest.raises(ValueError, match="season 5 must lie in"):
        seasonal_naive(history, mask, 3, 5)


def test_seasonal_naive_falls_back_to_the_last_value_inside_the_padding():
    history = np.array([[0.0, 0.0, 2.0, 3.0]])
    mask = np.array([[0.0, 0.0, 1.0, 1.0]])
    assert seasonal_naive(history, mask, 2, 3).tolist() == [[3.0, 2.0]]


def test_linear_fit_matches_a_least_squares_solution():
    history, target = windows(SERIES, 3, 1)
    weights = fit_linear(history[:, :, None], target, ridge=0.0)
    design = np.column_stack([history, np.ones(len(history))])
    expected, *_ = np.linalg.lstsq(design, target, rcond=None)
    np.testing.assert_allclose(weights, expected, rtol=1e-6, atol=1e-8)
    np.testing.assert_allclose(predict_linear(weights, history[:, :, None]), design @ expected, rtol=1e-6)
    # The ridge shrinks the weights but not the intercept's column away.
    assert np.linalg.norm(fit_linear(history[:, :, None], target, ridge=100.0)[:-1]) < np.linalg.norm(expected[:-1])


def test_the_season_comes_from_data_season_then_the_frequency():
    times = np.arange(0, 48) * 3600.0
    assert season_of(TimeseriesData(season=5), "", times) == (5, "data.season")
    assert season_of(TimeseriesData(frequency="1MS"), "1D", times) == (12, "frequency 1MS")
    assert season_of(TimeseriesData(), "1D", times) == (7, "frequency 1D")
    assert season_of(TimeseriesData(), "", times) == (24, "frequency 1h")


def kind_split(series, cfg, scale=2.0, center=1.0):
    """A split as the evaluator builds it: raw windows, and 'transformed' ones scaled as the model's."""
    history, target = windows(series, cfg.window, cfg.horizon)
    n = len(history)
    return EvaluationSplit(
        raw={"history": history, "mask": np.ones_like(history), "target": target,
             "timestamps": np.arange(n)[:, None] * 86400 + np.arange(cfg.window) * 86400,
             "id": np.array([f"s{i % 2}:{i}".encode() for i in range(n)])},
        transformed={"inputs": ((history - center) / scale)[:, :, None], "target": (target - center) / scale,
                     "target_mean": np.full(n, center), "target_std": np.full(n, scale)})


def test_the_kind_forecasts_each_baseline_on_the_test_windows():
    cfg = TimeseriesData(window=3, horizon=1, frequency="1D", season=2)
    splits = {"train": kind_split(SERIES, cfg), "eval": kind_split(SERIES[::-1] + 1.0, cfg),
              "test": kind_split(SERIES[3:] * 1.5, cfg)}
    found = baseline_forecasts(cfg, splits.__getitem__, {})
    history = splits["test"].raw["history"]
    np.testing.assert_allclose(found.forecasts["persistence"], history[:, -1:])
    np.testing.assert_allclose(found.forecasts["seasonal_naive"], history[:, -2:-1])

    # The linear fit: ridge least squares on the scaled train inputs, its penalty the one of RIDGES
    # (per train window) that forecasts the eval windows best, then back in original units.
    def scaled_design(split):
        return np.column_stack([(split.raw["history"] - 1.0) / 2.0, np.ones(len(split.raw["history"]))])

    train_x, train_y = scaled_design(splits["train"]), (splits["train"].raw["target"] - 1.0) / 2.0
    fits = {}
    for ratio in RIDGES:
        ridge = ratio * len(train_x)
        weights = np.linalg.solve(train_x.T @ train_x + np.diag([ridge] * 3 + [0.0]), train_x.T @ train_y)
        eval_error = np.mean((scaled_design(splits["eval"]) @ weights - (splits["eval"].raw["target"] - 1.0) / 2.0) ** 2)
        fits[ridge] = (eval_error, weights)
    best = min(fits, key=lambda ridge: fits[ridge][0])
    assert found.facts == {"season": 2, "season_source": "data.season", "linear_ridge": best}
    expected = scaled_design(splits["test"]) @ fits[best][1] * 2.0 + 1.0
    np.testing.assert_allclose(found.forecasts["linear"], expected, rtol=1e-9)
    assert found.groups == ("s0", "s1", "s0", "s1")


def test_a_window_shorter_than_the_season_makes_seasonal_naive_unavailable_with_the_reason():
    cfg = TimeseriesData(window=3, horizon=1, frequency="1D")  # season 7
    split = kind_split(SERIES, cfg)
    found = baseline_forecasts(cfg, lambda name: split, {})
    assert "seasonal_naive" not in found.forecasts
    assert found.unavailable["seasonal_naive"] == ("the window (3 steps) is shorter than the season (7 steps, "
                                                   "frequency 1D); raise data.window or set data.season")
    yearly = baseline_forecasts(TimeseriesData(window=3, frequency="1Y"), lambda name: split, {})
    assert yearly.unavailable["seasonal_naive"] == "frequency 1Y has no season; set data.season"


def test_the_section_scores_each_baseline_overall_and_per_series_and_blessing_bounds_the_ratio():
    truth = np.array([[1.0], [2.0], [3.0], [4.0]])
    model = truth + np.array([[0.5], [-0.5], [1.0], [-1.0]])
    forecasts = BaselineForecasts(forecasts={"persistence": truth + 2.0, "linear": truth + 1.0},
                                  unavailable={"seasonal_naive": "why"}, groups=("a", "a", "b", "b"))
    section = baselines_section(truth, model, forecasts)
    model_rmse = np.sqrt(np.mean((model - truth) ** 2))
    assert section["persistence"] == {"rmse": pytest.approx(2.0), "mae": pytest.approx(2.0)}
    assert section["linear"] == {"rmse": pytest.approx(1.0), "mae": pytest.approx(1.0)}
    assert section["seasonal_naive"] == {"unavailable": "why"}
    assert section["best_baseline"] == "linear"
    assert section["rmse_vs_best_baseline"] == pytest.approx(model_rmse)
    assert section["series"]["a"]["count"] == 2
    assert section["series"]["a"]["model"]["rmse"] == pytest.approx(0.5)
    assert section["series"]["b"]["rmse_vs_best_baseline"] == pytest.approx(1.0)
    metrics = {"rmse": model_rmse, **baseline_metrics(section, model_rmse)}
    assert "seasonal_naive_rmse" not in metrics and metrics["linear_mae"] == pytest.approx(1.0)
    params = EvaluatorParams(TimeseriesData(), upper_bounds={"rmse_vs_best_baseline": 0.5})
    blessed, reasons = decide_blessing(metrics, None, params, "regression")
    assert not blessed and reasons == [f"rmse_vs_best_baseline={model_rmse:.4f} is above the upper bound 0.5"]
    unmeasured = decide_blessing({"rmse": 1.0}, None, params, "regression")[1]
    assert unmeasured == ["rmse_vs_best_baseline was not measured, so its upper bound 0.5 cannot be checked"]
