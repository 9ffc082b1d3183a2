"""Tests for scoring.formats: the table of input formats comes from the dataset kinds' contract."""

from types import SimpleNamespace

import pytest

import data
from components.scoring import BulkInferrerParams, ScoringError, formats
from data.contract import ScoringInput
from data.errors import DataError


def test_every_kind_with_a_scoring_input_has_its_format_and_examples_fits_any_kind():
    table = formats.input_formats()
    declared = {kind.scoring_input.format: kind for kind in data.kinds() if kind.scoring_input is not None}
    assert set(table) == {"examples", *declared}
    assert {"reviews", "images", "series", "prompts"} <= set(declared)
    for name, kind in declared.items():
        assert table[name].kind is kind and table[name].input is kind.scoring_input
        assert data.kind_for_scoring_format(name) is kind
    assert table["examples"].kind is None and table["examples"].input.signature == "serving_default"
    assert [fmt.name for fmt in formats.generation_formats()] == ["prompts"]


def test_an_unknown_format_is_refused_naming_the_formats():
    expected = "--format must be one of ['examples', 'images', 'prompts', 'reviews', 'series'], got 'sounds'"
    with pytest.raises(ValueError, match=expected.replace("[", r"\[").replace("]", r"\]")):
        formats.input_format("sounds")
    with pytest.raises(ScoringError) as refused:
        BulkInferrerParams("model", "in", "out", "sounds")
    assert str(refused.value) == expected


def test_a_new_kind_that_declares_a_scoring_input_is_scored_without_changes_here(monkeypatch):
    sounds = ScoringInput(format="sounds", signature="serving_raw", input_names=("audio",), folder_pattern="*.wav")
    kind = SimpleNamespace(name="audio", scoring_input=sounds)
    monkeypatch.setattr(formats, "kinds", lambda: (*data.kinds(), kind))
    assert formats.input_format("sounds") == formats.InputFormat(sounds, kind)
    assert BulkInferrerParams("model", "in", "out", "sounds").sampling is None


def test_a_folder_holds_the_formats_files_and_is_one_record_per_file_only_for_reviews(tmp_path):
    (tmp_path / "a.txt").write_text("fine")
    (tmp_path / "b.png").write_bytes(b"png")
    (tmp_path / "sub").mkdir()
    files, whole = formats.match_inputs(str(tmp_path), formats.input_format("reviews"))
    assert [f.rsplit("/", 1)[1] for f in files] == ["a.txt"] and whole
    files, whole = formats.match_inputs(str(tmp_path / "*.txt"), formats.input_format("reviews"))
    assert len(files) == 1 and not whole
    files, whole = formats.match_inputs(str(tmp_path), formats.input_format("prompts"))
    assert len(files) == 1 and not whole
    files, _ = formats.match_inputs(str(tmp_path), formats.input_format("examples"))
    assert [f.rsplit("/", 1)[1] for f in files] == ["a.txt", "b.png"]  # a folder of TFRecords: every file
    with pytest.raises(DataError, match=r"--input .*: no files match .*\*\.csv"):
        formats.match_inputs(str(tmp_path), formats.input_format("series"))
