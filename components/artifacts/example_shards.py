"""Writing an Examples artifact's splits in an order and a sharding fixed by the records and a seed.

Each record is re-serialized deterministically (``tf.train.Example`` features are a map, whose
default serialization order changes from one process to the next), then keyed by a seeded
SHA-256 of its ``id`` feature (of its bytes when it has none; a transformed example by the id of
the raw example it was made from, so rounding in its values never moves it). The key modulo the shard count
picks the shard; inside a shard the records are sorted by ``(key, id, bytes)``. Every shard file
of every split is written, empty or not, to a staging name and then renamed, so a retried bundle
rewrites the same bytes. Neither the runner, its workers nor the arrival order change a byte.

Memory: a shard's records are held while they are sorted, so a worker holds about
``split size / num_shards`` bytes at a time; raise ``beam.num_shards`` for big splits.
"""

from __future__ import annotations

import hashlib
import uuid
from typing import Iterable, NamedTuple, Sequence

import apache_beam as beam

from components.artifacts.examples import EXAMPLE_FILE_SUFFIX, split_prefix

ID_FEATURE = "id"


class OrderedRecord(NamedTuple):
    """One record with its sort key: ``(key, id, data)`` sort as the shard's order."""

    key: int
    ident: bytes
    data: bytes


def record_id(example, data: bytes) -> bytes:
    """A parsed ``tf.train.Example``'s ``id`` feature, or ``data`` (its bytes) when it has none."""
    feature = example.features.feature.get(ID_FEATURE)
    return feature.bytes_list.value[0] if feature is not None and len(feature.bytes_list.value) == 1 else data


def canonical_record(serialized: bytes, seed: int, origin: bytes | None = None) -> OrderedRecord:
    """The record's deterministic serialization and its seeded key.

    Args:
        serialized: A serialized ``tf.train.Example``.
        seed: Seeds the key: another seed gives another order and sharding.
        origin: The serialized example it was made from (e.g. a raw example), whose id keys it instead.
    """
    import tensorflow as tf

    example = tf.train.Example.FromString(serialized)
    data = example.SerializeToString(deterministic=True)
    if origin is None:
        ident = record_id(example, data)
    else:
        source = tf.train.Example.FromString(origin)
        ident = record_id(source, source.SerializeToString(deterministic=True))
    digest = hashlib.sha256(seed.to_bytes(8, "big", signed=True) + ident).digest()
    return OrderedRecord(int.from_bytes(digest[:8], "big"), ident, data)


def shard_file(directory: str, split: str, shard: int, num_shards: int) -> str:
    """The path of one shard: the name Beam's ``WriteToTFRecord`` gives it."""
    return f"{split_prefix(directory, split)}-{shard:05d}-of-{num_shards:05d}{EXAMPLE_FILE_SUFFIX}"


def write_shard(path: str, records: Iterable[bytes]) -> int:
    """Writes GZIP TFRecords to ``path`` through a staging name renamed into place.

    Returns:
        How many records were written.
    """
    import tensorflow as tf

    staging = f"{path}.{uuid.uuid4().hex}.tmp"
    written = 0
    tf.io.gfile.makedirs(path.rpartition("/")[0] or ".")
    with tf.io.TFRecordWriter(staging, options="GZIP") as writer:
        for record in records:
            writer.write(record)
            written += 1
    tf.io.gfile.rename(staging, path, overwrite=True)
    return written


class WriteShard(beam.DoFn):
    """Sorts one ``(split, shard)`` group and writes it; yields ``(split, records written)``."""

    def __init__(self, directory: str, num_shards: int):
        super().__init__()
        self.directory = directory
        self.num_shards = num_shards

    def process(self, element):
        (split, shard), records = element
        ordered = sorted(record for record in records if record is not None)
        yield split, write_shard(shard_file(self.directory, split, shard, self.num_shards),
                                 (record.data for record in ordered))


class WriteOrderedSplits(beam.PTransform):
    """``(split, serialized tf.Example)`` pairs to ``Split-<name>/data-SSSSS-of-NNNNN.tfrecord.gz``.

    An element may add a third item, the serialized example it was made from: its id then keys it.

    Args:
        directory: The artifact folder.
        splits: Every split to write (each gets all its shards, empty ones too).
        num_shards: Shards per split.
        seed: Seeds the order and the sharding.

    Returns (from ``expand``):
        A PCollection of ``(split, records written to one shard)``.
    """

    def __init__(self, directory: str, splits: Sequence[str], num_shards: int, seed: int = 0):
        super().__init__()
        if num_shards < 1:
            raise ValueError(f"num_shards must be >= 1, got {num_shards}")
        self.directory = str(directory)
        self.splits = tuple(splits)
        self.num_shards = num_shards
        self.seed = seed

    def expand(self, examples):
        num_shards, seed = self.num_shards, self.seed

        def keyed(item):
            split, serialized, *origin = item
            record = canonical_record(serialized, seed, *origin)
            return (split, record.key % num_shards), record

        every_shard = [((split, shard), None) for split in self.splits for shard in range(num_shards)]
        return ((examples | "KeyByHash" >> beam.Map(keyed),
                 examples.pipeline | "EveryShard" >> beam.Create(every_shard))
                | "WithEmptyShards" >> beam.Flatten()
                | "GroupShards" >> beam.GroupByKey()
                | "WriteShards" >> beam.ParDo(WriteShard(self.directory, num_shards)))
