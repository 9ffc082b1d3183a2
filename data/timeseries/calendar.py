"""Calendar channels of unix-second timestamps: a sine and a cosine per calendar feature.

The features are named as :meth:`data.timeseries.frequency.Frequency.calendar_features` names
them; each is a phase in [0, 1) of its cycle, fed as ``sin(2 pi phase)`` and ``cos(2 pi phase)``.
"""

from __future__ import annotations

import math
from typing import Sequence

from data.timeseries.config import DAYS_PER_YEAR, SECONDS_PER_DAY

CALENDAR_FEATURES = ("hour_of_day", "day_of_week", "day_of_year", "week_of_year", "month_of_year")


def month_of_year(days):
    """The calendar month (0 = January) of whole days since 1970-01-01 (int64, any sign).

    The proleptic Gregorian civil-from-days rule (H. Hinnant), in integer tensor ops.
    """
    import tensorflow as tf

    shifted = days + 719468  # days since 0000-03-01
    era = tf.math.floordiv(shifted, 146097)
    day_of_era = shifted - era * 146097
    year_of_era = (day_of_era - day_of_era // 1460 + day_of_era // 36524 - day_of_era // 146096) // 365
    day_of_year = day_of_era - (365 * year_of_era + year_of_era // 4 - year_of_era // 100)
    month_from_march = (5 * day_of_year + 2) // 153
    return tf.math.floormod(month_from_march + 2, 12)


def feature_phase(name: str, timestamps):
    """The phase in [0, 1) of one calendar feature of int64 unix-second timestamps (float64)."""
    import tensorflow as tf

    seconds = tf.cast(timestamps, tf.int64)
    days = tf.math.floordiv(seconds, SECONDS_PER_DAY)
    if name == "hour_of_day":
        return tf.cast(tf.math.floormod(seconds, SECONDS_PER_DAY), tf.float64) / SECONDS_PER_DAY
    if name == "day_of_week":  # 1970-01-01 was a Thursday: day 0 is Monday
        return tf.cast(tf.math.floormod(days + 3, 7), tf.float64) / 7.0
    if name in ("day_of_year", "week_of_year"):
        return tf.math.floormod(tf.cast(seconds, tf.float64) / SECONDS_PER_DAY, DAYS_PER_YEAR) / DAYS_PER_YEAR
    if name == "month_of_year":
        return tf.cast(month_of_year(days), tf.float64) / 12.0
    raise ValueError(f"unknown calendar feature {name!r}; known: {list(CALENDAR_FEATURES)}")


def calendar_channels(timestamps, names: Sequence[str]):
    """Sine and cosine of each named feature's phase, ``[..., 2 * len(names)]`` float32.

    Args:
        timestamps: int64 unix seconds, any shape.
        names: Calendar features, e.g. ``("hour_of_day", "day_of_week")``.
    """
    import tensorflow as tf

    channels = []
    for name in names:
        angle = 2.0 * math.pi * feature_phase(name, timestamps)
        channels += [tf.sin(angle), tf.cos(angle)]
    return tf.cast(tf.stack(channels, axis=-1), tf.float32)
