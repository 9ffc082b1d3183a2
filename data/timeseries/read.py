"""Finding the CSV files and the Beam steps that read them into windowed examples."""

from __future__ import annotations

import glob
import os
from typing import Any

import apache_beam as beam
from apache_beam.io import fileio

from data.beam_outputs import encode_records, tagged
from data.compressed import read_checked
from data.errors import DataError
from data.machine import available_memory_bytes
from data.timeseries.bounds import check_window_fits
from data.timeseries.config import TimeseriesData
from data.timeseries.parsing import parse_csv_bytes
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
    """Reads every CSV once before any Beam work and checks the window geometry against it.

    Raises:
        DataError: If no CSV matches, a file is binary or lacks a configured column, or the
            windows do not fit the series or the memory (:func:`data.timeseries.bounds.check_window_fits`).
    """
    lengths = {path: usable_rows(path, cfg) for path in input_files(cfg)}
    check_window_fits(lengths, cfg, available_memory_bytes())


def usable_rows(path: str, cfg: TimeseriesData) -> int:
    """The rows of one CSV that windows are cut from: good, with distinct timestamps, at most ``max_examples``.

    The file is read as the Beam step reads it (:func:`read_file`).
    """
    stamps = {item[0] for kind, item in parse_csv_bytes(read_file(path), cfg, path) if kind == "row"}
    return min(len(stamps), cfg.max_examples or len(stamps))


def read_file(path: str) -> bytes:
    """A file's bytes, decompressed (gzip, bzip2, xz) and checked to the end of the stream.

    Raises:
        DataError: If it cannot be read, or is truncated or corrupt, naming the file (and the offset).
    """
    try:
        return read_checked(path)
    except OSError as error:
        raise DataError(f"{path}: unreadable file: {error}") from None


def read_examples(pipeline, cfg: TimeseriesData):
    """Adds the reading steps to a Beam pipeline.

    Args:
        pipeline: A ``beam.Pipeline``.
        cfg: The dataset config (``path`` already resolved).

    Returns:
        ``(examples, dead_letters, rows_read)``: a PCollection of ``(split, serialized
        tf.Example)``, a PCollection of dead-letter dicts, and the number of good rows (distinct
        timestamps: a duplicate is a dead letter, counted once).
    """
    parsed = (
        pipeline
        | "MatchCsv" >> fileio.MatchFiles(cfg.path)
        | "ReadCsv" >> fileio.ReadMatches()
        | "ParseCsv" >> beam.ParDo(ParseCsvFile(cfg)).with_output_types(tuple[str, Any])
                                                     .with_outputs("dead", main="row")
    )
    windows = (
        parsed.row
        | "GroupSeries" >> beam.GroupByKey()
        | "Window" >> beam.ParDo(WindowSeries(cfg)).with_outputs("dead", "rows", main="window")
    )
    dead = (parsed.dead, windows.dead) | "AllDead" >> beam.Flatten()
    examples = encode_records(windows.window, encode_example)
    rows_read = windows.rows | "CountRows" >> beam.CombineGlobally(sum)
    return examples, dead, rows_read


class ParseCsvFile(beam.DoFn):
    """One readable CSV file to ``(series, row)`` pairs; bad rows to the ``dead`` output."""

    def __init__(self, cfg: TimeseriesData):
        super().__init__()
        self.cfg = cfg

    def process(self, readable):
        source = readable.metadata.path
        for kind, item in parse_csv_bytes(read_file(source), self.cfg, source):
            yield tagged(kind, (source, item) if kind == "row" else item, main="row")


class WindowSeries(beam.DoFn):
    """One grouped series to ``(split, features)`` windows, duplicates to ``dead``, its row count to ``rows``.

    The count is of distinct timestamps, the good records read: a duplicate is counted once, as a dead letter.
    """

    def __init__(self, cfg: TimeseriesData):
        super().__init__()
        self.cfg = cfg

    def process(self, keyed):
        series, rows = keyed
        rows = list(rows)
        kept, dead = sort_series(rows, series, self.cfg.max_examples)
        for letter in dead:
            yield beam.pvalue.TaggedOutput("dead", letter)
        yield beam.pvalue.TaggedOutput("rows", len(rows) - len(dead))
        yield from build_windows(kept, self.cfg, series.rsplit("/", 1)[-1])
