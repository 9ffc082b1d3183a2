"""YAML pipeline configs, loaded into validated frozen dataclasses before anything runs.

Every section maps onto a frozen dataclass. An unknown key, a value of the wrong type or an
out-of-range value raises :class:`ConfigError`, naming the file and the dotted key.
"""

from __future__ import annotations

import dataclasses
import difflib
import types
import typing
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Sequence

import yaml

from components.evaluator import EvaluatorParams
from components.statistics import ValidationSettings
from components.trainer import TrainerParams
from components.tuner import TunerParams
from data import KINDS, get_kind
from models.spec import ModelSpec
from pipeline.spans import SpanSettings

CONFIG_DIR = Path(__file__).parent / "configs"


class ConfigError(ValueError):
    """A config file or override is invalid. The message names the file and the key."""


@dataclass(frozen=True)
class BeamSettings:
    """Beam options for every Beam step.

    Attributes:
        args: Beam pipeline options, e.g. ``["--runner=DirectRunner"]``; command-line
            options given after ``--`` are appended.
        num_shards: TFRecord shards per split.
    """

    args: tuple[str, ...] = ()
    num_shards: int = 2

    def __post_init__(self):
        if self.num_shards < 1:
            raise ValueError(f"beam.num_shards must be >= 1, got {self.num_shards}")


@dataclass(frozen=True)
class ExportSettings:
    """Where blessed models are published.

    Attributes:
        model_name: Directory name under the serving root (default: the pipeline name).
        serving_dir: Serving root; relative paths resolve against the pipeline root.
    """

    model_name: str = ""
    serving_dir: str = "serving"


@dataclass(frozen=True)
class RunSettings:
    """How a run behaves around other runs.

    Attributes:
        lock_timeout_seconds: How long to wait for another run on the same root to finish.
        gc_keep_runs: After each run, delete artifacts that neither the newest this many runs nor a
            kept serving version depend on (None: no collection; see ``rnnpipe gc``).
        gc_keep_versions: With ``gc_keep_runs``: serving versions kept per model.
    """

    lock_timeout_seconds: float = 0.0
    gc_keep_runs: int | None = None
    gc_keep_versions: int = 5

    def __post_init__(self):
        if self.lock_timeout_seconds < 0:
            raise ValueError("run.lock_timeout_seconds must be >= 0")
        if (self.gc_keep_runs is not None and self.gc_keep_runs < 1) or self.gc_keep_versions < 1:
            raise ValueError("run.gc_keep_runs and run.gc_keep_versions must be >= 1")


@dataclass(frozen=True)
class PipelineConfig:
    """A whole, validated pipeline config."""

    name: str
    kind: str
    data: Any
    model: ModelSpec
    trainer: TrainerParams
    evaluator: EvaluatorParams
    tuner: TunerParams
    exporter: ExportSettings = field(default_factory=ExportSettings)
    beam: BeamSettings = field(default_factory=BeamSettings)
    run: RunSettings = field(default_factory=RunSettings)
    spans: SpanSettings = field(default_factory=SpanSettings)
    validation: ValidationSettings = field(default_factory=ValidationSettings)
    source: str = ""

    @property
    def model_name(self) -> str:
        """The served model's name."""
        return self.exporter.model_name or self.name


# Fields that the pipeline fills in, not the user.
INJECTED = {TrainerParams: {"kind", "data", "model"},
            EvaluatorParams: {"kind", "data", "serving_dir", "model_name"},
            TunerParams: {"kind", "data", "model", "trainer", "role", "chief_address"}}


def parse_override(text: str) -> tuple[list[str], Any]:
    """Parses ``--set key.path=value``; the value is read as YAML (``1``, ``true``, ``[a, b]``).

    Raises:
        ConfigError: If the text has no ``=`` or an empty key.
    """
    key, sep, value = text.partition("=")
    if not sep or not key.strip():
        raise ConfigError(f"--set {text!r}: expected key=value, e.g. --set trainer.epochs=1")
    return key.strip().split("."), yaml.safe_load(value) if value.strip() else None


def apply_overrides(raw: dict, overrides: Sequence[str]) -> dict:
    """Returns a copy of ``raw`` with ``--set`` overrides applied."""
    result = _deep_copy(raw)
    for text in overrides:
        keys, value = parse_override(text)
        node = result
        for key in keys[:-1]:
            child = node.get(key)
            if not isinstance(child, dict):
                child = {}
                node[key] = child
            node = child
        node[keys[-1]] = value
    return result


def _deep_copy(value):
    if isinstance(value, dict):
        return {k: _deep_copy(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_deep_copy(v) for v in value]
    return value


def load_config(path: str | Path, overrides: Sequence[str] = ()) -> PipelineConfig:
    """Reads, overrides and validates a YAML config.

    Args:
        path: The YAML file.
        overrides: ``key.path=value`` strings from ``--set``.

    Returns:
        The validated config. ``data`` paths are still as written (see :func:`resolve_paths`).

    Raises:
        ConfigError: On a missing or unreadable file, bad YAML, or any invalid key or value.
    """
    source = str(path)
    try:
        text = Path(path).read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError(f"config file {source} does not exist") from None
    except OSError as error:
        raise ConfigError(f"config file {source} cannot be read: {error}") from None
    try:
        raw = yaml.safe_load(text) or {}
    except yaml.YAMLError as error:
        raise ConfigError(f"config file {source} is not valid YAML: {error}") from None
    if not isinstance(raw, dict):
        raise ConfigError(f"config file {source}: expected a mapping at the top level")
    return config_from_dict(apply_overrides(raw, overrides), source)


def config_from_dict(raw: Mapping[str, Any], source: str = "<config>") -> PipelineConfig:
    """Validates a config mapping. See :func:`load_config`."""
    known = {f.name for f in dataclasses.fields(PipelineConfig)} - {"source"}
    _check_keys(raw, known, "", source)
    for required in ("name", "kind"):
        if not isinstance(raw.get(required), str) or not raw[required]:
            raise ConfigError(f"{source}: key {required!r} is required and must be a non-empty string")
    if raw["kind"] not in KINDS:
        raise ConfigError(f"{source}: key 'kind': unknown dataset kind {raw['kind']!r}; expected one of {KINDS}")
    kind = raw["kind"]
    data = build(get_kind(kind).DATA_CONFIG, raw.get("data") or {}, "data", source)
    model = build(ModelSpec, raw.get("model") or {}, "model", source)
    trainer = build(TrainerParams, raw.get("trainer") or {}, "trainer", source,
                    provided={"kind": kind, "data": data, "model": model})
    exporter = build(ExportSettings, raw.get("exporter") or {}, "exporter", source)
    evaluator = build(EvaluatorParams, raw.get("evaluator") or {}, "evaluator", source,
                      provided={"kind": kind, "data": data, "serving_dir": exporter.serving_dir,
                                "model_name": exporter.model_name or raw["name"]})
    tuner = build(TunerParams, raw.get("tuner") or {}, "tuner", source,
                  provided={"kind": kind, "data": data, "model": model, "trainer": trainer})
    beam = build(BeamSettings, raw.get("beam") or {}, "beam", source)
    run = build(RunSettings, raw.get("run") or {}, "run", source)
    spans = build(SpanSettings, raw.get("spans") or {}, "spans", source)
    validation = build(ValidationSettings, raw.get("validation") or {}, "validation", source)
    return PipelineConfig(raw["name"], kind, data, model, trainer, evaluator, tuner, exporter, beam, run, spans,
                          validation, source)


def build(cls, raw: Any, where: str, source: str, provided: Mapping[str, Any] | None = None):
    """Builds dataclass ``cls`` from a mapping, checking keys, types and ranges.

    Args:
        cls: A dataclass type.
        raw: The mapping from YAML.
        where: Dotted key of this section, for messages.
        source: The config file, for messages.
        provided: Values for fields the pipeline fills in (not settable by the user).

    Raises:
        ConfigError: Naming the file and the dotted key.
    """
    provided = dict(provided or {})
    if not isinstance(raw, Mapping):
        raise ConfigError(f"{source}: key {where!r} must be a mapping, got {type(raw).__name__}")
    hints = typing.get_type_hints(cls)
    settable = {f.name for f in dataclasses.fields(cls)} - set(provided) - INJECTED.get(cls, set())
    _check_keys(raw, settable, where, source)
    values = dict(provided)
    for name, value in raw.items():
        values[name] = convert(value, hints[name], f"{where}.{name}", source)
    try:
        return cls(**values)
    except ValueError as error:
        raise ConfigError(f"{source}: {where}: {error}") from None


def _check_keys(raw: Mapping, known: set[str], where: str, source: str) -> None:
    for key in raw:
        if key not in known:
            close = difflib.get_close_matches(str(key), sorted(known), n=1)
            hint = f" (did you mean {close[0]!r}?)" if close else f"; known keys: {', '.join(sorted(known))}"
            dotted = f"{where}.{key}" if where else str(key)
            raise ConfigError(f"{source}: unknown key {dotted!r}{hint}")


def convert(value: Any, hint: Any, where: str, source: str) -> Any:
    """Checks and converts one YAML value against a type hint.

    Raises:
        ConfigError: If the value does not fit the hint.
    """
    origin, args = typing.get_origin(hint), typing.get_args(hint)
    if hint is Any:
        return value
    if origin in (typing.Union, types.UnionType):
        if value is None and type(None) in args:
            return None
        errors = []
        for option in (a for a in args if a is not type(None)):
            try:
                return convert(value, option, where, source)
            except ConfigError as error:
                errors.append(str(error))
        raise ConfigError(errors[0])
    if dataclasses.is_dataclass(hint):
        return build(hint, value, where, source)
    if origin is tuple:
        if not isinstance(value, (list, tuple)):
            raise _type_error(value, "a list", where, source)
        return tuple(convert(item, args[0], f"{where}[{i}]", source) for i, item in enumerate(value))
    if origin in (Mapping, dict, typing.Mapping):
        if not isinstance(value, Mapping):
            raise _type_error(value, "a mapping", where, source)
        return {str(k): convert(v, args[1], f"{where}.{k}", source) for k, v in value.items()}
    if hint is bool:
        if not isinstance(value, bool):
            raise _type_error(value, "true or false", where, source)
        return value
    if hint is int:
        if isinstance(value, bool) or not isinstance(value, int):
            raise _type_error(value, "an integer", where, source)
        return value
    if hint is float:
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise _type_error(value, "a number", where, source)
        return float(value)
    if hint is str:
        if not isinstance(value, str):
            raise _type_error(value, "a string", where, source)
        return value
    raise ConfigError(f"{source}: key {where!r} has an unsupported type {hint}")


def _type_error(value: Any, expected: str, where: str, source: str) -> ConfigError:
    return ConfigError(f"{source}: key {where!r} must be {expected}, got {value!r} ({type(value).__name__})")


def resolve_paths(cfg: PipelineConfig, data_dir: str | Path | None, root: Path) -> PipelineConfig:
    """Resolves the data path against ``data_dir`` and the serving dir against ``root``.

    Raises:
        ConfigError: If a relative serving dir climbs out of the root with ``..``.
    """
    data_path = Path(cfg.data.path)
    if not data_path.is_absolute():
        data_path = Path(data_dir or ".").resolve() / data_path
    serving = inside_root(cfg.exporter.serving_dir, root, "exporter.serving_dir", cfg.source)
    schema = inside_root(cfg.validation.schema_path or f"schema/{cfg.name}/schema.json", root,
                         "validation.schema_path", cfg.source)
    data = dataclasses.replace(cfg.data, path=str(data_path))
    exporter = dataclasses.replace(cfg.exporter, serving_dir=str(serving))
    trainer = dataclasses.replace(cfg.trainer, data=data)
    return dataclasses.replace(
        cfg, data=data, exporter=exporter, trainer=trainer,
        validation=dataclasses.replace(cfg.validation, schema_path=str(schema)),
        tuner=dataclasses.replace(cfg.tuner, data=data, trainer=trainer),
        evaluator=dataclasses.replace(cfg.evaluator, data=data, serving_dir=str(serving)))


def inside_root(path: str, root: Path, key: str, source: str) -> Path:
    """An absolute path as given, or a relative one resolved under ``root``.

    Raises:
        ConfigError: If a relative path climbs out of the root with ``..``.
    """
    given = Path(path)
    if given.is_absolute():
        return given
    if ".." in given.parts:
        raise ConfigError(f"{source}: {key} {path!r} escapes the pipeline root; give an absolute path to "
                          f"write elsewhere")
    return root.resolve() / given


def with_tuner_role(cfg: PipelineConfig, role: str, chief_address: str) -> PipelineConfig:
    """The config with the tuner serving as ``role`` on ``chief_address``.

    Raises:
        ConfigError: If tuning is off in the config, or the address is not HOST:PORT.
    """
    if not cfg.tuner.enabled:
        raise ConfigError(f"{cfg.source}: tuner.enabled is false; set it (or --set tuner.enabled=true) "
                          f"to tune with a chief and workers")
    try:
        return dataclasses.replace(cfg, tuner=dataclasses.replace(cfg.tuner, role=role, chief_address=chief_address))
    except ValueError as error:
        raise ConfigError(str(error)) from None


def bundled_config(name: str) -> Path:
    """Path of a config shipped with rnnpipe (``timeseries``, ``demo``, ...)."""
    return CONFIG_DIR / f"{name}.yaml"
