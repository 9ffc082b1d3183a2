"""Finding the configured columns in a CSV header, with "did you mean" for a name not there."""

from __future__ import annotations

import difflib
from dataclasses import dataclass
from typing import Sequence

from data.errors import DataError
from data.quoting import quoted, quoted_names
from data.timeseries.config import TimeseriesData


@dataclass(frozen=True)
class Columns:
    """Where the configured columns are in a file's rows.

    Attributes:
        time: Indices of the timestamp column(s), in ``data.timestamp_columns`` order.
        time_names: Their names.
        values: Indices of ``data.value_columns``, in order.
        categories: Indices of ``data.categorical_columns``, in order.
        width: The number of columns of the header.
    """

    time: tuple[int, ...]
    time_names: tuple[str, ...]
    values: tuple[int, ...]
    categories: tuple[int, ...]
    width: int


def time_columns(cfg: TimeseriesData) -> tuple[str, ...]:
    """The columns that make the time: ``data.timestamp_columns``, else ``data.timestamp_column``."""
    return cfg.timestamp_columns or (cfg.timestamp_column,)


def suggestion(name: str, names: Sequence[str]) -> str:
    """``'x' for 'y'`` naming the header column closest to ``name`` (also ignoring case), or empty."""
    by_case = [found for found in names if found.casefold() == name.casefold()]
    close = by_case or difflib.get_close_matches(name, names, n=1, cutoff=0.6)
    return f"{quoted(close[0], 40)} for {quoted(name, 40)}" if close else ""


def find_columns(header: Sequence[str], cfg: TimeseriesData, source: str) -> Columns:
    """Finds the timestamp, value and categorical columns in a CSV header.

    Raises:
        DataError: If a configured column is absent, naming the file, the columns it has, the
            closest names ("did you mean") and the keys that name columns.
    """
    names = [name.strip().removeprefix("\ufeff") for name in header]
    wanted = (*time_columns(cfg), *cfg.value_columns, *cfg.categorical_columns)
    missing = [column for column in dict.fromkeys(wanted) if column not in names]
    if missing:
        hints = [hint for hint in (suggestion(column, names) for column in missing) if hint]
        did_you_mean = f"; did you mean {', '.join(hints)}?" if hints else ""
        keys = "data.timestamp_columns" if cfg.timestamp_columns else "data.timestamp_column"
        raise DataError(f"{source}: column(s) {missing} not in CSV header {quoted_names(names)}{did_you_mean} "
                        f"(set {keys} / data.value_columns"
                        f"{' / data.categorical_columns' if cfg.categorical_columns else ''})")
    return Columns(time=tuple(names.index(c) for c in time_columns(cfg)), time_names=time_columns(cfg),
                   values=tuple(names.index(c) for c in cfg.value_columns),
                   categories=tuple(names.index(c) for c in cfg.categorical_columns), width=len(names))
