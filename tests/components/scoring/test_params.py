"""Tests for scoring.params: a job's parameters and sampling settings are checked when made."""

import pytest

from components.scoring import BulkInferrerParams, GenerationSettings, ScoringError


def test_parameters_out_of_range_are_refused_with_the_option_names():
    with pytest.raises(ScoringError, match=r"--output-format must be one of \('jsonl', 'csv'\), got 'xml'"):
        BulkInferrerParams("m", "in", "out", "reviews", output_format="xml")
    with pytest.raises(ScoringError, match="--batch-size and --max-record-bytes must be >= 1, --num-shards >= 0"):
        BulkInferrerParams("m", "in", "out", "reviews", batch_size=0)
    with pytest.raises(ScoringError, match=r"--max-error-rate must lie within \[0, 1\], got 1.5"):
        BulkInferrerParams("m", "in", "out", "reviews", max_error_rate=1.5)
    with pytest.raises(ScoringError, match="apply to --format prompts, not images"):
        BulkInferrerParams("m", "in", "out", "images", generation=GenerationSettings())


def test_sampling_settings_apply_to_prompts_only_with_defaults_when_none_were_given():
    assert BulkInferrerParams("m", "in", "out", "prompts").sampling == GenerationSettings()
    settings = GenerationSettings(length=5, temperature=0.5, seed=-1)
    assert BulkInferrerParams("m", "in", "out", "prompts", generation=settings).sampling == settings
    assert BulkInferrerParams("m", "in", "out", "series").sampling is None
    with pytest.raises(ScoringError, match=r"within \[1, 100000\], got 0"):
        GenerationSettings(length=0)
    with pytest.raises(ScoringError, match="the temperature must be a number > 0, got nan"):
        GenerationSettings(temperature=float("nan"))
    with pytest.raises(ScoringError, match="the seed must fit in 64 bits"):
        GenerationSettings(seed=2 ** 63)
