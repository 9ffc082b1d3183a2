"""Timestamp forms: recognised once per file from a sample of its cells, then read row by row.

The forms are ISO 8601 dates (``iso-date``) and datetimes (``iso-datetime``), ``YYYY-MM`` months
(``year-month``), ``YYYY`` years (``year``), unix seconds (``unix-seconds``) or milliseconds
(``unix-milliseconds``), and a user's ``strptime`` pattern (``strptime``). Every time is read to
whole unix seconds in UTC (a sub-second part is dropped).

Time zones: an aware time (``Z``, ``+02:00``, ``%z``) is converted to UTC; a naive one is read in
``data.timezone`` (UTC when empty). Unix times are absolute and ignore the zone. Across a
daylight-saving change a naive local time can be ambiguous (the repeated hour in autumn: the
first, daylight-saving, occurrence is taken, so the two rows of that hour share a timestamp and the
second is a duplicate) or non-existent (the skipped hour in spring: it is read with the offset in
force before the change, i.e. as the hour after the gap).
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass
from datetime import datetime, timezone as utc_zone
from typing import Callable, Sequence
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from data.quoting import quoted
from data.timeseries.frequency import parse_frequency

EPOCH = datetime(1970, 1, 1, tzinfo=utc_zone.utc)
MAX_UNIX_SECONDS = 1e11
"""Unix seconds above this (the year 5138) are read as milliseconds."""

SAMPLE_ROWS = 200
"""How many timestamp cells from the start of a file its form is recognised from."""

DATE_PARTS = 3
"""Timestamp columns joined with ``-`` (year, month, day); later ones are the time, joined with ``:``."""


def zone(name: str) -> ZoneInfo | utc_zone:
    """The zone named by ``data.timezone`` (UTC when empty).

    Raises:
        ValueError: If the name is not an IANA zone, naming it.
    """
    if not name:
        return utc_zone.utc
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as error:
        raise ValueError(f"data.timezone {name!r} is not an IANA time zone (e.g. 'Europe/Berlin', "
                         f"'America/New_York', 'UTC'): {error}") from None


def to_unix(moment: datetime, timezone: str) -> int:
    """A datetime as whole unix seconds: converted when aware, read in ``timezone`` when naive."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=zone(timezone))
    return int((moment - EPOCH).total_seconds() // 1)


def _number(text: str) -> float:
    if not re.fullmatch(r"-?\d+(\.\d*)?", text):
        raise ValueError("not a number")
    return float(text)


def _unix_seconds(text: str, timezone: str) -> int:
    seconds = _number(text)
    if abs(seconds) >= MAX_UNIX_SECONDS:
        raise ValueError("too large for unix seconds")
    return to_unix(EPOCH.fromtimestamp(seconds, utc_zone.utc), timezone)


def _unix_milliseconds(text: str, timezone: str) -> int:
    return to_unix(EPOCH.fromtimestamp(_number(text) / 1000, utc_zone.utc), timezone)


def _iso_date(text: str, timezone: str) -> int:
    if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):
        raise ValueError("not YYYY-MM-DD")
    return to_unix(datetime.fromisoformat(text), timezone)


def _iso_datetime(text: str, timezone: str) -> int:
    if not re.fullmatch(r"\d{4}-\d{2}-\d{2}([T ].*)?", text):
        raise ValueError("not YYYY-MM-DD[THH:MM[:SS]]")
    return to_unix(datetime.fromisoformat(text.replace("Z", "+00:00")), timezone)


def _year_month(text: str, timezone: str) -> int:
    match = re.fullmatch(r"(\d{4})-(\d{1,2})", text)
    if not match:
        raise ValueError("not YYYY-MM")
    return to_unix(datetime(int(match.group(1)), int(match.group(2)), 1), timezone)


def _year(text: str, timezone: str) -> int:
    if not re.fullmatch(r"\d{4}", text):
        raise ValueError("not YYYY")
    return to_unix(datetime(int(text), 1, 1), timezone)


READERS: dict[str, Callable[[str, str], int]] = {
    "year": _year,
    "year-month": _year_month,
    "iso-date": _iso_date,
    "iso-datetime": _iso_datetime,
    "unix-seconds": _unix_seconds,
    "unix-milliseconds": _unix_milliseconds,
}
"""The recognised forms, in the order a tie between them is settled (a year before unix seconds)."""

SHOWN = {"year": "YYYY", "year-month": "YYYY-MM", "iso-date": "ISO 8601 date YYYY-MM-DD",
         "iso-datetime": "ISO 8601 datetime", "unix-seconds": "unix seconds",
         "unix-milliseconds": "unix milliseconds"}


@dataclass(frozen=True)
class TimestampForm:
    """How the timestamps of one file are written.

    Attributes:
        name: ``iso-date``, ``iso-datetime``, ``year-month``, ``year``, ``unix-seconds``,
            ``unix-milliseconds`` or ``strptime``.
        pattern: The ``strptime`` pattern for ``strptime``, else empty.
    """

    name: str
    pattern: str = ""

    @property
    def shown(self) -> str:
        """The form as messages name it."""
        return f"data.timestamp_format {self.pattern!r}" if self.name == "strptime" else SHOWN[self.name]

    def parse(self, text: str, timezone: str = "") -> int:
        """Reads one timestamp cell into whole unix seconds (UTC).

        Args:
            text: The cell (surrounding spaces ignored).
            timezone: The IANA zone a naive time is read in (empty: UTC).

        Raises:
            ValueError: ``unparsable timestamp '<value>' (expected <form>)``, also for a time
                outside the years 1..9999.
        """
        stripped = text.strip()
        try:
            if self.name == "strptime":
                return to_unix(datetime.strptime(stripped, self.pattern), timezone)
            return READERS[self.name](stripped, timezone)
        except (ValueError, OverflowError, OSError):  # OverflowError, OSError: out of range
            raise ValueError(f"unparsable timestamp {quoted(stripped)} (expected {self.shown})") from None


def recognise_form(samples: Sequence[str], fmt: str = "") -> TimestampForm:
    """The form of a file's timestamps, judged once from a sample of its cells.

    Args:
        samples: Timestamp cells from the start of the file (empty ones are skipped).
        fmt: ``data.timestamp_format``: when given, the ``strptime`` form with it.

    Returns:
        The form that reads the most samples (the first of :data:`READERS` on a tie; ``iso-date``
        only when every sample it reads is a plain date).

    Raises:
        ValueError: If no sample is read by any form (or by ``fmt``), quoting the first samples.
    """
    cells = [cell.strip() for cell in samples if cell.strip()][:SAMPLE_ROWS]
    candidates = [TimestampForm("strptime", fmt)] if fmt else [TimestampForm(name) for name in READERS]
    scores = Counter()
    for form in candidates:
        for cell in cells:
            try:
                form.parse(cell)
                scores[form] += 1
            except ValueError:
                pass
    if not scores:
        shown = ", ".join(quoted(cell, 40) for cell in cells[:3]) or "no values"
        tried = candidates[0].shown if fmt else "YYYY, YYYY-MM, ISO 8601 dates or datetimes, unix seconds or milliseconds"
        hint = "check data.timestamp_format" if fmt else "set data.timestamp_format to a strptime pattern"
        raise ValueError(f"no timestamp matches {tried}: {shown}; {hint}")
    return max(candidates, key=lambda form: scores[form])  # max keeps the first of equal scores


def assemble(cells: Sequence[str], columns: Sequence[str], fmt: str = "") -> str:
    """One timestamp text from several columns.

    Whole numbers (``year, month, day, hour[, minute, second]``) are joined as
    ``year-month-day hour:minute:second``, zero-padded (a missing month or day is the first), so
    ``2010,1,2,3`` reads ``2010-01-02 03:00:00``. Other cells (a date and a time column), or any
    cells when ``data.timestamp_format`` is given, are joined with a space for that form to read.

    Args:
        cells: The row's cells of the timestamp columns, in ``data.timestamp_columns`` order.
        columns: Their names, for messages.
        fmt: ``data.timestamp_format``.

    Raises:
        ValueError: If a cell is empty, naming its column.
    """
    texts = [cell.strip() for cell in cells]
    for text, column in zip(texts, columns):
        if not text:
            raise ValueError(f"missing timestamp part in column {column!r}")
    if fmt or not all(text.isdigit() for text in texts):
        return " ".join(texts)
    numbers = [int(text) for text in texts]
    date = (numbers[:DATE_PARTS] + [1, 1])[:DATE_PARTS]
    time = (numbers[DATE_PARTS:] + [0, 0, 0])[:3]
    return "{:04d}-{:02d}-{:02d} {:02d}:{:02d}:{:02d}".format(*date, *time)


def check_reading_keys(cfg) -> None:
    """Checks the keys that say how a series file is read: timestamp, zone, frequency, encoding.

    Args:
        cfg: A :class:`data.timeseries.config.TimeseriesData`.

    Raises:
        ValueError: Naming the key and what it accepts.
    """
    if cfg.frequency:
        try:
            parse_frequency(cfg.frequency)
        except ValueError as error:
            raise ValueError(f"data.frequency: {error}") from None
    zone(cfg.timezone)
    try:
        line_end = "\n".encode(cfg.encoding)
    except LookupError:
        raise ValueError(f"data.encoding {cfg.encoding!r} is not a known text encoding "
                         f"(e.g. utf-8, latin-1, cp1252)") from None
    if line_end != b"\n":
        raise ValueError(f"data.encoding {cfg.encoding!r} is not read line by line (its line end is "
                         f"{line_end!r}); save the file as UTF-8")
    if cfg.timestamp_format and "%" not in cfg.timestamp_format:
        raise ValueError(f"data.timestamp_format {cfg.timestamp_format!r} is not a strptime pattern "
                         f"(e.g. '%d/%m/%Y %H:%M')")
    if len(cfg.timestamp_columns) > DATE_PARTS + 3:
        raise ValueError(f"data.timestamp_columns names {len(cfg.timestamp_columns)} columns; at most "
                         f"{DATE_PARTS + 3} (year, month, day, hour, minute, second)")
