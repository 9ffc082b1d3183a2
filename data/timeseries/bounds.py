"""The window geometry against the data and the machine, checked before any window is built.

``data.window`` and ``data.horizon`` must fit the longest series, the train and test splits must
each get a window, also after the missing policy drops the windows that touch a missing value,
and all the windows must fit in the memory available.
"""

from __future__ import annotations

from typing import Mapping

import numpy as np

from data.errors import DataError
from data.machine import gigabytes
from data.timeseries.config import TimeseriesData
from data.timeseries.windows import SeriesWindows, first_target

BYTES_PER_VALUE = 4
"""A float32 value, or a timestamp as a packed varint (about as long)."""

MEMORY_FACTOR = 3
"""Copies of the windows alive at once: the built features, their tf.Examples, Beam's buffers."""

REQUIRED_SPLITS = ("train", "test")
"""The splits that must hold a window (as example_gen's output check requires)."""


def window_counts(n_rows: int, cfg: TimeseriesData) -> dict[str, int]:
    """The windows :func:`data.timeseries.windows.build_windows` cuts from ``n_rows`` rows, by split."""
    first_eval, first_test = cfg.split.boundaries(n_rows)
    starts = range(first_target(n_rows, cfg), n_rows - cfg.horizon + 1, cfg.stride)
    before_eval = len(range(starts.start, min(starts.stop, max(first_eval, starts.start)), cfg.stride))
    before_test = len(range(starts.start, min(starts.stop, max(first_test, starts.start)), cfg.stride))
    return {"train": before_eval, "eval": before_test - before_eval, "test": len(starts) - before_test}


def values_per_step(cfg: TimeseriesData) -> int:
    """The values one history step takes: its channels, timestamp, filled flag and categories."""
    return cfg.n_channels + 2 + len(cfg.categorical_columns)


def window_bytes(window: int, cfg: TimeseriesData) -> int:
    """The memory one raw window of length ``window`` takes: values, mask, timestamps and targets."""
    return (window * values_per_step(cfg) + 2 * cfg.horizon) * BYTES_PER_VALUE * MEMORY_FACTOR


def windows_memory(lengths: Mapping[str, int], cfg: TimeseriesData) -> int:
    """The memory all the windows of series of ``lengths`` rows take, in bytes."""
    count = sum(sum(window_counts(n_rows, cfg).values()) for n_rows in lengths.values())
    return count * window_bytes(cfg.window, cfg)


def memory_limit(lengths: Mapping[str, int], cfg: TimeseriesData, available: int) -> int:
    """The largest ``data.window`` whose windows surely fit in ``available`` bytes (at least 0).

    It counts one window per ``stride`` rows, as many as any window can give.
    """
    most_windows = sum(-(-n_rows // cfg.stride) for n_rows in lengths.values())
    per_window = available // (most_windows * BYTES_PER_VALUE * MEMORY_FACTOR) - 2 * cfg.horizon
    return max(per_window // values_per_step(cfg), 0)


def check_window_fits(lengths: Mapping[str, int], cfg: TimeseriesData, available: int | None) -> None:
    """Checks ``data.window`` and ``data.horizon`` against the series and the memory they imply.

    Args:
        lengths: The usable rows (good, distinct timestamps, after ``max_examples``) of each
            series, by file. Series without any are left out: the error budget judges them.
        cfg: The window geometry.
        available: The bytes of memory available, or None when unknown (memory is not checked).

    Raises:
        DataError: Naming the key (``data.horizon``, ``data.window``), its value, the file and
            the limit, if the longest series cannot hold one window, the train or test split
            gets no window, or the windows would not fit in memory.
    """
    lengths = {path: n_rows for path, n_rows in lengths.items() if n_rows > 0}
    if not lengths:
        return
    longest = max(lengths, key=lengths.get)
    n_rows, window, horizon = lengths[longest], cfg.window, cfg.horizon
    if n_rows < horizon + 1:
        raise DataError(f"data.horizon={horizon} needs at least {horizon + 1} rows (one step of history and "
                        f"{horizon} targets), but the longest series, {longest}, has {n_rows} usable rows; "
                        f"data.horizon must be at most {n_rows - 1}")
    if n_rows < window + horizon:
        raise DataError(f"data.window={window} + data.horizon={horizon} = {window + horizon} rows is longer than "
                        f"the longest series, {longest}, with {n_rows} usable rows; data.window must be at most "
                        f"{n_rows - horizon}")
    for split in REQUIRED_SPLITS:
        if not any(window_counts(rows, cfg)[split] for rows in lengths.values()):
            raise DataError(f"data.window={window} leaves the {split} split no window: the longest series, "
                            f"{longest} ({n_rows} usable rows), gives data.split.{split}="
                            f"{getattr(cfg.split, split)} of its targets to {split}, and none has "
                            f"{window} steps of history before it and {horizon} after; lower data.window or "
                            f"raise data.split.{split}")
    if available is None:
        return
    needed = windows_memory(lengths, cfg)
    if needed > available:
        count = sum(sum(window_counts(rows, cfg).values()) for rows in lengths.values())
        where = longest if len(lengths) == 1 else f"{len(lengths)} series (the longest {longest})"
        raise DataError(f"data.window={window}: the {count} windows of {where} would take about "
                        f"{gigabytes(needed)} of memory, more than the {gigabytes(available)} available; "
                        f"data.window must be at most {memory_limit(lengths, cfg, available)} here")


def longest_stretch(usable: np.ndarray) -> int:
    """The most consecutive ``True`` steps."""
    edges = np.flatnonzero(np.diff(np.concatenate([[0], usable.astype(np.int8), [0]])))
    return int((edges[1::2] - edges[::2]).max()) if edges.size else 0


def check_windows_kept(series: Mapping[str, SeriesWindows], cfg: TimeseriesData) -> None:
    """Checks that the train and test splits still get a window after the missing policy.

    Run after :func:`check_window_fits`: the geometry fits the series, so a split left without a
    window lost them all to missing values or missing steps.

    Raises:
        DataError: Naming the file (the series that lost the most windows), ``data.window``,
            ``data.horizon``, ``data.missing`` (and ``data.max_gap``), its longest stretch without
            a missing value, and what was missing.
    """
    for split in REQUIRED_SPLITS:
        if not series or any(split in (kept_split for _, kept_split in item.kept) for item in series.values()):
            continue
        path = max(series, key=lambda name: (sum(series[name].dropped.values()), len(series[name].grid)))
        item, needed = series[path], cfg.window + cfg.horizon
        stretch, counts = longest_stretch(item.grid.usable), item.counts
        policy = f"data.missing={cfg.missing}" + (f" (data.max_gap={cfg.max_gap})" if cfg.missing == "interpolate"
                                                  else "")
        lead = (f"the series is shorter than data.window + data.horizon = {cfg.window} + {cfg.horizon} = {needed} "
                f"steps after {policy} dropped the windows that touch a missing value" if stretch < needed else
                f"after {policy} dropped the windows that touch a missing value, the {split} split has none")
        fix = "lower data.window" + ("" if cfg.missing == "interpolate" else ", or set data.missing=interpolate")
        if cfg.missing == "interpolate":
            fix += " or raise data.max_gap"
        raise DataError(f"{path}: {lead}: its longest stretch without one is {stretch} steps "
                        f"({counts.missing_values} missing values, {counts.missing_steps} missing steps; "
                        f"{sum(item.dropped.values())} windows dropped, none left for {split}); {fix}")
