"""Finding the CSV files and the Beam steps that read them into windowed examples."""

from __future__ import annotations

import glob
import os
from typing import Any

import apache_beam as beam
from apache_beam.io import fileio

from data.beam_outputs import encode_records
from data.errors import DataError
from data.timeseries.config import TimeseriesData
from data.timeseries.parsing import parse_csv
from data.timeseries.records import encode_example
from data.timeseries.windows import build_windows, sort_series


def input_files(cfg: TimeseriesData) -> list[str]:
    """The CSV files matching ``cfg.path``.

    Raises:
        DataError: If none matches.
    """
    if os.path.isdir(cfg.path):
        raise DataError(f"data.path {cfg.path!r} is a folder; give a CSV file or a glob such as "
                        f"'{os.path.join(cfg.path, '*.csv')}'")
    paths = sorted(path for path in glob.glob(cfg.path) if os.path.isfile(path))
    if not paths:
        raise DataError(f"no input file matches data.path {cfg.path!r}; check the path or pass --data-dir DIR")
    return paths


def check_input(cfg: TimeseriesData) -> None:
    """Fails early when no CSV matches (headers are checked while reading)."""
    input_files(cfg)


def read_examples(pipeline, cfg: TimeseriesData):
    """Adds the reading steps to a Beam pipeline.

    Args:
        pipeline: A ``beam.Pipeline``.
        cfg: The dataset config (``path`` already resolved).

    Returns:
        ``(examples, dead_letters, rows_read)``: a PCollection of ``(split, serialized
        tf.Example)``, a PCollection of dead-letter dicts, and a PCollection of row counts.
    """
    parsed = (
        pipeline
        | "MatchCsv" >> fileio.MatchFiles(cfg.path)
        | "ReadCsv" >> fileio.ReadMatches()
        | "ParseCsv" >> beam.ParDo(ParseCsvFile(cfg)).with_output_types(tuple[str, Any]).with_outputs("dead", main="row")
    )
    windows = (
        parsed.row
        | "GroupSeries" >> beam.GroupByKey()
        | "Window" >> beam.ParDo(WindowSeries(cfg)).with_outputs("dead", main="window")
    )
    dead = (parsed.dead, windows.dead) | "AllDead" >> beam.Flatten()
    examples = encode_records(windows.window, encode_example)
    rows_read = parsed.row | "CountRows" >> beam.combiners.Count.Globally()
    return examples, dead, rows_read


class ParseCsvFile(beam.DoFn):
    """One readable CSV file to ``(series, row)`` pairs; bad rows to the ``dead`` output."""

    def __init__(self, cfg: TimeseriesData):
        super().__init__()
        self.cfg = cfg

    def process(self, readable):
        source = readable.metadata.path
        try:
            text = readable.read().decode("utf-8-sig")
        except UnicodeDecodeError as error:
            yield beam.pvalue.TaggedOutput("dead", {"source": source, "line": None,
                                                    "reason": f"not UTF-8: {error}", "raw": ""})
            return
        for kind, item in parse_csv(text, self.cfg, source):
            if kind == "row":
                yield source, item
            else:
                yield beam.pvalue.TaggedOutput("dead", item)


class WindowSeries(beam.DoFn):
    """One grouped series to ``(split, features)`` windows; duplicates to ``dead``."""

    def __init__(self, cfg: TimeseriesData):
        super().__init__()
        self.cfg = cfg

    def process(self, keyed):
        series, rows = keyed
        kept, dead = sort_series(rows, series, self.cfg.max_examples)
        for letter in dead:
            yield beam.pvalue.TaggedOutput("dead", letter)
        yield from build_windows(kept, self.cfg, series.rsplit("/", 1)[-1])
