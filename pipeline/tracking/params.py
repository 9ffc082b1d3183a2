"""A config as MLflow params: the flat dotted keys of ``runs compare``, within MLflow's limits,
and the same config, nested again, as a YAML file."""

from __future__ import annotations

import json
import re
from typing import Any

import yaml

from pipeline.compare import config_as_run, flatten
from pipeline.config import PipelineConfig

# MLflow's limits (mlflow.utils.validation): a key's and a param value's length, entries per log_batch.
MAX_KEY_LENGTH = 250
MAX_PARAM_VALUE_LENGTH = 6000
MAX_PARAMS_PER_BATCH = 100
MAX_METRICS_PER_BATCH = 1000
CONFIG_FILE = "config.yaml"
TRUNCATED = f"...[truncated; the whole config is the artifact config/{CONFIG_FILE}]"
# What MLflow allows in a param or metric name: anything else becomes "_".
NOT_IN_KEY = re.compile(r"[^\w.\- /:]")
# What a notify hook that is set shows: its command or URL may hold a token.
HIDDEN = "<set>"
HOOK_PREFIX = "notify.on_"


def logged_config(cfg: PipelineConfig) -> dict[str, Any]:
    """The config as run as dotted keys (see :func:`pipeline.compare.config_as_run`), each
    ``notify`` hook that is set shown as :data:`HIDDEN`."""
    return {key: HIDDEN if key.startswith(HOOK_PREFIX) and value else value
            for key, value in config_as_run(cfg).items()}


def nested(flat: dict[str, Any]) -> dict[str, Any]:
    """Dotted keys as nested mappings again (the inverse of :func:`flatten`)."""
    tree: dict[str, Any] = {}
    for key, value in flat.items():
        *parents, last = key.split(".")
        branch = tree
        for parent in parents:
            branch = branch.setdefault(parent, {})
        branch[last] = value
    return tree


def safe_key(key: str) -> str:
    """A name MLflow accepts as a param, metric or tag key: disallowed characters become ``_``,
    and it is cut to :data:`MAX_KEY_LENGTH`."""
    cleaned = NOT_IN_KEY.sub("_", key).replace("..", "._").lstrip("/")
    return cleaned[:MAX_KEY_LENGTH]


def param_value(value: Any) -> str:
    """A value as an MLflow param: text (JSON for lists and mappings, ``null`` for None), cut to
    MLflow's length limit with a note saying where the whole value is."""
    text = value if isinstance(value, str) else json.dumps(value, default=str)
    if len(text) > MAX_PARAM_VALUE_LENGTH:
        return text[:MAX_PARAM_VALUE_LENGTH - len(TRUNCATED)] + TRUNCATED
    return text


def config_params(cfg: PipelineConfig) -> dict[str, str]:
    """The config as run as MLflow params: dotted keys, values within MLflow's limits."""
    return {safe_key(key): param_value(value) for key, value in logged_config(cfg).items()}


def config_yaml(cfg: PipelineConfig) -> str:
    """The config as run, as YAML (the artifact ``config/config.yaml``)."""
    return yaml.safe_dump(nested(logged_config(cfg)), sort_keys=False, default_flow_style=False)
