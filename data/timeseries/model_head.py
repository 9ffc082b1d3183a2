"""The time-series model head: inputs and labels, shape, original units, evaluation targets."""

from __future__ import annotations

from dataclasses import replace

from data.contract import HighwayInputs
from data.timeseries.config import FEATURES_KEY, LABEL_KEY, RIDGES, TimeseriesData


def model_io(features):
    """Splits parsed transformed features into model inputs and labels."""
    return features[FEATURES_KEY], features[LABEL_KEY]


def model_shape(cfg: TimeseriesData, tft_output) -> tuple[list[int], int, None]:
    """Model input shape, number of outputs, and vocabulary size (none for series).

    The width is ``n_channels`` of the config transform fitted with (:func:`resolved_config`: its
    frequency may be the inferred one), as the transform graph's ``inputs`` record it; without a
    graph, ``cfg.n_channels``.
    """
    width = cfg.n_channels
    if tft_output is not None:
        width = tft_output.transformed_feature_spec()[FEATURES_KEY].shape[-1]
    return [cfg.window, int(width)], cfg.horizon, None


def resolved_config(cfg: TimeseriesData, properties) -> TimeseriesData:
    """``cfg`` with the frequency example_gen recorded (given, else inferred) when it names none."""
    recorded = properties.get("frequency") or ""
    return cfg if cfg.frequency or not recorded else replace(cfg, frequency=recorded)


def highway_inputs(cfg: TimeseriesData) -> HighwayInputs:
    """The linear highway of series models: on, over every input channel of the whole window.

    The highway is then the evaluator's linear baseline itself (the same inputs, and a ridge
    chosen from the same penalties on the eval windows): the trainer starts it at that closed-form
    fit, with the recurrent head at zero, and keeps that starting point when no epoch beats it on
    the eval windows, so the model is never worse there than the linear forecast; the recurrent part
    learns what it misses. ``model.highway_lags`` keeps only the last N steps (0 turns the highway
    off). With ``target_mode: level`` the label and the target's channel share one scaling (the
    value channels come first in the inputs, see ``preprocessing.py``), so the untrained highway is
    persistence: a weight of 1 on the last value; with ``change`` a zero highway forecasts no change.
    """
    return HighwayInputs(channels=tuple(range(cfg.n_channels)), lags=cfg.window,
                         persistence=cfg.value_columns.index(cfg.target) if cfg.target_mode == "level" else None,
                         ridges=RIDGES)


def to_original_units(predictions, features):
    """Undoes the scaling of model outputs (around the mean, or the last value in ``change`` mode)."""
    return predictions * features["target_std"][:, None] + features["target_mean"][:, None]


def evaluation_targets(raw, cfg: TimeseriesData) -> dict:
    """Truth, persistence forecast ("tomorrow = today") and target times of parsed raw examples."""
    target_index = cfg.value_columns.index(cfg.target)
    history = raw["history"].numpy().reshape(-1, cfg.window, cfg.n_values)
    last = history[:, -1, target_index]
    truth = raw["target"].numpy()
    return {"truth": truth, "persistence": last[:, None].repeat(cfg.horizon, axis=1),
            "times": raw["target_timestamps"].numpy()[:, 0]}
