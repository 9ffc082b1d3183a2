"""The config as MLflow params: dotted keys, within MLflow's limits, and a YAML that loads again."""

from __future__ import annotations

import dataclasses

import pytest
import yaml

from pipeline.config import config_from_dict, load_config
from pipeline.tracking.metrics import curve_name, evaluation_metrics, training_curves
from pipeline.tracking.params import (HIDDEN, MAX_KEY_LENGTH, MAX_METRICS_PER_BATCH, MAX_PARAM_VALUE_LENGTH,
                                      MAX_PARAMS_PER_BATCH, config_params, config_yaml, param_value, safe_key)
from tests.conftest import REPO


@pytest.fixture(scope="module")
def demo_config():
    return load_config(REPO / "pipeline/configs/demo.yaml")


def test_params_are_dotted_keys_of_the_config_as_run(demo_config):
    params = config_params(demo_config)
    assert params["trainer.epochs"] == "12" and params["data.split.eval"] == "0.1"
    assert params["beam.args"] == '["--runner=DirectRunner"]'
    assert params["evaluator.lower_bounds"] == "{}"
    assert "trainer.data.path" not in params and "evaluator.model_name" not in params  # each key once


def test_a_notify_hook_is_not_logged(demo_config):
    cfg = dataclasses.replace(demo_config, notify=dataclasses.replace(
        demo_config.notify, on_failure="https://hooks.example/T0KEN"))
    params = config_params(cfg)
    assert params["notify.on_failure"] == HIDDEN and "T0KEN" not in config_yaml(cfg)


def test_limits_are_mlflows():
    validation = pytest.importorskip("mlflow.utils.validation")
    assert (MAX_KEY_LENGTH, MAX_PARAM_VALUE_LENGTH, MAX_PARAMS_PER_BATCH, MAX_METRICS_PER_BATCH) == (
        validation.MAX_ENTITY_KEY_LENGTH, validation.MAX_PARAM_VAL_LENGTH, validation.MAX_PARAMS_TAGS_PER_BATCH,
        validation.MAX_METRICS_PER_BATCH)


def test_long_values_are_cut_and_say_where_the_whole_is():
    value = param_value(list(range(5000)))
    assert len(value) == MAX_PARAM_VALUE_LENGTH and value.endswith("config/config.yaml]")
    assert param_value("short") == "short" and param_value(None) == "null"


def test_keys_are_ones_mlflow_accepts():
    assert safe_key("slice.month.Jan/Feb.rmse") == "slice.month.Jan/Feb.rmse"
    assert safe_key("baseline.series.my file (1).csv.rmse") == "baseline.series.my file _1_.csv.rmse"
    assert safe_key("a..b") == "a._b" and len(safe_key("k" * 400)) == MAX_KEY_LENGTH


def test_the_config_yaml_loads_as_the_same_config(demo_config):
    again = config_from_dict(yaml.safe_load(config_yaml(demo_config)), demo_config.source)
    assert again == demo_config


def test_curves_and_evaluation_metrics_from_artifact_files(tmp_path):
    (tmp_path / "history.json").write_text('{"members": [{"loss": [0.5, 0.25], "val_loss": [0.6, NaN]}]}')
    assert training_curves(tmp_path) == {"member_0.train.loss": [(1, 0.5), (2, 0.25)],
                                         "member_0.val.loss": [(1, 0.6)]}
    assert curve_name("val_accuracy") == "val.accuracy"
    (tmp_path / "metrics.json").write_text('{"metrics": {"rmse": 0.1, "blessed_flag": true}, "slices": '
                                           '{"month": {"Jan": {"rmse": 0.2}}}, "baseline": {"version": 3, '
                                           '"metrics": {"rmse": 0.3}}, "baselines": {"linear": {"rmse": 0.4}}}')
    assert evaluation_metrics(tmp_path) == {"rmse": 0.1, "slice.month.Jan.rmse": 0.2, "served.rmse": 0.3,
                                            "baseline.linear.rmse": 0.4}
