"""The Beam steps that read IMDB reviews into examples, optionally a label-stratified subset."""

from __future__ import annotations

import os

import apache_beam as beam
from apache_beam.io import fileio

from data.beam_outputs import encode_records, tagged
from data.hashing import stable_fraction
from data.imdb.config import MEMBER, ImdbData
from data.imdb.readers import read_npz, read_tarball
from data.imdb.records import encode_example, make_record, oversized
from data.imdb.source import locate, source_kind


class ReadSource(beam.DoFn):
    """One archive or npz path to records (main output) and dead letters (``dead``)."""

    def __init__(self, cfg: ImdbData):
        super().__init__()
        self.cfg = cfg

    def process(self, path):
        reader = read_npz(path, self.cfg.word_index, self.cfg.eval_fraction) if path.endswith(".npz") \
            else read_tarball(path, self.cfg.eval_fraction, self.cfg.max_review_bytes)
        for kind, item in reader:
            yield tagged(kind, item, main="record")


class ReadReviewFile(beam.DoFn):
    """One matched review file of an aclImdb folder to a record or a dead letter."""

    def __init__(self, cfg: ImdbData):
        super().__init__()
        self.cfg = cfg

    def process(self, readable):
        name = readable.metadata.path
        if not MEMBER.search(name.replace(os.sep, "/")):
            return
        size = readable.metadata.size_in_bytes
        if size > self.cfg.max_review_bytes:
            kind, item = oversized(name.replace(os.sep, "/"), size, self.cfg.max_review_bytes, name)
        else:
            kind, item = make_record(name.replace(os.sep, "/"), readable.read(), name, self.cfg.eval_fraction)
        yield tagged(kind, item, main="record")


def stratified_subset(records, max_examples: int):
    """Keeps ``max_examples`` reviews per canonical split, half per label, by stable hash.

    The hash is salted differently from the eval carve, so the subset keeps the eval share.
    """
    per_group = max(1, max_examples // 2)

    def group(item):
        split, features = item
        canonical = "test" if split == "test" else "train"
        return (canonical, features["label"]), item

    return (records
            | "GroupForSubset" >> beam.Map(group)
            | "SmallestHashes" >> beam.combiners.Top.PerKey(per_group, key=lambda item: -stable_fraction("subset:" + item[1]["id"]))
            | "FlattenSubset" >> beam.FlatMap(lambda keyed: keyed[1]))


def read_examples(pipeline, cfg: ImdbData):
    """Adds the reading steps to a Beam pipeline.

    Returns:
        ``(examples, dead_letters, records_read)``: ``(split, serialized tf.Example)`` pairs,
        dead-letter dicts, and a one-element PCollection with the number of good records.
    """
    path = locate(cfg)
    if source_kind(path) == "folder":
        parsed = (pipeline
                  | "MatchReviews" >> fileio.MatchFiles(str(path / "**.txt"))
                  | "ReadReviews" >> fileio.ReadMatches()
                  | "ParseReviews" >> beam.ParDo(ReadReviewFile(cfg)).with_outputs("dead", main="record"))
    else:
        parsed = (pipeline
                  | "Source" >> beam.Create([str(path)])
                  | "ReadSource" >> beam.ParDo(ReadSource(cfg)).with_outputs("dead", main="record"))
    records = parsed.record
    count = records | "CountRecords" >> beam.combiners.Count.Globally()
    if cfg.max_examples:
        records = stratified_subset(records, cfg.max_examples)
    examples = encode_records(records, encode_example)
    return examples, parsed.dead, count
