"""bulk_inferrer: batch scoring of an exported SavedModel over new data, on Beam RunInference.

The job checks the model and the input before any work starts, then reads the input files
(reviews, images, series, raw tf.Examples, or prompts for a charlm model's ``generate``), scores
them in batches with a ModelHandler that loads the SavedModel once per worker, and writes one row
per record. Bad records go to a
dead-letter output with the reason. The output folder appears whole or not at all: the job
writes a hidden staging sibling and renames it into place after ``summary.json`` and
``_SUCCESS``.
"""

from __future__ import annotations

import csv
import io
import json
import logging
import math
import os
import shutil
import time
import uuid
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Iterator, Mapping, Sequence

import apache_beam as beam
import numpy as np
from apache_beam.io.filesystems import FileSystems
from apache_beam.ml.inference.base import KeyedModelHandler, ModelHandler, PredictionResult, RunInference

from data import get_kind
from data.errors import DataError

LOG = logging.getLogger("rnnpipe.score")
# Input format: (dataset kind it needs, or None for any; the signature it calls; that signature's inputs).
FORMATS = {
    "reviews": ("imdb", "serving_raw", ("text",)),
    "images": ("mnist", "serving_raw", ("images",)),
    "series": ("timeseries", "serving_raw", ("history",)),
    "examples": (None, "serving_default", ("examples",)),
    "prompts": ("charlm", "generate", ("prompt", "length", "temperature", "seed")),
}
# What a folder given as --input holds, per format.
FOLDER_PATTERNS = {"reviews": "*.txt", "images": "*.png", "series": "*.csv", "examples": "*", "prompts": "*.txt"}
OUTPUT_FORMATS = ("jsonl", "csv")
PREDICTIONS, DEAD_LETTER, SUMMARY, SUCCESS = "predictions", "dead_letter", "summary.json", "_SUCCESS"
DIGITS = 6  # decimals kept in written predictions
MAX_GENERATED = 100_000  # most characters generated per prompt


class ScoringError(ValueError):
    """The job cannot start: a model folder, format or output that does not fit."""


@dataclass(frozen=True)
class GenerationSettings:
    """How a charlm model's ``generate`` signature samples.

    Attributes:
        length: Characters generated after each prompt.
        temperature: Divides the logits: below 1 more conservative, above 1 more varied.
        seed: Seeds the sampling; the same prompt, settings and seed give the same text.
    """

    length: int = 200
    temperature: float = 1.0
    seed: int = 0

    def __post_init__(self):
        if not 1 <= self.length <= MAX_GENERATED:
            raise ScoringError(f"the length to generate must lie within [1, {MAX_GENERATED}], got {self.length}")
        if not (math.isfinite(self.temperature) and self.temperature > 0):
            raise ScoringError(f"the temperature must be a number > 0, got {self.temperature}")
        if not -2 ** 63 <= self.seed < 2 ** 63:
            raise ScoringError(f"the seed must fit in 64 bits, got {self.seed}")


@dataclass(frozen=True)
class BulkInferrerParams:
    """Parameters of a scoring job.

    Attributes:
        model: ``SERVING_DIR/NAME`` (the newest version) or ``SERVING_DIR/NAME/VERSION``.
        input: A file, a glob, or a folder (of ``.txt`` reviews, ``.png`` images, ``.csv``
            series, TFRecord files or ``.txt`` prompts).
        output: The folder to create; it must not exist yet (or be empty).
        format: ``reviews``, ``images``, ``series``, ``examples`` or ``prompts``.
        output_format: ``jsonl`` or ``csv``.
        text_column: The review (or prompt) field of ``.jsonl`` and ``.csv`` inputs.
        batch_size: Most records per model call.
        max_error_rate: Fail when more than this fraction of records are dead letters.
        num_shards: Output shards (0: the runner decides).
        beam_args: Beam pipeline options.
        max_record_bytes: A review, prompt or serialized tf.Example larger than this is a dead letter.
        generation: ``prompts`` only: characters generated per prompt, sampling temperature and seed.
    """

    model: str
    input: str
    output: str
    format: str
    output_format: str = "jsonl"
    text_column: str = "text"
    batch_size: int = 256
    max_error_rate: float = 0.0
    num_shards: int = 0
    beam_args: tuple[str, ...] = ()
    max_record_bytes: int = 1_000_000
    generation: GenerationSettings | None = None

    def __post_init__(self):
        if self.format not in FORMATS:
            raise ScoringError(f"--format must be one of {sorted(FORMATS)}, got {self.format!r}")
        if self.output_format not in OUTPUT_FORMATS:
            raise ScoringError(f"--output-format must be one of {OUTPUT_FORMATS}, got {self.output_format!r}")
        if self.batch_size < 1 or self.num_shards < 0 or self.max_record_bytes < 1:
            raise ScoringError("--batch-size and --max-record-bytes must be >= 1, --num-shards >= 0")
        if not 0.0 <= self.max_error_rate <= 1.0:
            raise ScoringError(f"--max-error-rate must lie within [0, 1], got {self.max_error_rate}")
        if self.generation is not None and self.format != "prompts":
            raise ScoringError(f"--gen-length, --temperature and --seed apply to --format prompts, not {self.format}")

    @property
    def sampling(self) -> GenerationSettings | None:
        """The generation settings of a ``prompts`` job (defaults when none were given)."""
        if self.format != "prompts":
            return None
        return self.generation or GenerationSettings()


@dataclass(frozen=True)
class ServedModel:
    """An exported version, checked against the input format.

    Attributes:
        path: The version folder.
        name: The model name.
        version: The version number.
        card: Its ``model.json``.
        signature: The signature to call.
        inputs: The signature's input names.
        outputs: Output name to per-record width (0 for a scalar, None when unknown).
    """

    path: str
    name: str
    version: int
    card: Mapping[str, Any]
    signature: str
    inputs: tuple[str, ...]
    outputs: Mapping[str, int | None] = field(default_factory=dict)


# ---------------------------------------------------------------- model and input checks


def join(base: str, *parts: str) -> str:
    """A path below ``base``, local or on any Beam file system (``gs://``, ``s3://``, ...)."""
    return FileSystems.join(base.rstrip("/"), *parts)


def split_path(path: str) -> tuple[str, str]:
    """``(parent, name)`` of a local or remote path."""
    parent, _, name = path.rstrip("/").rpartition("/")
    return parent or ".", name


def is_local(path: str) -> bool:
    """Whether ``path`` is on the local file system (where a folder rename is atomic)."""
    return FileSystems.get_scheme(path) in (None, "file")


def files_below(folder: str) -> list[str]:
    """Every file below ``folder``."""
    return sorted(m.path for result in FileSystems.match([join(folder, "**")]) for m in result.metadata_list)


def versions_of(model_dir: str) -> list[int]:
    """The complete versions (integer folders with a ``saved_model.pb``) of a model, oldest first."""
    matches = FileSystems.match([join(model_dir, "*", "saved_model.pb")])[0].metadata_list
    names = {split_path(split_path(m.path)[0])[1] for m in matches}
    return sorted(int(name) for name in names if name.isdigit())


def resolve_version(spec: str) -> str:
    """The version folder ``--model`` names: the newest under ``NAME``, or exactly ``NAME/VERSION``.

    Works on local paths and on any Beam file system.

    Raises:
        ScoringError: If the folder, or the pinned version, does not exist.
    """
    spec = spec.rstrip("/")
    parent, name = split_path(spec)
    if name.isdigit():
        if FileSystems.exists(join(spec, "saved_model.pb")):
            return spec
        available = versions_of(parent)
        raise ScoringError(f"--model {spec}: version {name} not found; versions in {parent}: {available or 'none'}")
    available = versions_of(spec)
    if available:
        return join(spec, str(available[-1]))
    if not FileSystems.exists(spec):
        raise ScoringError(f"--model {spec}: no such folder (give SERVING_DIR/NAME or SERVING_DIR/NAME/VERSION)")
    raise ScoringError(f"--model {spec}: no versions (<n>/saved_model.pb) in this folder; "
                       f"is it an rnnpipe serving folder?")


def read_signatures(path: str) -> dict[str, tuple[tuple[str, ...], dict[str, int | None]]]:
    """The signatures of a SavedModel, read from ``saved_model.pb`` without loading the model.

    Returns:
        Signature name -> (sorted input names, output name -> width per record: 0 for a scalar,
        ``None`` when unknown).

    Raises:
        ScoringError: If ``saved_model.pb`` is missing or cannot be parsed.
    """
    from google.protobuf.message import DecodeError
    from tensorflow.core.protobuf import saved_model_pb2

    proto_path = join(path, "saved_model.pb")
    if not FileSystems.exists(proto_path):
        raise ScoringError(f"{path}: cannot load the SavedModel: no saved_model.pb")
    saved_model = saved_model_pb2.SavedModel()
    try:
        with FileSystems.open(proto_path, compression_type="uncompressed") as handle:
            saved_model.ParseFromString(handle.read())
    except (DecodeError, OSError) as error:
        raise ScoringError(f"{path}: cannot load the SavedModel: saved_model.pb is corrupt ({error})") from error
    if not saved_model.meta_graphs:
        raise ScoringError(f"{path}: cannot load the SavedModel: saved_model.pb holds no graph")

    def width(info) -> int | None:
        dims = info.tensor_shape.dim
        if len(dims) < 2:
            return 0
        return dims[1].size if dims[1].size >= 0 else None

    return {name: (tuple(sorted(definition.inputs)),
                   {output: width(info) for output, info in sorted(definition.outputs.items())})
            for name, definition in saved_model.meta_graphs[0].signature_def.items()
            if not name.startswith("__saved_model_")}  # the init op, not a signature to call


def inspect_model(spec: str, input_format: str) -> ServedModel:
    """Resolves the version and checks that it is an rnnpipe SavedModel that fits ``input_format``.

    Reads the model card and the signature definitions only; the model itself is loaded later,
    once per worker.

    Raises:
        ScoringError: Naming what does not fit.
    """
    path = resolve_version(spec)
    card_path = join(path, "model.json")
    if not FileSystems.exists(card_path):
        raise ScoringError(f"{path}: not an rnnpipe SavedModel (no model.json)")
    with FileSystems.open(card_path, compression_type="uncompressed") as handle:
        card = json.loads(handle.read())
    needed_kind, signature, names = FORMATS[input_format]
    if needed_kind is not None and card.get("kind") != needed_kind:
        if input_format == "prompts":
            raise ScoringError(f"{path}: text generation (generate, --format prompts) needs a charlm model, "
                               f"this one is {card.get('kind')!r}")
        raise ScoringError(f"{path}: --format {input_format} needs a {needed_kind} model, "
                           f"this one is {card.get('kind')!r} (use --format examples for raw tf.Examples)")
    if input_format == "series" and not card.get("data"):
        raise ScoringError(f"{path}: model.json has no data section (columns, window); re-export it with "
                           f"this rnnpipe, or score raw tf.Examples with --format examples")
    signatures = read_signatures(path)
    if signature not in signatures:
        raise ScoringError(f"{path}: no {signature!r} signature (has {sorted(signatures)}) "
                           f"for --format {input_format}")
    inputs, outputs = signatures[signature]
    missing = set(names) - set(inputs)
    if missing:
        raise ScoringError(f"{path}: signature {signature!r} takes {list(inputs)}, not {sorted(missing)}, "
                           f"so it cannot score --format {input_format}")
    parent, version = split_path(path)
    return ServedModel(path, card.get("model_name", split_path(parent)[1]), int(version), card, signature,
                       inputs, outputs)


def load_checked(spec: str, input_format: str) -> tuple[ServedModel, Any]:
    """:func:`inspect_model`, also returning the loaded SavedModel (keep it alive while calling
    its signatures).

    Raises:
        ScoringError: Naming what does not fit, or if the SavedModel cannot be loaded.
    """
    model = inspect_model(spec, input_format)
    import tensorflow as tf

    try:
        return model, tf.saved_model.load(model.path)
    except (OSError, ValueError, tf.errors.OpError) as error:
        raise ScoringError(f"{model.path}: cannot load the SavedModel: {error}") from error


def match_inputs(pattern: str, input_format: str) -> tuple[list[str], bool]:
    """The input files, and whether each file is one record (a folder of reviews).

    Raises:
        DataError: If nothing matches.
    """
    folder = os.path.isdir(pattern) if is_local(pattern) else pattern.endswith("/")
    glob = os.path.join(pattern, FOLDER_PATTERNS[input_format]) if folder else pattern
    files = sorted(m.path for result in FileSystems.match([glob]) for m in result.metadata_list
                   if not os.path.isdir(m.path))
    if not files:
        raise DataError(f"--input {pattern}: no files match {glob}")
    return files, folder and input_format == "reviews"


# ---------------------------------------------------------------- reading, scoring, writing


class ReadRecords(beam.DoFn):
    """One input file to ``(id, raw input)`` records and dead letters (tagged ``dead``)."""

    def __init__(self, input_format: str, whole_file: bool, text_column: str, data: Mapping[str, Any] | None,
                 max_record_bytes: int):
        super().__init__()
        self.input_format = input_format
        self.whole_file = whole_file
        self.text_column = text_column
        self.data = data
        self.max_record_bytes = max_record_bytes

    def setup(self):
        self.series_cfg = None
        if self.input_format == "series":
            kind = get_kind("timeseries")
            self.series_cfg = kind.DATA_CONFIG(**config_fields(kind.DATA_CONFIG, self.data))

    def process(self, path: str) -> Iterator:
        for status, item in self.records(path):
            yield item if status == "ok" else beam.pvalue.TaggedOutput("dead", item)

    def records(self, path: str) -> Iterator[tuple[str, Any]]:
        if self.input_format == "examples":
            return tfrecord_examples(path, self.max_record_bytes)
        with FileSystems.open(path, compression_type="uncompressed") as handle:
            raw = handle.read()
        if self.input_format == "reviews":
            return get_kind("imdb").scoring_reviews(path, raw, self.whole_file, self.text_column,
                                                    self.max_record_bytes)
        if self.input_format == "images":
            return get_kind("mnist").scoring_images(path, raw)
        if self.input_format == "prompts":
            return get_kind("charlm").scoring_prompts(path, raw, self.text_column, self.max_record_bytes)
        return get_kind("timeseries").scoring_windows(path, raw, self.series_cfg)


def config_fields(config_type, data: Mapping[str, Any]) -> dict[str, Any]:
    """The fields of a dataset config from its ``model.json`` form (lists back to tuples)."""
    import dataclasses

    names = {f.name for f in dataclasses.fields(config_type)}
    values = {k: tuple(v) if isinstance(v, list) else v for k, v in data.items() if k in names}
    if isinstance(values.get("split"), dict):
        values.pop("split")  # the split does not matter when scoring
    return values


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
    if not tfrecord_stream_ends_at(path, consumed):  # TFRecordDataset reads a header cut short as a clean end
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


class SavedModelHandler(ModelHandler):
    """Loads an exported version once per worker and calls one signature on batches of raw inputs."""

    def __init__(self, model: ServedModel, input_format: str, batch_size: int,
                 generation: GenerationSettings | None = None):
        super().__init__(min_batch_size=batch_size, max_batch_size=batch_size)
        self.model = model
        self.input_format = input_format
        self.batch_size = batch_size
        self.generation = generation

    def load_model(self):
        import tensorflow as tf

        return tf.saved_model.load(self.model.path).signatures[self.model.signature]

    def run_inference(self, batch: Sequence[Any], model, inference_args=None) -> Iterator[PredictionResult]:
        # Every call has the same batch shape, so a record's scores never depend on its batch-mates
        # (kernels block by shape): the rows are identical however the runner splits the input.
        padded = list(batch) + [batch[0]] * (self.batch_size - len(batch))
        tensors = input_tensors(self.input_format, padded, self.model.inputs, self.generation)
        outputs = {name: value.numpy() for name, value in model(**tensors).items()}
        for index, example in enumerate(batch):
            yield PredictionResult(example, {name: value[index] for name, value in outputs.items()})

    def get_metrics_namespace(self) -> str:
        return "rnnpipe_score"


def input_tensors(input_format: str, batch: Sequence[Any], names: Sequence[str],
                  generation: GenerationSettings | None = None) -> dict[str, Any]:
    """A batch of raw inputs as the signature's keyword arguments."""
    import tensorflow as tf

    if input_format == "prompts":
        return generation_tensors(list(batch), generation or GenerationSettings())
    if input_format == "reviews":
        return {"text": tf.constant(list(batch), tf.string)}
    if input_format == "images":
        return {"images": tf.constant(np.stack(batch), tf.uint8)}
    if input_format == "examples":
        return {"examples": tf.constant(list(batch), tf.string)}
    history = np.asarray([item["history"] for item in batch], np.float32)
    tensors = {"history": tf.constant(history[..., 0] if history.shape[-1] == 1 else history)}
    if "timestamps" in names:
        tensors["timestamps"] = tf.constant(np.asarray([item["timestamps"] for item in batch], np.int64))
    return tensors


def generation_tensors(prompts: Sequence[str | bytes], generation: GenerationSettings) -> dict[str, Any]:
    """Keyword arguments of a ``generate`` signature: the prompts and the sampling settings."""
    import tensorflow as tf

    # A str from the command line may hold undecodable bytes as surrogates: they pass as bytes
    # and the model reads them as U+FFFD.
    encoded = [p.encode("utf-8", "surrogateescape") if isinstance(p, str) else p for p in prompts]
    return {"prompt": tf.constant(encoded, tf.string), "length": tf.constant(generation.length, tf.int32),
            "temperature": tf.constant(generation.temperature, tf.float32),
            "seed": tf.constant(generation.seed, tf.int64)}


def prediction_row(keyed: tuple[str, PredictionResult], model_name: str, version: int,
                   class_names: Sequence[str] | None, echo_input_as: str | None = None) -> dict[str, Any]:
    """One output row: id, model, version and each prediction (floats rounded to DIGITS decimals,
    strings decoded); with ``echo_input_as``, the record itself under that name (the prompt)."""
    record_id, result = keyed
    row: dict[str, Any] = {"id": record_id, "model": model_name, "version": version}
    if echo_input_as:
        row[echo_input_as] = result.example
    for name, value in sorted(result.inference.items()):
        value = np.asarray(value)
        if value.dtype.kind == "f":
            value = np.round(value.astype(np.float64), DIGITS)
        row[name] = value.item().decode("utf-8", "replace") if value.dtype.kind in "SO" else value.tolist()
    if class_names and "class_ids" in row:
        row["class_name"] = class_names[int(row["class_ids"])]
    return row


def csv_columns(model: ServedModel, class_names: Sequence[str] | None, echo_input_as: str | None = None) -> list[str]:
    """The CSV header: vector outputs become one column per element (``probabilities_0`` ...)."""
    columns = ["id", "model", "version", *([echo_input_as] if echo_input_as else [])]
    for name, width in model.outputs.items():
        columns += [name] if not width else [f"{name}_{i}" for i in range(width)]
    return columns + (["class_name"] if class_names and "class_ids" in model.outputs else [])


def csv_line(row: Mapping[str, Any], columns: Sequence[str]) -> str:
    """A row as one CSV line in ``columns`` order."""
    flat = {}
    for name, value in row.items():
        if isinstance(value, list):
            flat.update({f"{name}_{i}": item for i, item in enumerate(value)})
            flat.setdefault(name, json.dumps(value))
        else:
            flat[name] = value
    buffer = io.StringIO()
    # With "\r\n" as the terminator, a field holding \r or \n (generated text) is quoted.
    csv.writer(buffer, lineterminator="\r\n").writerow([flat.get(column, "") for column in columns])
    return buffer.getvalue().removesuffix("\r\n")


class Progress(beam.DoFn):
    """Counts records in a Beam counter and logs a line every ``every`` records per worker."""

    def __init__(self, label: str, every: int = 5000):
        super().__init__()
        self.label = label
        self.every = every

    def setup(self):
        self.counter = beam.metrics.Metrics.counter("rnnpipe_score", self.label)
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
    class_names = (model.card.get("data") or {}).get("class_names")
    echo = "prompt" if params.format == "prompts" else None
    read = (pipeline
            | "Files" >> beam.Create(list(files))
            | "Spread" >> beam.Reshuffle()
            | "Read" >> beam.ParDo(ReadRecords(params.format, whole_file, params.text_column, model.card.get("data"),
                                               params.max_record_bytes)).with_outputs("dead", main="ok"))
    handler = KeyedModelHandler(SavedModelHandler(model, params.format, params.batch_size, params.sampling))
    rows = (read.ok
            | "Score" >> RunInference(handler)
            | "Row" >> beam.Map(prediction_row, model.name, model.version, class_names, echo)
            | "CountScored" >> beam.ParDo(Progress("scored")))
    shards = {"num_shards": params.num_shards} if params.num_shards else {}
    if params.output_format == "csv":
        columns = csv_columns(model, class_names, echo)
        lines = rows | "Csv" >> beam.Map(csv_line, columns)
        header = ",".join(columns)
    else:
        lines = rows | "Jsonl" >> beam.Map(json.dumps, sort_keys=True)
        header = None
    lines | "WritePredictions" >> beam.io.WriteToText(join(staging, PREDICTIONS, "part"),
                                                      file_name_suffix=f".{params.output_format}", header=header,
                                                      **shards)
    (read.dead
     | "CountDead" >> beam.ParDo(Progress("dead letters"))
     | "DeadJson" >> beam.Map(json.dumps, sort_keys=True)
     | "WriteDead" >> beam.io.WriteToText(join(staging, DEAD_LETTER, "part"), file_name_suffix=".jsonl"))


def count_lines(folder: str, header: bool) -> int:
    """Records written to a folder of text shards (less one header line per shard).

    With a header the shards are CSV, counted by record: a quoted field may hold newlines
    (generated text does).
    """
    total = 0
    for path in FileSystems.match([join(folder, "part*")])[0].metadata_list:
        with FileSystems.open(path.path, compression_type="uncompressed") as handle:
            if header:
                total += sum(1 for _ in csv.reader(io.TextIOWrapper(handle, encoding="utf-8", newline=""))) - 1
            else:
                total += sum(1 for _ in handle)
    return total


def write_text(path: str, text: str) -> None:
    with FileSystems.create(path) as handle:
        handle.write(text.encode("utf-8"))


def output_taken(output: str) -> bool:
    """Whether ``output`` exists with something in it (or is a file)."""
    if is_local(output):
        local = Path(output)
        return local.exists() and (not local.is_dir() or any(local.iterdir()))
    return bool(files_below(output))


def publish(staging: str, output: str, atomic_rename: bool | None = None) -> None:
    """Moves a finished staging folder to ``output``.

    Locally one atomic rename (an empty ``output`` folder is replaced). Elsewhere (object stores
    have no folder rename) each file is moved and ``_SUCCESS`` last, so a reader that waits for
    ``_SUCCESS`` never sees a partial output.

    Args:
        staging: The finished folder.
        output: Where it goes.
        atomic_rename: Rename the folder at once (default: when both are local).
    """
    if atomic_rename if atomic_rename is not None else (is_local(staging) and is_local(output)):
        os.rename(staging, output)
        return
    sources = [path for path in files_below(staging) if split_path(path)[1] != SUCCESS]
    sources.append(join(staging, SUCCESS))
    targets = [join(output, path[len(staging.rstrip("/")) + 1:]) for path in sources]
    for folder in sorted({split_path(target)[0] for target in targets}):
        if not FileSystems.exists(folder):
            FileSystems.mkdirs(folder)  # object stores have no folders; this is for file systems
    for source, target in zip(sources, targets):
        FileSystems.rename([source], [target])
    remove(staging)


def remove(folder: str) -> None:
    """Deletes a staging folder, local or remote; absent is fine."""
    if is_local(folder):
        shutil.rmtree(folder, ignore_errors=True)
    elif files_below(folder):
        FileSystems.delete([folder])


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
    from components.beam_options import pipeline_options

    output = params.output.rstrip("/")
    if output_taken(output):
        raise ScoringError(f"--output {output} already exists and is not empty; scoring never overwrites, "
                           f"choose a new folder")
    model = inspect_model(params.model, params.format)
    files, whole_file = match_inputs(params.input, params.format)
    LOG.info("scoring %d file(s) of %s with %s version %d (%s)", len(files), params.format, model.name,
             model.version, model.signature)
    parent, name = split_path(output)
    if is_local(output):
        Path(parent).mkdir(parents=True, exist_ok=True)
    staging = join(parent, f".{name}.staging-{uuid.uuid4().hex[:8]}")
    started = time.perf_counter()
    try:
        with beam.Pipeline(options=pipeline_options(params.beam_args)) as pipeline:
            build_pipeline(pipeline, params, model, files, whole_file, staging)
    except BaseException:
        remove(staging)
        raise
    seconds = time.perf_counter() - started
    scored = count_lines(join(staging, PREDICTIONS), header=params.output_format == "csv")
    dead = count_lines(join(staging, DEAD_LETTER), header=False)
    total = scored + dead
    summary = {"status": "complete", "model_name": model.name, "model_version": model.version,
               "model_path": model.path, "signature": model.signature, "format": params.format,
               "input": params.input, "files": len(files), "records": total, "scored": scored,
               "dead_letters": dead, "seconds": round(seconds, 3),
               "records_per_second": round(scored / seconds, 1) if seconds else None,
               "params": asdict(params)}
    if params.sampling is not None:
        summary["generation"] = asdict(params.sampling)
        summary["characters_per_second"] = round(scored * params.sampling.length / seconds, 1) if seconds else None
    LOG.info("scored %d records, %d dead letters, in %.1fs", scored, dead, seconds)
    if total == 0:
        remove(staging)
        raise DataError(f"--input {params.input}: the files hold no records")
    if dead / total > params.max_error_rate:
        raise DataError(f"{dead} of {total} records ({dead / total:.2%}) are dead letters, over --max-error-rate "
                        f"{params.max_error_rate}; nothing was published, the dead letters are in "
                        f"{join(staging, DEAD_LETTER)}")
    write_text(join(staging, SUMMARY), json.dumps(summary, indent=2, sort_keys=True, default=str))
    write_text(join(staging, SUCCESS), "")
    publish(staging, output)
    return {**summary, "output": output}


# ---------------------------------------------------------------- one prompt: rnnpipe generate


def generate(model_spec: str, prompt: str, generation: GenerationSettings) -> dict[str, Any]:
    """Generates text after one prompt with a charlm version's ``generate`` signature.

    Args:
        model_spec: ``SERVING_DIR/NAME`` (the newest version) or ``SERVING_DIR/NAME/VERSION``.
        prompt: The text to continue (may be empty: the model starts a text).
        generation: Length, temperature and seed.

    Returns:
        ``model``, ``version``, ``model_path``, ``prompt``, ``generated``, the settings, and the
        seconds and characters/s of the call (the model load excluded).

    Raises:
        ScoringError: If the folder holds no version, is not an rnnpipe SavedModel, or is not a
            charlm model with a ``generate`` signature.
    """
    model, loaded = load_checked(model_spec, "prompts")
    function = loaded.signatures[model.signature]
    started = time.perf_counter()
    generated = function(**generation_tensors([prompt], generation))["generated"].numpy()[0]
    seconds = time.perf_counter() - started
    readable_prompt = prompt.encode("utf-8", "surrogateescape").decode("utf-8", "replace")
    return {"model": model.name, "version": model.version, "model_path": model.path, "prompt": readable_prompt,
            "generated": generated.decode("utf-8", "replace"), **asdict(generation),
            "seconds": round(seconds, 3), "characters_per_second": round(generation.length / seconds, 1)}
