"""Tests for locating and checking the IMDB source."""

import pytest

from data.errors import DataError
from data.imdb.config import ImdbData
from data.imdb.source import check_input
from tests.data.imdb.common import tar_with


def test_corrupt_archive_is_reported(tmp_path):
    good = tar_with(tmp_path / "good.tar.gz", [(f"aclImdb/train/pos/{i}_9.txt", b"x" * 5000) for i in range(20)])
    truncated = tmp_path / "truncated.tar.gz"
    truncated.write_bytes(good.read_bytes()[: good.stat().st_size // 2])
    with pytest.raises(DataError, match="corrupt or unreadable archive"):
        check_input(ImdbData(path=str(truncated)))


def test_missing_data_says_how_to_pass_it(tmp_path):
    with pytest.raises(DataError, match="pass --data-dir DIR"):
        check_input(ImdbData(path=str(tmp_path / "absent.tar.gz")))
