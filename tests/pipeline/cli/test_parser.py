"""Tests for the command line's parser: its choices agree with what the code can do."""

import pytest

from components.scoring.formats import input_formats
from pipeline.cli.parser import SCORE_FORMATS, build_parser
from pipeline.defaults import DEFAULT_BATCH_SIZE, PROMPTS_BATCH_SIZE
from pipeline.scoring_jobs import default_batch_size


def test_score_formats_are_every_input_format_scoring_knows():
    assert sorted(SCORE_FORMATS) == sorted(input_formats())


def test_a_generating_format_gets_the_prompts_batch_size():
    sizes = {fmt: default_batch_size(fmt) for fmt in SCORE_FORMATS}
    assert sizes == {fmt: PROMPTS_BATCH_SIZE if fmt == "prompts" else DEFAULT_BATCH_SIZE for fmt in SCORE_FORMATS}


def test_score_refuses_a_format_it_does_not_know():
    with pytest.raises(SystemExit):
        build_parser().parse_args(["score", "--model", "m", "--input", "i", "--output", "o", "--format", "pdf"])


def test_the_help_names_the_defaults_scoring_applies():
    """pipeline.defaults spells out scoring's defaults so that --help loads no Beam; they must agree."""
    from components.scoring import BulkInferrerParams, GenerationSettings
    from components.scoring.params import MAX_BATCH_SIZE, MAX_SHARDS
    from pipeline.defaults import GENERATED_DEFAULT_LENGTH, MAX_SCORE_BATCH_SIZE, MAX_SCORE_SHARDS

    assert GenerationSettings().length == GENERATED_DEFAULT_LENGTH
    assert (MAX_BATCH_SIZE, MAX_SHARDS) == (MAX_SCORE_BATCH_SIZE, MAX_SCORE_SHARDS)
    assert BulkInferrerParams("m", "i", "o", "examples").batch_size == DEFAULT_BATCH_SIZE
