"""Tests for the IMDB tarball and npz readers: same reviews as the folder, archive safety, npz trust."""

import json
import tarfile

import numpy as np
import pytest

from data.errors import DataError
from data.imdb.config import ImdbData
from data.imdb.readers import read_npz, read_tarball
from data.imdb.source import check_input, input_files
from tests.conftest import write_aclimdb
from tests.data.imdb.common import tar_with


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


def test_reviews_over_the_size_limit_are_dead_letters_unread(tmp_path):
    archive = tar_with(tmp_path / "a.tar.gz", [("aclImdb/train/pos/1_9.txt", b"fine film"),
                                              ("aclImdb/train/neg/2_1.txt", b"x" * 5000)])
    items = list(read_tarball(str(archive), 0.0, max_bytes=1000))
    assert items[0][0] == "record"
    assert items[1] == ("dead", {"source": str(archive), "id": "train/neg/2_1",
                                 "reason": "review of 5000 bytes is over data.max_review_bytes (1000)"})
