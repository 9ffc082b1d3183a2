"""Tests for config loading and validation."""

import pytest

from pipeline.config import ConfigError, bundled_config, load_config, resolve_paths

GOOD = """\
name: temps
kind: timeseries
data: {path: t.csv, timestamp_column: Date, value_columns: [Temp], window: 10}
model: {cell: gru, units: [8]}
trainer: {epochs: 2}
evaluator: {upper_bounds: {rmse_vs_persistence: 1.0}}
"""


def write(tmp_path, text):
    path = tmp_path / "cfg.yaml"
    path.write_text(text)
    return path


def test_good_config_loads_into_frozen_dataclasses(tmp_path):
    cfg = load_config(write(tmp_path, GOOD))
    assert cfg.data.window == 10 and cfg.data.value_columns == ("Temp",)
    assert cfg.model.units == (8,) and cfg.trainer.model is cfg.model
    assert cfg.evaluator.upper_bounds == {"rmse_vs_persistence": 1.0}
    assert cfg.model_name == "temps"
    with pytest.raises(AttributeError):
        cfg.trainer.epochs = 3


def test_overrides_reach_any_key_and_are_validated(tmp_path):
    cfg = load_config(write(tmp_path, GOOD), ["trainer.epochs=1", "data.max_examples=2000", "model.units=[4, 2]"])
    assert (cfg.trainer.epochs, cfg.data.max_examples, cfg.model.units) == (1, 2000, (4, 2))
    with pytest.raises(ConfigError, match="trainer.epochs' must be an integer, got 'x'"):
        load_config(write(tmp_path, GOOD), ["trainer.epochs=x"])
    with pytest.raises(ConfigError, match="expected key=value"):
        load_config(write(tmp_path, GOOD), ["trainer.epochs"])


@pytest.mark.parametrize("text,message", [
    (GOOD.replace("epochs: 2", "epocs: 2"), r"unknown key 'trainer.epocs' \(did you mean 'epochs'\?\)"),
    (GOOD.replace("window: 10", "window: ten"), r"key 'data.window' must be an integer, got 'ten'"),
    (GOOD.replace("window: 10", "window: 0"), r"data.window must be >= 1"),
    (GOOD.replace("cell: gru", "cell: transformer"), r"model.cell must be one of"),
    (GOOD.replace("kind: timeseries", "kind: audio"), r"unknown dataset kind 'audio'"),
    (GOOD.replace("rmse_vs_persistence", "accuracy"), r"evaluator.upper_bounds: unknown metric\(s\) \['accuracy'\]"),
    (GOOD + "colour: blue\n", r"unknown key 'colour'"),
    ("name: [unclosed\n", r"not valid YAML"),
])
def test_bad_configs_name_the_file_and_key(tmp_path, text, message):
    path = write(tmp_path, text)
    with pytest.raises(ConfigError, match=message) as raised:
        load_config(path)
    assert str(path) in str(raised.value)


def test_missing_config_file(tmp_path):
    with pytest.raises(ConfigError, match="does not exist"):
        load_config(tmp_path / "nope.yaml")


def test_paths_resolve_against_data_dir_and_root_and_cannot_escape(tmp_path):
    cfg = resolve_paths(load_config(write(tmp_path, GOOD)), tmp_path / "datasets", tmp_path / "root")
    assert cfg.data.path == str((tmp_path / "datasets" / "t.csv").resolve())
    assert cfg.trainer.data.path == cfg.data.path == cfg.evaluator.data.path
    assert cfg.evaluator.serving_dir == str((tmp_path / "root" / "serving").resolve())
    escaping = load_config(write(tmp_path, GOOD + "exporter: {serving_dir: ../elsewhere}\n"))
    with pytest.raises(ConfigError, match="escapes the pipeline root"):
        resolve_paths(escaping, None, tmp_path / "root")


@pytest.mark.parametrize("name", ["demo", "timeseries"])
def test_bundled_configs_are_valid(name):
    assert load_config(bundled_config(name)).kind == "timeseries"


def test_every_bundled_config_is_valid():
    names = sorted(path.stem for path in bundled_config("demo").parent.glob("*.yaml"))
    assert {"demo", "imdb", "mnist", "timeseries"} <= set(names)
    for name in names:
        assert load_config(bundled_config(name)).name


def test_overrides_of_booleans_nested_sections_and_optional_values(tmp_path):
    cfg = load_config(write(tmp_path, GOOD), ["model.bidirectional=true", "tuner.space.depth=[1, 3]",
                                              "trainer.clipnorm=null", "spans.first='2026-11-23'"])
    assert cfg.model.bidirectional is True and cfg.tuner.space.depth == (1, 3)
    assert cfg.trainer.clipnorm is None and cfg.spans.first == "2026-11-23"
    with pytest.raises(ConfigError, match="key 'model.bidirectional' must be true or false, got 'maybe' \\(str\\)"):
        load_config(write(tmp_path, GOOD), ["model.bidirectional=maybe"])
    with pytest.raises(ConfigError, match=r"unknown key 'tuner.space.cellz' \(did you mean 'cells'\?\)"):
        load_config(write(tmp_path, GOOD), ["tuner.space.cellz=[gru]"])
    with pytest.raises(ConfigError, match="unknown key 'trainer.data'"):  # the pipeline fills it in
        load_config(write(tmp_path, GOOD), ["trainer.data={}"])
