"""Finding the CSV files and the Beam steps that read them into windowed examples."""

from __future__ import annotations

import glob
import logging
import os
from dataclasses import dataclass
from typing import Any

import apache_beam as beam
from apache_beam.io import fileio

from data.beam_outputs import encode_records, tagged
from data.compressed import read_checked
from data.errors import DataError
from data.machine import available_memory_bytes
from data.timeseries.bounds import check_window_fits, check_windows_kept
from data.timeseries.config import TimeseriesData
from data.timeseries.decoding import decode_lines
from data.timeseries.frequency import FrequencyReport, infer_frequency, moment, parse_frequency, timeline
from data.timeseries.parsing import parse_csv_bytes, parse_table, read_table
from data.timeseries.records import encode_example
from data.timeseries.timestamps import TimestampForm
from data.timeseries.windows import SeriesWindows, missing_facts, window_series

LOG = logging.getLogger("rnnpipe.timeseries")

GAPS_SHOWN = 3
"""The gaps of a series named in the log (the rest are counted)."""


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


@dataclass(frozen=True)
class SeriesFacts:
    """What reading one CSV before any Beam work found.

    Attributes:
        rows: The rows windows are cut from: good, with distinct timestamps, at most ``max_examples``.
        form: The timestamp form of the file.
        timeline: Its frequency (given or inferred), irregular steps and gaps; None when the
            frequency cannot be inferred (fewer than two rows, a step under a minute).
        unknown_frequency: Why the frequency could not be inferred (when ``timeline`` is None).
        windows: The series on its grid after the missing policy, with its windows kept and dropped.
    """

    rows: int
    form: TimestampForm
    timeline: FrequencyReport | None
    unknown_frequency: str = ""
    windows: SeriesWindows | None = None


def check_input(cfg: TimeseriesData) -> dict[str, Any]:
    """Reads every CSV once before any Beam work, reports what it found and checks the window geometry.

    Logs each file's timestamp form, frequency and gaps (at info).

    Returns:
        Properties for the examples artifact: ``timestamp_form`` (the form's name; names joined
        with ``,`` when files differ), ``frequency`` (``data.frequency``, else the inferred step;
        empty when it cannot be inferred), ``gaps`` (steps of the timelines longer than one step)
        and ``irregular_steps`` (steps that are not a whole number of steps), and what the missing
        policy meets and drops (:func:`data.timeseries.windows.missing_facts`).

    Raises:
        DataError: If no CSV matches, a file is binary or lacks a configured column, its
            timestamps are in no known form (or not in ``data.timestamp_format``), a value is
            missing under ``data.missing: fail``, files have different inferred frequencies, or
            the windows do not fit the series or the memory (:func:`data.timeseries.bounds.check_window_fits`),
            also after the missing policy (:func:`data.timeseries.bounds.check_windows_kept`).
    """
    facts = {path: series_facts(path, cfg) for path in input_files(cfg)}
    for path, found in facts.items():
        LOG.info("%s", describe(path, found, cfg))
    check_window_fits({path: len(found.windows.grid) for path, found in facts.items()}, cfg, available_memory_bytes())
    check_windows_kept({path: found.windows for path, found in facts.items() if len(found.windows.grid)}, cfg)
    frequencies = {found.timeline.frequency.text for found in facts.values() if found.timeline}
    if len(frequencies) > 1:
        shown = ", ".join(f"{path}: {found.timeline.frequency.text}" for path, found in facts.items() if found.timeline)
        raise DataError(f"the series have different steps ({shown}); set data.frequency")
    reports = [found.timeline for found in facts.values() if found.timeline]
    return {"timestamp_form": ",".join(sorted({found.form.name for found in facts.values()})),
            "frequency": cfg.frequency and parse_frequency(cfg.frequency).text or "".join(frequencies),
            "gaps": sum(len(report.gaps) for report in reports),
            "irregular_steps": sum(report.irregular_steps for report in reports),
            **missing_facts(found.windows for found in facts.values())}


def series_facts(path: str, cfg: TimeseriesData) -> SeriesFacts:
    """Reads one CSV as the Beam step reads it (:func:`read_file`) and finds its form and timeline.

    Raises:
        DataError: As :func:`check_input`, for this file.
    """
    lines, undecodable = decode_lines(read_file(path), path, cfg.encoding)
    table = read_table(lines, cfg, path, undecodable)
    rows = [row for kind, row in parse_table(table, cfg) if kind == "row"]
    cut = window_series(rows, cfg, path)
    times = sorted({row.time for row in rows})
    if cfg.max_examples:
        times = times[-cfg.max_examples:]
    if cfg.frequency:
        return SeriesFacts(len(times), table.form, timeline(times, parse_frequency(cfg.frequency)), windows=cut)
    try:
        return SeriesFacts(len(times), table.form, infer_frequency(times), windows=cut)
    except ValueError as error:  # too few rows (the window check says so), or steps under a minute
        return SeriesFacts(len(times), table.form, None, str(error), cut)


def describe(path: str, found: SeriesFacts, cfg: TimeseriesData) -> str:
    """One log line: the file's timestamp form, frequency, gaps and irregular steps."""
    text = f"{path}: {found.rows} rows, timestamps {found.form.shown} ({found.form.name})"
    report = found.timeline
    if report is None:
        return f"{text}, frequency unknown ({found.unknown_frequency})"
    source = "data.frequency" if cfg.frequency else "inferred"
    text += f", frequency {report.frequency.text} ({source})"
    if report.gaps:
        shown = ", ".join(f"after {moment(time).isoformat()} ({missing} missing)"
                          for time, missing in report.gaps[:GAPS_SHOWN])
        more = f" and {len(report.gaps) - GAPS_SHOWN} more" if len(report.gaps) > GAPS_SHOWN else ""
        text += f", {len(report.gaps)} gap(s) of {report.missing_steps} missing step(s): {shown}{more}"
    if report.irregular_steps:
        text += f", {report.irregular_steps} irregular step(s) (not a whole number of {report.frequency.text})"
    return text


def usable_rows(path: str, cfg: TimeseriesData) -> int:
    """The rows of one CSV that windows are cut from: good, with distinct timestamps, at most ``max_examples``."""
    return series_facts(path, cfg).rows


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

    The count is of distinct timestamps on the grid, the good records read: a duplicate or an
    off-grid time is counted once, as a dead letter (:func:`data.timeseries.windows.window_series`).
    """

    def __init__(self, cfg: TimeseriesData):
        super().__init__()
        self.cfg = cfg

    def process(self, keyed):
        series, rows = keyed
        windows = window_series(rows, self.cfg, series)
        for letter in windows.dead:
            yield beam.pvalue.TaggedOutput("dead", letter)
        yield beam.pvalue.TaggedOutput("rows", windows.rows)
        yield from windows.windows(self.cfg, series.rsplit("/", 1)[-1])
