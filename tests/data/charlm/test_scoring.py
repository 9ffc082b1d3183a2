"""Tests for the charlm batch-generation input: prompts per line or per ``.jsonl`` object."""

from data.charlm.scoring import scoring_prompts


def test_prompts_come_one_per_line_or_from_jsonl_with_empty_lines_skipped():
    lines = list(scoring_prompts("p.txt", "The cat \n\n  indented\n".encode()))
    assert lines == [("ok", ("p.txt:1", "The cat ")), ("ok", ("p.txt:3", "  indented"))]
    records = list(scoring_prompts("p.jsonl", b'{"id": "x", "prompt": ""}\n{"prompt": 3}\n', text_column="prompt"))
    assert records[0] == ("ok", ("x", "")) and records[1][0] == "dead"
    assert list(scoring_prompts("bad.txt", b"\xff"))[0][1]["reason"].startswith("not UTF-8")
