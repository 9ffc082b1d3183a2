"""Tests for the IMDB config."""

import pytest

from data.imdb.config import ImdbData


def test_unknown_truncation_and_padding_are_refused():
    with pytest.raises(ValueError, match="data.truncation must be one of"):
        ImdbData(truncation="both")
    with pytest.raises(ValueError, match="data.padding must be one of"):
        ImdbData(padding="pre")
