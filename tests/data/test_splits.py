"""Tests for the shared ordered split fractions."""

import pytest

from data.charlm.config import SplitFractions as CorpusSplit
from data.splits import OrderedSplit
from data.timeseries.config import SplitFractions as SeriesSplit


def test_fractions_are_checked_and_each_kind_keeps_its_defaults():
    with pytest.raises(ValueError, match=r"split.eval must lie in \[0, 1\], got 1.5"):
        OrderedSplit(0.5, 1.5, -1.0)
    with pytest.raises(ValueError, match="split.train must be > 0"):
        OrderedSplit(0.0, 0.5, 0.5)
    assert (SeriesSplit().train, SeriesSplit().test) == (0.7, 0.2)
    assert (CorpusSplit().train, CorpusSplit().test) == (0.8, 0.1)
    with pytest.raises(ValueError, match="split.train and split.test must be > 0"):
        CorpusSplit(0.9, 0.1, 0.0)
