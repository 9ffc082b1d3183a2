"""Tests for finding the charlm corpus files and checking them before any Beam work."""

import pytest

from data.charlm.config import CharlmData
from data.charlm.source import check_input, check_windows_memory, input_files
from data.errors import DataError
from tests.data.charlm.common import ALPHABET


def test_a_corpus_shorter_than_one_window_is_a_data_error_naming_the_file_and_sizes(tmp_path):
    (tmp_path / "hello.txt").write_text("hello", encoding="utf-8")
    with pytest.raises(DataError, match=r"hello\.txt \(5 characters\).*data\.window=10"):
        check_input(CharlmData(path=str(tmp_path / "hello.txt"), window=10))


def test_a_split_too_short_for_a_window_is_a_data_error_naming_the_split(tmp_path):
    (tmp_path / "short.txt").write_text(ALPHABET * 4, encoding="utf-8")  # test: the last 10 characters
    with pytest.raises(DataError, match=r"test split gets no window: its 10 characters"):
        check_input(CharlmData(path=str(tmp_path / "short.txt"), window=12))


def test_input_files_take_a_file_a_folder_or_a_glob_and_say_when_nothing_matches(tmp_path):
    (tmp_path / "a.txt").write_text("a")
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "b.md").write_text("b")
    assert [p.rsplit("/", 1)[1] for p in input_files(CharlmData(path=str(tmp_path)))] == ["a.txt", "b.md"]
    assert input_files(CharlmData(path=str(tmp_path / "*.txt"))) == [str(tmp_path / "a.txt")]
    with pytest.raises(DataError, match="no corpus file matches data.path"):
        input_files(CharlmData(path=str(tmp_path / "missing.txt")))


def test_windows_over_the_memory_available_are_a_data_error_naming_the_key_and_the_largest_that_fits():
    cfg = CharlmData(path="corpus.txt", window=20000)
    needed_per_window = (20000 + 1) * 4 * 3
    check_windows_memory(1000, cfg, available=1000 * needed_per_window)  # exactly fits
    check_windows_memory(1000, cfg, available=None)  # unknown memory is not checked
    with pytest.raises(DataError, match=r"data\.window=20000: the 1000 windows of data\.path 'corpus\.txt' would "
                                        r"take about 0\.2 GB of memory, more than the 0\.1 GB available; "
                                        r"data\.window must be at most 8332 here"):
        check_windows_memory(1000, cfg, available=100_000_000)
    check_windows_memory(1000, CharlmData(path="corpus.txt", window=8332), available=100_000_000)  # the limit fits
