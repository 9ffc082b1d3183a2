"""The scoring job on Beam: read the input files, score them with RunInference, write rows.

The job checks the model and the input before any work starts. Each input file becomes
``(id, raw input)`` records (read by the dataset kind's reader, or from TFRecords for raw
tf.Examples); an id is scored once (each repeat is a dead letter); a ModelHandler loads the
SavedModel once per worker and scores them in batches. Bad records go to a dead-letter output
with the reason. The output folder appears whole or not at all, from a staging folder that a
killed job's successor cleans (:mod:`components.scoring.staging`, :mod:`components.scoring.publish`).
"""

from __future__ import annotations

import json
import logging
import time
from dataclasses import asdict
from typing import Any, Iterable, Iterator, Mapping, Sequence

import apache_beam as beam
from apache_beam.metrics.metric import MetricsFilter
from apache_beam.ml.inference.base import KeyedModelHandler, ModelHandler, PredictionResult, RunInference

from components.scoring import publish
from components.scoring.formats import InputFormat, match_inputs
from components.scoring.model import ServedModel, inspect_model
from components.scoring.output import PROMPT_COLUMN, csv_columns, csv_line, json_line, prediction_row
from components.scoring.params import BulkInferrerParams, GenerationSettings, ScoringError
from components.scoring.paths import join, read_bytes, write_text
from components.scoring.staging import StagingFolder
from components.scoring.tensors import batch_tensors
from components.scoring.tfrecords import tfrecord_examples
from data import KINDS, get_kind
from data.beam_outputs import tagged
from data.contract import ScoringOptions
from data.errors import DataError

LOG = logging.getLogger("rnnpipe.score")
METRICS_NAMESPACE = "rnnpipe_score"


class ReadRecords(beam.DoFn):
    """One input file to ``(id, (file, record number, raw input))`` records and dead letters (tagged ``dead``).

    A record's number counts everything the kind's reader yields for the file, records and dead
    letters, from 1 (for a ``.jsonl`` without blank lines, its line).

    Args:
        fmt: The input format; its dataset kind reads the files (TFRecords of raw tf.Examples
            are read here).
        options: What the kind's reader needs besides the file.
    """

    def __init__(self, fmt: InputFormat, options: ScoringOptions):
        super().__init__()
        self.fmt = fmt
        self.options = options

    def process(self, path: str) -> Iterator:
        for number, (status, item) in enumerate(self.records(path), start=1):
            if status == "ok":
                record_id, raw = item
                item = (record_id, (path, number, raw))
            yield tagged(status, item, main="ok")

    def records(self, path: str) -> Iterator[tuple[str, Any]]:
        if self.fmt.kind is None:
            return tfrecord_examples(path, self.options.max_record_bytes)
        return self.fmt.kind.scoring_records(path, read_bytes(path), self.options)


class FirstOfEachId(beam.DoFn):
    """The records of one id to ``(id, raw input)`` of the first (by file, then record number), and
    a dead letter (tagged ``dead``) for each repeat: an output row's id names one record."""

    def process(self, grouped: tuple[str, Iterable[tuple[str, int, Any]]]) -> Iterator:
        record_id, occurrences = grouped
        first, *repeats = sorted(occurrences, key=lambda occurrence: occurrence[:2])
        yield record_id, first[2]
        for path, number, _ in repeats:
            yield beam.pvalue.TaggedOutput("dead", {
                "source": path, "id": record_id,
                "reason": f"duplicate id {record_id!r}: record {number} of {path} repeats record {first[1]} of "
                          f"{first[0]}, which is the one scored"})


class SavedModelHandler(ModelHandler):
    """Loads an exported version once per worker and calls one signature on batches of raw inputs.

    Args:
        model: The checked version.
        fmt: The input format of the records.
        batch_size: Records per call; a short batch is padded to it.
        generation: The sampling settings of a text-generation job, else None.
    """

    def __init__(self, model: ServedModel, fmt: InputFormat, batch_size: int,
                 generation: GenerationSettings | None = None):
        super().__init__(min_batch_size=batch_size, max_batch_size=batch_size)
        self.model = model
        self.fmt = fmt
        self.batch_size = batch_size
        self.generation = generation

    def load_model(self):
        import tensorflow as tf

        return tf.saved_model.load(self.model.path).signatures[self.model.signature]

    def run_inference(self, batch: Sequence[Any], model, inference_args=None) -> Iterator[PredictionResult]:
        # Every call has the same batch shape, so a record's scores never depend on its batch-mates
        # (kernels block by shape): the rows are identical however the runner splits the input.
        padded = list(batch) + [batch[0]] * (self.batch_size - len(batch))
        tensors = batch_tensors(self.fmt, padded, self.model.inputs, self.generation)
        outputs = {name: value.numpy() for name, value in model(**tensors).items()}
        for index, example in enumerate(batch):
            yield PredictionResult(example, {name: value[index] for name, value in outputs.items()})

    def get_metrics_namespace(self) -> str:
        return METRICS_NAMESPACE


TOTAL_PREFIX = "total:"
"""Beam counters named ``total:<output>`` sum a counted output (``DatasetKind.COUNTED_OUTPUTS``)."""


def counted_outputs(model: ServedModel) -> tuple[str, ...]:
    """The outputs of ``model`` that its kind counts per record (``DatasetKind.COUNTED_OUTPUTS``)."""
    name = model.card.get("kind")
    if name not in KINDS:
        return ()
    return tuple(output for output in get_kind(name).COUNTED_OUTPUTS if output in model.outputs)


class CountOutputs(beam.DoFn):
    """Adds each row's counted outputs to Beam counters (``total:<output>``)."""

    def __init__(self, names: Sequence[str]):
        super().__init__()
        self.names = tuple(names)

    def setup(self):
        self.counters = {name: beam.metrics.Metrics.counter(METRICS_NAMESPACE, TOTAL_PREFIX + name)
                         for name in self.names}

    def process(self, row):
        for name, counter in self.counters.items():
            counter.inc(int(row[name]))
        yield row


def output_totals(result, names: Sequence[str]) -> dict[str, int]:
    """The totals of the counted outputs, from a finished pipeline's counters (0 for none seen)."""
    totals = dict.fromkeys(names, 0)
    query = result.metrics().query(MetricsFilter().with_namespace(METRICS_NAMESPACE))
    for counter in query["counters"]:
        label = counter.key.metric.name
        if label.startswith(TOTAL_PREFIX) and label[len(TOTAL_PREFIX):] in totals:
            totals[label[len(TOTAL_PREFIX):]] += int(counter.committed or counter.attempted or 0)
    return totals


class Progress(beam.DoFn):
    """Counts records in a Beam counter and logs a line every ``every`` records per worker."""

    def __init__(self, label: str, every: int = 5000):
        super().__init__()
        self.label = label
        self.every = every

    def setup(self):
        self.counter = beam.metrics.Metrics.counter(METRICS_NAMESPACE, self.label)
        self.seen = 0

    def process(self, element):
        self.counter.inc()
        self.seen += 1
        if self.seen % self.every == 0:
            LOG.info("%s: %d records so far (this worker)", self.label, self.seen)
        yield element


def build_pipeline(pipeline, params: BulkInferrerParams, model: ServedModel, files: Sequence[str],
                   whole_file: bool, staging: str) -> None:
    """Read -> RunInference -> rows, with dead letters beside them."""
    fmt = params.input_format
    data: Mapping[str, Any] | None = model.card.get("data")
    class_names = (data or {}).get("class_names")
    echo = PROMPT_COLUMN if fmt.generates else None
    options = ScoringOptions(whole_file=whole_file, text_column=params.text_column,
                             max_record_bytes=params.max_record_bytes, data=data)
    read = (pipeline
            | "Files" >> beam.Create(list(files))
            | "Spread" >> beam.Reshuffle()
            | "Read" >> beam.ParDo(ReadRecords(fmt, options)).with_outputs("dead", main="ok"))
    unique = (read.ok
              | "ById" >> beam.GroupByKey()
              | "FirstOfEachId" >> beam.ParDo(FirstOfEachId()).with_outputs("dead", main="ok"))
    handler = KeyedModelHandler(SavedModelHandler(model, fmt, params.batch_size, params.sampling))
    rows = (unique.ok
            | "Score" >> RunInference(handler)
            | "Row" >> beam.Map(prediction_row, model.name, model.version, class_names, echo)
            | "CountScored" >> beam.ParDo(Progress("scored")))
    counted = counted_outputs(model)
    if counted:
        rows = rows | "CountOutputs" >> beam.ParDo(CountOutputs(counted))
    shards = {"num_shards": params.num_shards} if params.num_shards else {}
    if params.output_format == "csv":
        columns = csv_columns(model.outputs, class_names, echo)
        lines = rows | "Csv" >> beam.Map(csv_line, columns)
        header = ",".join(columns)
    else:
        lines = rows | "Jsonl" >> beam.Map(json_line)
        header = None
    lines | "WritePredictions" >> beam.io.WriteToText(join(staging, publish.PREDICTIONS, "part"),
                                                      file_name_suffix=f".{params.output_format}", header=header,
                                                      **shards)
    ((read.dead, unique.dead)
     | "AllDead" >> beam.Flatten()
     | "CountDead" >> beam.ParDo(Progress("dead letters"))
     | "DeadJson" >> beam.Map(json_line)
     | "WriteDead" >> beam.io.WriteToText(join(staging, publish.DEAD_LETTER, "part"), file_name_suffix=".jsonl"))


def run(params: BulkInferrerParams) -> dict[str, Any]:
    """Scores ``params.input`` with the exported model and publishes ``params.output``.

    Returns:
        The summary also written to ``summary.json``: counts, model name, version and path,
        duration and records/s.

    Raises:
        ScoringError: Before any work, when the model or output folder does not fit.
        DataError: When no input matches, or dead letters exceed ``max_error_rate`` (the staging
            folder with the dead letters is kept and named in the message).
    """
    output = params.output.rstrip("/")
    if publish.output_taken(output):
        raise ScoringError(f"--output {output} already exists and is not empty; scoring never overwrites, "
                           f"choose a new folder")
    model = inspect_model(params.model, params.input_format)
    files, whole_file = match_inputs(params.input, params.input_format)
    LOG.info("scoring %d file(s) of %s with %s version %d (%s)", len(files), params.format, model.name,
             model.version, model.signature)
    folder = StagingFolder.create(output)  # removes the stale staging folders of killed jobs beside it
    try:
        summary = score_into(folder.path, params, model, files, whole_file)
    except OverBudget as error:
        folder.keep()
        raise DataError(str(error)) from None
    except BaseException:
        folder.discard()
        raise
    folder.publish_to(output)
    return {**summary, "output": output}


class OverBudget(Exception):
    """More dead letters than ``max_error_rate`` allows: the staging folder is kept for them."""


def score_into(staging: str, params: BulkInferrerParams, model: ServedModel, files: Sequence[str],
               whole_file: bool) -> dict[str, Any]:
    """Runs the job into ``staging`` and finishes it with ``summary.json`` and ``_SUCCESS``.

    Returns:
        The summary.

    Raises:
        DataError: If the files hold no records.
        OverBudget: If dead letters exceed ``max_error_rate`` (naming the staging folder's dead letters).
    """
    from components.beam_options import pipeline_options

    started = time.perf_counter()
    with beam.Pipeline(options=pipeline_options(params.beam_args)) as pipeline:
        build_pipeline(pipeline, params, model, files, whole_file, staging)
    seconds = time.perf_counter() - started
    totals = output_totals(pipeline.result, counted_outputs(model))
    scored = publish.count_lines(join(staging, publish.PREDICTIONS), header=params.output_format == "csv")
    dead = publish.count_lines(join(staging, publish.DEAD_LETTER), header=False)
    total = scored + dead
    summary = {"status": "complete", "model_name": model.name, "model_version": model.version,
               "model_path": model.path, "signature": model.signature, "format": params.format,
               "input": params.input, "files": len(files), "records": total, "scored": scored,
               "dead_letters": dead, "seconds": round(seconds, 3),
               "records_per_second": round(scored / seconds, 1) if seconds else None,
               "params": asdict(params)}
    if totals:
        summary["totals"] = totals
        LOG.info("totals over the scored records: %s", ", ".join(f"{k} {v}" for k, v in totals.items()))
    if params.sampling is not None:
        summary["generation"] = asdict(params.sampling)
        summary["characters_per_second"] = round(scored * params.sampling.length / seconds, 1) if seconds else None
    LOG.info("scored %d records, %d dead letters, in %.1fs", scored, dead, seconds)
    if total == 0:
        raise DataError(f"--input {params.input}: the files hold no records")
    if dead / total > params.max_error_rate:
        raise OverBudget(f"{dead} of {total} records ({dead / total:.2%}) are dead letters, over --max-error-rate "
                         f"{params.max_error_rate}; nothing was published, the dead letters are in "
                         f"{join(staging, publish.DEAD_LETTER)}")
    write_text(join(staging, publish.SUMMARY), json.dumps(summary, indent=2, sort_keys=True, default=str))
    write_text(join(staging, publish.SUCCESS), "")
    return summary
