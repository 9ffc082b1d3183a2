"""The component contract: what a DAG component declares, typed, in one place.

Each component module ends with ``SPEC = ComponentSpec(...)``. The DAG builder checks a node's
wiring and params against its spec, and the runner reads only the spec: the optional hooks are
fields that are None when a component has none, never attributes looked up by name.
"""

from __future__ import annotations

from dataclasses import dataclass, fields, is_dataclass
from typing import Any, Callable, Mapping

from components.types import Artifact, OutputDir
from data import kind_of
from data.contract import DataConfig, DatasetKind

# run(inputs, params, out) -> output name -> artifact
RunFunction = Callable[[Mapping[str, Artifact], Any, OutputDir], Mapping[str, Artifact]]


@dataclass(frozen=True, kw_only=True)
class ComponentSpec:
    """What one DAG component takes, produces and offers the runner.

    Attributes:
        name: The component's name: its node name, artifact folder and run-store component.
        inputs: Input names that must be wired.
        outputs: Output names ``run`` must produce.
        params_type: The class its params are an instance of.
        run: ``run(inputs, params, out)`` -> output name -> artifact. Its module is the
            component's module, whose source (and what it imports) is the code in the cache key.
        optional_inputs: Input names that may be wired.
        gate_params: Params read only by ``check_outputs``: left out of the cache key.
        input_fingerprint: ``input_fingerprint(params)`` -> fingerprint of the files the params
            name outside the pipeline root (the raw data); part of the cache key.
        baseline: ``baseline(params, inputs)`` -> identity of the served version the results are
            compared with (or ``"none"``); part of the cache key and recorded with the execution.
        check_outputs: ``check_outputs(outputs, params)`` -> a JSON-able report or None, run after
            every execution, cached or not. A gate: raising stops the run, the outputs kept.
        stale_outputs: ``stale_outputs(outputs, params)`` -> why the intact outputs of a cached
            execution no longer hold outside the pipeline root (e.g. the served version they name
            is gone), or None when they do. Non-None: the runner executes the component again.
        check_params: ``check_params(params)`` -> a problem that would fail the component only
            once it runs (e.g. a folder path naming a file), naming the config key and the path,
            or None. Called when the DAG is built, before anything runs: a config error.
    """

    name: str
    inputs: tuple[str, ...]
    outputs: tuple[str, ...]
    params_type: type
    run: RunFunction
    optional_inputs: tuple[str, ...] = ()
    gate_params: tuple[str, ...] = ()
    input_fingerprint: Callable[[Any], str] | None = None
    baseline: Callable[[Any, Mapping[str, Artifact]], str] | None = None
    check_outputs: Callable[[Mapping[str, Artifact], Any], Any] | None = None
    stale_outputs: Callable[[Mapping[str, Artifact], Any], str | None] | None = None
    check_params: Callable[[Any], str | None] | None = None

    def __post_init__(self):
        for label, names in (("inputs", self.inputs), ("optional_inputs", self.optional_inputs),
                             ("outputs", self.outputs), ("gate_params", self.gate_params)):
            if not isinstance(names, tuple) or not all(isinstance(name, str) and name for name in names):
                raise TypeError(f"{self.name}: {label} must be a tuple of names, not {names!r}")
            if len(set(names)) != len(names):
                raise ValueError(f"{self.name}: {label} name one thing twice: {list(names)}")
        both = sorted(set(self.inputs) & set(self.optional_inputs))
        if both:
            raise ValueError(f"{self.name}: inputs {both} are both required and optional")
        if is_dataclass(self.params_type):
            unknown = sorted(set(self.gate_params) - {field.name for field in fields(self.params_type)})
            if unknown:
                raise ValueError(f"{self.name}: gate_params {unknown} are not fields of "
                                 f"{self.params_type.__name__}")

    @property
    def accepted_inputs(self) -> tuple[str, ...]:
        """Every input name that may be wired: the required ones, then the optional ones."""
        return self.inputs + self.optional_inputs

    @property
    def module(self) -> str:
        """The name of the module that implements the component (the module of ``run``)."""
        return self.run.__module__


class DatasetParams:
    """The base of the params that hold their dataset config as the field ``data``.

    The config names its kind (``DataConfig.KIND``), so such params carry no separate kind name:
    :attr:`kind` finds the kind object from the config. A plain class, not a dataclass: each params
    dataclass declares ``data: DataConfig`` itself, so the cache key (the params' fields) holds the
    config, and :func:`pipeline.cache.params_for_key` adds its kind's name.
    """

    data: DataConfig

    @property
    def kind(self) -> DatasetKind:
        """The dataset kind of ``data``.

        Raises:
            TypeError: If ``data`` is not a registered kind's config (see :func:`data.kind_of`).
        """
        return kind_of(self.data)
