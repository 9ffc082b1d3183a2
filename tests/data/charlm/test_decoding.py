"""Tests for decoding corpus files: undecodable lines and binary files are dead letters."""

import bz2
import gzip
import lzma

import pytest

from data.charlm.config import CharlmData, SplitFractions
from data.charlm.decoding import decode_text
from data.charlm.windows import build_windows
from tests.conftest import corpus_text, damage
from tests.data.charlm.common import offset_of


def test_lines_that_are_not_utf8_are_dead_letters_and_no_window_spans_them():
    raw = b"first good line\n\xff\xfe broken\nsecond good line\r\n"
    segments, dead, lines = decode_text(raw, "mixed.txt")
    assert segments == [(0, "first good line\n"), (16, "second good line\n")]
    assert lines == 2 and len(dead) == 1 and dead[0]["line"] == 2 and dead[0]["reason"].startswith("not UTF-8")
    windows = [w for _, w in build_windows(segments, CharlmData(window=4, pad_start=False,
                                                                 split=SplitFractions(0.5, 0.0, 0.5)), "mixed.txt")]
    assert len(windows) == (16 - 4) + (17 - 4)
    assert all(offset_of(w) < 16 or offset_of(w) - len(w["context"]) >= 16 for w in windows)
    binary = decode_text(b"PK\x03\x04\x00\x00 zipped", "archive.zip")
    assert binary[0] == [] and "NUL byte" in binary[1][0]["reason"]


@pytest.mark.parametrize("compress", [gzip.compress, bz2.compress, lzma.compress])
def test_a_compressed_corpus_file_is_one_dead_letter_not_text(compress):
    raw = compress(corpus_text(40).encode("utf-8"))
    segments, dead, lines = decode_text(raw, "corpus.txt.gz")
    assert segments == [] and lines == 0 and len(dead) == 1
    assert dead[0]["reason"].startswith("not UTF-8 text: ")
    assert dead[0]["reason"].endswith("-compressed data (decompress it first)")
    assert decode_text(b"BZh is how this text starts\n", "b.txt")[0] == [(0, "BZh is how this text starts\n")]


@pytest.mark.parametrize("how", ["truncated", "33%", "90%"])
def test_a_damaged_text_file_keeps_its_good_lines_and_dead_letters_the_damaged_ones(tmp_path, how):
    text = corpus_text(60)
    (tmp_path / "corpus.txt").write_text(text, encoding="ascii")
    path = damage(tmp_path / "corpus.txt", how)
    segments, dead, lines = decode_text(path.read_bytes(), str(path))
    good = "".join(stretch for _, stretch in segments)
    if how == "truncated":  # plain text has no end marker: a shorter text, every line of it good
        assert dead == [] and text.startswith(good) and len(good) == len(text) // 2
    else:  # the inverted bytes are not UTF-8: their line is a dead letter, the rest is kept
        assert [letter["reason"][:10] for letter in dead] == ["not UTF-8:"] * len(dead) and 1 <= len(dead) <= 2
        assert len(good) > len(text) * 0.9
