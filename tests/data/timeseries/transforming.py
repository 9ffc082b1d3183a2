"""Tiny time-series windows run through the real tf.Transform analysis (Beam, in memory)."""

from __future__ import annotations

from datetime import datetime, timezone

import numpy as np

from data.timeseries.records import raw_feature_spec


def unix(text: str) -> int:
    """Unix seconds of an ISO datetime read in UTC."""
    return int(datetime.fromisoformat(text).replace(tzinfo=timezone.utc).timestamp())


def windows(cfg, times, values, categories=None, filled=None) -> list[dict]:
    """Every full window of one series as raw features (no padding), one per target step."""
    values = np.asarray(values, np.float32).reshape(len(times), cfg.n_values)
    filled = np.zeros(len(times), np.float32) if filled is None else np.asarray(filled, np.float32)
    rows = []
    for end in range(cfg.window, len(times) - cfg.horizon + 1):
        start = end - cfg.window
        row = {"history": values[start:end].ravel(), "mask": np.ones(cfg.window, np.float32),
               "filled": filled[start:end], "timestamps": np.asarray(times[start:end], np.int64),
               "target": values[end:end + cfg.horizon, values.shape[1] - cfg.n_values].astype(np.float32),
               "target_timestamps": np.asarray(times[end:end + cfg.horizon], np.int64),
               "id": f"s@{times[end - 1]}".encode()}
        if cfg.categorical_columns:
            row["categories"] = np.asarray([c.encode() for step in categories[start:end] for c in step], object)
        rows.append(row)
    return rows


def batch(cfg, rows) -> dict:
    """Raw windows as a dict of tensors, the form the transform layer takes."""
    import tensorflow as tf

    spec = raw_feature_spec(cfg)
    return {name: tf.constant(np.stack([row[name] for row in rows]), feature.dtype)
            for name, feature in spec.items()}


def fit(cfg, train_rows, folder) -> "tft.TFTransformOutput":  # noqa: F821 - imported lazily
    """Analyses ``train_rows`` with the kind's ``preprocessing_fn`` and writes the graph to ``folder``."""
    import apache_beam as beam
    import tensorflow_transform as tft
    import tensorflow_transform.beam as tft_beam
    from tensorflow_transform.tf_metadata import dataset_metadata, schema_utils

    from data.timeseries.preprocessing import make_preprocessing_fn

    metadata = dataset_metadata.DatasetMetadata(schema_utils.schema_from_feature_spec(raw_feature_spec(cfg)))
    with beam.Pipeline() as pipeline:
        with tft_beam.Context(temp_dir=str(folder / "tmp"), force_tf_compat_v1=False):
            data = pipeline | beam.Create(train_rows, reshuffle=False)
            transform_fn = (data, metadata) | tft_beam.AnalyzeDataset(make_preprocessing_fn(cfg))
            _ = transform_fn | tft_beam.WriteTransformFn(str(folder / "graph"))
    return tft.TFTransformOutput(str(folder / "graph"))
