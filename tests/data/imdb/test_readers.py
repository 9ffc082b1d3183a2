"""Tests for the IMDB tarball and npz readers: same reviews as the folder, archive safety, npz trust."""

import json
import shutil
import tarfile

import numpy as np
import pytest

from data.errors import DataError
from data.imdb.config import ImdbData
from data.imdb.readers import read_npz, read_tarball
from data.imdb.source import check_input, input_files
from tests.conftest import damage, write_aclimdb
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


def damaged_archive(tmp_path, how: str):
    """An aclImdb tarball of 40 reviews, damaged ``how``: see :func:`tests.conftest.damage`, or ``crc``
    (its gzip CRC changed) or ``not an archive`` (a web page saved under the archive's name)."""
    folder = write_aclimdb(tmp_path / "source", per_class=10)
    archive = tmp_path / "aclImdb_v1.tar.gz"
    with tarfile.open(archive, "w:gz") as tar:
        tar.add(folder, arcname="aclImdb")
    if how == "crc":
        raw = bytearray(archive.read_bytes())
        raw[-8] ^= 0xFF
        archive.write_bytes(bytes(raw))
    elif how == "not an archive":
        archive.write_bytes(b"<html><body>404 Not Found</body></html>\n")
    else:
        damage(archive, how)
    return archive


@pytest.mark.parametrize("how", ["truncated", "33%", "90%", "crc", "not an archive"])
def test_a_damaged_archive_is_refused_by_the_check_and_by_the_reader(tmp_path, how):
    archive = damaged_archive(tmp_path, how)
    message = rf"^{archive}: (corrupt or unreadable archive.*(byte|member)|not gzip data, as its suffix says)"
    with pytest.raises(DataError, match=message):
        check_input(ImdbData(path=str(archive)))
    with pytest.raises(DataError, match=message):
        list(read_tarball(str(archive), 0.0))


def test_a_damaged_archive_fails_the_beam_read_with_its_message(tmp_path):
    import apache_beam as beam

    from components.beam_options import pipeline_options
    from data.imdb.read import read_examples

    archive = damaged_archive(tmp_path, "crc")  # every review reads; only the end is wrong
    with pytest.raises(DataError, match=rf"{archive}: corrupt or unreadable archive: the CRC or length check"):
        with beam.Pipeline(options=pipeline_options([])) as pipeline:
            examples, _, _ = read_examples(pipeline, ImdbData(path=str(archive)))
            examples | beam.Map(lambda item: item)


def test_a_damaged_npz_is_refused_naming_the_member(tmp_path):
    path = tmp_path / "imdb.npz"
    reviews = np.empty(2, dtype=object)
    reviews[0], reviews[1] = list(range(1, 2000)), [1, 6]
    np.savez(path, x_train=reviews, y_train=np.array([1, 0]), x_test=reviews, y_test=np.array([0, 1]))
    damage(path, "33%")
    with pytest.raises(DataError, match=rf"^{path}: not a readable \.npz: member 'x_train\.npy'"):
        list(read_npz(str(path), "", 0.0))


@pytest.mark.real_data
@pytest.mark.parametrize("how", ["33%", "90%"])
def test_the_real_archive_damaged_as_issue_20_found_is_refused_naming_the_member(tmp_path, shared_datasets, how):
    # Before: read in part, 16,315 (33%) or 45,107 (90%) of 50,000 reviews, with no error.
    archive = tmp_path / "aclImdb_labeled.tar.gz"
    shutil.copyfile(shared_datasets / "imdb" / "aclImdb_labeled.tar.gz", archive)
    damage(archive, how)
    message = rf"^{archive}: corrupt or unreadable archive( after member 'aclImdb/[^']+')?: .*byte \d+"
    with pytest.raises(DataError, match=message):
        check_input(ImdbData(path=str(archive)))
    read = 0
    with pytest.raises(DataError, match=message):
        for kind, _ in read_tarball(str(archive), 0.0):  # bounded: the archive ends
            read += kind == "record"
    assert 0 < read < 50_000  # the reviews before the damage were read, and the reader then failed


def test_a_damaged_member_header_of_a_plain_tar_is_not_taken_for_the_archive_end(tmp_path):
    folder = write_aclimdb(tmp_path / "source", per_class=4)
    archive = tmp_path / "aclImdb.tar"
    with tarfile.open(archive, "w", format=tarfile.USTAR_FORMAT) as tar:  # one header per member
        for path in sorted(folder.rglob("*.txt")):
            tar.add(path, arcname=f"aclImdb/{path.relative_to(folder).as_posix()}")
    raw = bytearray(archive.read_bytes())
    header = raw.index(b"aclImdb/train/pos/")  # the first train/pos review's header: the last four of 16
    raw[header + 148:header + 156] = b"0000000\0"  # its header checksum
    archive.write_bytes(bytes(raw))
    with pytest.raises(DataError, match=rf"^{archive}: corrupt or unreadable archive after member "
                                        rf"'aclImdb/train/neg/[^']+': bad member header at byte {header}"):
        check_input(ImdbData(path=str(archive)))
