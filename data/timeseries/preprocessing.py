"""The time-series tf.Transform ``preprocessing_fn``: train-only z-scores, masks, calendar and categories.

The model's input channels per step, in order (``TimeseriesData.n_channels`` counts them):

1. the value columns, each a z-score with train statistics (target and numeric covariates alike);
2. the real-step mask (1 = a step of the series, 0 = left padding);
3. the filled mask (1 = the value was interpolated), when ``data.missing`` is ``interpolate``;
4. a sine and a cosine per calendar feature of the frequency (:mod:`data.timeseries.calendar`),
   when ``data.calendar_features``;
5. the one-hot categories of each ``data.categorical_columns`` (:mod:`data.timeseries.covariates`).
"""

from __future__ import annotations

from data.timeseries.calendar import calendar_channels
from data.timeseries.config import FEATURES_KEY, LABEL_KEY, TimeseriesData
from data.timeseries.covariates import category_channels

UNSEEN_KEY = "unseen_categories"
"""Transformed feature: a window's category cells unseen at train (only with categorical columns)."""


def make_preprocessing_fn(cfg: TimeseriesData):
    """Builds the tf.Transform ``preprocessing_fn``: z-scores with train-only statistics, masks,
    calendar channels and one-hot categories (vocabularies fitted on train).

    Outputs ``inputs`` [window, n_channels], ``target`` [horizon] (scaled), the target
    column's ``target_mean`` / ``target_std`` so predictions can be put back in original units,
    ``last_value``, and ``unseen_categories`` when there are categorical columns.
    """
    n_values, window = cfg.n_values, cfg.window
    target_index = cfg.value_columns.index(cfg.target)
    calendar = cfg.calendar_names
    columns = cfg.categorical_columns
    filled_channel = cfg.has_filled_channel
    predict_change = cfg.target_mode == "change"
    n_channels = cfg.n_channels

    def preprocessing_fn(inputs):
        import tensorflow as tf
        import tensorflow_transform as tft

        history = tf.reshape(inputs["history"], [-1, window, n_values])
        mask = inputs["mask"]
        # Each row is the last history step of exactly one window: count every row once.
        observed = tf.boolean_mask(history[:, -1, :], mask[:, -1] > 0)
        mean = tft.mean(observed, reduce_instance_dims=False)
        std = tf.sqrt(tft.var(observed, reduce_instance_dims=False))
        std = tf.where(std > 1e-8, std, tf.ones_like(std))
        scaled = (history - mean) / std * mask[..., None]
        channels = [scaled, mask[..., None]]
        if filled_channel:
            channels.append(tf.reshape(inputs["filled"], [-1, window, 1]) * mask[..., None])
        if calendar:
            channels.append(calendar_channels(inputs["timestamps"], calendar) * mask[..., None])
        outputs = {}
        if columns:
            categories = tf.reshape(inputs["categories"], [-1, window, len(columns)])
            one_hot, outputs[UNSEEN_KEY] = category_channels(categories, mask, columns)
            channels.append(one_hot)
        features = tf.concat(channels, axis=-1)
        features = tf.ensure_shape(features, [None, window, n_channels])  # n_channels: the model's width
        batch = tf.shape(mask)[0]
        last_value = history[:, -1, target_index]
        # Predictions come back as label * target_std + target_mean (see to_original_units).
        center = last_value[:, None] if predict_change else tf.fill([batch, 1], mean[target_index])
        return {
            FEATURES_KEY: features,
            LABEL_KEY: (inputs["target"] - center) / std[target_index],
            "target_mean": center[:, 0],
            "target_std": tf.fill([batch], std[target_index]),
            "last_value": last_value,
            **outputs,
        }

    return preprocessing_fn
