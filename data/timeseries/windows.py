"""Cutting one time-sorted series into forecast windows, split by time."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any, Iterable, Iterator, Sequence

import numpy as np

from data.splits import SPLITS
from data.timeseries.config import SplitFractions, TimeseriesData
from data.timeseries.gaps import GridSeries, MissingCounts, observed_series, prepare_series


def split_of(position: int, n_rows: int, split: SplitFractions) -> str:
    """Assigns the row at ``position`` to a split by time: earliest rows to train."""
    first_eval, first_test = split.boundaries(n_rows)
    if position < first_eval:
        return "train"
    if position < first_test:
        return "eval"
    return "test"


def first_target(n_rows: int, cfg: TimeseriesData) -> int:
    """The row of the first target: after a full window, or after one row when the series is shorter."""
    return cfg.window if n_rows >= cfg.window + cfg.horizon else 1


def window_starts(n_rows: int, cfg: TimeseriesData) -> range:
    """The first-target row of every window cut from ``n_rows`` steps (before the missing policy)."""
    return range(first_target(n_rows, cfg), n_rows - cfg.horizon + 1, cfg.stride)


def kept_windows(series: GridSeries, cfg: TimeseriesData) -> tuple[list[tuple[int, str]], dict[str, int]]:
    """The windows of a series that the missing policy keeps, and those it drops, by split.

    A window is dropped when a step of its history or targets still misses a value, and, in the
    eval and test splits, when a target value was interpolated: metrics are on observed values only.

    Returns:
        ``([(first target row, split)], {split: dropped windows})``.
    """
    n_rows, target_index = len(series), cfg.value_columns.index(cfg.target)
    missing = np.concatenate([[0], np.cumsum(~series.usable)])
    filled_target = np.concatenate([[0], np.cumsum(series.filled[:, target_index])]) if n_rows else missing
    kept, dropped = [], dict.fromkeys(SPLITS, 0)
    for start in window_starts(n_rows, cfg):
        split, end = split_of(start, n_rows, cfg.split), start + cfg.horizon
        if missing[end] > missing[max(0, start - cfg.window)] or (
                split != "train" and filled_target[end] > filled_target[start]):
            dropped[split] += 1
        else:
            kept.append((start, split))
    return kept, dropped


def build_windows(rows: Sequence[tuple[float, Sequence[float]]], cfg: TimeseriesData,
                  series: str) -> Iterator[tuple[str, dict[str, Any]]]:
    """Cuts one time-sorted series of complete ``(unix_seconds, values)`` rows into windows.

    See :func:`series_windows`; nothing is inserted or filled.
    """
    return series_windows(observed_series(rows, len(cfg.categorical_columns)), cfg, series)


def series_windows(grid: GridSeries, cfg: TimeseriesData, series: str,
                   kept: Sequence[tuple[int, str]] | None = None) -> Iterator[tuple[str, dict[str, Any]]]:
    """Cuts one series on its grid into forecast windows and assigns each to a split.

    Every target position with a full history gets a window. A series too short for that
    gets windows for every target with at least one step of history, left-padded and masked.
    The windows :func:`kept_windows` drops are left out.

    Args:
        grid: The series after the missing policy (:func:`data.timeseries.gaps.prepare_series`).
        cfg: Window geometry and split.
        series: Series name used in example ids.
        kept: The windows to cut, as :func:`kept_windows` gives them (None: it is called).

    Yields:
        ``(split, features)`` where ``features`` maps raw feature names to value lists.
    """
    window, horizon, n_categorical = cfg.window, cfg.horizon, len(cfg.categorical_columns)
    target_index = cfg.value_columns.index(cfg.target)
    stamps = [int(round(stamp)) for stamp in grid.times]
    filled = grid.filled.any(axis=1)
    for start, split in kept_windows(grid, cfg)[0] if kept is None else kept:
        first = max(0, start - window)
        pad = window - (start - first)
        yield split, {
            "history": [0.0] * (pad * cfg.n_values) + grid.values[first:start].ravel().tolist(),
            "mask": [0.0] * pad + [1.0] * (start - first),
            "filled": [0.0] * pad + filled[first:start].astype(float).tolist(),
            "timestamps": [0] * pad + stamps[first:start],
            "categories": [""] * (pad * n_categorical) + [c for step in grid.categories[first:start] for c in step],
            "target": grid.values[start:start + horizon, target_index].tolist(),
            "target_timestamps": stamps[start:start + horizon],
            "id": f"{series}:{start}",
        }


def sort_series(rows: Iterable[Any], series: str, max_rows: int | None) -> tuple[list, list[dict[str, Any]]]:
    """Sorts rows by time, sends duplicate timestamps to dead letters, keeps the last rows.

    Of the rows that share a timestamp the one on the earliest line is kept, whatever order
    the rows come in; each other one is a dead letter with its line.

    Args:
        rows: Rows with ``time``, ``values`` and ``line`` (:class:`data.timeseries.parsing.Row`).
        series: The file the rows come from, for dead letters.
        max_rows: Keep only the last N rows (None keeps all).

    Returns:
        ``(rows, dead_letters)``: the rows kept, sorted by time.
    """
    ordered = sorted(rows, key=lambda row: (row.time, row.line))
    kept, dead = [], []
    for row in ordered:
        if kept and kept[-1].time == row.time:
            stamp = int(row.time) if float(row.time).is_integer() else row.time
            moment = datetime.fromtimestamp(row.time, tz=timezone.utc).isoformat()
            first = kept[-1]
            same = (np.array_equal(np.asarray(row.values), np.asarray(first.values), equal_nan=True)
                    and row.categories == first.categories)
            values = ("with the same values" if same
                      else f"with other values {list(row.values)} (line {first.line} has {list(first.values)}, the one kept)")
            dead.append({"source": series, "line": row.line, "raw": json.dumps(list(row.values)),
                         "reason": f"duplicate timestamp {stamp} ({moment}), first on line {first.line}, {values}"})
            continue
        kept.append(row)
    if max_rows:
        kept = kept[-max_rows:]
    return kept, dead


@dataclass(frozen=True)
class SeriesWindows:
    """What the missing policy and the window geometry make of one series.

    Attributes:
        grid: The series on its grid, after ``data.missing``.
        dead: Dead letters: duplicate and off-grid timestamps.
        rows: The good rows read: distinct timestamps on the grid (duplicates and off-grid rows
            are dead letters), before ``max_examples``.
        kept: ``(first target row, split)`` of each window kept.
        dropped: Windows dropped by the missing policy, by split.
    """

    grid: GridSeries
    dead: list[dict[str, Any]]
    rows: int
    kept: list[tuple[int, str]]
    dropped: dict[str, int]

    @property
    def counts(self) -> MissingCounts:
        """The missing values and steps met, and the steps filled."""
        return self.grid.counts

    def windows(self, cfg: TimeseriesData, series: str) -> Iterator[tuple[str, dict[str, Any]]]:
        """The windows kept (:func:`series_windows`)."""
        return series_windows(self.grid, cfg, series, self.kept)


def window_series(rows: Iterable[Any], cfg: TimeseriesData, source: str) -> SeriesWindows:
    """One series' rows, as parsed, to its grid, dead letters and windows kept and dropped.

    Raises:
        DataError: With ``data.missing=fail``, at the first missing value or step.
    """
    rows = list(rows)
    ordered, duplicates = sort_series(rows, source, None)
    distinct = len(ordered)
    if cfg.max_examples:
        ordered = ordered[-cfg.max_examples:]
    grid, off_grid = prepare_series(ordered, cfg, source)
    kept, dropped = kept_windows(grid, cfg)
    return SeriesWindows(grid, duplicates + off_grid, distinct - len(off_grid), kept, dropped)


def missing_facts(series: Iterable[SeriesWindows]) -> dict[str, Any]:
    """What the missing policy met and dropped in all ``series``, as examples-artifact properties.

    Returns:
        ``missing_values``, ``missing_steps``, ``interpolated_steps`` and ``dropped_windows``
        (by split).
    """
    counts, dropped = MissingCounts(), dict.fromkeys(SPLITS, 0)
    for item in series:
        counts += item.counts
        for split, n in item.dropped.items():
            dropped[split] += n
    return {"missing_values": counts.missing_values, "missing_steps": counts.missing_steps,
            "interpolated_steps": counts.interpolated_steps, "dropped_windows": dropped}
