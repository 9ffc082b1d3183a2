"""Reading time-series CSV text: timestamps, numeric cells, the header, and rows or dead letters."""

from __future__ import annotations

import csv
import io
import math
from datetime import datetime, timezone
from typing import Any, Iterable, Iterator, Mapping, Sequence

from data.errors import DataError
from data.quoting import bounded, quoted, quoted_names
from data.timeseries.config import TimeseriesData
from data.timeseries.decoding import decode_lines


def parse_timestamp(text: str) -> int:
    """Parses an ISO 8601 date/datetime or unix seconds into unix seconds (UTC).

    Raises:
        ValueError: If the text is neither, or names a time outside the years 1..9999.
    """
    text = text.strip()
    try:
        seconds = int(float(text)) if text.replace(".", "", 1).lstrip("-").isdigit() else _iso_seconds(text)
        datetime.fromtimestamp(seconds, tz=timezone.utc)  # every kept time can be written as a date
    except (ValueError, OverflowError, OSError) as error:  # OverflowError, OSError: out of range
        raise ValueError(f"unparsable timestamp {quoted(text)}") from error
    return seconds


def _iso_seconds(text: str) -> int:
    moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    return int(moment.timestamp())


def parse_value(text: str, column: str) -> float:
    """Parses one numeric cell; rejects empty, non-numeric, NaN and infinite values.

    Raises:
        ValueError: With a reason naming the column.
    """
    stripped = text.strip().strip('"')
    if not stripped:
        raise ValueError(f"missing value in column {column!r}")
    try:
        value = float(stripped)
    except ValueError as error:
        raise ValueError(f"non-numeric value {quoted(stripped)} in column {column!r}") from error
    if not math.isfinite(value):
        raise ValueError(f"non-finite value {quoted(stripped)} in column {column!r}")
    return value


def header_indices(header: Sequence[str], cfg: TimeseriesData, source: str) -> tuple[int, list[int]]:
    """Finds the timestamp and value columns in a CSV header.

    Raises:
        DataError: If a configured column is absent, naming the file and the columns it has.
    """
    names = [name.strip() for name in header]
    missing = [c for c in (cfg.timestamp_column, *cfg.value_columns) if c not in names]
    if missing:
        raise DataError(f"{source}: column(s) {missing} not in CSV header {quoted_names(names)} "
                        f"(set data.timestamp_column / data.value_columns)")
    return names.index(cfg.timestamp_column), [names.index(c) for c in cfg.value_columns]


def parse_csv(text: str, cfg: TimeseriesData, source: str) -> Iterator[tuple[str, Any]]:
    """Parses decoded CSV text into good rows and dead letters (see :func:`parse_lines`)."""
    return parse_lines(io.StringIO(text), cfg, source)


def parse_csv_bytes(raw: bytes, cfg: TimeseriesData, source: str) -> Iterator[tuple[str, Any]]:
    """Parses a CSV file's bytes, decoded line by line: a line that is not UTF-8 is one dead letter.

    Raises:
        DataError: If the file is binary, its header is not UTF-8, or as :func:`parse_lines`.
    """
    lines, undecodable = decode_lines(raw, source)
    return parse_lines(lines, cfg, source, undecodable)


def parse_lines(lines: Iterable[str], cfg: TimeseriesData, source: str,
                undecodable: Mapping[int, tuple[str, str]] | None = None) -> Iterator[tuple[str, Any]]:
    """Parses CSV lines into good rows and dead letters, in file order.

    Args:
        lines: The file's lines, decoded (each with its line end).
        cfg: Column names.
        source: File name used in messages.
        undecodable: ``{line number: (reason, shown line)}`` of lines that could not be decoded
            (given as empty lines in ``lines``); each is a dead letter.

    Yields:
        ``("row", (unix_seconds, values, line))`` for good rows and
        ``("dead", {"source", "line", "reason", "raw"})`` for bad ones.

    Raises:
        DataError: If the file is empty, its header is undecodable or lacks a configured column.
    """
    undecodable = dict(undecodable or {})
    if 1 in undecodable:
        raise DataError(f"{source}: line 1, the CSV header, is {undecodable[1][0]}")
    reader = csv.reader(lines)
    try:
        header = next(reader, None)
        rows = [(reader.line_num, row) for row in reader]
    except csv.Error as error:  # a field over the csv module's size limit, a NUL byte, ...
        raise DataError(f"{source}: line {reader.line_num}: unreadable CSV: {error}") from None
    if not header:
        raise DataError(f"{source}: file is empty, expected a CSV header")
    ts_index, value_indices = header_indices(header, cfg, source)
    width = len(header)
    pending = sorted(undecodable.items(), reverse=True)
    for line, row in rows:
        while pending and pending[-1][0] <= line:
            yield "dead", undecodable_letter(source, *pending.pop())
        if not row or not any(cell.strip() for cell in row):
            continue
        try:
            if len(row) != width:
                raise ValueError(f"expected {width} columns, found {len(row)}")
            stamp = parse_timestamp(row[ts_index])
            values = tuple(parse_value(row[i], cfg.value_columns[k]) for k, i in enumerate(value_indices))
        except ValueError as error:
            yield "dead", {"source": source, "line": line, "reason": str(error), "raw": bounded(",".join(row))}
            continue
        yield "row", (stamp, values, line)
    while pending:
        yield "dead", undecodable_letter(source, *pending.pop())


def undecodable_letter(source: str, line: int, undecodable: tuple[str, str]) -> dict[str, Any]:
    """The dead letter of a line that is not UTF-8."""
    reason, shown = undecodable
    return {"source": source, "line": line, "reason": reason, "raw": shown}
