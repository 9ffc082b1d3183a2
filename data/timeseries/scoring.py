"""Batch-scoring input of time series (``--format series``): rolling windows out of a CSV series."""

from __future__ import annotations

from typing import Any, Iterator, Sequence

import numpy as np

from data.errors import DataError
from data.timeseries.config import TimeseriesData
from data.timeseries.gaps import prepare_series, when
from data.timeseries.parsing import parse_csv_bytes
from data.timeseries.windows import sort_series


def scoring_windows(name: str, raw: bytes, cfg: TimeseriesData) -> Iterator[tuple[str, Any]]:
    """Rolling windows to score from one CSV series: one per step with ``window`` steps of history.

    A malformed row (not UTF-8, text in a numeric column, a bad timestamp) is a dead letter and
    breaks the series: no window spans it. Each stretch between them meets ``data.missing`` as
    training does (:func:`data.timeseries.gaps.prepare_series`): missing values and missing steps
    are filled up to ``data.max_gap`` steps with ``interpolate``; a window still touching a missing
    value is a dead letter (``drop``, or a longer gap), and with ``fail`` the first missing value is
    one for the stretch. A stretch shorter than the window is a dead letter too, and so is a
    duplicate or off-grid timestamp (with its line).

    A value that was filled is sent as NaN, so that the model fills it and marks it in its filled
    mask as ``serving_raw`` does for any client (inside the window: at its edge the model holds the
    nearest observed value, where training interpolated from beyond it).

    Yields:
        ``("ok", (id, {"history", "timestamps", "categories"}))`` where the id is
        ``<file>@<last history time>`` (the forecast is for the steps after it), or
        ``("dead", {"source", "id", "reason"})``.
    """
    base = name.replace("\\", "/").rsplit("/", 1)[-1]
    try:
        rows = list(parse_csv_bytes(raw, cfg, name))
    except DataError as error:
        yield "dead", {"source": name, "id": base, "reason": str(error)}
        return
    stretches: list[list] = [[]]
    for kind, item in rows:
        if kind == "dead":
            yield "dead", {"source": name, "id": f"{base}:{item['line']}", "reason": item["reason"]}
            stretches.append([])
        else:
            stretches[-1].append(item)
    for stretch in stretches:
        if stretch:
            yield from stretch_windows(stretch, cfg, name, base)


def stretch_windows(stretch: Sequence[Any], cfg: TimeseriesData, name: str, base: str) -> Iterator[tuple[str, Any]]:
    """The scoring windows and dead letters of one stretch of good rows (see :func:`scoring_windows`)."""
    ordered, duplicates = sort_series(stretch, base, None)
    try:
        grid, off_grid = prepare_series(ordered, cfg, name)
    except DataError as error:  # data.missing=fail
        first = when(ordered[0].time)
        yield "dead", {"source": name, "id": f"{base}@{first}", "reason": str(error)}
        return
    for letter in duplicates + off_grid:
        yield "dead", {"source": name, "id": f"{base}:{letter['line']}", "reason": letter["reason"]}
    if len(grid) < cfg.window:
        first = when(grid.times[0])
        yield "dead", {"source": name, "id": f"{base}@{first}",
                       "reason": f"series of {len(grid)} rows from {first} is shorter than the window ({cfg.window})"}
        return
    missing = np.concatenate([[0], np.cumsum(~grid.usable)])
    history = np.where(grid.filled, np.nan, grid.values)
    stamps = [int(round(stamp)) for stamp in grid.times]
    for end in range(cfg.window, len(grid) + 1):
        start, record_id = end - cfg.window, f"{base}@{when(grid.times[end - 1])}"
        if missing[end] > missing[start]:
            yield "dead", {"source": name, "id": record_id,
                           "reason": f"the window touches a missing value (data.missing={cfg.missing}"
                                     f"{f', data.max_gap={cfg.max_gap}' if cfg.missing == 'interpolate' else ''})"}
            continue
        yield "ok", (record_id, {"history": history[start:end].tolist(), "timestamps": stamps[start:end],
                                 "categories": [list(step) for step in grid.categories[start:end]]})


def scoring_tensors(batch: Sequence[dict[str, Any]], input_names: Sequence[str]) -> dict[str, Any]:
    """Windows from :func:`scoring_windows` as ``serving_raw`` arguments: ``history`` (one value
    column: [n, window], else [n, window, values]; NaN where a value was filled) and, when the
    signature takes them, ``timestamps`` [n, window] and ``categories`` (one categorical column:
    [n, window], else [n, window, columns])."""
    import tensorflow as tf

    history = np.asarray([item["history"] for item in batch], np.float32)
    tensors = {"history": tf.constant(history[..., 0] if history.shape[-1] == 1 else history)}
    if "timestamps" in input_names:
        tensors["timestamps"] = tf.constant(np.asarray([item["timestamps"] for item in batch], np.int64))
    if "categories" in input_names:
        categories = np.asarray([item["categories"] for item in batch], object)
        tensors["categories"] = tf.constant(categories[..., 0] if categories.shape[-1] == 1 else categories, tf.string)
    return tensors
