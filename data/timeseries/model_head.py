"""The time-series model head: inputs and labels, shape, original units, evaluation targets."""

from __future__ import annotations

from dataclasses import replace

from data.contract import HighwayInputs
from data.timeseries.config import FEATURES_KEY, LABEL_KEY, TimeseriesData
from data.timeseries.frequency import parse_frequency

HIGHWAY_LAGS = 24
"""The linear highway's steps when the season is unknown (as in LSTNet, Lai et al. 2018)."""


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
    """The linear highway of series models: on, over the scaled value channels, two seasons long.

    The value channels come first in the model inputs (see ``preprocessing.py``). The default
    lags are two seasons (``data.season``, else the natural season of ``data.frequency``): the
    linear term then holds persistence, the seasonal naive forecast and the seasonal difference
    (the value a season back and the one before it, as in the classic airline model). Without
    a known season, :data:`HIGHWAY_LAGS` (LSTNet's highway window); never more than the window.
    ``model.highway_lags`` overrides them (0 turns the highway off). It starts as persistence:
    with ``target_mode: level`` the label and the target's channel share one scaling, so a
    weight of 1 on its last value repeats it; with ``change`` a zero highway forecasts no change.
    """
    season = cfg.season or (parse_frequency(cfg.frequency).season() if cfg.frequency else 0)
    return HighwayInputs(channels=tuple(range(cfg.n_values)),
                         lags=min(cfg.window, 2 * season if season > 1 else HIGHWAY_LAGS),
                         persistence=cfg.value_columns.index(cfg.target) if cfg.target_mode == "level" else None)


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
