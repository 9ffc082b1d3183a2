"""Tests for data/text_lines.py."""

from data.text_lines import line_texts

JSONL = '{"id": "a", "text": "good"}\n\n{"text": "  "}\nnot json\n{"text": "' + "x" * 50 + '"}\n'


def test_plain_lines_skip_empty_ones_and_keep_blank_ones_only_when_asked():
    text = "one\n   \n\ntwo\n"
    assert list(line_texts("in.txt", text, "text", 100)) == [("ok", ("in.txt:1", "one")), ("ok", ("in.txt:4", "two"))]
    kept = list(line_texts("in.txt", text, "text", 100, keep_blank_lines=True))
    assert [item for _, item in kept] == [("in.txt:1", "one"), ("in.txt:2", "   "), ("in.txt:4", "two")]


def test_json_lines_take_their_id_and_dead_letter_what_is_wrong_with_the_line_number():
    items = list(line_texts("dir/in.jsonl", JSONL, "text", 40))
    assert items[0] == ("ok", ("a", "good"))
    dead = {item["id"]: item["reason"] for status, item in items if status == "dead"}
    assert dead["in.jsonl:3"] == "'text' is empty or not a string"
    assert dead["in.jsonl:4"].startswith("not a JSON object with a 'text' string")
    assert dead["in.jsonl:5"] == "line of 62 bytes is over the 40-byte limit"
    assert all(item["source"] == "dir/in.jsonl" for status, item in items if status == "dead")


def test_an_empty_json_text_is_kept_when_allowed():
    items = list(line_texts("in.jsonl", JSONL, "text", 100, allow_empty_text=True))
    assert ("ok", ("in.jsonl:3", "  ")) in items


def test_decoded_text_drops_a_byte_order_mark_and_dead_letters_bytes_that_are_not_utf8():
    from data.text_lines import decoded_text

    assert decoded_text("in/a.txt", "hé".encode("utf-8-sig")) == ("hé", None)
    text, dead = decoded_text("in/b.txt", b"\xff")
    assert text is None and dead["source"] == "in/b.txt" and dead["id"] == "b.txt"
    assert dead["reason"].startswith("not UTF-8")
