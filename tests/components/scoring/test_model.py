"""Tests for scoring.model: choosing the version, and reading and checking it without loading it."""

import shutil

import pytest
import tensorflow as tf

from components.scoring import formats, model
from components.scoring.params import ScoringError
from data.errors import DataError
from tests.components.scoring.conftest import score


def test_version_choice_newest_pinned_and_missing(mnist_run, tmp_path):
    _, summary = mnist_run
    serving = tmp_path / "serving" / "digits"
    shutil.copytree(summary["model_path"], serving / "1")
    shutil.copytree(summary["model_path"], serving / "2")
    assert model.inspect_model(str(serving), "images").version == 2
    assert model.inspect_model(str(serving / "1"), "images").version == 1
    with pytest.raises(ScoringError, match=r"version 7 not found; versions in .*: \[1, 2\]"):
        model.inspect_model(str(serving / "7"), "images")
    with pytest.raises(ScoringError, match="needs a imdb model, this one is 'mnist'"):
        model.inspect_model(str(serving), "reviews")
    (serving / "2" / "model.json").unlink()
    with pytest.raises(ScoringError, match="not an rnnpipe SavedModel"):
        model.inspect_model(str(serving / "2"), "images")
    with pytest.raises(DataError, match="no files match"):
        score(serving / "1", tmp_path / "nothing*.npz", tmp_path / "out", "images")
    assert not (tmp_path / "out").exists()


def test_signatures_read_from_the_proto_match_the_loaded_model_and_a_corrupt_one_is_named(mnist_run, tmp_path):
    _, summary = mnist_run
    loaded = tf.saved_model.load(summary["model_path"])
    read = model.read_signatures(summary["model_path"])
    assert sorted(read) == sorted(loaded.signatures)
    for name, (inputs, outputs) in read.items():
        function = loaded.signatures[name]
        assert inputs == tuple(sorted(function.structured_input_signature[1]))
        assert outputs == {key: 0 if len(spec.shape) == 1 else spec.shape[1]
                           for key, spec in function.structured_outputs.items()}
    broken = tmp_path / "digits" / "1"
    shutil.copytree(summary["model_path"], broken)
    (broken / "saved_model.pb").write_bytes(b"\xff" * 64)
    with pytest.raises(ScoringError, match=r"1: cannot load the SavedModel: saved_model.pb is corrupt"):
        model.inspect_model(str(broken), "images")
    (broken / "saved_model.pb").unlink()
    with pytest.raises(ScoringError, match="no saved_model.pb"):
        model.read_signatures(str(broken))
    with pytest.raises(ScoringError, match="version 1 not found"):
        model.inspect_model(str(broken), "images")


def test_a_model_of_another_kind_or_without_its_data_section_is_refused_naming_the_kind():
    with pytest.raises(ScoringError, match=r"^v/1: --format reviews needs a imdb model, this one is 'mnist' "
                                           r"\(use --format examples for raw tf.Examples\)$"):
        model.check_kind("v/1", {"kind": "mnist"}, formats.input_format("reviews"))
    with pytest.raises(ScoringError, match=r"^v/1: text generation \(generate, --format prompts\) needs a charlm "
                                           r"model, this one is 'imdb'$"):
        model.check_kind("v/1", {"kind": "imdb"}, formats.input_format("prompts"))
    with pytest.raises(ScoringError, match="model.json has no data section"):
        model.check_kind("v/1", {"kind": "timeseries"}, formats.input_format("series"))
    model.check_kind("v/1", {"kind": "timeseries", "data": {"window": 3}}, formats.input_format("series"))
    model.check_kind("v/1", {"kind": "charlm"}, formats.input_format("examples"))


def test_versions_are_the_integer_folders_with_a_saved_model_on_any_file_system(tmp_path):
    for name in ("1", "3", "10", "tmp", ".tmp-abc"):
        (tmp_path / name / "variables").mkdir(parents=True)
        (tmp_path / name / "saved_model.pb").write_bytes(b"")
        (tmp_path / name / "variables" / "variables.index").write_bytes(b"")
    (tmp_path / "4").mkdir()  # an export cut short: no saved_model.pb
    (tmp_path / "11").mkdir()  # a copy cut short: a graph, but no variables yet
    (tmp_path / "11" / "saved_model.pb").write_bytes(b"")
    assert model.versions_of(str(tmp_path)) == [1, 3, 10]
    assert model.resolve_version(str(tmp_path)) == str(tmp_path / "10")
    assert model.resolve_version(str(tmp_path / "3") + "/") == str(tmp_path / "3")
    with pytest.raises(ScoringError, match=r"version 4 not found; versions in .*: \[1, 3, 10\]"):
        model.resolve_version(str(tmp_path / "4"))
    (tmp_path / "4" / "empty").mkdir()
    with pytest.raises(ScoringError, match=r"no versions \(<n>/saved_model.pb\) in this folder"):
        model.resolve_version(str(tmp_path / "4" / "empty"))
    with pytest.raises(ScoringError, match="no such folder"):
        model.resolve_version(str(tmp_path / "missing"))
