"""Tests for what a config file and its overrides may hold: names that become paths, duplicate
keys, unreadable bytes and ``--set`` values that are not YAML."""

import pytest

from pipeline.config import ConfigError, config_from_dict, load_config, resolve_paths
from pipeline.config_validation import PathSegment, check_path_segment
from tests.pipeline.test_config import GOOD, write

@pytest.mark.parametrize("value", ["../../../escaped_model", "..", ".", "a/b", "a\\b", ".hidden", "sp ace", "x" * 256,
                                   "name\x00", "ünï"])
def test_a_name_that_is_not_one_safe_path_segment_is_refused(value):
    with pytest.raises(ValueError, match="one path segment"):
        check_path_segment(value)

@pytest.mark.parametrize("value", ["sine", "imdb-2026.11", "A_b-c.d", "7"])
def test_safe_names_pass_unchanged(value):
    assert check_path_segment(value) == value

@pytest.mark.parametrize("text, key", [
    (GOOD + "exporter: {model_name: ../../../escaped_model}\n", "exporter.model_name"),
    (GOOD.replace("name: temps", "name: ../../escape"), "name"),
    (GOOD.replace("name: temps", "name: a/b"), "name"),
])
def test_names_that_become_paths_are_checked_and_the_error_names_the_key(tmp_path, text, key):
    path = write(tmp_path, text)
    with pytest.raises(ConfigError, match=rf"{path}: {key}: .* is not one path segment") as raised:
        load_config(path)
    assert "validation.schema_path" not in str(raised.value)

def test_an_empty_model_name_still_means_the_pipeline_name(tmp_path):
    cfg = load_config(write(tmp_path, GOOD + "exporter: {model_name: ''}\n"))
    assert cfg.model_name == "temps"
    cfg = resolve_paths(load_config(write(tmp_path, GOOD + "exporter: {model_name: fcst}\n")), None, tmp_path)
    assert cfg.evaluator.model_name == cfg.model_name == "fcst"

def test_every_name_field_is_declared_a_path_segment():
    from typing import get_type_hints

    from pipeline.config import ExportSettings, PipelineConfig
    assert get_type_hints(PipelineConfig, include_extras=True)["name"] == PathSegment
    assert get_type_hints(ExportSettings, include_extras=True)["model_name"] == PathSegment

def test_a_duplicate_key_names_the_file_the_key_and_both_lines(tmp_path):
    path = write(tmp_path, GOOD + "trainer: {epochs: 5}\n")
    with pytest.raises(ConfigError, match=rf"config file {path}: key 'trainer' appears twice, on lines 5 and 7"):
        load_config(path)

def test_a_duplicate_nested_key_is_named_by_its_dotted_key(tmp_path):
    path = write(tmp_path, GOOD.replace("window: 10}", "window: 10, window: 30}"))
    with pytest.raises(ConfigError, match=r"key 'data.window' appears twice, on lines 3 and 3"):
        load_config(path)

def test_yaml_merge_keys_and_anchors_still_load(tmp_path):
    text = GOOD.replace("trainer: {epochs: 2}", "trainer: {<<: &base {epochs: 4, batch_size: 8}, epochs: 2}")
    cfg = load_config(write(tmp_path, text + "tuner: {space: {batch_sizes: [8]}, max_trials: 2}\n"))
    assert (cfg.trainer.epochs, cfg.trainer.batch_size) == (2, 8)


def test_a_config_that_is_not_utf8_is_a_config_error_naming_the_file_and_the_byte(tmp_path):
    path = tmp_path / "latin1.yaml"
    path.write_bytes(GOOD.replace("name: temps", "name: tempé").encode("latin-1"))
    with pytest.raises(ConfigError, match=rf"config file {path} is not UTF-8 text: byte 0xe9 at offset 10"):
        load_config(path)

@pytest.mark.parametrize("override", ["data.path={SPAN}/series.csv", "trainer.epochs=[1", "model.units=[32, 16"])
def test_a_set_value_that_is_not_yaml_names_the_option_and_the_key(tmp_path, override):
    key = override.partition("=")[0]
    with pytest.raises(ConfigError, match=rf"--set '{key}=.*': the value of {key} is not valid YAML .*quote it"):
        load_config(write(tmp_path, GOOD), [override])

def test_a_quoted_span_value_is_read_as_a_string(tmp_path):
    cfg = load_config(write(tmp_path, GOOD), ['data.path="{SPAN}/series.csv"'])
    assert cfg.data.path == "{SPAN}/series.csv"

def test_config_from_dict_checks_the_name_too():
    raw = {"name": "..", "kind": "timeseries", "data": {"path": "x.csv"},
           "evaluator": {"upper_bounds": {"rmse": 1.0}}}
    with pytest.raises(ConfigError, match="<config>: name: '..' is not one path segment"):
        config_from_dict(raw)


def test_a_data_dir_with_glob_characters_is_a_literal_folder_for_a_pattern_path(tmp_path):
    from data.timeseries.read import input_files
    from pipeline.demo import write_demo_data
    data_dir = tmp_path / "data[1]"
    cfg = resolve_paths(load_config(write(tmp_path, GOOD)), data_dir, tmp_path / "root")
    assert cfg.data.path == str(tmp_path / "data[[]1]" / "t.csv")
    write_demo_data(cfg)
    assert input_files(cfg.data) == [str(data_dir / "t.csv")]


def test_a_literal_data_path_is_not_escaped(tmp_path):
    text = "name: reviews\nkind: imdb\ndata: {path: aclImdb}\nevaluator: {lower_bounds: {accuracy: 0.5}}\n"
    cfg = resolve_paths(load_config(write(tmp_path, text)), tmp_path / "data[1]", tmp_path / "root")
    assert cfg.data.path == str(tmp_path / "data[1]" / "aclImdb")


def test_a_root_with_glob_characters_is_refused_before_anything_is_written(tmp_path):
    from pipeline.errors import UsageError
    with pytest.raises(UsageError, match=r"pipeline root .*/root\[1\]: its path has glob characters"):
        resolve_paths(load_config(write(tmp_path, GOOD)), None, tmp_path / "root[1]")
    assert not (tmp_path / "root[1]").exists()


def test_keys_are_compared_as_yaml_reads_them(tmp_path):
    path = write(tmp_path, GOOD + "evaluator: {upper_bounds: {rmse: 1.0}}\n".replace("evaluator", '"evaluator"'))
    with pytest.raises(ConfigError, match=r"key 'evaluator' appears twice, on lines 6 and 7"):
        load_config(path)
    text = GOOD.replace("trainer: {epochs: 2}", "trainer: {epochs: 2}\nbeam: {args: [], num_shards: 1}")
    assert load_config(write(tmp_path, text)).beam.num_shards == 1


def test_a_recursive_alias_is_read_not_walked_forever():
    from pipeline.config_yaml import safe_load_unique
    loaded = safe_load_unique("a: &x [1, *x]\nb: &m {k: 1}\nc: {<<: *m, k: 2}\n")
    assert loaded["a"][1] is loaded["a"] and loaded["c"] == {"k": 2}


@pytest.mark.slow
def test_the_demo_reads_its_data_from_a_data_dir_with_glob_characters(tmp_path):
    from pipeline.demo import run_demo
    summary = run_demo(tmp_path / "root", data_dir=tmp_path / "data[1]", until="example_gen")
    assert summary.status == "complete" and tuple(summary.executed) == ("example_gen",)
    assert (tmp_path / "data[1]" / "sine.csv").is_file() and not (tmp_path / "data[[]1]").exists()
