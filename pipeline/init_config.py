"""``rnnpipe init timeseries CSV --output CONFIG.yaml``: a validated config written from what a CSV holds.

The CSV is profiled (:func:`data.timeseries.inspect.profile_csv`); the config takes its time
column(s), frequency and season, its numeric columns as values (the target first), its
low-cardinality text columns as categories, the missing markers found, and a window of a few
seasons that fits the series. Before it is written, the config is loaded as ``rnnpipe run`` loads
it and its window is checked against the file by the reader itself; it is written atomically and
never over an existing file.
"""

from __future__ import annotations

import dataclasses
import glob
import json
import os
import re
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from components.evaluator import METRICS
from data import get_kind
from data.errors import DataError
from data.timeseries.config import DEFAULT_MISSING_VALUES
from data.timeseries.inspect import CsvProfile, describe_column, profile_csv
from pipeline.config import load_config
from pipeline.errors import UsageError

KINDS = ("timeseries",)
"""The dataset kinds ``rnnpipe init`` writes configs for."""
SEASONS_PER_WINDOW = 3
MIN_WINDOW = 8
"""The window of a series without a season (yearly steps), and the least one otherwise."""
MAX_WINDOW = 336
"""The longest window written (two weeks of hours)."""
ROWS_PER_WINDOW = 6
"""A window is at most this share of the series, so that eval and test get windows of their own."""
BEST_BASELINE_BOUND = "rmse_vs_best_baseline"
PERSISTENCE_BOUND = "rmse_vs_persistence"


@dataclass(frozen=True)
class InitResult:
    """A written config and what it was made from.

    Attributes:
        profile: What the CSV holds.
        output: The config written.
        choices: The keys chosen (name, target, value and categorical columns, window, ...).
        text: The config's YAML.
    """

    profile: CsvProfile
    output: Path
    choices: dict[str, Any]
    text: str

    def summary(self) -> dict[str, Any]:
        """JSON-ready: the status, the output, the chosen keys and the profile."""
        return {"status": "written", "output": str(self.output), "config": self.choices,
                "profile": self.profile.to_dict()}

    def describe(self) -> str:
        """The readable report: what was found, what was written, and how to run it."""
        return "\n".join([*report_lines(self.profile), "",
                          f"wrote {self.output}: target {self.choices['target']}, "
                          f"{len(self.choices['value_columns'])} value column(s), "
                          f"{len(self.choices['categorical_columns'])} categorical, window {self.choices['window']}, "
                          f"season {self.choices['season']}",
                          f"run it: rnnpipe run {self.output} --data-dir {Path(self.profile.path).parent}"])


def report_lines(profile: CsvProfile) -> list[str]:
    """What was found in the CSV, one fact a line."""
    time = profile.time
    markers = ", ".join(f"{marker!r} x{count}" for marker, count in profile.missing_markers.items()) or "none"
    lines = [f"{profile.path}: {profile.rows} rows, {len(profile.header)} columns, delimiter {profile.delimiter!r}, "
             f"encoding {profile.encoding}",
             f"time: {', '.join(time.columns)} (form {time.form}{' ' + time.pattern if time.pattern else ''}), "
             f"{time.first} .. {time.last}",
             f"frequency: {time.frequency} (season {time.season} steps); {time.gaps} gap(s) "
             f"({time.missing_steps} missing steps), {time.irregular_steps} irregular step(s), "
             f"{time.duplicates} duplicate time(s), {time.unparsable} unparsable time(s)",
             f"missing markers: {markers}"]
    if profile.ragged_rows:
        lines.append(f"rows with another number of cells than the header: {profile.ragged_rows}")
    return [*lines, "columns:", *(f"  {describe_column(column)}" for column in profile.columns)]


def init_config(kind: str, csv_path: str | Path, output: str | Path, target: str = "", name: str = "") -> InitResult:
    """Profiles ``csv_path`` and writes a config for it to ``output``.

    Args:
        kind: The dataset kind (``timeseries``).
        csv_path: The CSV file.
        output: The YAML file to write; it must not exist.
        target: The column to forecast (default: the first numeric column that is not constant).
        name: The pipeline's name (default: the file's name).

    Returns:
        The profile, the config's choices and its text.

    Raises:
        UsageError: If the kind is not one init knows, ``output`` exists or its folder does not,
            or ``target`` is not a numeric column.
        FileNotFoundError: If the CSV does not exist.
        DataError: If the CSV has no time-like column or no numeric one, or is unreadable.
    """
    if kind not in KINDS:
        raise UsageError(f"rnnpipe init {kind}: init writes configs for {list(KINDS)}")
    output = Path(output)
    check_output(output)
    profile = profile_csv(str(csv_path))
    choices = config_choices(profile, target, name)
    text = config_text(profile, choices)
    write_checked(output, text, Path(csv_path))
    return InitResult(profile, output, choices, text)


def check_output(output: Path) -> None:
    """Refuses an output that exists or whose folder does not.

    Raises:
        UsageError: Naming the path.
    """
    if output.exists() or output.is_symlink():
        raise UsageError(f"--output {output} already exists; init never overwrites a config: remove it or "
                         f"choose another path")
    if not output.parent.is_dir():
        raise UsageError(f"--output {output}: folder {output.parent} does not exist")


def pipeline_name(path: str) -> str:
    """The file's name without its suffixes, made one safe path segment."""
    stem = Path(path).name.split(".")[0]
    return re.sub(r"[^A-Za-z0-9._-]", "_", stem).lstrip("-")[:128] or "series"


def choose_window(season: int, rows: int) -> int:
    """A few seasons of history (:data:`SEASONS_PER_WINDOW`), at most a sixth of the series."""
    wanted = SEASONS_PER_WINDOW * season if season > 1 else MIN_WINDOW
    return max(1, min(max(wanted, MIN_WINDOW), MAX_WINDOW, rows // ROWS_PER_WINDOW))


def config_choices(profile: CsvProfile, target: str, name: str) -> dict[str, Any]:
    """The keys of the config, chosen from the profile.

    Raises:
        UsageError: If ``target`` is not one of the numeric columns.
        DataError: If there is no numeric column to forecast.
    """
    numeric = list(profile.names("numeric"))
    if target and target not in numeric:
        raise UsageError(f"--target {target!r} is not a numeric column of {profile.path}; numeric columns: {numeric}")
    if not numeric:
        roles = {column.name: column.role for column in profile.columns}
        raise DataError(f"{profile.path}: no numeric column to forecast (the columns' roles: {roles})")
    target = target or numeric[0]
    rows = profile.rows - profile.time.duplicates - profile.time.unparsable
    bound = BEST_BASELINE_BOUND if BEST_BASELINE_BOUND in METRICS["regression"] else PERSISTENCE_BOUND
    return {"name": name or pipeline_name(profile.path), "target": target,
            "value_columns": [target, *(column for column in numeric if column != target)],
            "categorical_columns": list(profile.names("categorical")),
            "left_out": {column.name: column.role for column in profile.columns
                         if column.role in ("index", "constant", "text")},
            "window": choose_window(profile.time.season, rows), "season": profile.time.season,
            "frequency": profile.time.frequency, "upper_bound": bound,
            "missing_values": sorted(set(DEFAULT_MISSING_VALUES) | set(profile.missing_markers),
                                     key=lambda marker: (marker not in DEFAULT_MISSING_VALUES, marker))}


def flow(value: Any) -> str:
    """A value in YAML flow style (JSON is YAML)."""
    return json.dumps(value, ensure_ascii=False)


def config_text(profile: CsvProfile, choices: dict[str, Any]) -> str:
    """The config's YAML, with comments saying what was found."""
    time = profile.time
    file_name = Path(profile.path).name
    found = [f"{file_name}: {profile.rows} rows; the time in {', '.join(time.columns)} (form {time.form}), "
             f"{time.first} .. {time.last}",
             f"frequency {time.frequency}: {time.gaps} gap(s) of {time.missing_steps} missing step(s), "
             f"{time.irregular_steps} irregular step(s), {time.duplicates} duplicate time(s)"]
    markers = ", ".join(f"{marker!r} x{count}" for marker, count in profile.missing_markers.items())
    found.append(f"missing markers: {markers or 'none'}")
    if choices["left_out"]:
        found.append("left out: " + ", ".join(f"{column} ({role})" for column, role in choices["left_out"].items()))
    lines = ["# Written by `rnnpipe init timeseries` from what the file holds:",
             *(f"#   {line}" for line in found),
             f"# Run it: rnnpipe run CONFIG.yaml --data-dir DIR   (DIR: the folder holding {file_name})",
             f"name: {flow(choices['name'])}", "kind: timeseries", "data:",
             f"  path: {flow(file_name)}                # relative: resolved against --data-dir"]
    if len(time.columns) > 1:
        lines.append(f"  timestamp_columns: {flow(list(time.columns))}   # assembled into one time")
    else:
        lines.append(f"  timestamp_column: {flow(time.columns[0])}   # form {time.form}")
    if time.pattern:
        lines.append(f"  timestamp_format: {flow(time.pattern)}")
    if profile.delimiter != ",":
        lines.append(f"  delimiter: {flow(profile.delimiter)}")
    if profile.encoding != "utf-8":
        lines.append(f"  encoding: {flow(profile.encoding)}")
    categorical = choices["categorical_columns"]
    lines += [f"  frequency: {flow(time.frequency)}               # inferred: the typical step",
              f"  season: {choices['season']}                     # steps per season (seasonal-naive baseline)",
              f"  value_columns: {flow(choices['value_columns'])}   # numeric; the first, "
              f"{choices['target']}, is forecast",
              f"  categorical_columns: {flow(categorical)}" + ("   # text columns with few values" if categorical
                                                               else ""),
              f"  missing_values: {flow(choices['missing_values'])}",
              "  missing: interpolate            # linear, up to max_gap steps; longer gaps drop their windows",
              "  max_gap: 3",
              f"  window: {choices['window']}                     # {SEASONS_PER_WINDOW} seasons, at most "
              f"1/{ROWS_PER_WINDOW} of the series",
              "  horizon: 1",
              f"  calendar_features: {flow(time.frequency[-1] != 'Y')}",
              "  split: {train: 0.7, eval: 0.1, test: 0.2}",
              "  max_error_rate: 0.01",
              "model:", "  cell: lstm", "  units: [64]", "  dropout: 0.0",
              "trainer:", "  epochs: 40", "  batch_size: 32", "  learning_rate: 0.003", "  clipnorm: 1.0",
              "  early_stopping_patience: 6",
              "evaluator:",
              "  # Bless only a model that beats the baseline(s), and is no worse than the served one.",
              "  upper_bounds:", f"    {choices['upper_bound']}: 1.0",
              "  comparison_metric: rmse", "  max_regression: 0.0",
              "beam:", "  args: [--runner=DirectRunner]"]
    return "\n".join(lines) + "\n"


def write_checked(output: Path, text: str, csv_path: Path) -> None:
    """Loads the config as ``rnnpipe run`` does, checks its window against the CSV, then writes it.

    The text goes to a temporary file beside ``output`` and is linked to ``output``, which fails
    if another process made it meanwhile: no config is ever overwritten or half written.

    Raises:
        UsageError: If ``output`` appeared meanwhile.
        ConfigError, DataError: If the config does not load or its window does not fit the data
            (a fault of init's choices).
    """
    handle, temporary = tempfile.mkstemp(dir=output.parent, prefix=f".{output.name}.", suffix=".tmp")
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as stream:
            stream.write(text)
        cfg = load_config(temporary)
        get_kind(cfg.kind).check_input(dataclasses.replace(cfg.data, path=glob.escape(str(csv_path.resolve()))))
        try:
            os.link(temporary, output)
        except FileExistsError:
            raise UsageError(f"--output {output} already exists; init never overwrites a config") from None
    finally:
        os.unlink(temporary)
