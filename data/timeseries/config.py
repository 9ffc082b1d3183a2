"""Time-series config: the ``data:`` section (columns, window geometry, split) and the kind's constants."""

from __future__ import annotations

from dataclasses import dataclass, field

from data.contract import DataConfig
from data.splits import OrderedSplit
from data.timeseries.frequency import parse_frequency
from data.timeseries.timestamps import check_reading_keys

TASK = "regression"
FEATURES_KEY = "inputs"
LABEL_KEY = "target"
TARGET_MODES = ("level", "change")
MISSING_POLICIES = ("fail", "drop", "interpolate")
DEFAULT_MISSING_VALUES = ("", "NA", "NaN", "nan", "null", "?")
SECONDS_PER_DAY = 86400
DAYS_PER_YEAR = 365.2425
DAILY_CALENDAR = ("day_of_week", "day_of_year")  # the calendar features when no frequency is known
CATEGORY_TOP_K = 15  # the most frequent train categories of a column that get their own one-hot channel
RIDGES = (1e-5, 1e-4, 1e-3, 1e-2, 1e-1)
"""The ridge penalties, per train window, that the linear baseline and the highway's closed-form
start choose from on the eval windows (the inputs are z-scored, so ``X'X`` grows with the windows)."""
CATEGORY_OOV_BUCKETS = 1  # channels shared by every other category (unseen at train, or beyond the top k)


@dataclass(frozen=True)
class SplitFractions(OrderedSplit):
    """Shares of the series, in time order, for train, eval and test."""

    train: float = 0.7
    eval: float = 0.1
    test: float = 0.2


@dataclass(frozen=True)
class TimeseriesData(DataConfig):
    """Where the series is and how it is cut into windows.

    Attributes:
        path: CSV file or glob (one series per file). Relative paths resolve against --data-dir.
        timestamp_column: Name of the timestamp column (ISO 8601 dates or datetimes, ``YYYY-MM``
            months, ``YYYY`` years, or unix seconds or milliseconds; the form found is reported).
        timestamp_columns: Columns that together make the time, e.g. ``[year, month, day, hour]``
            (used instead of ``timestamp_column`` when given).
        timestamp_format: A ``strptime`` pattern for the timestamp, e.g. ``%d/%m/%Y %H:%M``
            (empty: the common forms are recognised).
        timezone: IANA zone naive timestamps are read in (e.g. ``Europe/Berlin``); aware ones are
            converted to UTC. Empty: UTC.
        frequency: The step of the series: ``15min``, ``1h``, ``1D``, ``1W``, ``1MS`` (months),
            ``1Y``. Empty: inferred from the data (the typical step).
        delimiter: The CSV field separator (one character, e.g. ``;`` or a tab).
        encoding: The CSV text encoding (a leading UTF-8 byte-order mark is always dropped).
        missing_values: The cell texts that mean "missing".
        missing: What a missing value or a missing step does: ``fail`` the run, ``drop`` the
            windows that touch it (counted), or ``interpolate`` it linearly (up to ``max_gap``
            steps, with a mask channel saying which steps were filled; longer gaps drop their windows).
        max_gap: The longest run of missing steps ``interpolate`` fills.
        categorical_columns: Text columns fed to the model as categories (a vocabulary fitted on train;
            unseen categories go to an out-of-vocabulary bucket).
        season: The seasonal period in steps for the seasonal-naive baseline (0: from the frequency).
        value_columns: Names of the numeric columns fed to the model.
        target_column: Column to forecast; defaults to the first value column.
        window: History length in steps.
        horizon: Number of future steps to predict.
        stride: Steps between the targets of consecutive windows.
        split: Time-ordered split fractions.
        calendar_features: Add sine/cosine calendar channels that follow the frequency: hour of day
            and day of week below daily steps, day of week and day of year for daily, week of year
            for weekly, month of year for monthly, none for yearly (day of week and day of year
            while the frequency is unknown).
        target_mode: ``level`` trains the model on the scaled future values; ``change`` trains it
            on their scaled difference from the last observed value (a residual on persistence).
        max_examples: Keep only the last N rows of each series (None keeps all).
        max_error_rate: Largest share of bad rows tolerated before the run fails.
    """

    KIND = "timeseries"

    path: str = field(default="", metadata={"glob": True})  # a pattern: --data-dir is escaped before it
    timestamp_column: str = "date"
    timestamp_columns: tuple[str, ...] = ()
    timestamp_format: str = ""
    timezone: str = ""
    frequency: str = ""
    delimiter: str = ","
    encoding: str = "utf-8"
    missing_values: tuple[str, ...] = DEFAULT_MISSING_VALUES
    missing: str = "interpolate"
    max_gap: int = 3
    categorical_columns: tuple[str, ...] = ()
    season: int = 0
    value_columns: tuple[str, ...] = ("value",)
    target_column: str = ""
    window: int = field(default=20, metadata={"size": "steps"})  # size roles: see pipeline/config_limits.py
    horizon: int = field(default=1, metadata={"size": "outputs"})
    stride: int = 1
    split: SplitFractions = field(default_factory=SplitFractions)
    calendar_features: bool = False
    target_mode: str = "level"
    max_examples: int | None = None
    max_error_rate: float = 0.01

    def __post_init__(self):
        if not self.value_columns:
            raise ValueError("data.value_columns must name at least one column")
        if self.target_column and self.target_column not in self.value_columns:
            raise ValueError(f"data.target_column {self.target_column!r} is not one of data.value_columns")
        for name in ("window", "horizon", "stride"):
            if getattr(self, name) < 1:
                raise ValueError(f"data.{name} must be >= 1, got {getattr(self, name)}")
        if self.target_mode not in TARGET_MODES:
            raise ValueError(f"data.target_mode must be one of {TARGET_MODES}, got {self.target_mode!r}")
        if not 0.0 <= self.max_error_rate <= 1.0:
            raise ValueError(f"data.max_error_rate must lie in [0, 1], got {self.max_error_rate}")
        if self.missing not in MISSING_POLICIES:
            raise ValueError(f"data.missing must be one of {MISSING_POLICIES}, got {self.missing!r}")
        for name in ("max_gap", "season"):
            if getattr(self, name) < 0:
                raise ValueError(f"data.{name} must be >= 0, got {getattr(self, name)}")
        if len(self.delimiter) != 1 or self.delimiter in "\"\r\n":
            raise ValueError(f"data.delimiter must be one character other than a quote or a line end, "
                             f"got {self.delimiter!r}")
        shared = sorted(set(self.categorical_columns) & set(self.value_columns))
        if shared:
            raise ValueError(f"data.categorical_columns and data.value_columns share {shared}")
        check_reading_keys(self)

    @property
    def target(self) -> str:
        """The column that is forecast."""
        return self.target_column or self.value_columns[0]

    @property
    def n_values(self) -> int:
        """Number of value channels per step."""
        return len(self.value_columns)

    @property
    def calendar_names(self) -> tuple[str, ...]:
        """The calendar features fed to the model (each a sine and a cosine channel)."""
        if not self.calendar_features:
            return ()
        if not self.frequency:
            return DAILY_CALENDAR
        return parse_frequency(self.frequency).calendar_features()

    @property
    def has_filled_channel(self) -> bool:
        """Whether a channel marks the interpolated steps (``missing: interpolate``)."""
        return self.missing == "interpolate"

    @property
    def category_width(self) -> int:
        """One-hot channels per categorical column: the top categories and the OOV buckets."""
        return CATEGORY_TOP_K + CATEGORY_OOV_BUCKETS

    @property
    def n_channels(self) -> int:
        """Number of channels per step after transform (the model's input width), in order:
        the scaled values, the real-step mask, the filled mask, calendar sines and cosines, and the
        one-hot categories."""
        return (self.n_values + 1 + int(self.has_filled_channel) + 2 * len(self.calendar_names)
                + self.category_width * len(self.categorical_columns))
