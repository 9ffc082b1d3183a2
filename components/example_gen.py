"""example_gen (Beam): raw data to split, sharded, GZIP-compressed TFRecords of tf.Examples.

Each split's order and sharding depend only on its records and ``seed`` (see
:mod:`components.artifacts.example_shards`): two runs write byte-identical shards.

Bad records go to a dead-letter output with their reason; the run fails only past the
dataset's error budget (``max_error_rate``).
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
from dataclasses import dataclass
from typing import Mapping

import apache_beam as beam

from components.artifacts.example_shards import WriteOrderedSplits
from components.artifacts.examples import DEAD_LETTER_DIR, dead_letter_prefix, read_text_files
from components.contract import ComponentSpec, DatasetParams
from components.types import Artifact, OutputDir
from data.contract import DataConfig
from data.errors import DataError

NAME = "example_gen"
INPUTS: tuple[str, ...] = ()
OUTPUTS = ("examples",)


@dataclass(frozen=True)
class ExampleGenParams(DatasetParams):
    """Parameters of example_gen.

    Attributes:
        data: The dataset config (its ``KIND`` names the dataset kind), with its paths already
            resolved.
        num_shards: TFRecord shards per split.
        beam_args: Beam pipeline options.
        spans: ``(span id, path)`` of each span to read, when ``data.path`` names spans; empty
            reads ``data.path`` itself.
        seed: Seeds the order and sharding of the records (a stable hash of each record's id):
            the same records and seed give byte-identical shards on every run and runner.
    """

    data: DataConfig
    num_shards: int = 2
    beam_args: tuple[str, ...] = ()
    spans: tuple[tuple[str, str], ...] = ()
    seed: int = 0

    def sources(self) -> list[DataConfig]:
        """The dataset config of each input to read: one per span, or ``data`` alone."""
        if not self.spans:
            return [self.data]
        return [dataclasses.replace(self.data, path=path) for _, path in self.spans]


def input_fingerprint(params: ExampleGenParams) -> str:
    """Hashes the raw input files by path and content, for the cache key.

    Raises:
        DataError: If the input is missing.
    """
    digest = hashlib.sha256()
    kind = params.kind
    for path in (path for source in params.sources() for path in kind.input_files(source)):
        digest.update(str(path).encode())
        with open(path, "rb") as handle:
            for block in iter(lambda: handle.read(1 << 20), b""):
                digest.update(block)
    return digest.hexdigest()


def run(inputs: Mapping[str, Artifact], params: ExampleGenParams, out: OutputDir) -> dict[str, Artifact]:
    """Reads the raw data with Beam and writes split TFRecords plus dead letters.

    Args:
        inputs: None.
        params: What to read and how.
        out: Where to write.

    Returns:
        ``{"examples": Artifact}`` with properties ``splits``, ``counts`` (examples per split),
        ``rows_read``, ``dead_letters`` and ``error_rate``. Files: ``Split-<name>/*.tfrecord.gz``,
        ``dead_letter/*.jsonl``.

    Raises:
        DataError: If no input matches, a split is empty, or bad records exceed the budget.
    """
    from components.beam_options import pipeline_options

    kind = params.kind
    sources = params.sources()
    found = {}  # what the reader found in the input (a series' "frequency", "timestamp_form"), for the artifact
    for source in sources:
        found = merge_found(found, kind.check_input(source) or {})  # fails early, clearly, before any Beam work
    target = out.artifact_dir("examples")
    counts_prefix = str(out.scratch / "counts" / "part")
    with beam.Pipeline(options=pipeline_options(params.beam_args)) as pipeline:
        if len(sources) == 1:
            examples, dead, rows_read = kind.read_examples(pipeline, sources[0])
        else:
            reads = [pipeline | f"Span-{span_id}" >> ReadSource(kind, source)
                     for (span_id, _), source in zip(params.spans, sources)]
            examples, dead, rows_read = (
                [read[i] for read in reads] | f"AllSpans{i}" >> beam.Flatten() for i in range(3))
            rows_read = rows_read | "SumRows" >> beam.CombineGlobally(sum)
        _ = examples | "WriteSplits" >> WriteOrderedSplits(str(target), kind.SPLITS, params.num_shards, params.seed)
        (dead | "DeadJson" >> beam.Map(lambda letter: json.dumps(letter, sort_keys=True))
              | "WriteDead" >> beam.io.WriteToText(dead_letter_prefix(target),
                                                   file_name_suffix=".jsonl", num_shards=1))
        split_counts = examples | "SplitKeys" >> beam.Map(lambda item: item[0]) | beam.combiners.Count.PerElement()
        dead_count = dead | "CountDead" >> beam.combiners.Count.Globally() | beam.Map(lambda n: ("_dead", n))
        read_count = rows_read | beam.Map(lambda n: ("_rows", n))
        ((split_counts, dead_count, read_count) | "AllCounts" >> beam.Flatten()
         | beam.Map(json.dumps) | "WriteCounts" >> beam.io.WriteToText(counts_prefix, num_shards=1))
    totals = dict(json.loads(line) for line in read_text_files(counts_prefix + "*"))
    counts = {split: int(totals.get(split, 0)) for split in kind.SPLITS}
    dead_letters = int(totals.get("_dead", 0))
    rows = int(totals.get("_rows", 0)) + dead_letters
    error_rate = dead_letters / rows if rows else 1.0
    return {"examples": out.artifact("examples", "Examples", splits=list(kind.SPLITS), counts=counts,
                                     rows_read=rows, dead_letters=dead_letters, error_rate=error_rate,
                                     spans=[span_id for span_id, _ in params.spans], **found)}


def merge_found(found: Mapping, more: Mapping) -> dict:
    """What the reader found in one more input (a span) added to the others': counts summed (also
    inside a mapping of counts, such as windows dropped by split), anything else as the last says."""
    merged = dict(found)
    for key, value in more.items():
        earlier = merged.get(key)
        if isinstance(value, Mapping) and isinstance(earlier, Mapping):
            merged[key] = {name: earlier.get(name, 0) + count for name, count in value.items()}
        elif type(value) is int and type(earlier) is int:
            merged[key] = earlier + value
        else:
            merged[key] = value
    return merged


class ReadSource(beam.PTransform):
    """One input's reading steps (``kind.read_examples``), under their own label."""

    def __init__(self, kind, data):
        super().__init__()
        self.kind = kind
        self.data = data

    def expand(self, pbegin):
        return self.kind.read_examples(pbegin, self.data)


def check_outputs(outputs: Mapping[str, Artifact], params: ExampleGenParams) -> None:
    """Stops the run when bad records exceed the error budget or a split is empty.

    Runs after the artifact is kept, so its dead letters stay readable.

    Raises:
        DataError: Naming the counts, the budget and where the dead letters are.
    """
    examples = outputs["examples"]
    counts, rows = examples.properties["counts"], examples.properties["rows_read"]
    dead_letters, error_rate = examples.properties["dead_letters"], examples.properties["error_rate"]
    if rows == 0:
        raise DataError(f"{params.data.path}: no records found; check data.path (the file, folder or archive "
                        f"is empty)")
    if error_rate > params.data.max_error_rate:
        raise DataError(f"{dead_letters} of {rows} input records are bad ({error_rate:.1%}), over the "
                        f"error budget data.max_error_rate={params.data.max_error_rate}; reasons are in "
                        f"{examples.path(DEAD_LETTER_DIR)}")
    empty = [split for split in ("train", "test") if counts.get(split, 0) == 0]
    if empty:
        raise DataError(f"split(s) {empty} are empty after reading {params.data.path!r} "
                        f"({counts}); check data.path and the split settings (for series: data.window/horizon)")


SPEC = ComponentSpec(name=NAME, inputs=INPUTS, outputs=OUTPUTS, params_type=ExampleGenParams, run=run,
                     input_fingerprint=input_fingerprint, check_outputs=check_outputs)
