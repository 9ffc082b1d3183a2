"""Cutting one time-sorted series into forecast windows, split by time."""

from __future__ import annotations

import json
from datetime import datetime, timezone
from typing import Any, Iterable, Iterator, Sequence

from data.timeseries.config import SplitFractions, TimeseriesData


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


def build_windows(rows: Sequence[tuple[int, Sequence[float]]], cfg: TimeseriesData,
                  series: str) -> Iterator[tuple[str, dict[str, Any]]]:
    """Cuts one time-sorted series into forecast windows and assigns each to a split.

    Every target position with a full history gets a window. A series too short for that
    gets windows for every target with at least one step of history, left-padded and masked.

    Args:
        rows: ``(unix_seconds, values)`` sorted by time.
        cfg: Window geometry and split.
        series: Series name used in example ids.

    Yields:
        ``(split, features)`` where ``features`` maps raw feature names to value lists.
    """
    n_rows, window, horizon = len(rows), cfg.window, cfg.horizon
    target_index = cfg.value_columns.index(cfg.target)
    for start in range(first_target(n_rows, cfg), n_rows - horizon + 1, cfg.stride):
        past = rows[max(0, start - window):start]
        pad = window - len(past)
        history = [0.0] * (pad * cfg.n_values) + [v for _, values in past for v in values]
        future = rows[start:start + horizon]
        yield split_of(start, n_rows, cfg.split), {
            "history": history,
            "mask": [0.0] * pad + [1.0] * len(past),
            "timestamps": [0] * pad + [stamp for stamp, _ in past],
            "target": [values[target_index] for _, values in future],
            "target_timestamps": [stamp for stamp, _ in future],
            "id": f"{series}:{start}",
        }


def sort_series(rows: Iterable[tuple[int, Sequence[float], int]], series: str,
                max_rows: int | None) -> tuple[list, list[dict[str, Any]]]:
    """Sorts rows by time, sends duplicate timestamps to dead letters, keeps the last rows.

    Of the rows that share a timestamp the one on the earliest line is kept, whatever order
    the rows come in; each other one is a dead letter with its line.

    Args:
        rows: ``(unix_seconds, values, line)`` as :func:`data.timeseries.parsing.parse_csv` yields them.
        series: The file the rows come from, for dead letters.
        max_rows: Keep only the last N rows (None keeps all).

    Returns:
        ``(rows, dead_letters)``: rows are ``(unix_seconds, values)`` sorted by time.
    """
    ordered = sorted(rows, key=lambda row: (row[0], row[2]))
    kept, dead = [], []
    first_line = None
    for stamp, values, line in ordered:
        if kept and kept[-1][0] == stamp:
            moment = datetime.fromtimestamp(stamp, tz=timezone.utc).isoformat()
            dead.append({"source": series, "line": line, "raw": json.dumps(values),
                         "reason": f"duplicate timestamp {stamp} ({moment}), first on line {first_line}"})
            continue
        kept.append((stamp, values))
        first_line = line
    if max_rows:
        kept = kept[-max_rows:]
    return kept, dead
