"""Reading time-series CSV text: timestamps, numeric cells, the header, and rows or dead letters."""

from __future__ import annotations

import csv
import io
import math
from datetime import datetime, timezone
from typing import Any, Iterator, Sequence

from data.errors import DataError
from data.timeseries.config import TimeseriesData


def parse_timestamp(text: str) -> int:
    """Parses an ISO 8601 date/datetime or unix seconds into unix seconds (UTC).

    Raises:
        ValueError: If the text is neither.
    """
    text = text.strip()
    try:
        return int(float(text)) if text.replace(".", "", 1).lstrip("-").isdigit() else _iso_seconds(text)
    except ValueError as error:
        raise ValueError(f"unparsable timestamp {text!r}") from error


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
        raise ValueError(f"non-numeric value {stripped!r} in column {column!r}") from error
    if not math.isfinite(value):
        raise ValueError(f"non-finite value {stripped!r} in column {column!r}")
    return value


def header_indices(header: Sequence[str], cfg: TimeseriesData, source: str) -> tuple[int, list[int]]:
    """Finds the timestamp and value columns in a CSV header.

    Raises:
        DataError: If a configured column is absent, naming the file and the columns it has.
    """
    names = [name.strip() for name in header]
    missing = [c for c in (cfg.timestamp_column, *cfg.value_columns) if c not in names]
    if missing:
        raise DataError(f"{source}: column(s) {missing} not in CSV header {names} "
                        f"(set data.timestamp_column / data.value_columns)")
    return names.index(cfg.timestamp_column), [names.index(c) for c in cfg.value_columns]


def parse_csv(text: str, cfg: TimeseriesData, source: str) -> Iterator[tuple[str, Any]]:
    """Parses CSV text into good rows and dead letters.

    Args:
        text: The whole file, decoded.
        cfg: Column names.
        source: File name used in messages.

    Yields:
        ``("row", (unix_seconds, values))`` for good rows and
        ``("dead", {"source", "line", "reason", "raw"})`` for bad ones.

    Raises:
        DataError: If the file is empty or its header lacks a configured column.
    """
    reader = csv.reader(io.StringIO(text))
    try:
        header = next(reader, None)
        rows = [(reader.line_num, row) for row in reader]
    except csv.Error as error:  # a field over the csv module's size limit, a NUL byte, ...
        raise DataError(f"{source}: line {reader.line_num}: unreadable CSV: {error}") from None
    if not header:
        raise DataError(f"{source}: file is empty, expected a CSV header")
    ts_index, value_indices = header_indices(header, cfg, source)
    width = len(header)
    for line, row in rows:
        if not row or not any(cell.strip() for cell in row):
            continue
        try:
            if len(row) != width:
                raise ValueError(f"expected {width} columns, found {len(row)}")
            stamp = parse_timestamp(row[ts_index])
            values = tuple(parse_value(row[i], cfg.value_columns[k]) for k, i in enumerate(value_indices))
        except ValueError as error:
            yield "dead", {"source": source, "line": line, "reason": str(error), "raw": ",".join(row)}
            continue
        yield "row", (stamp, values)
