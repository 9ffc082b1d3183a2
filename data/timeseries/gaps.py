"""Missing values and missing steps of one series: its regular grid and the ``data.missing`` policy.

A series is put on the grid of its frequency (``data.frequency``, else the one inferred from its
own timestamps), anchored at its first time. A step absent from the timeline is inserted as a
step whose values are all missing, so missing steps and missing values (NaN) meet the same policy:

- ``fail``: the first missing value or missing step is a :class:`~data.errors.DataError` naming
  the file, the line and time, and the column (or the number of missing steps);
- ``drop``: nothing is filled; the windows that touch a missing value are dropped (and counted);
- ``interpolate``: a run of at most ``data.max_gap`` missing steps of one column, with an observed
  value on each side, is filled linearly and marked as filled; longer runs, and runs at either end
  of the series, stay missing and drop the windows that touch them.

A timestamp off the grid (not a whole number of steps after the first time) is a dead letter
naming it: it is not moved to the nearest step, which could silently merge two readings.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Iterable, Sequence

import numpy as np

from data.errors import DataError
from data.timeseries.config import TimeseriesData
from data.timeseries.frequency import Frequency, infer_frequency, moment, parse_frequency

POLICY_HINT = "set data.missing to drop or interpolate to keep going"


@dataclass(frozen=True)
class MissingCounts:
    """What the policy met in one or more series.

    Attributes:
        missing_values: Cells of the rows read that held a missing marker.
        missing_steps: Steps absent from the timeline, inserted as missing.
        interpolated_steps: Steps with at least one value filled by interpolation.
    """

    missing_values: int = 0
    missing_steps: int = 0
    interpolated_steps: int = 0

    def __add__(self, other: "MissingCounts") -> "MissingCounts":
        return MissingCounts(self.missing_values + other.missing_values, self.missing_steps + other.missing_steps,
                             self.interpolated_steps + other.interpolated_steps)


@dataclass(frozen=True)
class GridSeries:
    """One series on its regular grid, after the missing policy.

    Attributes:
        times: Unix seconds of each step, [steps].
        values: The values, filled where interpolated, NaN where still missing, [steps, n_values].
        filled: Which values were interpolated, [steps, n_values].
        categories: The categorical cells of each step ("" = missing).
        lines: The CSV line of each step (0 for an inserted step).
        counts: The missing values and steps met, and the steps filled.
    """

    times: np.ndarray
    values: np.ndarray
    filled: np.ndarray
    categories: tuple[tuple[str, ...], ...]
    lines: tuple[int, ...]
    counts: MissingCounts

    def __len__(self) -> int:
        return len(self.times)

    @property
    def usable(self) -> np.ndarray:
        """The steps a window may hold: no value missing, [steps]."""
        return ~np.isnan(self.values).any(axis=1)


def observed_series(rows: Sequence[tuple[float, Sequence[float]]], n_categorical: int = 0) -> GridSeries:
    """A series of complete ``(time, values)`` rows taken as they are: nothing inserted or filled."""
    values = np.asarray([list(values) for _, values in rows], np.float64).reshape(len(rows), -1)
    return GridSeries(np.asarray([stamp for stamp, _ in rows], np.float64), values, np.zeros(values.shape, bool),
                      (("",) * n_categorical,) * len(rows), (0,) * len(rows),
                      MissingCounts(missing_values=int(np.isnan(values).sum())))


def series_frequency(times: Sequence[float], cfg: TimeseriesData) -> Frequency | None:
    """The step of one series: ``data.frequency``, else the typical step of its times.

    None when it cannot be inferred (fewer than two times, a step under a minute): the series is
    then taken as it is, without gaps.
    """
    if cfg.frequency:
        return parse_frequency(cfg.frequency)
    try:
        return infer_frequency(times).frequency
    except ValueError:
        return None


def when(seconds: float) -> str:
    """A time as ISO 8601 text, for messages."""
    return moment(seconds).isoformat()


def on_grid(rows: Sequence[Any], frequency: Frequency | None, source: str
            ) -> tuple[list[tuple[float, tuple[float, ...], tuple[str, ...], int]], list[dict[str, Any]], int]:
    """Places sorted rows with distinct times on the grid of ``frequency``, inserting missing steps.

    Args:
        rows: Rows with ``time``, ``values``, ``categories`` and ``line``, sorted by time.
        frequency: The step, or None to take the rows as they are.
        source: The file, for dead letters.

    Returns:
        ``(steps, dead_letters, missing_steps)``: ``steps`` are ``(time, values, categories,
        line)`` with NaN values, "" categories and line 0 for an inserted step; an off-grid row
        is a dead letter.
    """
    if not rows:
        return [], [], 0
    steps, dead, inserted = [], [], 0
    anchor, position = rows[0].time, -1
    n_values, n_categorical = len(rows[0].values), len(rows[0].categories)
    for row in rows:
        try:
            index = frequency.steps_between(anchor, row.time) if frequency else position + 1
        except ValueError as error:
            dead.append({"source": source, "line": row.line, "raw": when(row.time),
                         "reason": f"timestamp off the {frequency.text} grid of the series: {error}"})
            continue
        while position + 1 < index:  # a gap: the steps between are missing
            stamp = frequency.step_after(steps[-1][0])
            steps.append((stamp, (math.nan,) * n_values, ("",) * n_categorical, 0))
            position, inserted = position + 1, inserted + 1
        steps.append((row.time, tuple(row.values), tuple(row.categories), row.line))
        position = index
    return steps, dead, inserted


def check_nothing_missing(steps: Sequence[tuple], cfg: TimeseriesData, source: str,
                          frequency: Frequency | None) -> None:
    """The ``fail`` policy: the first missing value or run of missing steps is an error.

    Raises:
        DataError: Naming the file, the line and time, and the column or the missing steps.
    """
    for index, (stamp, values, _, line) in enumerate(steps):
        if line == 0:
            run = next((k for k in range(index, len(steps)) if steps[k][3] != 0), len(steps)) - index
            before = steps[index - 1]
            raise DataError(f"{source}: {run} missing step(s) of {frequency.text} after {when(before[0])} "
                            f"(line {before[3]}) (data.missing=fail); {POLICY_HINT}")
        for column, value in zip(cfg.value_columns, values):
            if math.isnan(value):
                raise DataError(f"{source}: line {line} ({when(stamp)}): missing value in column {column!r} "
                                f"(data.missing=fail); {POLICY_HINT}")


def interpolate(values: np.ndarray, max_gap: int) -> np.ndarray:
    """Fills, in place, each inner run of at most ``max_gap`` NaN of each column linearly.

    Returns:
        Which cells were filled, [steps, columns].
    """
    filled = np.zeros(values.shape, bool)
    for column in range(values.shape[1]):
        series = values[:, column]
        observed = np.flatnonzero(~np.isnan(series))
        for left, right in zip(observed, observed[1:]):
            if 1 < right - left <= max_gap + 1:
                inner = np.arange(left + 1, right)
                series[inner] = np.interp(inner, [left, right], [series[left], series[right]])
                filled[inner, column] = True
    return filled


def apply_policy(steps: Sequence[tuple], missing_steps: int, cfg: TimeseriesData, source: str,
                 frequency: Frequency | None = None) -> GridSeries:
    """The series of grid ``steps`` (from :func:`on_grid`) after ``data.missing``.

    Raises:
        DataError: With ``data.missing=fail``, at the first missing value or step.
    """
    values = np.asarray([step[1] for step in steps], np.float64).reshape(len(steps), cfg.n_values)
    lines = tuple(step[3] for step in steps)
    missing_values = int(np.isnan(values[np.asarray(lines, int) != 0]).sum()) if steps else 0
    if cfg.missing == "fail":
        check_nothing_missing(steps, cfg, source, frequency)
    filled = interpolate(values, cfg.max_gap) if cfg.missing == "interpolate" else np.zeros(values.shape, bool)
    counts = MissingCounts(missing_values, missing_steps, int(filled.any(axis=1).sum()))
    return GridSeries(np.asarray([step[0] for step in steps], np.float64), values, filled,
                      tuple(step[2] for step in steps), lines, counts)


def prepare_series(rows: Iterable[Any], cfg: TimeseriesData, source: str) -> tuple[GridSeries, list[dict[str, Any]]]:
    """Sorted rows with distinct times to their grid series after ``data.missing``, with dead letters.

    Raises:
        DataError: With ``data.missing=fail``, at the first missing value or step.
    """
    rows = list(rows)
    frequency = series_frequency([row.time for row in rows], cfg)
    steps, dead, missing_steps = on_grid(rows, frequency, source)
    return apply_policy(steps, missing_steps, cfg, source, frequency), dead
