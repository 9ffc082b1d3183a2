"""Tests for scoring.params: a job's parameters and sampling settings are checked when made."""

import re

import pytest

from components.scoring import BulkInferrerParams, GenerationSettings, ScoringError


def test_parameters_out_of_range_are_refused_with_the_option_names():
    with pytest.raises(ScoringError, match=r"--output-format must be one of \('jsonl', 'csv'\), got 'xml'"):
        BulkInferrerParams("m", "in", "out", "reviews", output_format="xml")
    with pytest.raises(ScoringError, match=r"--max-error-rate must lie within \[0, 1\], got 1.5"):
        BulkInferrerParams("m", "in", "out", "reviews", max_error_rate=1.5)
    with pytest.raises(ScoringError, match="apply to --format prompts, not images"):
        BulkInferrerParams("m", "in", "out", "images", generation=GenerationSettings())


@pytest.mark.parametrize("field, value, message", [
    ("batch_size", 0, "--batch-size must be an integer within [1, 65536], got 0"),
    ("batch_size", -3, "--batch-size must be an integer within [1, 65536], got -3"),
    ("batch_size", 10 ** 8, "--batch-size must be an integer within [1, 65536], got 100000000"),
    ("batch_size", 2.5, "--batch-size must be an integer within [1, 65536], got 2.5"),
    ("batch_size", True, "--batch-size must be an integer within [1, 65536], got True"),
    ("num_shards", -1, "--num-shards must be an integer within [0, 10000], got -1"),
    ("num_shards", 10 ** 6, "--num-shards must be an integer within [0, 10000], got 1000000"),
    ("max_record_bytes", 0, "--max-record-bytes must be an integer >= 1, got 0"),
    ("max_error_rate", -0.1, "--max-error-rate must lie within [0, 1], got -0.1"),
    ("max_error_rate", float("nan"), "--max-error-rate must lie within [0, 1], got nan"),
    ("max_error_rate", "0.1", "--max-error-rate must lie within [0, 1], got '0.1'"),
])
def test_each_numeric_option_is_checked_and_named_with_its_value(field, value, message):
    with pytest.raises(ScoringError, match=f"^{re.escape(message)}$"):
        BulkInferrerParams("m", "in", "out", "reviews", **{field: value})


def test_numeric_options_at_their_limits_are_accepted():
    params = BulkInferrerParams("m", "in", "out", "reviews", batch_size=65536, num_shards=10000, max_record_bytes=1,
                                max_error_rate=1)
    assert params.batch_size == 65536 and BulkInferrerParams("m", "in", "out", "reviews", batch_size=1).batch_size == 1


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
