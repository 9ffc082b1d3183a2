"""Tests for evaluator and exporter: metrics, blessing against a baseline, atomic versions."""

import json
import shutil

import numpy as np
import pytest
import tensorflow as tf

from components import evaluator, exporter, trainer
from components.evaluator import EvaluatorParams, calibration, decide_blessing, regression_metrics, time_slices
from models.rnn import ModelSpec
from components.types import Artifact
from data.imdb import ImdbData
from data.timeseries import TimeseriesData
from tests.components.conftest import out_dir


def evaluate(tiny, trained, serving, name, **settings):
    params = EvaluatorParams(tiny["data"], serving_dir=str(serving), model_name="m", **settings)
    inputs = {"examples": tiny["examples"], "model": trained["model"], "transform_graph": tiny["transform_graph"]}
    return evaluator.run(inputs, params, out_dir(tiny["base"] / name, "ev"))["evaluation"]


def export(tiny, trained, evaluation, serving, name):
    inputs = {"examples": tiny["examples"], "model": trained["model"], "transform_graph": tiny["transform_graph"],
              "evaluation": evaluation}
    params = exporter.ExporterParams(tiny["data"], str(serving), "m")
    return exporter.run(inputs, params, out_dir(tiny["base"] / name, "ex"))["pushed_model"]


def test_regression_metrics_and_persistence():
    truth = np.array([[1.0], [2.0], [4.0]])
    metrics = regression_metrics(truth, truth + 1.0, np.array([[0.0], [1.0], [2.0]]))
    assert metrics["rmse"] == pytest.approx(1.0) and metrics["mae"] == pytest.approx(1.0)
    assert metrics["persistence_rmse"] == pytest.approx(np.sqrt(6 / 3))
    assert metrics["rmse_vs_persistence"] == pytest.approx(1 / np.sqrt(2))


def test_blessing_checks_bounds_and_the_baseline():
    params = EvaluatorParams(TimeseriesData(), upper_bounds={"rmse": 2.0}, max_regression=0.1)
    assert decide_blessing({"rmse": 1.0}, None, params, "regression") == (True, [])
    assert decide_blessing({"rmse": 1.05}, {"rmse": 1.0}, params, "regression")[0]
    blessed, reasons = decide_blessing({"rmse": 1.2}, {"rmse": 1.0}, params, "regression")
    assert not blessed and "worse than the baseline's 1.0000" in reasons[0]
    assert "above the upper bound 2.0" in decide_blessing({"rmse": 3.0}, None, params, "regression")[1][0]


def test_evaluate_bless_push_and_a_worse_model_is_not_pushed(tiny, trained, tmp_path):
    serving = tmp_path / "serving"
    first = evaluate(tiny, trained, serving, "first")
    assert first.properties["blessed"] and first.properties["baseline"] is None
    assert first.path("BLESSED").exists() and first.path("forecast.png").stat().st_size > 1000
    metrics = json.loads(first.path("metrics.json").read_text())["metrics"]
    assert metrics["persistence_rmse"] > 0 and np.isfinite(metrics["rmse"])
    # The reference forecasts, on the same test windows: persistence as before, seasonal naive on
    # the daily season, and the linear fit; the model's ratio to the best one is a metric.
    baselines = json.loads(first.path("metrics.json").read_text())["baselines"]
    assert baselines["persistence"]["rmse"] == pytest.approx(metrics["persistence_rmse"], rel=1e-5)
    assert {"seasonal_naive", "linear"} <= set(baselines) and baselines["season"] == 7
    best = baselines["best_baseline"]
    assert metrics["rmse_vs_best_baseline"] == pytest.approx(metrics["rmse"] / baselines[best]["rmse"])
    assert metrics["linear_rmse"] == baselines["linear"]["rmse"] and list(baselines["series"]) == ["series.csv"]
    assert first.properties["baselines"] == baselines
    assert "Reference forecasts" in first.path("report.html").read_text()

    pushed = export(tiny, trained, first, serving, "first")
    assert pushed.properties == {"pushed": True, "version": 1, "path": str(serving / "m" / "1")}
    card = json.loads((serving / "m" / "1" / "model.json").read_text())
    assert card["run_id"] == "test-run" and card["metrics"] == first.properties["metrics"]
    assert card["signatures"] == ["serving_default", "serving_raw"]

    # The same model again, re-scored against the served version 1: equal, so blessed; but version 1
    # already holds this export (its identity.txt), so nothing is published twice.
    second = evaluate(tiny, trained, serving, "second")
    assert second.properties["baseline"]["version"] == 1
    assert second.properties["baseline"]["metrics"]["rmse"] == pytest.approx(metrics["rmse"], rel=1e-5)
    assert export(tiny, trained, second, serving, "second").properties["version"] == 1
    assert sorted(p.name for p in (serving / "m").iterdir() if p.name.isdigit()) == ["1"]

    # Its version deleted by hand, the cached push is stale, and the push again takes a new number.
    params = exporter.ExporterParams(tiny["data"], str(serving), "m")
    assert exporter.SPEC.stale_outputs({"pushed_model": pushed}, params) is None
    shutil.rmtree(serving / "m" / "1")
    stale = exporter.SPEC.stale_outputs({"pushed_model": pushed}, params)
    assert stale == f"its served version {serving / 'm' / '1'} is gone or not loadable"
    assert export(tiny, trained, second, serving, "again").properties["version"] == 2

    # Demanding an impossible bound refuses the model, and the serving dir is unchanged.
    before = sorted(p.name for p in (serving / "m").iterdir())
    refused = evaluate(tiny, trained, serving, "third", upper_bounds={"rmse": 1e-9})
    assert not refused.properties["blessed"] and refused.path("NOT_BLESSED").exists()
    assert export(tiny, trained, refused, serving, "third").properties["pushed"] is False
    assert sorted(p.name for p in (serving / "m").iterdir()) == before


def test_exported_signatures_agree(tiny, trained, tmp_path):
    evaluation = Artifact("ModelEvaluation", tmp_path, {"blessed": True, "metrics": {}})
    pushed = export(tiny, trained, evaluation, tmp_path / "serving", "sig")
    loaded = tf.saved_model.load(pushed.properties["path"])
    history = np.sin(np.arange(30, dtype="float32") / 5.0)[None, :10].repeat(3, axis=0)
    stamps = np.full((3, 10), 1_000_000_000, dtype="int64") + np.arange(10) * 86400
    raw = loaded.signatures["serving_raw"](history=tf.constant(history), timestamps=tf.constant(stamps))
    examples = [tf.train.Example(features=tf.train.Features(feature={
        "history": tf.train.Feature(float_list=tf.train.FloatList(value=row)),
        "mask": tf.train.Feature(float_list=tf.train.FloatList(value=[1.0] * 10)),
        "timestamps": tf.train.Feature(int64_list=tf.train.Int64List(value=stamp_row)),
    })).SerializeToString() for row, stamp_row in zip(history, stamps)]
    parsed = loaded.signatures["serving_default"](examples=tf.constant(examples))
    np.testing.assert_allclose(raw["predictions"], parsed["predictions"], atol=1e-5)


def test_models_with_dropout_export_and_reload(tmp_path):
    """Keras 3 dropout keeps seed state outside ``model.variables``; the export must track it."""
    from components.serving import seed_generator_states
    from models.rnn import ModelSpec, build_model

    model = build_model(ModelSpec(units=(4, 4), dropout=0.2, bidirectional=True), [5, 2], "regression", 1)
    assert len(seed_generator_states(model)) >= 2
    module = tf.Module()
    module.model = model
    module.seed_states = seed_generator_states(model)
    serve = tf.function(lambda x: module.model(x, training=False),
                        input_signature=[tf.TensorSpec([None, 5, 2], tf.float32)])
    tf.saved_model.save(module, str(tmp_path / "m"), signatures={"serving_default": serve})
    x = np.ones((2, 5, 2), "float32")
    reloaded = tf.saved_model.load(str(tmp_path / "m")).signatures["serving_default"](x=tf.constant(x))
    np.testing.assert_allclose(list(reloaded.values())[0], model(x), atol=1e-5)


def test_time_slices_group_by_month_and_season_of_the_target():
    days = np.array(["2021-01-15", "2021-02-15", "2021-07-01", "2021-12-31"], "datetime64[s]").astype(np.int64)
    truth = np.array([[1.0], [2.0], [3.0], [4.0]])
    predicted = truth + np.array([[1.0], [3.0], [2.0], [0.0]])
    by_month = time_slices(truth, predicted, truth, days, "month")
    assert list(by_month) == ["Jan", "Feb", "Jul", "Dec"] and by_month["Feb"]["rmse"] == pytest.approx(3.0)
    by_season = time_slices(truth, predicted, truth, days, "season")
    assert {name: s["count"] for name, s in by_season.items()} == {"DJF": 3, "JJA": 1}
    assert by_season["DJF"]["rmse"] == pytest.approx(np.sqrt((1 + 9 + 0) / 3))


def test_calibration_error_is_zero_when_calibrated_and_the_gap_when_overconfident():
    rng = np.random.default_rng(0)
    probabilities = rng.uniform(size=200_000)
    calibrated = calibration((rng.uniform(size=probabilities.size) < probabilities).astype(int), probabilities)
    assert calibrated["expected_calibration_error"] < 0.01
    overconfident = calibration(np.array([1, 0] * 50), np.full(100, 0.95))
    assert overconfident["expected_calibration_error"] == pytest.approx(0.45)
    assert [b["count"] for b in overconfident["bins"]][-1] == 100


def test_slices_must_fit_the_kind():
    with pytest.raises(ValueError, match=r"evaluator.slices: \['month'\] do not apply to imdb data"):
        EvaluatorParams(ImdbData(), slices=("month",))


def test_a_better_model_is_pushed_next_and_a_worse_one_refused_with_both_in_the_report(tiny, trained, tmp_path):
    serving = tmp_path / "serving"
    # one epoch of 4 units without the highway: far from the warm-started linear fit the trained model starts at
    poor = trainer.run({"transformed_examples": tiny["transformed_examples"],
                        "transform_graph": tiny["transform_graph"]},
                       trainer.TrainerParams(tiny["data"], ModelSpec(units=(4,), highway_lags=0), epochs=1,
                                             batch_size=16, early_stopping_patience=0),
                       out_dir(tiny["base"], "poor_trainer"))
    export(tiny, poor, evaluate(tiny, poor, serving, "first"), serving, "first")
    served = evaluate(tiny, trained, serving, "better")
    assert served.properties["blessed"] and served.properties["baseline"]["version"] == 1
    assert export(tiny, trained, served, serving, "better").properties["version"] == 2
    before = sorted(p.name for p in (serving / "m").iterdir())
    worse = evaluate(tiny, poor, serving, "worse", slices=("month", "season"))
    assert worse.properties["metrics"]["rmse"] > served.properties["metrics"]["rmse"]
    assert not worse.properties["blessed"]
    assert any("worse than the baseline's" in reason for reason in worse.properties["reasons"])
    assert export(tiny, poor, worse, serving, "worse").properties["pushed"] is False
    assert sorted(p.name for p in (serving / "m").iterdir()) == before

    report = json.loads(worse.path("metrics.json").read_text())
    for by in ("month", "season"):
        assert sum(s["count"] for s in report["slices"][by].values()) == report["test_examples"]
        assert set(report["baseline"]["slices"][by]) == set(report["slices"][by])
        assert worse.path(f"rmse_by_{by}.png").stat().st_size > 1000
    page = worse.path("report.html").read_text()
    assert "NOT BLESSED" in page and "baseline v2" in page and "worse than the baseline" in page
    assert "Slices by season" in page and "<img src='rmse_by_month.png'>" in page
