"""Time series: CSV reader, windowing, time-ordered split, preprocessing and serving inputs.

Raw examples (written by example_gen), one per forecast window:

- ``history``: float [window * n_values], the values before the target, left-padded with 0;
- ``mask``: float [window], 1 where ``history`` holds data, 0 on padding;
- ``timestamps``: int64 [window], unix seconds of each history step (0 on padding);
- ``target``: float [horizon], the next ``horizon`` values of the target column;
- ``target_timestamps``: int64 [horizon];
- ``id``: bytes, ``<series>:<row index of the first target>``.

After transform, ``inputs`` is float [window, n_values + 1 (+4)]: z-scored values (train-only
statistics), the mask as a channel (so no Keras mask is needed and LSTM/GRU stay on the cuDNN
kernel), and optional day-of-year / day-of-week sine and cosine features.
"""

from __future__ import annotations

import csv
import glob
import io
import json
import math
import os
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any, Iterable, Iterator, Sequence

import apache_beam as beam
import numpy as np
from apache_beam.io import fileio

from data.errors import DataError

TASK = "regression"
FEATURES_KEY = "inputs"
LABEL_KEY = "target"
TARGET_MODES = ("level", "change")
SPLITS = ("train", "eval", "test")
SECONDS_PER_DAY = 86400
DAYS_PER_YEAR = 365.2425


@dataclass(frozen=True)
class SplitFractions:
    """Shares of the series, in time order, for train, eval and test."""

    train: float = 0.7
    eval: float = 0.1
    test: float = 0.2

    def __post_init__(self):
        for name in SPLITS:
            if not 0.0 <= getattr(self, name) <= 1.0:
                raise ValueError(f"split.{name} must lie in [0, 1], got {getattr(self, name)}")
        if abs(self.train + self.eval + self.test - 1.0) > 1e-6:
            raise ValueError(f"split fractions must sum to 1, got {self.train + self.eval + self.test:.4f}")
        if self.train <= 0:
            raise ValueError("split.train must be > 0")


@dataclass(frozen=True)
class TimeseriesData:
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

    path: str = ""
    timestamp_column: str = "date"
    value_columns: tuple[str, ...] = ("value",)
    target_column: str = ""
    window: int = 20
    horizon: int = 1
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


DATA_CONFIG = TimeseriesData


def input_files(cfg: TimeseriesData) -> list[str]:
    """The CSV files matching ``cfg.path``.

    Raises:
        DataError: If none matches.
    """
    if os.path.isdir(cfg.path):
        raise DataError(f"data.path {cfg.path!r} is a folder; give a CSV file or a glob such as "
                        f"'{os.path.join(cfg.path, '*.csv')}'")
    paths = sorted(path for path in glob.glob(cfg.path) if os.path.isfile(path))
    if not paths:
        raise DataError(f"no input file matches data.path {cfg.path!r}; check the path or pass --data-dir DIR")
    return paths


def check_input(cfg: TimeseriesData) -> None:
    """Fails early when no CSV matches (headers are checked while reading)."""
    input_files(cfg)


# ---------------------------------------------------------------- parsing


def parse_timestamp(text: str) -> int:
    """Parses an ISO 8601 date/datetime or unix seconds into unix seconds (UTC).

    Raises:
        ValueError: If the text is neither.
    """
    text = text.strip()
    try:
        return int(float(text)) if text.replace(".", "", 1).lstrip("-").isdigit() else _iso_seconds(text)
    except ValueError as error:
        raise ValueError(f"unparsable timestamp {text!r}") from error


def _iso_seconds(text: str) -> int:
    moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    return int(moment.timestamp())


def parse_value(text: str, column: str) -> float:
    """Parses one numeric cell; rejects empty, non-numeric, NaN and infinite values.

    Raises:
        ValueError: With a reason naming the column.
    """
    stripped = text.strip().strip('"')
    if not stripped:
        raise ValueError(f"missing value in column {column!r}")
    try:
        value = float(stripped)
    except ValueError as error:
        raise ValueError(f"non-numeric value {stripped!r} in column {column!r}") from error
    if not math.isfinite(value):
        raise ValueError(f"non-finite value {stripped!r} in column {column!r}")
    return value


def header_indices(header: Sequence[str], cfg: TimeseriesData, source: str) -> tuple[int, list[int]]:
    """Finds the timestamp and value columns in a CSV header.

    Raises:
        DataError: If a configured column is absent, naming the file and the columns it has.
    """
    names = [name.strip() for name in header]
    missing = [c for c in (cfg.timestamp_column, *cfg.value_columns) if c not in names]
    if missing:
        raise DataError(f"{source}: column(s) {missing} not in CSV header {names} "
                        f"(set data.timestamp_column / data.value_columns)")
    return names.index(cfg.timestamp_column), [names.index(c) for c in cfg.value_columns]


def parse_csv(text: str, cfg: TimeseriesData, source: str) -> Iterator[tuple[str, Any]]:
    """Parses CSV text into good rows and dead letters.

    Args:
        text: The whole file, decoded.
        cfg: Column names.
        source: File name used in messages.

    Yields:
        ``("row", (unix_seconds, values))`` for good rows and
        ``("dead", {"source", "line", "reason", "raw"})`` for bad ones.

    Raises:
        DataError: If the file is empty or its header lacks a configured column.
    """
    reader = csv.reader(io.StringIO(text))
    try:
        header = next(reader, None)
        rows = [(reader.line_num, row) for row in reader]
    except csv.Error as error:  # a field over the csv module's size limit, a NUL byte, ...
        raise DataError(f"{source}: line {reader.line_num}: unreadable CSV: {error}") from None
    if not header:
        raise DataError(f"{source}: file is empty, expected a CSV header")
    ts_index, value_indices = header_indices(header, cfg, source)
    width = len(header)
    for line, row in rows:
        if not row or not any(cell.strip() for cell in row):
            continue
        try:
            if len(row) != width:
                raise ValueError(f"expected {width} columns, found {len(row)}")
            stamp = parse_timestamp(row[ts_index])
            values = tuple(parse_value(row[i], cfg.value_columns[k]) for k, i in enumerate(value_indices))
        except ValueError as error:
            yield "dead", {"source": source, "line": line, "reason": str(error), "raw": ",".join(row)}
            continue
        yield "row", (stamp, values)


# ---------------------------------------------------------------- windows


def split_of(position: int, n_rows: int, split: SplitFractions) -> str:
    """Assigns the row at ``position`` to a split by time: earliest rows to train."""
    if position < round(n_rows * split.train):
        return "train"
    if position < round(n_rows * (split.train + split.eval)):
        return "eval"
    return "test"


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
    first = window if n_rows >= window + horizon else 1
    for start in range(first, n_rows - horizon + 1, cfg.stride):
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


def sort_series(rows: Iterable[tuple[int, Sequence[float]]], series: str,
                max_rows: int | None) -> tuple[list, list[dict[str, Any]]]:
    """Sorts rows by time, sends duplicate timestamps to dead letters, keeps the last rows.

    Returns:
        ``(rows, dead_letters)``.
    """
    ordered = sorted(rows, key=lambda row: row[0])
    kept, dead = [], []
    for stamp, values in ordered:
        if kept and kept[-1][0] == stamp:
            dead.append({"source": series, "line": None, "reason": f"duplicate timestamp {stamp}",
                         "raw": json.dumps(values)})
            continue
        kept.append((stamp, values))
    if max_rows:
        kept = kept[-max_rows:]
    return kept, dead


# ---------------------------------------------------------------- Beam


def read_examples(pipeline, cfg: TimeseriesData):
    """Adds the reading steps to a Beam pipeline.

    Args:
        pipeline: A ``beam.Pipeline``.
        cfg: The dataset config (``path`` already resolved).

    Returns:
        ``(examples, dead_letters, rows_read)``: a PCollection of ``(split, serialized
        tf.Example)``, a PCollection of dead-letter dicts, and a PCollection of row counts.
    """
    parsed = (
        pipeline
        | "MatchCsv" >> fileio.MatchFiles(cfg.path)
        | "ReadCsv" >> fileio.ReadMatches()
        | "ParseCsv" >> beam.ParDo(ParseCsvFile(cfg)).with_output_types(tuple[str, Any]).with_outputs("dead", main="row")
    )
    windows = (
        parsed.row
        | "GroupSeries" >> beam.GroupByKey()
        | "Window" >> beam.ParDo(WindowSeries(cfg)).with_outputs("dead", main="window")
    )
    dead = (parsed.dead, windows.dead) | "AllDead" >> beam.Flatten()
    examples = windows.window | "Encode" >> beam.MapTuple(lambda split, feats: (split, encode_example(feats)))
    rows_read = parsed.row | "CountRows" >> beam.combiners.Count.Globally()
    return examples, dead, rows_read


class ParseCsvFile(beam.DoFn):
    """One readable CSV file to ``(series, row)`` pairs; bad rows to the ``dead`` output."""

    def __init__(self, cfg: TimeseriesData):
        super().__init__()
        self.cfg = cfg

    def process(self, readable):
        source = readable.metadata.path
        try:
            text = readable.read().decode("utf-8-sig")
        except UnicodeDecodeError as error:
            yield beam.pvalue.TaggedOutput("dead", {"source": source, "line": None,
                                                    "reason": f"not UTF-8: {error}", "raw": ""})
            return
        for kind, item in parse_csv(text, self.cfg, source):
            if kind == "row":
                yield source, item
            else:
                yield beam.pvalue.TaggedOutput("dead", item)


class WindowSeries(beam.DoFn):
    """One grouped series to ``(split, features)`` windows; duplicates to ``dead``."""

    def __init__(self, cfg: TimeseriesData):
        super().__init__()
        self.cfg = cfg

    def process(self, keyed):
        series, rows = keyed
        kept, dead = sort_series(rows, series, self.cfg.max_examples)
        for letter in dead:
            yield beam.pvalue.TaggedOutput("dead", letter)
        yield from build_windows(kept, self.cfg, series.rsplit("/", 1)[-1])


def encode_example(features: dict[str, Any]) -> bytes:
    """Serialises raw window features as a ``tf.train.Example``."""
    import tensorflow as tf

    feature = {
        "history": tf.train.Feature(float_list=tf.train.FloatList(value=features["history"])),
        "mask": tf.train.Feature(float_list=tf.train.FloatList(value=features["mask"])),
        "target": tf.train.Feature(float_list=tf.train.FloatList(value=features["target"])),
        "timestamps": tf.train.Feature(int64_list=tf.train.Int64List(value=features["timestamps"])),
        "target_timestamps": tf.train.Feature(
            int64_list=tf.train.Int64List(value=features["target_timestamps"])),
        "id": tf.train.Feature(bytes_list=tf.train.BytesList(value=[features["id"].encode()])),
    }
    return tf.train.Example(features=tf.train.Features(feature=feature)).SerializeToString()


def profile(feature) -> dict[str, Any]:
    """Facts about one raw example for the statistics component.

    Args:
        feature: The ``features.feature`` map of a parsed ``tf.train.Example``.

    Returns:
        ``label`` (None: a regression target), ``length`` (observed steps), ``missing``/``values``
        (steps absent from the series inside the window's time span, judged by its most common
        step, over all steps) and ``numeric`` (history and target values).
    """
    mask = np.asarray(feature["mask"].float_list.value) > 0
    stamps = np.asarray(feature["timestamps"].int64_list.value)[mask]
    gaps = np.diff(stamps)
    missing = 0
    if gaps.size:
        values, counts = np.unique(gaps, return_counts=True)
        step = values[counts.argmax()]
        missing = int(np.maximum(np.round(gaps / step) - 1, 0).sum()) if step > 0 else 0
    history = np.asarray(feature["history"].float_list.value).reshape(mask.size, -1)[mask]
    return {"label": None, "length": int(mask.sum()), "missing": missing, "values": int(mask.sum()) + missing,
            "numeric": {"history": history.ravel().tolist(), "target": list(feature["target"].float_list.value)},
            "tokens": None}


# ---------------------------------------------------------------- tf.Transform


def raw_feature_spec(cfg: TimeseriesData) -> dict:
    """The ``tf.io`` parsing spec of raw examples."""
    import tensorflow as tf

    return {
        "history": tf.io.FixedLenFeature([cfg.window * cfg.n_values], tf.float32),
        "mask": tf.io.FixedLenFeature([cfg.window], tf.float32),
        "timestamps": tf.io.FixedLenFeature([cfg.window], tf.int64),
        "target": tf.io.FixedLenFeature([cfg.horizon], tf.float32),
        "target_timestamps": tf.io.FixedLenFeature([cfg.horizon], tf.int64),
        "id": tf.io.FixedLenFeature([], tf.string),
    }


def calendar_channels(timestamps):
    """Day-of-year and day-of-week sine/cosine of unix-second timestamps, [..., 4]."""
    import tensorflow as tf

    days = tf.cast(timestamps, tf.float64) / SECONDS_PER_DAY
    year_phase = 2.0 * math.pi * days / DAYS_PER_YEAR
    week_phase = 2.0 * math.pi * tf.math.floormod(days + 3.0, 7.0) / 7.0  # 1970-01-01 was a Thursday
    return tf.cast(tf.stack([tf.sin(year_phase), tf.cos(year_phase),
                             tf.sin(week_phase), tf.cos(week_phase)], axis=-1), tf.float32)


def make_preprocessing_fn(cfg: TimeseriesData):
    """Builds the tf.Transform ``preprocessing_fn``: z-scores with train-only statistics.

    Outputs ``inputs`` [window, channels], ``target`` [horizon] (scaled), and the target
    column's ``target_mean`` / ``target_std`` so predictions can be put back in original units.
    """
    n_values, window = cfg.n_values, cfg.window
    target_index = cfg.value_columns.index(cfg.target)
    calendar = cfg.calendar_features
    predict_change = cfg.target_mode == "change"

    def preprocessing_fn(inputs):
        import tensorflow as tf
        import tensorflow_transform as tft

        history = tf.reshape(inputs["history"], [-1, window, n_values])
        mask = inputs["mask"]
        # Each row is the last history step of exactly one window: count every row once.
        observed = tf.boolean_mask(history[:, -1, :], mask[:, -1] > 0)
        mean = tft.mean(observed, reduce_instance_dims=False)
        std = tf.sqrt(tft.var(observed, reduce_instance_dims=False))
        std = tf.where(std > 1e-8, std, tf.ones_like(std))
        scaled = (history - mean) / std * mask[..., None]
        channels = [scaled, mask[..., None]]
        if calendar:
            channels.append(calendar_channels(inputs["timestamps"]) * mask[..., None])
        batch = tf.shape(mask)[0]
        last_value = history[:, -1, target_index]
        # Predictions come back as label * target_std + target_mean (see to_original_units).
        center = last_value[:, None] if predict_change else tf.fill([batch, 1], mean[target_index])
        return {
            FEATURES_KEY: tf.concat(channels, axis=-1),
            LABEL_KEY: (inputs["target"] - center) / std[target_index],
            "target_mean": center[:, 0],
            "target_std": tf.fill([batch], std[target_index]),
            "last_value": last_value,
        }

    return preprocessing_fn


def model_io(features):
    """Splits parsed transformed features into model inputs and labels."""
    return features[FEATURES_KEY], features[LABEL_KEY]


def model_shape(cfg: TimeseriesData, tft_output) -> tuple[list[int], int, None]:
    """Model input shape, number of outputs, and vocabulary size (none for series)."""
    return [cfg.window, cfg.n_channels], cfg.horizon, None


def to_original_units(predictions, features):
    """Undoes the scaling of model outputs (around the mean, or the last value in ``change`` mode)."""
    return predictions * features["target_std"][:, None] + features["target_mean"][:, None]


def evaluation_targets(raw, cfg: TimeseriesData) -> dict:
    """Truth, persistence forecast ("tomorrow = today") and target times of parsed raw examples."""
    target_index = cfg.value_columns.index(cfg.target)
    history = raw["history"].numpy().reshape(-1, cfg.window, cfg.n_values)
    last = history[:, -1, target_index]
    truth = raw["target"].numpy()
    return {"truth": truth, "persistence": last[:, None].repeat(cfg.horizon, axis=1),
            "times": raw["target_timestamps"].numpy()[:, 0]}


# ---------------------------------------------------------------- serving


def serving_signatures(module, cfg: TimeseriesData) -> dict:
    """Adds serving functions to ``module`` (which tracks ``model`` and ``tft_layer``).

    Returns:
        ``{"serving_default": ..., "serving_raw": ...}``. Both output ``predictions``
        [n, horizon] in original units.
    """
    import tensorflow as tf

    spec = {k: v for k, v in raw_feature_spec(cfg).items() if k not in ("target", "target_timestamps", "id")}

    def predict(raw):
        batch = tf.shape(raw["history"])[0]
        raw = dict(raw)
        raw["target"] = tf.zeros([batch, cfg.horizon], tf.float32)
        raw["target_timestamps"] = tf.zeros([batch, cfg.horizon], tf.int64)
        raw["id"] = tf.fill([batch], "")
        features = module.tft_layer(raw)
        scaled = tf.cast(module.model(features[FEATURES_KEY], training=False), tf.float32)
        return {"predictions": to_original_units(scaled, features)}

    @tf.function(input_signature=[tf.TensorSpec([None], tf.string, name="examples")])
    def serve_examples(examples):
        return predict(tf.io.parse_example(examples, spec))

    history_shape = [None, cfg.window] if cfg.n_values == 1 else [None, cfg.window, cfg.n_values]
    raw_inputs = [tf.TensorSpec(history_shape, tf.float32, name="history")]
    if cfg.calendar_features:
        raw_inputs.append(tf.TensorSpec([None, cfg.window], tf.int64, name="timestamps"))

    @tf.function(input_signature=raw_inputs)
    def serve_raw(history, timestamps=None):
        batch = tf.shape(history)[0]
        if timestamps is None:
            timestamps = tf.zeros([batch, cfg.window], tf.int64)
        return predict({
            "history": tf.reshape(history, [batch, cfg.window * cfg.n_values]),
            "mask": tf.ones([batch, cfg.window], tf.float32),
            "timestamps": timestamps,
        })

    module.serve_examples = serve_examples
    module.serve_raw = serve_raw
    return {"serving_default": serve_examples, "serving_raw": serve_raw}


# ---------------------------------------------------------------- batch scoring inputs


def scoring_windows(name: str, raw: bytes, cfg: TimeseriesData) -> Iterator[tuple[str, Any]]:
    """Rolling windows to score from one CSV series: one per step with ``window`` steps of history.

    A bad row (missing, non-numeric or non-finite value, bad timestamp) is a dead letter and breaks
    the series: no window spans it. A stretch shorter than the window is a dead letter too.

    Yields:
        ``("ok", (id, {"history", "timestamps"}))`` where the id is ``<file>@<last history time>``
        (the forecast is for the steps after it), or ``("dead", {"source", "id", "reason"})``.
    """
    base = name.replace("\\", "/").rsplit("/", 1)[-1]
    try:
        rows = list(parse_csv(raw.decode("utf-8-sig"), cfg, name))
    except (UnicodeDecodeError, DataError) as error:
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
            yield "dead", {"source": name, "id": base, "reason": letter["reason"]}
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


# ---------------------------------------------------------------- demo data


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
