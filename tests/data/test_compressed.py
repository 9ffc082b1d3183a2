"""Tests for compressed files read once and checked to their end: every kind of damage is a DataError."""

import bz2
import gzip
import lzma
import random

import pytest

from data.compressed import CHUNK, FEED, decompress_checked, open_checked, read_checked
from data.errors import DataError
from tests.conftest import damage

PAYLOAD = random.Random(0).randbytes(3 * CHUNK) + b"the end\n" * 20000  # more than a few reads
COMPRESS = {".gz": gzip.compress, ".bz2": bz2.compress, ".xz": lzma.compress}


def write(tmp_path, suffix: str, raw: bytes = PAYLOAD):
    path = tmp_path / f"data{suffix}"
    path.write_bytes(COMPRESS[suffix](raw))
    return path


@pytest.mark.parametrize("suffix", COMPRESS)
def test_a_good_file_reads_whole(tmp_path, suffix):
    assert read_checked(write(tmp_path, suffix)) == PAYLOAD


def test_plain_bytes_pass_through_and_gzip_streams_may_follow_each_other(tmp_path):
    plain = tmp_path / "images-idx3-ubyte"
    plain.write_bytes(PAYLOAD)
    assert read_checked(plain) == PAYLOAD
    joined = tmp_path / "joined.gz"
    joined.write_bytes(gzip.compress(b"first\n") + gzip.compress(b"second\n") + b"\0" * 100)
    assert read_checked(joined) == b"first\nsecond\n"
    joined.write_bytes(gzip.compress(PAYLOAD) + gzip.compress(b"second\n"))  # the first ends inside a read
    assert read_checked(joined) == PAYLOAD + b"second\n"


def test_bytes_after_a_long_stream_are_refused(tmp_path):
    path = tmp_path / "tail.gz"
    first = gzip.compress(PAYLOAD)
    path.write_bytes(first + b"garbage")
    with pytest.raises(DataError, match=f"unexpected bytes after the gzip stream that ends at byte {len(first)}$"):
        read_checked(path)


@pytest.mark.parametrize("suffix", COMPRESS)
@pytest.mark.parametrize("how", ["truncated", "33%", "90%"])
def test_damage_anywhere_is_a_data_error_naming_the_file_and_offset(tmp_path, suffix, how):
    path = damage(write(tmp_path, suffix), how)
    with pytest.raises(DataError, match=rf"^{path}: corrupt or unreadable .*(byte|bytes) \d+"):
        read_checked(path)


def test_a_changed_gzip_crc_is_found_at_the_end(tmp_path):
    path = write(tmp_path, ".gz")
    raw = bytearray(path.read_bytes())
    raw[-8] ^= 0xFF  # the CRC-32 of the trailer, nothing else
    path.write_bytes(bytes(raw))
    with pytest.raises(DataError, match=f"{path}: corrupt or unreadable gzip file: the CRC or length check at "
                                        f"the end of the gzip stream failed \\(at or before byte {len(raw)}\\): "
                                        f"bytes before it were changed"):
        read_checked(path)


def test_a_changed_gzip_length_is_found_at_the_end(tmp_path):
    path = write(tmp_path, ".gz")
    raw = bytearray(path.read_bytes())
    raw[-1] ^= 0x01  # the length of the trailer
    path.write_bytes(bytes(raw))
    with pytest.raises(DataError, match="incorrect length check"):
        read_checked(path)


def test_undecodable_data_is_found_where_it_is_read(tmp_path):
    path = write(tmp_path, ".gz")
    raw = bytearray(path.read_bytes())
    raw[10] = 0x07  # the first deflate block header: a reserved block type
    path.write_bytes(bytes(raw))
    stream = open_checked(open(path, "rb"), str(path))
    with pytest.raises(DataError, match=rf"^{path}: corrupt or unreadable gzip file: bad gzip data found in bytes "
                                        rf"6\.\.{FEED + 6} \(Error -3 while decompressing data: invalid block type\)"):
        stream.read(CHUNK)


@pytest.mark.parametrize("suffix", [".gz", ".bz2", ".xz", ".tgz"])
def test_a_file_that_is_not_what_its_suffix_says_is_refused(tmp_path, suffix):
    path = tmp_path / f"notes{suffix}"
    path.write_bytes(b"just some text\n")
    with pytest.raises(DataError, match=rf"{path}: not (gzip|bzip2|xz) data, as its suffix says: the file "
                                        rf"starts with b'just s'"):
        read_checked(path)
    path.write_bytes(b"")
    with pytest.raises(DataError, match="the file is empty"):
        read_checked(path)


def test_bytes_after_the_last_stream_are_refused(tmp_path):
    path = tmp_path / "tail.gz"
    path.write_bytes(gzip.compress(b"data\n") + b"garbage")
    with pytest.raises(DataError, match=rf"{path}: corrupt or unreadable gzip file: unexpected bytes after the "
                                        rf"gzip stream that ends at byte 25"):
        read_checked(path)


def test_bytes_in_memory_are_checked_the_same_way():
    raw = gzip.compress(PAYLOAD)
    assert decompress_checked(raw, "images.gz") == PAYLOAD and decompress_checked(PAYLOAD, "images") == PAYLOAD
    with pytest.raises(DataError, match=r"^upload/images\.gz: corrupt or unreadable gzip file: truncated"):
        decompress_checked(raw[:1000], "upload/images.gz")
