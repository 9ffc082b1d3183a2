"""The Beam steps that read MNIST images into examples."""

from __future__ import annotations

import apache_beam as beam

from data.beam_outputs import encode_records, tagged
from data.mnist.config import MnistData
from data.mnist.records import encode_example, records


class ReadImages(beam.DoFn):
    """The configured source to records (main) and dead letters (``dead``)."""

    def __init__(self, cfg: MnistData):
        super().__init__()
        self.cfg = cfg

    def process(self, _):
        for kind, item in records(self.cfg):
            yield tagged(kind, item, main="record")


def read_examples(pipeline, cfg: MnistData):
    """Adds the reading steps to a Beam pipeline; see :meth:`data.contract.DatasetKind.read_examples`."""
    parsed = (pipeline | "Source" >> beam.Create([cfg.path])
              | "ReadImages" >> beam.ParDo(ReadImages(cfg)).with_outputs("dead", main="record"))
    count = parsed.record | "CountImages" >> beam.combiners.Count.Globally()
    examples = encode_records(parsed.record, encode_example)
    return examples, parsed.dead, count
