"""Tests for the time-series serving signatures: serving_default (tf.Examples) and serving_raw
(what clients have) run the same tf.Transform layer inside the reloaded SavedModel."""

import keras
import numpy as np
import pytest
import tensorflow as tf

from components.serving import build_serving_module
from data.timeseries.config import TimeseriesData
from data.timeseries.kind import KIND
from data.timeseries.records import encode_example
from tests.data.timeseries.transforming import fit, unix, windows


def serialized(rows) -> list[bytes]:
    """Raw windows as serialized tf.Examples, as example_gen writes them."""
    return [encode_example({**row, "id": row["id"].decode(),
                            "categories": [cell.decode() for cell in row.get("categories", [])]})
            for row in rows]


def saved_model(cfg, train_rows, folder):
    """A tiny model (seeded) and the transform graph of ``train_rows``, saved and loaded back."""
    output = fit(cfg, train_rows, folder)
    keras.utils.set_random_seed(7)
    model = keras.Sequential([keras.Input((cfg.window, cfg.n_channels)), keras.layers.Flatten(),
                              keras.layers.Dense(cfg.horizon)])
    module, signatures = build_serving_module(model, output, KIND, cfg)
    tf.saved_model.save(module, str(folder / "model"), signatures=signatures)
    return tf.saved_model.load(str(folder / "model")), model, output


def hourly_series(n=36):
    times = [unix("2024-03-01T00:00:00") + 3600 * step for step in range(n)]
    values = np.column_stack([10 + np.sin(np.arange(n) / 3.0), 20 + np.cos(np.arange(n) / 4.0)])
    wind = [("NE" if step % 3 else "SW",) for step in range(n)]
    filled = (np.arange(n) % 5 == 2).astype(np.float32)
    return times, values, wind, filled


@pytest.fixture(scope="module")
def hourly(tmp_path_factory):
    cfg = TimeseriesData(value_columns=("load", "temp"), window=4, horizon=2, frequency="1h",
                         calendar_features=True, categorical_columns=("wind",), missing="interpolate")
    times, values, wind, filled = hourly_series()
    loaded, model, output = saved_model(cfg, windows(cfg, times[:24], values[:24], wind[:24], filled[:24]),
                                        tmp_path_factory.mktemp("serving"))
    return cfg, loaded, model, output


def test_serving_raw_takes_history_timestamps_and_categories(hourly):
    cfg, loaded, _, _ = hourly
    inputs = loaded.signatures["serving_raw"].structured_input_signature[1]
    assert {name: (spec.shape.as_list(), spec.dtype) for name, spec in inputs.items()} == {
        "history": ([None, 4, 2], tf.float32), "timestamps": ([None, 4], tf.int64),
        "categories": ([None, 4], tf.string)}


def interpolated(history):
    """A NumPy oracle: each column's NaN filled linearly in the window, the ends held (np.interp)."""
    steps = np.arange(history.shape[0])
    out = history.copy()
    for column in range(history.shape[1]):
        seen = ~np.isnan(history[:, column])
        out[:, column] = np.interp(steps, steps[seen], history[seen, column])
    return out


def test_serving_default_and_serving_raw_agree_after_reloading(hourly):
    cfg, loaded, model, output = hourly
    times, values, _, _ = hourly_series()
    wind = [("NE" if step % 3 else "SW",) for step in range(30)] + [("calm",)] * 6  # unseen at train
    rows = windows(cfg, times, values, wind)
    with_gaps = []  # what a client has: NaN where a value is missing (one step of each window)
    for index, row in enumerate(rows):
        history = row["history"].reshape(cfg.window, 2).copy()
        history[index % cfg.window, index % 2] = np.nan
        with_gaps.append(history)
        row["history"] = interpolated(history).ravel()  # what example_gen writes: filled, and marked
        row["filled"] = np.isnan(history).any(axis=1).astype(np.float32)
    by_examples = loaded.signatures["serving_default"](examples=tf.constant(serialized(rows)))
    by_raw = loaded.signatures["serving_raw"](
        history=tf.constant(np.stack(with_gaps)),
        timestamps=tf.constant(np.stack([row["timestamps"] for row in rows])),
        categories=tf.constant(np.stack([row["categories"] for row in rows]).astype(bytes)))
    np.testing.assert_allclose(by_raw["predictions"].numpy(), by_examples["predictions"].numpy(), atol=1e-5)
    assert by_raw["predictions"].shape == (len(rows), cfg.horizon)
    # The same predictions as the model on the transform layer's inputs, in original units.
    features = output.transform_features_layer()({**{k: tf.constant(np.stack([r[k] for r in rows]))
                                                      for k in rows[0]}})
    assert features["inputs"].numpy()[..., 3].sum() == len(rows)  # the filled mask: one step a window
    scaled = model(features["inputs"]).numpy()
    expected = scaled * features["target_std"].numpy()[:, None] + features["target_mean"].numpy()[:, None]
    np.testing.assert_allclose(by_raw["predictions"].numpy(), expected, atol=1e-4)
    # Each window counts its unseen "calm" cells, the same through both signatures.
    unseen = by_raw["unseen_categories"].numpy()
    np.testing.assert_array_equal(unseen, by_examples["unseen_categories"].numpy())
    expected_unseen = [sum(cell == b"calm" for cell in row["categories"]) for row in rows]
    assert unseen.tolist() == expected_unseen and max(expected_unseen) == cfg.window


def test_missing_values_are_filled_inside_the_model_as_the_oracle_fills_them():
    from data.timeseries.filling import interpolate_missing

    nan = np.nan
    history = np.array([[[nan, 1.0], [2.0, nan], [nan, nan], [8.0, 4.0], [nan, nan]],
                        [[nan, 5.0], [nan, 5.0], [nan, 6.0], [nan, nan], [nan, 7.0]]], np.float32)
    values, filled = interpolate_missing(tf.constant(history))
    np.testing.assert_allclose(values.numpy()[0], interpolated(history[0]), atol=1e-6)
    np.testing.assert_allclose(values.numpy()[0], [[2, 1], [2, 2], [5, 3], [8, 4], [8, 4]], atol=1e-6)
    np.testing.assert_allclose(values.numpy()[1, :, 1], [5, 5, 6, 6.5, 7], atol=1e-6)
    np.testing.assert_array_equal(filled.numpy(), [[1, 1, 1, 0, 1], [1, 1, 1, 1, 1]])
    assert values.numpy()[1, :, 0].tolist() == [0.0] * 5  # a column with nothing observed: 0


def test_calendar_and_categories_change_the_raw_prediction(hourly):
    cfg, loaded, _, _ = hourly
    times, values, wind, filled = hourly_series()
    row = windows(cfg, times, values, wind, filled)[0]
    args = {"history": tf.constant([row["history"].reshape(cfg.window, 2)]),
            "timestamps": tf.constant(row["timestamps"][None]),
            "categories": tf.constant([row["categories"].astype(bytes)])}
    serve = loaded.signatures["serving_raw"]
    base = serve(**args)["predictions"].numpy()
    later = serve(**{**args, "timestamps": args["timestamps"] + 6 * 3600})["predictions"].numpy()
    other = serve(**{**args, "categories": tf.constant([[b"SW"] * cfg.window])})["predictions"].numpy()
    assert not np.allclose(base, later) and not np.allclose(base, other)


def test_a_series_without_calendar_or_categories_is_served_from_history_alone(tmp_path):
    cfg = TimeseriesData(value_columns=("value",), window=3, missing="drop")
    times = [unix("2024-01-01T00:00:00") + 86400 * day for day in range(20)]
    values = 5 + np.sin(np.arange(20.0))
    rows = windows(cfg, times, values)
    loaded, _, _ = saved_model(cfg, rows, tmp_path)
    inputs = loaded.signatures["serving_raw"].structured_input_signature[1]
    assert list(inputs) == ["history"] and inputs["history"].shape.as_list() == [None, 3]
    raw = loaded.signatures["serving_raw"](history=tf.constant(np.stack([row["history"] for row in rows])))
    by_examples = loaded.signatures["serving_default"](examples=tf.constant(serialized(rows)))
    np.testing.assert_allclose(raw["predictions"].numpy(), by_examples["predictions"].numpy(), atol=1e-5)
    assert set(raw) == {"predictions"}


@pytest.mark.slow
def test_scoring_a_csv_counts_the_unseen_categories_of_each_window(hourly, tmp_path):
    import json
    from dataclasses import asdict
    from datetime import datetime, timezone

    from components import scoring
    from components.scoring import BulkInferrerParams

    cfg, _, model, output = hourly
    version = tmp_path / "served" / "1"
    module, signatures = build_serving_module(model, output, KIND, cfg)
    tf.saved_model.save(module, str(version), signatures=signatures)
    (version / "model.json").write_text(json.dumps({"kind": "timeseries", "model_name": "m", "data": asdict(cfg)}))
    times, values, wind, _ = hourly_series(8)
    wind = wind[:6] + [("calm",), ("NE",)]  # "calm" was never seen at train
    lines = ["date,load,temp,wind"] + [
        f"{datetime.fromtimestamp(t, timezone.utc):%Y-%m-%dT%H:%M:%S},{a},{b},{w[0]}"
        for t, (a, b), w in zip(times, values, wind)]
    (tmp_path / "series.csv").write_text("\n".join(lines) + "\n")
    summary = scoring.run(BulkInferrerParams(str(tmp_path / "served"), str(tmp_path / "series.csv"),
                                             str(tmp_path / "out"), "series"))
    rows = sorted((json.loads(line) for path in (tmp_path / "out" / "predictions").glob("part*")
                   for line in path.read_text().splitlines()), key=lambda row: row["id"])
    assert len(rows) == 8 - cfg.window + 1
    # Windows end at steps 3..7; "calm" (step 6) is in the windows ending at 6 and 7.
    assert [row["unseen_categories"] for row in rows] == [0, 0, 0, 1, 1]
    assert all(len(row["predictions"]) == cfg.horizon for row in rows)
    # The job's summary totals them: the two windows' one unseen cell each.
    assert summary["totals"] == {"unseen_categories": 2}
    assert json.loads((tmp_path / "out" / "summary.json").read_text())["totals"] == {"unseen_categories": 2}
