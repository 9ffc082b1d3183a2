"""Tests for quoting input in messages: a bounded prefix with the whole length."""

from data.quoting import bounded, quoted, quoted_names


def test_short_text_is_quoted_whole_and_long_text_cut_with_its_length():
    assert quoted("abc") == "'abc'"
    assert quoted("x" * 80) == repr("x" * 80)
    assert quoted("x" * 7_500_000) == repr("x" * 80) + "... (7500000 characters)"
    assert quoted("\x00" * 100, limit=4) == "'\\x00\\x00\\x00\\x00'... (100 characters)"


def test_raw_text_and_lists_of_names_are_cut_the_same_way():
    assert bounded("a,b") == "a,b"
    assert bounded("y" * 1000, limit=10) == "yyyyyyyyyy... (1000 characters)"
    assert quoted_names(["date", "temp"]) == "['date', 'temp']"
    assert quoted_names([f"c{n}" for n in range(12)], limit=2) == "['c0', 'c1', ... (12 columns)]"
