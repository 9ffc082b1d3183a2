"""Batch-scoring input of time series (``--format series``): rolling windows out of a CSV series."""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any, Iterator, Sequence

import numpy as np

from data.errors import DataError
from data.timeseries.config import TimeseriesData
from data.timeseries.parsing import parse_csv_bytes
from data.timeseries.windows import sort_series


def scoring_windows(name: str, raw: bytes, cfg: TimeseriesData) -> Iterator[tuple[str, Any]]:
    """Rolling windows to score from one CSV series: one per step with ``window`` steps of history.

    A bad row (not UTF-8, a missing, non-numeric or non-finite value, a bad timestamp) is a dead
    letter and breaks the series: no window spans it. A stretch shorter than the window is a dead
    letter too, and so is a duplicate timestamp (with its line).

    Yields:
        ``("ok", (id, {"history", "timestamps"}))`` where the id is ``<file>@<last history time>``
        (the forecast is for the steps after it), or ``("dead", {"source", "id", "reason"})``.
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
        if not stretch:
            continue
        ordered, duplicates = sort_series(stretch, base, None)
        for letter in duplicates:
            yield "dead", {"source": name, "id": f"{base}:{letter['line']}", "reason": letter["reason"]}
        if len(ordered) < cfg.window:
            first = datetime.fromtimestamp(ordered[0][0], tz=timezone.utc).isoformat()
            yield "dead", {"source": name, "id": f"{base}@{first}",
                           "reason": f"series of {len(ordered)} rows from {first} is shorter than the window "
                                     f"({cfg.window})"}
            continue
        for end in range(cfg.window, len(ordered) + 1):
            past = ordered[end - cfg.window:end]
            last = datetime.fromtimestamp(past[-1][0], tz=timezone.utc).isoformat()
            yield "ok", (f"{base}@{last}", {"history": [list(values) for _, values in past],
                                            "timestamps": [stamp for stamp, _ in past]})


def scoring_tensors(batch: Sequence[dict[str, Any]], input_names: Sequence[str]) -> dict[str, Any]:
    """Windows from :func:`scoring_windows` as ``serving_raw`` arguments: ``history`` (one value
    column: [n, window], else [n, window, values]) and, when the signature takes them, ``timestamps``."""
    import tensorflow as tf

    history = np.asarray([item["history"] for item in batch], np.float32)
    tensors = {"history": tf.constant(history[..., 0] if history.shape[-1] == 1 else history)}
    if "timestamps" in input_names:
        tensors["timestamps"] = tf.constant(np.asarray([item["timestamps"] for item in batch], np.int64))
    return tensors
