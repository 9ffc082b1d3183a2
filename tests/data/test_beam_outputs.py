"""Tests for the Beam plumbing the kinds' readers share."""

import apache_beam as beam
from apache_beam.testing.util import assert_that, equal_to

from data.beam_outputs import encode_records, tagged


def test_tagged_keeps_the_main_status_untagged_and_tags_the_others():
    assert tagged("record", {"a": 1}, main="record") == {"a": 1}
    dead = tagged("dead", {"reason": "x"}, main="record")
    assert isinstance(dead, beam.pvalue.TaggedOutput) and dead.tag == "dead" and dead.value == {"reason": "x"}


def test_encode_records_encodes_the_features_and_keeps_the_split():
    with beam.Pipeline() as pipeline:
        records = pipeline | beam.Create([("train", {"v": 1}), ("test", {"v": 2})])
        assert_that(encode_records(records, lambda features: str(features["v"]).encode()),
                    equal_to([("train", b"1"), ("test", b"2")]))
