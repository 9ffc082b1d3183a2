"""Time-series config: the ``data:`` section (columns, window geometry, split) and the kind's constants."""

from __future__ import annotations

from dataclasses import dataclass, field

from data.contract import DataConfig
from data.splits import OrderedSplit

TASK = "regression"
FEATURES_KEY = "inputs"
LABEL_KEY = "target"
TARGET_MODES = ("level", "change")
SECONDS_PER_DAY = 86400
DAYS_PER_YEAR = 365.2425


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
        timestamp_column: Name of the timestamp column (ISO 8601 dates or datetimes, or unix seconds).
        value_columns: Names of the numeric columns fed to the model.
        target_column: Column to forecast; defaults to the first value column.
        window: History length in steps.
        horizon: Number of future steps to predict.
        stride: Steps between the targets of consecutive windows.
        split: Time-ordered split fractions.
        calendar_features: Add day-of-year and day-of-week sine/cosine channels.
        target_mode: ``level`` trains the model on the scaled future values; ``change`` trains it
            on their scaled difference from the last observed value (a residual on persistence).
        max_examples: Keep only the last N rows of each series (None keeps all).
        max_error_rate: Largest share of bad rows tolerated before the run fails.
    """

    KIND = "timeseries"

    path: str = field(default="", metadata={"glob": True})  # a pattern: --data-dir is escaped before it
    timestamp_column: str = "date"
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

    @property
    def target(self) -> str:
        """The column that is forecast."""
        return self.target_column or self.value_columns[0]

    @property
    def n_values(self) -> int:
        """Number of value channels per step."""
        return len(self.value_columns)

    @property
    def n_channels(self) -> int:
        """Number of channels per step after transform."""
        return self.n_values + 1 + (4 if self.calendar_features else 0)
