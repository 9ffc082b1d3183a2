"""Tests for decoding corpus files: undecodable lines and binary files are dead letters."""

from data.charlm.config import CharlmData, SplitFractions
from data.charlm.decoding import decode_text
from data.charlm.windows import build_windows
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
