"""The time-series tf.Transform ``preprocessing_fn``: train-only z-scores, mask and calendar channels."""

from __future__ import annotations

import math

from data.timeseries.config import DAYS_PER_YEAR, FEATURES_KEY, LABEL_KEY, SECONDS_PER_DAY, TimeseriesData


def calendar_channels(timestamps):
    """Day-of-year and day-of-week sine/cosine of unix-second timestamps, [..., 4]."""
    import tensorflow as tf

    days = tf.cast(timestamps, tf.float64) / SECONDS_PER_DAY
    year_phase = 2.0 * math.pi * days / DAYS_PER_YEAR
    week_phase = 2.0 * math.pi * tf.math.floormod(days + 3.0, 7.0) / 7.0  # 1970-01-01 was a Thursday
    return tf.cast(tf.stack([tf.sin(year_phase), tf.cos(year_phase),
                             tf.sin(week_phase), tf.cos(week_phase)], axis=-1), tf.float32)


def make_preprocessing_fn(cfg: TimeseriesData):
    """Builds the tf.Transform ``preprocessing_fn``: z-scores with train-only statistics.

    Outputs ``inputs`` [window, channels], ``target`` [horizon] (scaled), and the target
    column's ``target_mean`` / ``target_std`` so predictions can be put back in original units.
    """
    n_values, window = cfg.n_values, cfg.window
    target_index = cfg.value_columns.index(cfg.target)
    calendar = cfg.calendar_features
    predict_change = cfg.target_mode == "change"

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
        if calendar:
            channels.append(calendar_channels(inputs["timestamps"]) * mask[..., None])
        batch = tf.shape(mask)[0]
        last_value = history[:, -1, target_index]
        # Predictions come back as label * target_std + target_mean (see to_original_units).
        center = last_value[:, None] if predict_change else tf.fill([batch, 1], mean[target_index])
        return {
            FEATURES_KEY: tf.concat(channels, axis=-1),
            LABEL_KEY: (inputs["target"] - center) / std[target_index],
            "target_mean": center[:, 0],
            "target_std": tf.fill([batch], std[target_index]),
            "last_value": last_value,
        }

    return preprocessing_fn
