"""Tests for archives read member by member and checked to their end: tar (plain or compressed) and npz."""

import io
import random
import tarfile

import numpy as np
import pytest

from data.archives import read_npz, tar_entries
from data.errors import DataError
from tests.conftest import damage

MEMBERS = {f"docs/{number}.txt": random.Random(number).randbytes(3000) for number in range(40)}


def write_tar(path, mode="w:gz", members=MEMBERS):
    with tarfile.open(path, mode) as archive:
        for name, raw in members.items():
            info = tarfile.TarInfo(name)
            info.size = len(raw)
            archive.addfile(info, io.BytesIO(raw))
    return path


def read_all(path) -> dict[str, bytes]:
    return {entry.info.name: entry.read() for entry in tar_entries(open(path, "rb"), str(path))}


@pytest.mark.parametrize("suffix,mode", [(".tar", "w"), (".tar.gz", "w:gz"), (".tar.bz2", "w:bz2"),
                                         (".tar.xz", "w:xz")])
def test_a_good_archive_reads_every_member(tmp_path, suffix, mode):
    assert read_all(write_tar(tmp_path / f"a{suffix}", mode)) == MEMBERS


@pytest.mark.parametrize("how", ["truncated", "33%", "90%"])
@pytest.mark.parametrize("suffix,mode", [(".tar.gz", "w:gz"), (".tar.bz2", "w:bz2"), (".tar.xz", "w:xz")])
def test_a_damaged_compressed_archive_is_a_data_error_naming_the_offset(tmp_path, suffix, mode, how):
    path = damage(write_tar(tmp_path / f"a{suffix}", mode), how)
    with pytest.raises(DataError, match=rf"^{path}: corrupt or unreadable archive.*byte"):
        read_all(path)


def test_a_damaged_header_of_a_plain_tar_is_not_taken_for_its_end(tmp_path):
    path = write_tar(tmp_path / "a.tar", "w")
    raw = bytearray(path.read_bytes())
    header = 20 * (512 + 3072)  # the 21st member's header: each member is one header and six data blocks
    raw[header + 100:header + 108] = b"garbage!"  # its mode field: the header checksum no longer matches
    path.write_bytes(bytes(raw))
    with pytest.raises(DataError, match=rf"^{path}: corrupt or unreadable archive after member 'docs/19.txt': "
                                        rf"bad member header at byte {header} of the unpacked archive"):
        read_all(path)


def test_a_plain_tar_cut_at_a_member_boundary_or_inside_one_is_refused(tmp_path):
    path = write_tar(tmp_path / "a.tar", "w")
    raw = path.read_bytes()
    path.write_bytes(raw[:10 * (512 + 3072)])  # ten whole members, no end-of-archive marker
    with pytest.raises(DataError, match=rf"after member 'docs/9.txt': bad member header at byte {10 * 3584}"):
        read_all(path)
    path.write_bytes(raw[:10 * (512 + 3072) + 1000])  # then the 11th header and part of its data
    with pytest.raises(DataError, match=r"member 'docs/10.txt': unexpected end of data"):
        read_all(path)


def test_a_changed_gzip_crc_alone_is_found(tmp_path):
    path = write_tar(tmp_path / "a.tar.gz")
    raw = bytearray(path.read_bytes())
    raw[-8] ^= 0xFF
    path.write_bytes(bytes(raw))
    with pytest.raises(DataError, match=rf"^{path}: corrupt or unreadable archive: the CRC or length check"):
        read_all(path)  # every member is good: only the trailer is wrong


@pytest.mark.parametrize("name", ["a.tar.gz", "a.tar"])
def test_a_file_that_is_not_an_archive_is_refused(tmp_path, name):
    path = tmp_path / name
    path.write_bytes(b"<html>Not found</html>\n" * 100)
    with pytest.raises(DataError, match=rf"^{path}: (not gzip data, as its suffix says|corrupt or unreadable "
                                        rf"archive: bad member header at byte 0)"):
        read_all(path)


def write_npz(path, compressed=False):
    arrays = {"x_test": np.arange(20000, dtype=np.uint8).reshape(-1, 100), "y_test": np.arange(200) % 10}
    (np.savez_compressed if compressed else np.savez)(path, **arrays)
    return path, arrays


@pytest.mark.parametrize("compressed", [False, True])
def test_a_good_npz_reads_every_array(tmp_path, compressed):
    path, arrays = write_npz(tmp_path / "a.npz", compressed)
    with open(path, "rb") as handle:
        loaded = read_npz(handle, str(path))
    assert set(loaded) == set(arrays)
    for name, array in arrays.items():
        np.testing.assert_array_equal(loaded[name], array)


@pytest.mark.parametrize("compressed", [False, True])
@pytest.mark.parametrize("how,message", [
    ("truncated", "not a zip archive, which an .npz is"),
    ("33%", "member 'x_test.npy'"),  # its data
    ("90%", "(member 'x_test.npy'|its zip directory)"),
])
def test_a_damaged_npz_is_a_data_error_naming_the_member(tmp_path, compressed, how, message):
    path = damage(write_npz(tmp_path / "a.npz", compressed)[0], how)
    with open(path, "rb") as handle, pytest.raises(DataError, match=rf"^{path}: not a readable \.npz: .*{message}"):
        read_npz(handle, str(path))


def test_a_changed_zip_crc_names_the_member(tmp_path):
    path, _ = write_npz(tmp_path / "a.npz")
    raw = bytearray(path.read_bytes())
    entry = raw.rindex(b"PK\x01\x02")  # the central directory entry of the last member, y_test.npy
    raw[entry + 16] ^= 0xFF  # its CRC-32
    path.write_bytes(bytes(raw))
    with open(path, "rb") as handle, pytest.raises(DataError, match="member 'y_test.npy': Bad CRC-32"):
        read_npz(handle, str(path))
