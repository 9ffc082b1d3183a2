"""Profiling a time-series CSV for ``rnnpipe init``: its dialect, its columns and what each holds.

:func:`profile_csv` reads a file once and says what it found: the delimiter and encoding, the
header, the row count, each column's role (``timestamp``, ``index``, ``numeric``, ``categorical``,
``constant`` or ``text``), the missing markers and their counts, and the time: the column(s) it is
in, their form (:func:`data.timeseries.timestamps.recognise_form`) and the frequency
(:func:`data.timeseries.frequency.infer_frequency`).
"""

from __future__ import annotations

import codecs
import csv
import io
import math
from collections import Counter
from dataclasses import asdict, dataclass, field
from typing import Any, Sequence

from data.compressed import read_checked
from data.errors import DataError
from data.quoting import quoted, quoted_names
from data.timeseries.config import DEFAULT_MISSING_VALUES
from data.timeseries.decoding import SNIFF_BYTES, check_text
from data.timeseries.frequency import FrequencyReport, infer_frequency, moment
from data.timeseries.timestamps import TimestampForm, assemble, recognise_form

DELIMITERS = ",;\t|"
"""The field separators sniffed for."""
SNIFF_LINES = 50
ENCODINGS = ("utf-8", "cp1252", "latin-1")
"""Tried in turn when no encoding is given (latin-1 reads any bytes)."""
EXTRA_MARKERS = ("N/A", "n/a", "#N/A", "NULL", "None", "none", "-", "--", "missing")
"""Missing markers recognised besides :data:`data.timeseries.config.DEFAULT_MISSING_VALUES`."""
MAX_CATEGORIES = 50
"""The most distinct texts a categorical column holds (and at most half its cells); one with more is free text."""
NUMERIC_SHARE = 0.95
"""The share of present cells that must be numbers for a column to be numeric (the rest: malformed)."""
TIME_PARTS = ("year", "month", "day", "hour", "minute", "second")
"""Column names that together make a time, in the order they are assembled."""
TIME_HINTS = ("date", "time", "year", "month", "epoch", "unix", "period", "stamp")
"""Parts of a column name that say it holds a time."""
NUMERIC_FORMS = ("year", "unix-seconds", "unix-milliseconds")
"""Timestamp forms that plain numbers also take: a column in one of them needs a time-like name."""
ROW_NUMBER_NAMES = ("", "no", "index", "id", "row", "unnamed: 0")
"""Names of a row-number column besides the first column's."""
PATTERNS = ("%d/%m/%Y", "%d/%m/%Y %H:%M", "%d/%m/%Y %H:%M:%S", "%m/%d/%Y", "%m/%d/%Y %H:%M", "%m/%d/%Y %H:%M:%S",
            "%d.%m.%Y", "%d.%m.%Y %H:%M", "%d.%m.%Y %H:%M:%S", "%Y/%m/%d", "%Y/%m/%d %H:%M", "%Y/%m/%d %H:%M:%S",
            "%d-%m-%Y", "%d-%m-%Y %H:%M", "%d/%m/%y", "%m/%d/%y", "%b %Y", "%Y %b", "%d %b %Y", "%b %d, %Y")
"""``strptime`` patterns tried on a column no common form reads, in turn (day before month when both read)."""
TIME_SAMPLES = 200
"""Cells of a column shown to :func:`recognise_form`."""


@dataclass(frozen=True)
class ColumnProfile:
    """One column of the CSV.

    Attributes:
        name: The header's name.
        role: ``timestamp``, ``index`` (a row number), ``numeric``, ``categorical``, ``constant`` or ``text``.
        present: Cells that are not missing.
        missing: Missing markers found in it, with their counts.
        malformed: Cells of a numeric column that are neither a number nor a missing marker.
        distinct: Distinct present values, counted up to ``MAX_CATEGORIES + 1``.
        categories: The distinct values of a categorical or constant column, sorted.
        minimum: The smallest number of a numeric column (NaN otherwise).
        maximum: The largest.
    """

    name: str
    role: str
    present: int
    missing: dict[str, int] = field(default_factory=dict)
    malformed: int = 0
    distinct: int = 0
    categories: tuple[str, ...] = ()
    minimum: float = math.nan
    maximum: float = math.nan


@dataclass(frozen=True)
class TimeProfile:
    """Where the time is, its form and its step.

    Attributes:
        columns: The column, or the columns assembled into one time (``[year, month, day, hour]``).
        form: The recognised form's name (``iso-date``, ``year-month``, ...).
        pattern: The ``strptime`` pattern of a ``strptime`` form, else empty.
        frequency: The typical step, e.g. ``1h``.
        season: Steps per natural season of that frequency (1: none).
        irregular_steps: Steps that are not a whole number of the typical step.
        gaps: Steps longer than one step.
        missing_steps: The steps missing from the timeline in all gaps.
        duplicates: Rows whose time an earlier row has.
        unparsable: Rows whose time is missing or does not parse in the form.
        first: The earliest time (ISO 8601, UTC).
        last: The latest.
    """

    columns: tuple[str, ...]
    form: str
    pattern: str
    frequency: str
    season: int
    irregular_steps: int
    gaps: int
    missing_steps: int
    duplicates: int
    unparsable: int
    first: str
    last: str


@dataclass(frozen=True)
class CsvProfile:
    """What :func:`profile_csv` found in one CSV file.

    Attributes:
        path: The file.
        delimiter: The field separator.
        encoding: The text encoding the file was read in.
        rows: Data rows (blank lines left out).
        ragged_rows: Rows with another number of cells than the header (left out of the profile).
        header: The column names.
        columns: One profile per column, in header order.
        time: Where the time is and its step.
    """

    path: str
    delimiter: str
    encoding: str
    rows: int
    ragged_rows: int
    header: tuple[str, ...]
    columns: tuple[ColumnProfile, ...]
    time: TimeProfile

    def names(self, role: str) -> tuple[str, ...]:
        """The columns of one role, in header order."""
        return tuple(column.name for column in self.columns if column.role == role)

    @property
    def missing_markers(self) -> dict[str, int]:
        """Every missing marker found, with its count over all columns."""
        total: Counter = Counter()
        for column in self.columns:
            total.update(column.missing)
        return dict(total)

    def to_dict(self) -> dict[str, Any]:
        """The profile as JSON-ready data (NaN bounds as None)."""
        result = asdict(self)
        for column in result["columns"]:
            for key in ("minimum", "maximum"):
                column[key] = None if math.isnan(column[key]) else column[key]
        result["missing_markers"] = self.missing_markers
        return result


def profile_csv(path: str, delimiter: str = "", encoding: str = "") -> CsvProfile:
    """Reads a CSV file (plain or compressed) and profiles it.

    Args:
        path: The file.
        delimiter: The field separator; empty: sniffed from the first lines.
        encoding: The text encoding; empty: UTF-8, else cp1252, else latin-1.

    Raises:
        FileNotFoundError: If the file does not exist.
        DataError: If it is binary, empty, has no data row, no time-like column, or a time that gives no frequency.
    """
    text, encoding = decoded(read_checked(path), path, encoding)
    delimiter = delimiter or sniff_delimiter(text)
    try:
        table = list(csv.reader(io.StringIO(text), delimiter=delimiter))
    except csv.Error as error:
        raise DataError(f"{path}: unreadable CSV: {error}") from None
    table = [row for row in table if any(cell.strip() for cell in row)]
    if not table:
        raise DataError(f"{path}: file is empty, expected a CSV header")
    header = tuple(name.strip() for name in table[0])
    rows = [row for row in table[1:] if len(row) == len(header)]
    if not rows:
        raise DataError(f"{path}: no data row below the header {quoted_names(header)}")
    cells = {name: [row[index].strip() for row in rows] for index, name in enumerate(header)}
    time, form = find_time(path, header, cells)
    columns = tuple(column_profile(name, position, cells[name], name in time) for position, name in enumerate(header))
    return CsvProfile(path, delimiter, encoding, len(table) - 1, len(table) - 1 - len(rows), header, columns,
                      time_profile(path, time, form, [cells[name] for name in time]))


def decoded(raw: bytes, path: str, encoding: str) -> tuple[str, str]:
    """The file's text (a UTF-8 byte-order mark dropped) and the encoding it was read in."""
    check_text(raw[:SNIFF_BYTES], path)
    raw = raw.removeprefix(codecs.BOM_UTF8)
    for candidate in (encoding,) if encoding else ENCODINGS:
        try:
            return raw.decode(candidate), candidate
        except UnicodeDecodeError as error:
            if encoding:
                raise DataError(f"{path}: not {encoding} text: {error}") from None
        except LookupError:
            raise DataError(f"{path}: unknown encoding {encoding!r}") from None
    raise AssertionError("latin-1 decodes any bytes")


def sniff_delimiter(text: str) -> str:
    """The separator of the first lines, one of :data:`DELIMITERS`; a comma when none shows."""
    sample = "".join(text.splitlines(keepends=True)[:SNIFF_LINES])
    try:
        return csv.Sniffer().sniff(sample, delimiters=DELIMITERS).delimiter
    except csv.Error:  # one column, or no consistent separator
        return ","


def is_number(text: str) -> bool:
    """Whether a cell is a finite number."""
    try:
        return math.isfinite(float(text))
    except ValueError:
        return False


def is_marker(text: str) -> bool:
    """Whether a cell is a missing marker (a default one or one of :data:`EXTRA_MARKERS`)."""
    return text in DEFAULT_MISSING_VALUES or text in EXTRA_MARKERS


def column_profile(name: str, position: int, cells: Sequence[str], is_time: bool) -> ColumnProfile:
    """The role and counts of one column's cells (``position``: its place in the header)."""
    missing = Counter(cell for cell in cells if is_marker(cell))
    present = [cell for cell in cells if not is_marker(cell)]
    numbers = [float(cell) for cell in present if is_number(cell)]
    numeric = bool(present) and len(numbers) >= NUMERIC_SHARE * len(present)
    distinct: set[str] = set()
    for value in (numbers if numeric else present):
        distinct.add(f"{value:.12g}" if numeric else value)
        if len(distinct) > MAX_CATEGORIES:
            break
    common = {"name": name, "present": len(present), "missing": dict(missing), "distinct": len(distinct)}
    if numeric:
        common.update(minimum=min(numbers), maximum=max(numbers), malformed=len(present) - len(numbers))
    if is_time:
        return ColumnProfile(role="timestamp", **common)
    if len(distinct) == 1 or not present:
        return ColumnProfile(role="constant", categories=tuple(distinct), **common)
    if numeric:
        return ColumnProfile(role="index" if is_row_number(name, position, numbers, len(cells)) else "numeric",
                             **common)
    if len(distinct) <= min(MAX_CATEGORIES, len(present) // 2):
        return ColumnProfile(role="categorical", categories=tuple(sorted(distinct)), **common)
    return ColumnProfile(role="text", **common)


def is_row_number(name: str, position: int, numbers: Sequence[float], n_cells: int) -> bool:
    """Whether a column counts its rows: the first column or one named like :data:`ROW_NUMBER_NAMES`,
    every cell present, from 0 or 1 up in steps of one."""
    return ((position == 0 or name.lower() in ROW_NUMBER_NAMES) and len(numbers) == n_cells > 2
            and numbers[0] in (0, 1) and all(b - a == 1 for a, b in zip(numbers, numbers[1:])))


def time_like_name(name: str) -> bool:
    """Whether a column's name says it holds a time."""
    lowered = name.lower()
    return any(hint in lowered for hint in TIME_HINTS) or lowered in ("ds", "dt", "day", "week", "hour")


def time_part_columns(header: Sequence[str]) -> tuple[str, ...]:
    """``year, month[, day[, hour[, minute[, second]]]]`` columns, in that order, when the header has them."""
    by_part = {name.lower(): name for name in header}
    parts = []
    for part in TIME_PARTS:
        if part not in by_part:
            break
        parts.append(by_part[part])
    return tuple(parts) if len(parts) >= 2 else ()


def samples(columns: Sequence[Sequence[str]], names: Sequence[str]) -> list[str]:
    """The first :data:`TIME_SAMPLES` present times of the columns, assembled into one text each."""
    found = []
    for cells in zip(*columns):
        if all(cell and not is_marker(cell) for cell in cells):
            found.append(assemble(cells, names) if len(names) > 1 else cells[0])
            if len(found) == TIME_SAMPLES:
                break
    return found


def recognised(texts: Sequence[str]) -> TimestampForm | None:
    """The form of the texts, or None when they have none or it reads too few of them (:data:`NUMERIC_SHARE`)."""
    if not texts:
        return None
    try:
        form = recognise_form(texts)
    except ValueError:
        return None
    return form if sum(parses(form, text) for text in texts) >= NUMERIC_SHARE * len(texts) else None


def parses(form: TimestampForm, text: str) -> bool:
    """Whether ``form`` reads ``text``."""
    try:
        form.parse(text)
    except ValueError:
        return False
    return True


def find_time(path: str, header: Sequence[str], cells: dict[str, list[str]]) -> tuple[tuple[str, ...], TimestampForm]:
    """The column(s) holding the time and its form, the first found of, in turn:

    a column in a text form (ISO dates, ``YYYY-MM``, ...; one with a time-like name first);
    columns named ``year, month[, day[, hour...]]``, assembled; a column in one of :data:`PATTERNS`;
    a column with a time-like name in a numeric form (``YYYY``, unix seconds).

    Raises:
        DataError: Naming the file and its columns, if none holds a time.
    """
    forms = {name: recognised(samples([cells[name]], [name])) for name in header}
    texts = [name for name in header if forms[name] is not None and forms[name].name not in NUMERIC_FORMS]
    parts = time_part_columns(header)
    if not texts and parts:
        form = recognised(samples([cells[name] for name in parts], parts))
        if form is not None:
            return parts, form
    if not texts:
        forms.update((name, pattern_form(cells[name])) for name in header if forms[name] is None)
        texts = [name for name in header if forms[name] is not None and forms[name].name == "strptime"]
    numbers = [name for name in header if forms[name] is not None and forms[name].name in NUMERIC_FORMS
               and time_like_name(name)]
    ranked = sorted(texts, key=lambda name: not time_like_name(name)) + numbers
    if not ranked:
        raise DataError(f"{path}: no time-like column among {quoted_names(header)}: none holds ISO 8601 dates or "
                        f"datetimes, YYYY-MM months, dates such as 31/12/2020, or (under a time-like name) YYYY "
                        f"years or unix seconds, and there are no year/month/day/hour columns; a time series "
                        f"needs a timestamp column")
    return (ranked[0],), forms[ranked[0]]


def pattern_form(cells: Sequence[str]) -> TimestampForm | None:
    """The first of :data:`PATTERNS` that reads a column's present cells (:data:`NUMERIC_SHARE` of them)."""
    present = [cell for cell in cells if cell and not is_marker(cell)]
    if not present or all(is_number(cell) for cell in present[:TIME_SAMPLES]):
        return None
    for pattern in PATTERNS:
        try:
            form = recognise_form(present[:TIME_SAMPLES], pattern)
        except ValueError:
            continue
        if sum(parses(form, cell) for cell in present) >= NUMERIC_SHARE * len(present):
            return form
    return None


def time_profile(path: str, names: tuple[str, ...], form: TimestampForm,
                 columns: Sequence[Sequence[str]]) -> TimeProfile:
    """Parses every row's time in ``form`` and infers the frequency of the times.

    Raises:
        DataError: If the times give no frequency (fewer than two, or a step of seconds).
    """
    times, unparsable = [], 0
    for cells in zip(*columns):
        text = assemble(cells, names) if len(names) > 1 else cells[0]
        try:
            times.append(form.parse(text))
        except ValueError:
            unparsable += 1
    try:
        report: FrequencyReport = infer_frequency(times)
    except ValueError as error:
        raise DataError(f"{path}: column(s) {list(names)} in form {form.name}: {error}") from None
    frequency = report.frequency
    return TimeProfile(names, form.name, form.pattern, frequency.text, frequency.season(), report.irregular_steps,
                       len(report.gaps), report.missing_steps, len(times) - len(set(times)), unparsable,
                       moment(min(times)).isoformat(), moment(max(times)).isoformat())


def describe_column(column: ColumnProfile) -> str:
    """One line about a column: its role and what it holds."""
    details = [f"{column.present} present"]
    if column.missing:
        details.append("missing " + ", ".join(f"{quoted(marker)} x{count}" for marker, count in column.missing.items()))
    if column.malformed:
        details.append(f"{column.malformed} malformed")
    if not math.isnan(column.minimum):
        details.append(f"{column.minimum:g} .. {column.maximum:g}")
    if column.categories:
        details.append("values " + ", ".join(column.categories[:10]) + (" ..." if len(column.categories) > 10 else ""))
    return f"{column.name}: {column.role} ({'; '.join(details)})"
