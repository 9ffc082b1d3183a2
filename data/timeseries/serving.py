"""Time-series serving signatures: serialized tf.Examples and raw history windows."""

from __future__ import annotations

from data.timeseries.config import FEATURES_KEY, TimeseriesData
from data.timeseries.model_head import to_original_units
from data.timeseries.records import raw_feature_spec


def serving_signatures(module, cfg: TimeseriesData) -> dict:
    """Adds serving functions to ``module`` (which tracks ``model`` and ``tft_layer``).

    Returns:
        ``{"serving_default": ..., "serving_raw": ...}``. Both output ``predictions``
        [n, horizon] in original units.
    """
    import tensorflow as tf

    spec = {k: v for k, v in raw_feature_spec(cfg).items() if k not in ("target", "target_timestamps", "id")}

    def predict(raw):
        batch = tf.shape(raw["history"])[0]
        raw = dict(raw)
        raw["target"] = tf.zeros([batch, cfg.horizon], tf.float32)
        raw["target_timestamps"] = tf.zeros([batch, cfg.horizon], tf.int64)
        raw["id"] = tf.fill([batch], "")
        features = module.tft_layer(raw)
        scaled = tf.cast(module.model(features[FEATURES_KEY], training=False), tf.float32)
        return {"predictions": to_original_units(scaled, features)}

    @tf.function(input_signature=[tf.TensorSpec([None], tf.string, name="examples")])
    def serve_examples(examples):
        return predict(tf.io.parse_example(examples, spec))

    history_shape = [None, cfg.window] if cfg.n_values == 1 else [None, cfg.window, cfg.n_values]
    raw_inputs = [tf.TensorSpec(history_shape, tf.float32, name="history")]
    if cfg.calendar_features:
        raw_inputs.append(tf.TensorSpec([None, cfg.window], tf.int64, name="timestamps"))

    @tf.function(input_signature=raw_inputs)
    def serve_raw(history, timestamps=None):
        batch = tf.shape(history)[0]
        if timestamps is None:
            timestamps = tf.zeros([batch, cfg.window], tf.int64)
        return predict({
            "history": tf.reshape(history, [batch, cfg.window * cfg.n_values]),
            "mask": tf.ones([batch, cfg.window], tf.float32),
            "timestamps": timestamps,
        })

    module.serve_examples = serve_examples
    module.serve_raw = serve_raw
    return {"serving_default": serve_examples, "serving_raw": serve_raw}
