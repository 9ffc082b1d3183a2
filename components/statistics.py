"""statistics (Beam): per-split statistics of the examples, checked against the pipeline's schema.

The component computes, per split, the example count, label distribution, missing-value rate,
a histogram of sequence or review lengths, numeric ranges and token counts. Its gate,
:func:`check_outputs`, compares them with the schema stored under the pipeline root: the first
run infers one from its train split and stores it; later runs must fit it. An anomaly stops the
run before transform and leaves a readable report next to the schema.
``validation.accept_new_schema`` (``rnnpipe run --accept-schema``) stores the new data's schema
instead, keeping the old one as a dated backup.
"""

from __future__ import annotations

import bisect
import collections
import json
import logging
import os
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Mapping

import apache_beam as beam

from components.contract import ComponentSpec, DatasetParams
from components.plots import plot_length_distributions
from components.types import Artifact, OutputDir
from data.contract import DataConfig, DatasetKind
from data.errors import DataError
from models.atomic_files import write_json

NAME = "statistics"
INPUTS = ("examples",)
OUTPUTS = ("statistics",)
GATE_PARAMS = ("validation",)  # read only by the gate, so not part of the cache key
STATS_FILE = "statistics.json"
MISSING_KEYS = ("missing_values", "missing_steps", "interpolated_steps", "dropped_windows")
"""The examples artifact's counts of missing values (time series) copied into ``statistics.json`` as ``missing``."""
REPORT_FILE = "report.txt"
MAX_TOKENS_KEPT = 100_000
LENGTH_BINS = 10
LOG = logging.getLogger("rnnpipe.statistics")


class DataValidationError(DataError):
    """New data does not fit the stored schema (exit code 3)."""


@dataclass(frozen=True)
class ValidationSettings:
    """How new data is checked against the schema.

    Attributes:
        enabled: Compute statistics and check them before transform.
        schema_path: The stored schema; relative paths resolve against the pipeline root
            (default: ``schema/<pipeline name>/schema.json``).
        max_missing_rate: Largest share of missing values in any split.
        max_label_drift: Largest L-infinity distance between the train split's label
            distribution and the schema's.
        max_length_drift: The same for the length histogram, on the schema's decile bins.
        min_vocabulary_coverage: Smallest share of a split's tokens in the schema's vocabulary.
        vocabulary_size: Most frequent train tokens kept in an inferred schema.
        accept_new_schema: Store this data's schema even if the data breaks the current one.
    """

    enabled: bool = True
    schema_path: str = ""
    max_missing_rate: float = 0.05
    max_label_drift: float = 0.1
    max_length_drift: float = 0.1
    min_vocabulary_coverage: float = 0.0
    vocabulary_size: int = 20_000
    accept_new_schema: bool = False

    def __post_init__(self):
        for name in ("max_missing_rate", "max_label_drift", "max_length_drift", "min_vocabulary_coverage"):
            if not 0.0 <= getattr(self, name) <= 1.0:
                raise ValueError(f"validation.{name} must lie in [0, 1], got {getattr(self, name)}")
        if self.vocabulary_size < 1:
            raise ValueError(f"validation.vocabulary_size must be >= 1, got {self.vocabulary_size}")


@dataclass(frozen=True)
class StatisticsParams(DatasetParams):
    """Parameters of the statistics component.

    Attributes:
        data: The dataset config; its ``KIND`` names the dataset kind (``kind``), whose ``profile`` is read.
        validation: The checks run by the gate, and where the schema is.
        beam_args: Beam pipeline options.
    """

    data: DataConfig
    validation: ValidationSettings = field(default_factory=ValidationSettings)
    beam_args: tuple[str, ...] = ()


# ---------------------------------------------------------------- statistics (Beam)


def profile_record(record: bytes, kind: DatasetKind) -> dict[str, Any]:
    """One serialized tf.Example to the facts its kind reports (see ``DatasetKind.profile``)."""
    import tensorflow as tf

    return kind.profile(tf.train.Example.FromString(record).features.feature)


class SplitStatistics(beam.CombineFn):
    """Profiles of one split's examples to its statistics."""

    def create_accumulator(self) -> dict[str, Any]:
        return {"count": 0, "labels": collections.Counter(), "lengths": collections.Counter(), "missing": 0,
                "values": 0, "numeric": {}, "tokens": collections.Counter()}

    def add_input(self, accumulator: dict[str, Any], profile: dict[str, Any]) -> dict[str, Any]:
        accumulator["count"] += 1
        if profile["label"] is not None:
            accumulator["labels"][profile["label"]] += 1
        accumulator["lengths"][profile["length"]] += 1
        accumulator["missing"] += profile["missing"]
        accumulator["values"] += profile["values"]
        for name, values in profile["numeric"].items():
            if len(values):
                _merge_range(accumulator["numeric"], name, [min(values), max(values), float(sum(values)), len(values)])
        if profile["tokens"]:
            accumulator["tokens"].update(profile["tokens"])
        return accumulator

    def merge_accumulators(self, accumulators) -> dict[str, Any]:
        merged = self.create_accumulator()
        for accumulator in accumulators:
            for name in ("count", "missing", "values"):
                merged[name] += accumulator[name]
            for name in ("labels", "lengths", "tokens"):
                merged[name].update(accumulator[name])
            for name, summary in accumulator["numeric"].items():
                _merge_range(merged["numeric"], name, summary)
        return merged

    def extract_output(self, accumulator: dict[str, Any]) -> dict[str, Any]:
        return {
            "count": accumulator["count"],
            "labels": dict(sorted(accumulator["labels"].items())),
            "lengths": {str(length): n for length, n in sorted(accumulator["lengths"].items())},
            "missing": accumulator["missing"],
            "values": accumulator["values"],
            "missing_rate": accumulator["missing"] / accumulator["values"] if accumulator["values"] else 0.0,
            "numeric": {name: {"min": low, "max": high, "mean": total / n}
                        for name, (low, high, total, n) in sorted(accumulator["numeric"].items())},
            "token_total": sum(accumulator["tokens"].values()),
            "tokens": dict(accumulator["tokens"].most_common(MAX_TOKENS_KEPT)),
        }


def _merge_range(ranges: dict[str, list], name: str, summary: list) -> None:
    if name not in ranges:
        ranges[name] = list(summary)
        return
    current = ranges[name]
    ranges[name] = [min(current[0], summary[0]), max(current[1], summary[1]), current[2] + summary[2],
                    current[3] + summary[3]]


def run(inputs: Mapping[str, Artifact], params: StatisticsParams, out: OutputDir) -> dict[str, Artifact]:
    """Computes each split's statistics with Beam.

    Args:
        inputs: ``examples`` from example_gen.
        params: The dataset kind and Beam options.
        out: Where to write.

    Returns:
        ``{"statistics": Artifact}`` with ``statistics.json`` (per split, plus example_gen's dead
        letters and, when it counted them, its missing values and dropped windows as ``missing``),
        a readable ``report.txt`` and ``lengths.png``; properties ``counts`` and
        ``missing_rate`` per split.
    """
    from apache_beam.io.filesystem import CompressionTypes
    from apache_beam.io.filesystems import FileSystems

    from components.beam_options import pipeline_options
    from components.artifacts.examples import read_text_files, split_pattern

    examples = inputs["examples"]
    splits = examples.properties["splits"]
    prefix = str(out.scratch / "statistics" / "part")
    with beam.Pipeline(options=pipeline_options(params.beam_args)) as pipeline:
        per_split = []
        for split in splits:
            pattern = split_pattern(examples, split)
            records = (pipeline | f"Read{split}" >> beam.io.ReadFromTFRecord(pattern, compression_type=CompressionTypes.GZIP)
                       if FileSystems.match([pattern])[0].metadata_list else pipeline | f"None{split}" >> beam.Create([]))
            per_split.append(
                records
                | f"Profile{split}" >> beam.Map(profile_record, params.kind)
                | f"Summarize{split}" >> beam.CombineGlobally(SplitStatistics())
                | f"Name{split}" >> beam.Map(lambda stats, name: json.dumps({"split": name, **stats}), split))
        per_split | "AllSplits" >> beam.Flatten() | "Write" >> beam.io.WriteToText(prefix, num_shards=1)
    by_split = {}
    for line in read_text_files(prefix + "*"):
        stats = json.loads(line)
        by_split[stats.pop("split")] = stats
    target = out.artifact_dir("statistics")
    missing = {key: examples.properties[key] for key in MISSING_KEYS if key in examples.properties}
    write_json(target / STATS_FILE, {"kind": params.kind.name, "splits": by_split,
                                     "dead_letters": examples.properties.get("dead_letters", 0),
                                     "rows_read": examples.properties.get("rows_read", 0),
                                     **({"missing": missing} if missing else {})})
    (target / REPORT_FILE).write_text(format_statistics(by_split) + format_missing(missing), encoding="utf-8")
    plot_length_distributions({split: stats["lengths"] for split, stats in by_split.items()},
                              target / "lengths.png")
    return {"statistics": out.artifact(
        "statistics", "ExampleStatistics", counts={s: by_split[s]["count"] for s in splits},
        missing_rate={s: round(by_split[s]["missing_rate"], 6) for s in splits})}


def load_statistics(statistics: Artifact) -> dict[str, Any]:
    """The per-split statistics of a statistics artifact."""
    return json.loads(statistics.path(STATS_FILE).read_text(encoding="utf-8"))["splits"]


def length_quantiles(lengths: Mapping[str, int], quantiles) -> list[float]:
    """Quantiles of a ``{length: count}`` histogram."""
    values = sorted((int(length), n) for length, n in lengths.items())
    total = sum(n for _, n in values)
    result, seen, position = [], 0, 0
    for quantile in quantiles:
        while position < len(values) and seen + values[position][1] < quantile * total:
            seen += values[position][1]
            position += 1
        result.append(float(values[min(position, len(values) - 1)][0]) if values else 0.0)
    return result


def format_missing(missing: Mapping[str, Any]) -> str:
    """The report's line on missing values: counted, filled, and the windows dropped by split (empty: none counted)."""
    if not missing:
        return ""
    dropped = ", ".join(f"{split} {n}" for split, n in missing.get("dropped_windows", {}).items())
    return (f"missing: {missing.get('missing_values', 0)} values, {missing.get('missing_steps', 0)} steps of the "
            f"timeline, {missing.get('interpolated_steps', 0)} steps interpolated; windows dropped: {dropped}\n")


def format_statistics(by_split: Mapping[str, Mapping[str, Any]]) -> str:
    """A readable table of every split's statistics."""
    lines = []
    for split, stats in by_split.items():
        low, median, high = length_quantiles(stats["lengths"], (0.0, 0.5, 1.0))
        lines.append(f"split {split}: {stats['count']} examples, missing rate {stats['missing_rate']:.2%}, "
                     f"length min/median/max {low:.0f}/{median:.0f}/{high:.0f}")
        if stats["labels"]:
            share = ", ".join(f"{label}: {n / stats['count']:.1%}" for label, n in stats["labels"].items())
            lines.append(f"  labels: {share}")
        for name, summary in stats["numeric"].items():
            lines.append(f"  {name}: min {summary['min']:.4g}, mean {summary['mean']:.4g}, max {summary['max']:.4g}")
        if stats["token_total"]:
            lines.append(f"  tokens: {stats['token_total']} ({len(stats['tokens'])} distinct kept)")
    return "\n".join(lines) + "\n"


# ---------------------------------------------------------------- schema and validation


def infer_schema(by_split: Mapping[str, Mapping[str, Any]], kind: str, vocabulary_size: int) -> dict[str, Any]:
    """A schema describing the data: from its train split, plus which splits have examples."""
    train = by_split["train"]
    cuts = sorted(set(length_quantiles(train["lengths"], [i / LENGTH_BINS for i in range(1, LENGTH_BINS)])))
    return {
        "kind": kind,
        "splits": [split for split, stats in by_split.items() if stats["count"]],
        "labels": sorted(train["labels"]) if train["labels"] else None,
        "label_distribution": distribution(train["labels"]),
        "length_cuts": cuts,
        "length_distribution": length_histogram(train["lengths"], cuts),
        "numeric": {name: {"min": s["min"], "max": s["max"]} for name, s in train["numeric"].items()},
        "vocabulary": sorted(train["tokens"], key=lambda t: (-train["tokens"][t], t))[:vocabulary_size]
        if train["tokens"] else None,
    }


def distribution(counts: Mapping[str, int]) -> dict[str, float]:
    """Counts to shares."""
    total = sum(counts.values())
    return {key: n / total for key, n in counts.items()} if total else {}


def length_histogram(lengths: Mapping[str, int], cuts: list[float]) -> list[float]:
    """Shares of examples per length bin; bin ``i`` holds lengths up to ``cuts[i]``."""
    counts = [0] * (len(cuts) + 1)
    for length, n in lengths.items():
        counts[bisect.bisect_left(cuts, int(length))] += n
    total = sum(counts)
    return [n / total for n in counts] if total else counts


def linf(first: Mapping[str, float], second: Mapping[str, float]) -> float:
    """L-infinity distance between two distributions over the union of their keys."""
    return max((abs(first.get(k, 0.0) - second.get(k, 0.0)) for k in set(first) | set(second)), default=0.0)


def vocabulary_coverage(stats: Mapping[str, Any], vocabulary: list[str]) -> float:
    """Share of a split's tokens that are in ``vocabulary``."""
    known = set(vocabulary)
    covered = sum(n for token, n in stats["tokens"].items() if token in known)
    return covered / stats["token_total"] if stats["token_total"] else 1.0


def validate(by_split: Mapping[str, Mapping[str, Any]], schema: Mapping[str, Any],
             settings: ValidationSettings) -> list[dict[str, str]]:
    """Checks statistics against a schema.

    Drift compares the train split with the schema's (which came from an earlier train split);
    the other checks apply to every split.

    Returns:
        Anomalies as ``{"split", "check", "message"}``; empty when the data fits.
    """
    anomalies = []

    def anomaly(split: str, check: str, message: str) -> None:
        anomalies.append({"split": split, "check": check, "message": message})

    for split, stats in by_split.items():
        if not stats["count"]:
            if split in schema["splits"]:
                anomaly(split, "empty_split", "has no examples, but the schema expects some")
            continue
        if schema["labels"] is not None:
            unknown = sorted(set(stats["labels"]) - set(schema["labels"]))
            if unknown:
                anomaly(split, "unknown_labels", f"labels {unknown} are not in the schema's {schema['labels']}")
        if stats["missing_rate"] > settings.max_missing_rate:
            anomaly(split, "missing_values", f"{stats['missing']} of {stats['values']} values missing "
                    f"({stats['missing_rate']:.2%}), over validation.max_missing_rate={settings.max_missing_rate}")
        if schema["vocabulary"] and settings.min_vocabulary_coverage:
            coverage = vocabulary_coverage(stats, schema["vocabulary"])
            if coverage < settings.min_vocabulary_coverage:
                anomaly(split, "vocabulary_coverage", f"{coverage:.2%} of tokens are in the schema's vocabulary, "
                        f"under validation.min_vocabulary_coverage={settings.min_vocabulary_coverage}")
    train = by_split.get("train", {})
    if train.get("count"):
        if schema["label_distribution"]:
            drift = linf(distribution(train["labels"]), schema["label_distribution"])
            if drift > settings.max_label_drift:
                anomaly("train", "label_drift", f"label distribution moved by {drift:.3f} (L-infinity), over "
                        f"validation.max_label_drift={settings.max_label_drift}")
        new = length_histogram(train["lengths"], schema["length_cuts"])
        drift = max((abs(a - b) for a, b in zip(new, schema["length_distribution"])), default=0.0)
        if drift > settings.max_length_drift:
            anomaly("train", "length_drift", f"length histogram moved by {drift:.3f} (L-infinity), over "
                    f"validation.max_length_drift={settings.max_length_drift}")
    return anomalies


def read_schema(path: Path) -> dict[str, Any] | None:
    """The stored schema, or None if there is none yet.

    Raises:
        DataValidationError: If the file is not a readable schema.
    """
    try:
        schema = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return None
    except (OSError, ValueError) as error:
        raise DataValidationError(f"schema {path} cannot be read ({error}); restore it, or rerun with "
                                  f"--accept-schema to store the new data's schema") from None
    missing = {"splits", "labels", "label_distribution", "length_cuts", "length_distribution", "vocabulary"} - set(schema)
    if missing:
        raise DataValidationError(f"schema {path} lacks keys {sorted(missing)}; restore it, or rerun with --accept-schema")
    return schema


def store_schema(path: Path, schema: Mapping[str, Any], previous: Mapping[str, Any] | None) -> Path | None:
    """Writes ``schema`` atomically; ``previous``, the stored one, is kept as a dated backup if it differs.

    Returns:
        The backup's path, if one was made.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    backup = None
    if previous is not None:
        if previous == json.loads(json.dumps(schema)):
            return None
        backup = path.with_name(f"{path.stem}-{time.strftime('%Y%m%dT%H%M%S')}{path.suffix}")
        os.replace(path, backup)
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(json.dumps(schema, indent=1, sort_keys=True), encoding="utf-8")
    os.replace(tmp, path)
    return backup


def write_anomaly_report(path: Path, anomalies: list[dict[str, str]], statistics: Artifact, accepted: bool) -> Path:
    """Writes a readable anomaly report (and its JSON) next to the schema; returns the text file."""
    stamp = time.strftime("%Y%m%dT%H%M%S")
    report = path.with_name(f"anomalies-{stamp}.txt")
    verdict = ("ACCEPTED: the new data's schema replaced the old one" if accepted else
               "The run stopped before transform. Fix the data, or rerun with --accept-schema "
               "if the change is expected.")
    lines = [f"Data validation against {path}: {len(anomalies)} anomal{'y' if len(anomalies) == 1 else 'ies'}",
             *(f"  [{a['split']}] {a['check']}: {a['message']}" for a in anomalies), "", verdict,
             f"Statistics: {statistics.path(REPORT_FILE)}", "",
             statistics.path(REPORT_FILE).read_text(encoding="utf-8")]
    report.write_text("\n".join(lines), encoding="utf-8")
    write_json(report.with_suffix(".json"), {"schema": str(path), "accepted": accepted, "anomalies": anomalies,
                                             "statistics": str(statistics.uri)})
    return report


def check_outputs(outputs: Mapping[str, Artifact], params: StatisticsParams) -> dict[str, Any]:
    """The gate: validates the statistics against the stored schema, storing one on the first run.

    Returns:
        What was checked: ``schema``, ``anomalies``, ``schema_stored`` and, for text,
        ``vocabulary_coverage`` per split.

    Raises:
        DataValidationError: On anomalies, unless ``accept_new_schema``; the message names the report.
    """
    settings = params.validation
    path = Path(settings.schema_path)
    by_split = load_statistics(outputs["statistics"])
    stored = read_schema(path)
    storing = stored is None or settings.accept_new_schema
    inferred = infer_schema(by_split, params.kind.name, settings.vocabulary_size) if storing else None
    schema = stored or inferred
    anomalies = validate(by_split, schema, settings)
    if anomalies and not settings.accept_new_schema:
        report = write_anomaly_report(path, anomalies, outputs["statistics"], accepted=False)
        listed = "; ".join(f"[{a['split']}] {a['check']}: {a['message']}" for a in anomalies[:5])
        raise DataValidationError(f"data validation failed against schema {path}: {listed}"
                                  f"{' ...' if len(anomalies) > 5 else ''}. Report: {report}. Fix the data, "
                                  f"or rerun with --accept-schema if the change is expected")
    if storing:
        backup = store_schema(path, inferred, stored)
        if backup:
            LOG.warning("stored a new schema at %s; the old one is %s", path, backup)
        if anomalies:
            LOG.warning("accepted %d anomalies: %s", len(anomalies),
                        write_anomaly_report(path, anomalies, outputs["statistics"], accepted=True))
    coverage = ({split: round(vocabulary_coverage(stats, schema["vocabulary"]), 4)
                 for split, stats in by_split.items()} if schema["vocabulary"] else None)
    return {"schema": str(path), "anomalies": anomalies, "schema_stored": storing, "vocabulary_coverage": coverage}


SPEC = ComponentSpec(name=NAME, inputs=INPUTS, outputs=OUTPUTS, params_type=StatisticsParams, run=run,
                     gate_params=GATE_PARAMS, check_outputs=check_outputs)
