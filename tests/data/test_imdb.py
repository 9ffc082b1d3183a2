"""Tests for the IMDB readers, archive safety, npz trust and tokenisation."""

import io
import json
import tarfile

import numpy as np
import pytest
import tensorflow as tf

from data.errors import DataError
from data.imdb import (ImdbData, check_input, input_files, make_record, pad_at_start, read_npz, read_tarball,
                       tokenize, truncate)
from data.hashing import stable_fraction
from tests.conftest import write_aclimdb


def tar_with(path, members):
    """Writes a tar.gz holding ``(name, bytes)`` members (and links given as ``(name, None, target)``)."""
    with tarfile.open(path, "w:gz") as archive:
        for name, data, *link in members:
            info = tarfile.TarInfo(name)
            if link:
                info.type, info.linkname = tarfile.SYMTYPE, link[0]
                archive.addfile(info)
            else:
                info.size = len(data)
                archive.addfile(info, io.BytesIO(data))
    return path


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


def test_tarball_reads_the_same_reviews_as_the_folder(tmp_path):
    folder = write_aclimdb(tmp_path, per_class=5)
    archive = tmp_path / "aclImdb_v1.tar.gz"
    with tarfile.open(archive, "w:gz") as tar:
        tar.add(folder, arcname="aclImdb")
    records = [item for kind, item in read_tarball(str(archive), 0.0) if kind == "record"]
    assert len(records) == 20
    from_folder = {f"{p.parent.parent.name}/{p.parent.name}/{p.stem}": p.read_text() for p in folder.rglob("*.txt")}
    assert {f["id"]: f["text"] for _, f in records} == from_folder
    check_input(ImdbData(path=str(archive)))
    assert input_files(ImdbData(path=str(folder)))[0].suffix == ".txt"


@pytest.mark.parametrize("member,what", [
    (("../evil.txt", b"x"), "'..' in path"),
    (("/tmp/evil.txt", b"x"), "absolute path"),
    (("aclImdb/train/pos/link_1.txt", None, "/etc/passwd"), "link or device"),
])
def test_malicious_archives_are_refused(tmp_path, member, what):
    archive = tar_with(tmp_path / "evil.tar.gz", [("aclImdb/train/pos/0_9.txt", b"fine"), member])
    with pytest.raises(DataError, match=f"unsafe archive member .*{what}"):
        check_input(ImdbData(path=str(archive)))
    with pytest.raises(DataError, match="unsafe archive member"):
        list(read_tarball(str(archive), 0.0))
    assert not (tmp_path.parent / "evil.txt").exists()


def test_corrupt_archive_is_reported(tmp_path):
    good = tar_with(tmp_path / "good.tar.gz", [(f"aclImdb/train/pos/{i}_9.txt", b"x" * 5000) for i in range(20)])
    truncated = tmp_path / "truncated.tar.gz"
    truncated.write_bytes(good.read_bytes()[: good.stat().st_size // 2])
    with pytest.raises(DataError, match="corrupt or unreadable archive"):
        check_input(ImdbData(path=str(truncated)))


def test_missing_data_says_how_to_pass_it(tmp_path):
    with pytest.raises(DataError, match="pass --data-dir DIR"):
        check_input(ImdbData(path=str(tmp_path / "absent.tar.gz")))


def test_npz_is_refused_unless_its_checksum_is_known_or_trusted(tmp_path):
    path = tmp_path / "imdb.npz"
    reviews = np.empty(2, dtype=object)
    reviews[0], reviews[1] = [1, 4, 5], [1, 6]
    np.savez(path, x_train=reviews, y_train=np.array([1, 0]), x_test=reviews, y_test=np.array([0, 1]))
    with pytest.raises(DataError, match="data.trust_npz=true"):
        check_input(ImdbData(path=str(path)))
    index = tmp_path / "imdb_word_index.json"
    index.write_text(json.dumps({"good": 1, "film": 2, "bad": 3}))
    check_input(ImdbData(path=str(path), trust_npz=True))
    records = [item for kind, item in read_npz(str(path), str(index), 0.0) if kind == "record"]
    assert [(split, f["text"], f["label"]) for split, f in records] == [
        ("train", "good film", 1), ("train", "bad", 0), ("test", "good film", 0), ("test", "bad", 1)]


def test_tokenize_lowercases_strips_breaks_and_splits_punctuation():
    tokens = tokenize(tf.constant(["Great film!<br /><br />Loved it, really.", ""])).to_list()
    assert tokens[0] == [b"great", b"film", b"!", b"loved", b"it", b",", b"really", b"."]
    assert tokens[1] == []


@pytest.mark.parametrize("truncation, long_row", [
    ("end", [1, 2, 3, 4]), ("start", [4, 5, 6, 7]), ("middle", [1, 2, 6, 7])])
def test_truncation_drops_the_chosen_part_of_long_rows_only(truncation, long_row):
    rows = tf.ragged.constant([[1, 2, 3, 4, 5, 6, 7], [1, 2, 3, 4], [1], []], dtype=tf.int64)
    cut = tf.function(lambda r: truncate(r, 4, truncation),
                      input_signature=[tf.RaggedTensorSpec([None, None], tf.int64)])  # as tf.Transform traces it
    assert cut(rows).to_list() == [long_row, [1, 2, 3, 4], [1], []]


def test_pad_at_start_moves_each_rows_padding_before_its_ids():
    dense = tf.constant([[1, 2, 3, 0, 0], [4, 0, 0, 0, 0], [5, 6, 7, 8, 9]], tf.int64)
    moved = pad_at_start(dense, tf.constant([3, 1, 5], tf.int64)).numpy()
    np.testing.assert_array_equal(moved, [[0, 0, 1, 2, 3], [0, 0, 0, 0, 4], [5, 6, 7, 8, 9]])


def test_unknown_truncation_and_padding_are_refused():
    with pytest.raises(ValueError, match="data.truncation must be one of"):
        ImdbData(truncation="both")
    with pytest.raises(ValueError, match="data.padding must be one of"):
        ImdbData(padding="pre")


def test_scoring_reviews_one_per_line_jsonl_and_csv_with_ids_and_reasons():
    from data.imdb import scoring_reviews

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


def test_reviews_over_the_size_limit_are_dead_letters_unread(tmp_path):
    archive = tar_with(tmp_path / "a.tar.gz", [("aclImdb/train/pos/1_9.txt", b"fine film"),
                                              ("aclImdb/train/neg/2_1.txt", b"x" * 5000)])
    items = list(read_tarball(str(archive), 0.0, max_bytes=1000))
    assert items[0][0] == "record"
    assert items[1] == ("dead", {"source": str(archive), "id": "train/neg/2_1",
                                 "reason": "review of 5000 bytes is over data.max_review_bytes (1000)"})


def test_scoring_caps_each_review_and_survives_a_csv_field_over_the_csv_limit():
    from data.imdb import scoring_reviews

    whole = list(scoring_reviews("big.txt", b"y" * 2000, whole_file=True, max_bytes=1000))
    assert whole[0][1]["reason"] == "review of 2000 bytes is over the 1000-byte limit"
    lines = list(scoring_reviews("l.txt", b"short\n" + b"z" * 2000 + b"\n", whole_file=False, max_bytes=1000))
    assert lines[0] == ("ok", ("l.txt:1", "short")) and "line of 2000 bytes" in lines[1][1]["reason"]
    huge = b'text\nok\n"' + b"w" * 200_000 + b'"\n'  # past the csv module's own 131072-character field limit
    table = list(scoring_reviews("t.csv", huge, whole_file=False))
    assert table[0] == ("ok", ("t.csv:2", "ok")) and table[1][1]["reason"].startswith("unreadable CSV")
