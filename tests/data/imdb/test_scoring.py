"""Tests for the IMDB batch-scoring input: whole files, lines, ``.jsonl`` and ``.csv``."""


def test_scoring_reviews_one_per_line_jsonl_and_csv_with_ids_and_reasons():
    from data.imdb.scoring import scoring_reviews

    lines = list(scoring_reviews("in/batch.txt", "Great film\n\nDull plot\n".encode(), whole_file=False))
    assert lines == [("ok", ("batch.txt:1", "Great film")), ("ok", ("batch.txt:3", "Dull plot"))]
    jsonl = list(scoring_reviews("b.jsonl", b'{"id": 7, "text": "ok"}\n["not", "an object"]\n{"text": 3}\n',
                                 whole_file=False))
    assert jsonl[0] == ("ok", ("7", "ok"))
    assert "not a JSON object" in jsonl[1][1]["reason"] and "is empty or not a string" in jsonl[2][1]["reason"]
    table = list(scoring_reviews("t.csv", b'body,stars\n"fine, really",5\nshort\n', False, text_column="body"))
    assert table[0] == ("ok", ("t.csv:2", "fine, really")) and table[1][1]["reason"] == "expected 2 columns, found 1"
    missing = list(scoring_reviews("t.csv", b"review\nx\n", False))
    assert missing[0][0] == "dead" and "no column 'text' in CSV header ['review']" in missing[0][1]["reason"]


def test_scoring_caps_each_review_and_survives_a_csv_field_over_the_csv_limit():
    from data.imdb.scoring import scoring_reviews

    whole = list(scoring_reviews("big.txt", b"y" * 2000, whole_file=True, max_bytes=1000))
    assert whole[0][1]["reason"] == "review of 2000 bytes is over the 1000-byte limit"
    lines = list(scoring_reviews("l.txt", b"short\n" + b"z" * 2000 + b"\n", whole_file=False, max_bytes=1000))
    assert lines[0] == ("ok", ("l.txt:1", "short")) and "line of 2000 bytes" in lines[1][1]["reason"]
    huge = b'text\nok\n"' + b"w" * 200_000 + b'"\n'  # past the csv module's own 131072-character field limit
    table = list(scoring_reviews("t.csv", huge, whole_file=False))
    assert table[0] == ("ok", ("t.csv:2", "ok")) and table[1][1]["reason"].startswith("unreadable CSV")
