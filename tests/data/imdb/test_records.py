"""Tests for IMDB review records: the canonical split, the eval carve and dead letters."""

import pytest

from data.hashing import stable_fraction
from data.imdb.records import make_record


def test_records_keep_the_canonical_split_and_carve_eval_by_a_stable_hash():
    kind, (split, features) = make_record("aclImdb/train/pos/12_9.txt", b"Great!", "src", 0.5)
    assert kind == "record" and features == {"text": "Great!", "label": 1, "id": "train/pos/12_9", "rating": 9}
    assert split == ("eval" if stable_fraction("train/pos/12_9") < 0.5 else "train")
    assert make_record("x/test/neg/3_2.txt", b"Dull.", "src", 0.99)[1][0] == "test"  # test is never carved
    assert stable_fraction("train/pos/12_9") == stable_fraction("train/pos/12_9")


@pytest.mark.parametrize("raw,reason", [(b"\xff\xfe oops", "not UTF-8"), (b"  \n ", "empty review")])
def test_undecodable_and_empty_reviews_are_dead_letters(raw, reason):
    kind, letter = make_record("aclImdb/train/neg/1_2.txt", raw, "archive.tar.gz", 0.1)
    assert kind == "dead" and letter["id"] == "train/neg/1_2" and reason in letter["reason"]
