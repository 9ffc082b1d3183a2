"""Tests for the time-series model head: the model's input width is ``n_channels`` of the config
transform fits with, whose frequency may be the one example_gen inferred."""

import pytest

from data.timeseries.config import TimeseriesData
from data.timeseries.kind import KIND
from data.timeseries.model_head import model_shape, resolved_config


def test_the_recorded_frequency_completes_a_config_that_names_none():
    cfg = TimeseriesData(calendar_features=True)
    assert resolved_config(cfg, {"frequency": "1MS"}).frequency == "1MS"
    assert resolved_config(cfg, {"frequency": "1MS"}).calendar_names == ("month_of_year",)
    given = TimeseriesData(calendar_features=True, frequency="1h")
    assert resolved_config(given, {"frequency": "1D"}) is given  # data.frequency wins
    assert resolved_config(cfg, {}) is cfg and resolved_config(cfg, {"frequency": ""}) is cfg
    assert KIND.resolved_config(cfg, {"frequency": "1h"}).calendar_names == ("hour_of_day", "day_of_week")


def test_without_a_transform_graph_the_width_is_n_channels():
    cfg = TimeseriesData(value_columns=("a", "b"), categorical_columns=("c",), window=5, horizon=2)
    assert model_shape(cfg, None) == ([5, cfg.n_channels], 2, None)


@pytest.mark.slow
def test_an_inferred_monthly_frequency_gives_the_model_a_month_channel_and_no_day_of_week(tmp_path):
    import tensorflow_transform as tft

    from components import example_gen, transform
    from components.types import OutputDir

    def out(name):
        return OutputDir(tmp_path / name / "staging", tmp_path / name / "scratch", run_id="test-run")

    lines = ["month,passengers"] + [f"{1949 + m // 12}-{m % 12 + 1:02d},{100 + m % 12 * 3 + m}" for m in range(60)]
    (tmp_path / "air.csv").write_text("\n".join(lines) + "\n")
    cfg = TimeseriesData(path=str(tmp_path / "air.csv"), timestamp_column="month", value_columns=("passengers",),
                         window=6, calendar_features=True)
    examples = example_gen.run({}, example_gen.ExampleGenParams(cfg), out("eg"))
    assert examples["examples"].properties["frequency"] == "1MS"
    graph = transform.run(examples, transform.TransformParams(cfg), out("tr"))["transform_graph"]
    shape, _, _ = model_shape(cfg, tft.TFTransformOutput(str(graph.uri)))
    monthly = resolved_config(cfg, examples["examples"].properties)
    assert shape == [6, monthly.n_channels] == [6, 1 + 1 + 1 + 2]  # value, mask, filled, month sine/cosine
    assert cfg.n_channels == 1 + 1 + 1 + 4  # unresolved, the daily calendar would be assumed
