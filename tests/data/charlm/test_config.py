"""Tests for the charlm config and the bundled charlm pipeline config."""

import pytest

from data.charlm.config import CharlmData, SplitFractions
from pipeline.config import bundled_config, load_config


def test_the_bundled_config_loads_and_bad_settings_name_the_key(tmp_path):
    cfg = load_config(bundled_config("charlm"))
    assert cfg.kind == "charlm" and cfg.data.window == 40 and cfg.evaluator.comparison_metric == "perplexity"
    with pytest.raises(ValueError, match="must sum to 1"):
        SplitFractions(0.5, 0.2, 0.2)
    with pytest.raises(ValueError, match="data.stride must be >= 1"):
        CharlmData(stride=0)
