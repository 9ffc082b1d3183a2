"""Time-series serving signatures: serialized tf.Examples and raw history windows.

Both run the same tf.Transform layer inside the SavedModel, so they agree on every channel.
``serving_raw`` takes what a client has: the history values (NaN where one is missing: with
``missing: interpolate`` the model fills it and marks the step in the filled mask, see
:mod:`data.timeseries.filling`), their unix-second timestamps (with calendar features) and the
categories (with categorical columns). ``serving_default`` reads a raw tf.Example without a
``filled`` feature as observed everywhere.
"""

from __future__ import annotations

from data.timeseries.config import FEATURES_KEY, TimeseriesData
from data.timeseries.filling import interpolate_missing
from data.timeseries.model_head import to_original_units
from data.timeseries.preprocessing import UNSEEN_KEY
from data.timeseries.records import raw_feature_spec

RAW_ONLY = ("target", "target_timestamps", "id")
"""Raw features serving does not take (the truth and the record id)."""


def raw_inputs(cfg: TimeseriesData) -> dict:
    """The ``serving_raw`` inputs: name -> ``tf.TensorSpec`` (one column: no trailing axis)."""
    import tensorflow as tf

    def per_step(width: int, dtype, name: str):
        return tf.TensorSpec([None, cfg.window] + ([width] if width > 1 else []), dtype, name=name)

    inputs = {"history": per_step(cfg.n_values, tf.float32, "history")}
    if cfg.calendar_features:  # whatever the frequency (it may be inferred at example_gen)
        inputs["timestamps"] = per_step(1, tf.int64, "timestamps")
    if cfg.categorical_columns:
        inputs["categories"] = per_step(len(cfg.categorical_columns), tf.string, "categories")
    return inputs


def serving_signatures(module, cfg: TimeseriesData) -> dict:
    """Adds serving functions to ``module`` (which tracks ``model`` and ``tft_layer``).

    Returns:
        ``{"serving_default": ..., "serving_raw": ...}``. Both output ``predictions``
        [n, horizon] in original units and, with categorical columns, ``unseen_categories`` [n]:
        the category cells of each window not seen at train (they went to the OOV bucket).
    """
    import tensorflow as tf

    spec = {k: v for k, v in raw_feature_spec(cfg).items() if k not in RAW_ONLY}
    spec["filled"] = tf.io.FixedLenFeature([cfg.window], tf.float32, default_value=[0.0] * cfg.window)

    def predict(raw):
        batch = tf.shape(raw["history"])[0]
        raw = dict(raw)
        raw["target"] = tf.zeros([batch, cfg.horizon], tf.float32)
        raw["target_timestamps"] = tf.zeros([batch, cfg.horizon], tf.int64)
        raw["id"] = tf.fill([batch], "")
        features = module.tft_layer(raw)
        scaled = tf.cast(module.model(features[FEATURES_KEY], training=False), tf.float32)
        outputs = {"predictions": to_original_units(scaled, features)}
        if cfg.categorical_columns:
            outputs[UNSEEN_KEY] = features[UNSEEN_KEY]
        return outputs

    @tf.function(input_signature=[tf.TensorSpec([None], tf.string, name="examples")])
    def serve_examples(examples):
        return predict(tf.io.parse_example(examples, spec))

    names = list(raw_inputs(cfg))

    @tf.function(input_signature=list(raw_inputs(cfg).values()))
    def serve_raw(*tensors):
        given = dict(zip(names, tensors))
        batch = tf.shape(given["history"])[0]
        if cfg.has_filled_channel:
            values, given["filled"] = interpolate_missing(tf.reshape(given["history"], [batch, cfg.window, -1]))
            given["history"] = values
        raw = {name: tf.reshape(value, [batch, -1]) for name, value in given.items()}
        raw["mask"] = tf.ones([batch, cfg.window], tf.float32)
        for name, feature in spec.items():  # inputs the signature does not take: zeros, as before
            if name not in raw:
                raw[name] = tf.zeros([batch, *feature.shape], feature.dtype)
        return predict(raw)

    module.serve_examples = serve_examples
    module.serve_raw = serve_raw
    return {"serving_default": serve_examples, "serving_raw": serve_raw}
