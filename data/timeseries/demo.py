"""The demo series: a noisy sine wave written as a daily CSV."""

from __future__ import annotations

import csv
from datetime import datetime, timezone

from data.timeseries.config import SECONDS_PER_DAY


def write_sine_csv(path, n_days: int = 1500, period: float = 50.0, noise: float = 0.05, seed: int = 0) -> None:
    """Writes the demo series: a noisy sine wave, one value per day from 2000-01-01."""
    import numpy as np

    rng = np.random.default_rng(seed)
    start = datetime(2000, 1, 1, tzinfo=timezone.utc).timestamp()
    steps = np.arange(n_days)
    values = np.sin(2 * np.pi * steps / period) + noise * rng.standard_normal(n_days)
    with open(path, "w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["date", "value"])
        for step, value in zip(steps, values):
            day = datetime.fromtimestamp(start + step * SECONDS_PER_DAY, tz=timezone.utc).date()
            writer.writerow([day.isoformat(), f"{value:.6f}"])
