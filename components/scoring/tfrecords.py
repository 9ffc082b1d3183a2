"""Raw tf.Examples out of TFRecord files, with corrupt and cut files turned into dead letters."""

from __future__ import annotations

import os
import zlib
from typing import Any, Iterator


def tfrecord_examples(path: str, max_bytes: int = 1_000_000) -> Iterator[tuple[str, Any]]:
    """Serialized tf.Examples of one TFRecord file (GZIP when named ``*.gz``), keyed by ``id`` or position."""
    import tensorflow as tf
    from google.protobuf.message import DecodeError

    base = os.path.basename(path)
    index = 0
    consumed = 0  # bytes of whole records: 8 length + 4 CRC + data + 4 CRC each
    try:
        for record in tf.data.TFRecordDataset([path], compression_type="GZIP" if path.endswith(".gz") else ""):
            serialized = record.numpy()
            consumed += 16 + len(serialized)
            if len(serialized) > max_bytes:
                yield "dead", {"source": path, "id": f"{base}:{index}",
                               "reason": f"record of {len(serialized)} bytes is over the {max_bytes}-byte limit"}
                index += 1
                continue
            try:
                example = tf.train.Example.FromString(serialized)
            except DecodeError as error:
                yield "dead", {"source": path, "id": f"{base}:{index}", "reason": f"not a tf.Example: {error}"}
            else:
                feature = example.features.feature
                ids = feature["id"].bytes_list.value if "id" in feature else []
                yield "ok", (ids[0].decode("utf-8", "replace") if ids else f"{base}:{index}", serialized)
            index += 1
    except tf.errors.DataLossError as error:
        yield "dead", {"source": path, "id": f"{base}:{index}", "reason": f"corrupt TFRecord: {error.message}"}
        return
    try:
        whole = tfrecord_stream_ends_at(path, consumed)  # TFRecordDataset reads a header cut short as a clean end
    except (EOFError, OSError, zlib.error) as error:  # a gzip stream cut short, or a bad gzip member
        yield "dead", {"source": path, "id": f"{base}:{index}", "reason": f"corrupt TFRecord: {error}"}
        return
    if not whole:
        size = tfrecord_stream_size(path)
        yield "dead", {"source": path, "id": f"{base}:{index}",
                       "reason": f"corrupt TFRecord: the file ends inside a record header ({size - consumed} "
                                 f"stray bytes after {index} records)"}


def tfrecord_stream_ends_at(path: str, consumed: int) -> bool:
    """Whether a TFRecord stream holds exactly ``consumed`` bytes.

    A plain file's size is a stat. A ``.gz`` file first checks its gzip trailer (the uncompressed
    size modulo 2**32), which costs one small read; only when that disagrees (a cut file, or
    several gzip members) is the stream decompressed to count.
    """
    import tensorflow as tf

    if path.endswith(".gz"):
        length = tf.io.gfile.stat(path).length
        if length >= 4:
            with tf.io.gfile.GFile(path, "rb") as handle:
                handle.seek(length - 4)
                if int.from_bytes(handle.read(4), "little") == consumed % 2 ** 32:
                    return True
    return tfrecord_stream_size(path) == consumed


def tfrecord_stream_size(path: str) -> int:
    """Bytes of a TFRecord stream: the file size, or the decompressed size of a ``.gz`` file."""
    import gzip

    import tensorflow as tf

    if not path.endswith(".gz"):
        return tf.io.gfile.stat(path).length
    size = 0
    with tf.io.gfile.GFile(path, "rb") as raw, gzip.GzipFile(fileobj=raw) as stream:
        for block in iter(lambda: stream.read(1 << 20), b""):
            size += len(block)
    return size
