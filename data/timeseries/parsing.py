"""Reading time-series CSV text: the header, timestamps, numeric and categorical cells, rows or dead letters.

A file's timestamp form is recognised once, from a sample of its first rows
(:func:`data.timestamps.recognise_form`), and every row of the file is read in that form.
"""

from __future__ import annotations

import csv
import io
import math
from dataclasses import dataclass
from typing import Any, Iterable, Iterator, Mapping, NamedTuple, Sequence

from data.errors import DataError
from data.quoting import bounded, quoted
from data.timeseries.columns import Columns, find_columns
from data.timeseries.config import TimeseriesData
from data.timeseries.decoding import decode_lines
from data.timeseries.timestamps import SAMPLE_ROWS, TimestampForm, assemble, recognise_form


class Row(NamedTuple):
    """One good row of a series.

    Attributes:
        time: Unix seconds (UTC), whole.
        values: One per ``data.value_columns``; NaN where the cell is a missing marker.
        categories: One per ``data.categorical_columns``; empty where the cell is a missing marker.
        line: The row's line in the file.
    """

    time: float
    values: tuple[float, ...]
    categories: tuple[str, ...]
    line: int


def parse_timestamp(text: str) -> int:
    """Parses one timestamp in whichever common form reads it (see :mod:`data.timeseries.timestamps`).

    Raises:
        ValueError: If no form reads it, or it names a time outside the years 1..9999.
    """
    try:
        form = recognise_form([text])
    except ValueError:
        raise ValueError(f"unparsable timestamp {quoted(text.strip())}") from None
    return form.parse(text)


def parse_value(text: str, column: str, missing_values: Sequence[str] = ()) -> float:
    """Parses one numeric cell: a missing marker is NaN; rejects other text, NaN and infinite values.

    Raises:
        ValueError: With a reason naming the column.
    """
    stripped = text.strip().strip('"')
    if stripped in missing_values or text in missing_values:
        return math.nan
    if not stripped:
        raise ValueError(f"missing value in column {column!r}")
    try:
        value = float(stripped)
    except ValueError as error:
        raise ValueError(f"non-numeric value {quoted(stripped)} in column {column!r}") from error
    if not math.isfinite(value):
        raise ValueError(f"non-finite value {quoted(stripped)} in column {column!r}")
    return value


def parse_category(text: str, missing_values: Sequence[str]) -> str:
    """One categorical cell as text; empty when it is a missing marker."""
    stripped = text.strip()
    return "" if stripped in missing_values else stripped


@dataclass(frozen=True)
class Table:
    """A CSV file split into cells, its columns found and its timestamp form recognised.

    Attributes:
        source: The file, for messages.
        columns: Where the configured columns are.
        rows: ``(line, cells)`` of every line after the header.
        form: The timestamp form of the file (``iso-date`` when it has no rows to judge by).
        undecodable: ``{line: (reason, shown line)}`` of lines that could not be decoded.
    """

    source: str
    columns: Columns
    rows: tuple[tuple[int, list[str]], ...]
    form: TimestampForm
    undecodable: Mapping[int, tuple[str, str]]


def time_text(cells: Sequence[str], columns: Columns, cfg: TimeseriesData) -> str:
    """The timestamp text of a row: its one timestamp cell, or its timestamp columns assembled."""
    if not cfg.timestamp_columns:
        text = cells[columns.time[0]]
        if not text.strip():
            raise ValueError(f"missing timestamp in column {columns.time_names[0]!r}")
        return text
    return assemble([cells[i] for i in columns.time], columns.time_names, cfg.timestamp_format)


def timestamp_samples(rows: Sequence[tuple[int, list[str]]], columns: Columns,
                      cfg: TimeseriesData) -> list[tuple[int, str]]:
    """``(line, timestamp text)`` of the first rows of the right width (at most :data:`SAMPLE_ROWS`)."""
    samples = []
    for line, cells in rows:
        if len(samples) == SAMPLE_ROWS:
            break
        if len(cells) == columns.width:
            try:
                samples.append((line, time_text(cells, columns, cfg)))
            except ValueError:
                continue
    return samples


def read_table(lines: Iterable[str], cfg: TimeseriesData, source: str,
               undecodable: Mapping[int, tuple[str, str]] | None = None) -> Table:
    """Splits CSV lines into cells, finds the columns and recognises the timestamp form.

    Raises:
        DataError: If the file is empty, its header is undecodable or lacks a configured column,
            or no sampled timestamp is in any known form (or in ``data.timestamp_format``).
    """
    undecodable = dict(undecodable or {})
    if 1 in undecodable:
        raise DataError(f"{source}: line 1, the CSV header, is {undecodable[1][0]}")
    reader = csv.reader(lines, delimiter=cfg.delimiter)
    try:
        header = next(reader, None)
        rows = tuple((reader.line_num, row) for row in reader)
    except csv.Error as error:  # a field over the csv module's size limit, a NUL byte, ...
        raise DataError(f"{source}: line {reader.line_num}: unreadable CSV: {error}") from None
    if not header:
        raise DataError(f"{source}: file is empty, expected a CSV header")
    columns = find_columns(header, cfg, source)
    samples = timestamp_samples(rows, columns, cfg)
    form = TimestampForm("strptime", cfg.timestamp_format) if cfg.timestamp_format else TimestampForm("iso-date")
    if samples:
        try:
            form = recognise_form([text for _, text in samples], cfg.timestamp_format)
        except ValueError as error:
            names = ", ".join(repr(name) for name in columns.time_names)
            raise DataError(f"{source}: line {samples[0][0]}: timestamp column {names}: {error}") from None
    return Table(source, columns, rows, form, undecodable)


def parse_csv(text: str, cfg: TimeseriesData, source: str) -> Iterator[tuple[str, Any]]:
    """Parses decoded CSV text into good rows and dead letters (see :func:`parse_lines`)."""
    return parse_lines(io.StringIO(text), cfg, source)


def parse_csv_bytes(raw: bytes, cfg: TimeseriesData, source: str) -> Iterator[tuple[str, Any]]:
    """Parses a CSV file's bytes, decoded line by line: a line not in ``data.encoding`` is one dead letter.

    Raises:
        DataError: If the file is binary, its header cannot be decoded, or as :func:`parse_lines`.
    """
    lines, undecodable = decode_lines(raw, source, cfg.encoding)
    return parse_lines(lines, cfg, source, undecodable)


def parse_lines(lines: Iterable[str], cfg: TimeseriesData, source: str,
                undecodable: Mapping[int, tuple[str, str]] | None = None) -> Iterator[tuple[str, Any]]:
    """Parses CSV lines into good rows and dead letters, in file order.

    Args:
        lines: The file's lines, decoded (each with its line end).
        cfg: Column names, timestamp form, missing markers (a missing value is NaN: ``data.missing``
            is applied to the series, :mod:`data.timeseries.gaps`).
        source: File name used in messages.
        undecodable: ``{line number: (reason, shown line)}`` of lines that could not be decoded
            (given as empty lines in ``lines``); each is a dead letter.

    Yields:
        ``("row", Row)`` for good rows and ``("dead", {"source", "line", "reason", "raw"})`` for bad ones.

    Raises:
        DataError: As :func:`read_table`.
    """
    yield from parse_table(read_table(lines, cfg, source, undecodable), cfg)


def parse_table(table: Table, cfg: TimeseriesData) -> Iterator[tuple[str, Any]]:
    """The rows of a :class:`Table` as good rows and dead letters, in file order (see :func:`parse_lines`)."""
    source, columns = table.source, table.columns
    pending = sorted(table.undecodable.items(), reverse=True)
    for line, cells in table.rows:
        while pending and pending[-1][0] <= line:
            yield "dead", undecodable_letter(source, *pending.pop())
        if not cells or not any(cell.strip() for cell in cells):
            continue
        try:
            if len(cells) != columns.width:
                raise ValueError(f"expected {columns.width} columns, found {len(cells)}")
            stamp = table.form.parse(time_text(cells, columns, cfg), cfg.timezone)
            values = tuple(parse_value(cells[i], cfg.value_columns[k], cfg.missing_values)
                           for k, i in enumerate(columns.values))
            categories = tuple(parse_category(cells[i], cfg.missing_values) for i in columns.categories)
        except ValueError as error:
            yield "dead", {"source": source, "line": line, "reason": str(error),
                           "raw": bounded(cfg.delimiter.join(cells))}
            continue
        yield "row", Row(stamp, values, categories, line)
    while pending:
        yield "dead", undecodable_letter(source, *pending.pop())


def undecodable_letter(source: str, line: int, undecodable: tuple[str, str]) -> dict[str, Any]:
    """The dead letter of a line that could not be decoded."""
    reason, shown = undecodable
    return {"source": source, "line": line, "reason": reason, "raw": shown}
