"""Tests for scoring.tfrecords: raw tf.Examples out of TFRecord files, cut files as dead letters."""

import gzip
import zlib

import tensorflow as tf

from components.scoring import tfrecords


def two_records(tmp_path) -> bytes:
    """The bytes of an uncompressed TFRecord file of two small tf.Examples."""
    example = tf.train.Example(features=tf.train.Features(feature={
        "id": tf.train.Feature(bytes_list=tf.train.BytesList(value=[b"a"]))})).SerializeToString()
    plain = tmp_path / "plain.tfrecord"
    with tf.io.TFRecordWriter(str(plain)) as writer:
        writer.write(example)
        writer.write(example)
    return plain.read_bytes()


def test_a_gzipped_tfrecord_cut_inside_a_record_header_is_a_dead_letter(tmp_path):
    raw = two_records(tmp_path)
    whole, cut = tmp_path / "whole.tfrecord.gz", tmp_path / "cut.tfrecord.gz"
    whole.write_bytes(gzip.compress(raw))
    cut.write_bytes(gzip.compress(raw[:len(raw) // 2 + 6]))  # a whole gzip stream whose records stop mid-header
    assert [status for status, _ in tfrecords.tfrecord_examples(str(whole))] == ["ok", "ok"]
    items = list(tfrecords.tfrecord_examples(str(cut)))
    assert [status for status, _ in items] == ["ok", "dead"]
    assert items[1][1]["reason"] == "corrupt TFRecord: the file ends inside a record header (6 stray bytes after 1 records)"


def test_a_gzip_stream_cut_at_a_record_boundary_is_a_dead_letter(tmp_path):
    """A gzip stream that stops after a flushed record reads as whole records, but has no trailer."""
    raw = two_records(tmp_path)
    compressor = zlib.compressobj(wbits=31)  # a gzip header, no trailer until flush(Z_FINISH)
    first_record = compressor.compress(raw[:len(raw) // 2]) + compressor.flush(zlib.Z_FULL_FLUSH)
    cut = tmp_path / "cut.tfrecord.gz"
    cut.write_bytes(first_record)
    items = list(tfrecords.tfrecord_examples(str(cut)))
    assert [status for status, _ in items] == ["ok", "dead"]
    assert items[1][1]["reason"].startswith("corrupt TFRecord: ")
