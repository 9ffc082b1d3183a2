"""The step of a series: parsed from ``data.frequency`` or inferred from its timestamps.

Times are unix seconds (UTC). Minutes, hours, days and weeks are fixed lengths of seconds;
months (``MS``) and years (``Y``) are calendar steps in UTC: a month after 31 January is the
last day of February, and the day of month is kept where the month has it.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Sequence

UNIT_SECONDS = {"min": 60, "h": 3600, "D": 86400, "W": 7 * 86400}
"""Seconds of one fixed-length unit."""

CALENDAR_UNITS = ("MS", "Y")
"""Units counted on the calendar: months (at the month's day) and years."""

UNITS = (*UNIT_SECONDS, *CALENDAR_UNITS)

ALIASES = {"min": "min", "t": "min", "h": "h", "d": "D", "w": "W", "ms": "MS", "y": "Y", "ys": "Y", "a": "Y"}
"""Spellings accepted for each unit (looked up in lower case)."""

ACCEPTED = "15min, 1h, 1D, 1W, 1MS (months) or 1Y: a whole number of min, h, D, W, MS or Y"

SEASONS = {"min": 86400, "h": 86400, "D": 7, "W": 52, "MS": 12, "Y": 1}
"""The natural season of each unit: a day (in seconds) below a day, else a count of units."""

FEATURES = {
    "min": ("hour_of_day", "day_of_week"),
    "h": ("hour_of_day", "day_of_week"),
    "D": ("day_of_week", "day_of_year"),
    "W": ("week_of_year",),
    "MS": ("month_of_year",),
    "Y": (),
}
"""The calendar features that vary from step to step at each unit."""

EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)
TOLERANCE = 1e-6
"""Seconds by which a time may miss the grid (float rounding) and still be on it."""


def moment(seconds: float) -> datetime:
    """Unix seconds as an aware UTC datetime (any year 1..9999, also before 1970)."""
    return EPOCH + timedelta(seconds=seconds)


def unix_seconds(when: datetime) -> float:
    """An aware datetime as unix seconds."""
    return (when - EPOCH).total_seconds()


def add_months(when: datetime, months: int) -> datetime:
    """``when`` moved by whole months, the day cut to the length of the month reached."""
    index = when.year * 12 + when.month - 1 + months
    year, month = divmod(index, 12)
    first_of_next = datetime(year + (month == 11), (month + 1) % 12 + 1, 1)
    days_in_month = (first_of_next - datetime(year, month + 1, 1)).days
    return when.replace(year=year, month=month + 1, day=min(when.day, days_in_month))


def months_between(earlier: datetime, later: datetime) -> int:
    """Whole calendar months from ``earlier`` to ``later`` by year and month alone."""
    return (later.year - earlier.year) * 12 + later.month - earlier.month


@dataclass(frozen=True)
class Frequency:
    """A step of ``count`` ``unit`` s.

    Attributes:
        count: How many units one step is (15 in ``15min``).
        unit: One of ``min``, ``h``, ``D``, ``W``, ``MS`` (months), ``Y``.
    """

    count: int
    unit: str

    def __post_init__(self):
        if self.unit not in UNITS:
            raise ValueError(f"frequency unit {self.unit!r} is not one of {list(UNITS)}")
        if self.count < 1:
            raise ValueError(f"frequency count must be >= 1, got {self.count}")

    @property
    def text(self) -> str:
        """The canonical spelling: ``15min``, ``1h``, ``1D``, ``1W``, ``1MS``, ``1Y``."""
        return f"{self.count}{self.unit}"

    @property
    def months(self) -> int:
        """Calendar months per step (0 for a fixed-length step)."""
        return {"MS": self.count, "Y": 12 * self.count}.get(self.unit, 0)

    @property
    def seconds(self) -> int:
        """Seconds per step (0 for a calendar step)."""
        return self.count * UNIT_SECONDS.get(self.unit, 0)

    def step_after(self, seconds: float) -> float:
        """The time one step after ``seconds``."""
        if self.months:
            return unix_seconds(add_months(moment(seconds), self.months))
        return seconds + self.seconds

    def steps_between(self, earlier: float, later: float) -> int:
        """Whole steps from ``earlier`` to ``later`` (negative when ``later`` is earlier).

        Raises:
            ValueError: If ``later`` is not a whole number of steps from ``earlier`` (off the grid).
        """
        if self.months:
            start, end = moment(earlier), moment(later)
            months = months_between(start, end)
            if abs(unix_seconds(add_months(start, months)) - later) <= TOLERANCE and months % self.months == 0:
                return months // self.months
        else:
            steps = round((later - earlier) / self.seconds)
            if abs(earlier + steps * self.seconds - later) <= TOLERANCE:
                return steps
        raise ValueError(f"{moment(later).isoformat()} is not a whole number of {self.text} steps "
                         f"after {moment(earlier).isoformat()}")

    def season(self) -> int:
        """Steps per natural season (a day below daily steps, a week, a year); 1: no season.

        ``24`` for ``1h``, ``96`` for ``15min``, ``7`` for ``1D``, ``52`` for ``1W``, ``12`` for
        ``1MS``, ``1`` for ``1Y`` or for a step that does not divide its season.
        """
        period = SEASONS[self.unit]
        size = self.seconds if self.unit in ("min", "h") else self.count
        return period // size if period % size == 0 else 1

    def calendar_features(self) -> tuple[str, ...]:
        """The calendar features that change from step to step (none for yearly steps)."""
        return FEATURES[self.unit]


def parse_frequency(text: str) -> Frequency:
    """Reads ``15min``, ``1h``, ``1D``, ``1W``, ``1MS`` or ``1Y`` (a count of 1 may be left out).

    Raises:
        ValueError: Naming the text and the accepted forms.
    """
    match = re.fullmatch(r"\s*(\d*)\s*([A-Za-z]+)\s*", text)
    unit = ALIASES.get(match.group(2).lower()) if match else None
    count = int(match.group(1) or 1) if match else 0
    if unit is None or count < 1:
        raise ValueError(f"frequency {text!r} is not understood; give {ACCEPTED}")
    return Frequency(count, unit)


@dataclass(frozen=True)
class FrequencyReport:
    """What the timestamps of one series say about its step.

    Attributes:
        frequency: The typical step.
        irregular_steps: Steps between consecutive times that are not a whole number of steps.
        gaps: ``(time before the gap, missing steps)`` for each step longer than one step.
    """

    frequency: Frequency
    irregular_steps: int
    gaps: tuple[tuple[float, int], ...]

    @property
    def missing_steps(self) -> int:
        """The steps missing from the timeline in all gaps."""
        return sum(missing for _, missing in self.gaps)


def infer_frequency(times: Sequence[float]) -> FrequencyReport:
    """The typical step of a series (the most common one) with its irregular steps and gaps.

    Times that all fall on the same day of month and time of day make a calendar step (months,
    or years when the month is shared too); others a fixed one in the largest unit that divides it.
    Duplicate times are ignored and the times are sorted.

    Raises:
        ValueError: With fewer than two distinct times, or a typical step that is not a whole
            number of minutes.
    """
    ordered = sorted(set(times))
    if len(ordered) < 2:
        raise ValueError(f"cannot infer a frequency from {len(ordered)} distinct timestamp(s); "
                         f"set data.frequency")
    return timeline(ordered, typical_step(ordered))


def timeline(times: Sequence[float], frequency: Frequency) -> FrequencyReport:
    """The irregular steps and gaps of a series read at a given frequency.

    Args:
        times: The series' times (sorted and deduplicated here).
        frequency: Its step (``data.frequency`` or inferred).
    """
    ordered = sorted(set(times))
    gaps, irregular = [], 0
    for earlier, later in zip(ordered, ordered[1:]):
        try:
            steps = frequency.steps_between(earlier, later)
        except ValueError:
            irregular += 1
            continue
        if steps > 1:
            gaps.append((earlier, steps - 1))
    return FrequencyReport(frequency, irregular, tuple(gaps))


def typical_step(ordered: Sequence[float]) -> Frequency:
    """The most common step between sorted distinct times (the shorter one on a tie)."""
    moments = [moment(seconds) for seconds in ordered]
    anchors = {(m.day, m.hour, m.minute, m.second, m.microsecond) for m in moments}
    if len(anchors) == 1 and moments[-1] - moments[0] >= timedelta(days=28 * (len(moments) - 1)):
        months = Counter(months_between(a, b) for a, b in zip(moments, moments[1:]))
        step = min(months, key=lambda k: (-months[k], k))
        if len({m.month for m in moments}) == 1 and step % 12 == 0:
            return Frequency(step // 12, "Y")
        return Frequency(step, "MS")
    deltas = Counter(round(b - a, 6) for a, b in zip(ordered, ordered[1:]))
    step = min(deltas, key=lambda k: (-deltas[k], k))
    for unit in ("W", "D", "h", "min"):
        if step % UNIT_SECONDS[unit] == 0:
            return Frequency(int(step // UNIT_SECONDS[unit]), unit)
    raise ValueError(f"the typical step, {step:g} seconds, is not a whole number of minutes; "
                     f"set data.frequency")
