"""The pipeline DAG: components wired by named inputs and outputs, checked when assembled."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Mapping, Sequence

from components import evaluator, example_gen, exporter, statistics, trainer, transform, tuner
from components.contract import ComponentSpec
from pipeline.config import ConfigError, PipelineConfig


@dataclass(frozen=True)
class Node:
    """One component in the DAG.

    Attributes:
        spec: The component's declared contract.
        params: Its frozen params, an instance of ``spec.params_type``.
        inputs: Input name -> ``(upstream node name, upstream output name)``.
        kind: The dataset kind the params are for; its package is part of the code in the cache
            key. Empty: none.
    """

    spec: ComponentSpec
    params: Any
    inputs: Mapping[str, tuple[str, str]] = field(default_factory=dict)
    kind: str = ""

    @property
    def name(self) -> str:
        """The component's name."""
        return self.spec.name


def check_dag(nodes: Sequence[Node]) -> None:
    """Checks each node against its spec and its wiring against earlier nodes.

    A node's params must be an instance of its spec's ``params_type``, its name must be new, each
    required input must be wired, only declared inputs may be, and each to a declared output of
    a node that runs before it.

    Then each node's ``check_params`` (a declared pre-run check, e.g. that the serving folder is
    not a file) is asked, so that such a problem stops the run before anything executes.

    Raises:
        ValueError: Naming the node and what does not fit.
        ConfigError: The first problem a ``check_params`` names (its message names the key).
    """
    seen: dict[str, Node] = {}
    for node in nodes:
        if node.name in seen:
            raise ValueError(f"{node.name}: the DAG has two components of this name")
        if not isinstance(node.params, node.spec.params_type):
            raise ValueError(f"{node.name}: params must be {node.spec.params_type.__name__}, "
                             f"not {type(node.params).__name__}")
        missing = set(node.spec.inputs) - set(node.inputs)
        if missing:
            raise ValueError(f"{node.name}: inputs {sorted(missing)} are not wired")
        unknown = set(node.inputs) - set(node.spec.accepted_inputs)
        if unknown:
            raise ValueError(f"{node.name}: it takes no inputs {sorted(unknown)}")
        for name, (upstream, output) in node.inputs.items():
            if upstream not in seen:
                raise ValueError(f"{node.name}.{name}: upstream {upstream!r} does not run before it")
            if output not in seen[upstream].spec.outputs:
                raise ValueError(f"{node.name}.{name}: {upstream} has no output {output!r}")
        seen[node.name] = node
    for node in nodes:
        problem = node.spec.check_params(node.params) if node.spec.check_params is not None else None
        if problem:
            raise ConfigError(problem)


def build_dag(cfg: PipelineConfig, extra_beam_args: Sequence[str] = (),
              spans: Sequence[tuple[str, str]] = (), force_push_reason: str = "") -> list[Node]:
    """The standard pipeline: example_gen -> [statistics ->] transform -> [tuner ->] trainer -> evaluator -> exporter.

    Args:
        cfg: The validated config, paths resolved.
        extra_beam_args: Beam options from the command line.
        spans: ``(span id, path)`` of the spans to read when ``data.path`` names spans.
        force_push_reason: Why the exporter publishes even a model that is not blessed; empty: it does not.
    """
    beam_args = tuple(cfg.beam.args) + tuple(extra_beam_args)
    shards = cfg.beam.num_shards

    def node(spec: ComponentSpec, params: Any, inputs: Mapping[str, tuple[str, str]] | None = None) -> Node:
        return Node(spec, params, inputs or {}, cfg.kind)

    transformed = {"transformed_examples": ("transform", "transformed_examples"),
                   "transform_graph": ("transform", "transform_graph")}
    tuning = [node(tuner.SPEC, cfg.tuner, transformed)] if cfg.tuner.enabled else []
    tuned = {"hyperparameters": ("tuner", "best_hyperparameters")} if cfg.tuner.enabled else {}
    validation = ([node(statistics.SPEC, statistics.StatisticsParams(cfg.data, cfg.validation, beam_args),
                        {"examples": ("example_gen", "examples")})] if cfg.validation.enabled else [])
    nodes = [
        node(example_gen.SPEC, example_gen.ExampleGenParams(cfg.data, shards, beam_args, tuple(spans), seed=cfg.beam.seed)),
        *validation,
        node(transform.SPEC, transform.TransformParams(cfg.data, shards, beam_args, seed=cfg.beam.seed),
             {"examples": ("example_gen", "examples")}),
        *tuning,
        node(trainer.SPEC, cfg.trainer, {**transformed, **tuned}),
        node(evaluator.SPEC, cfg.evaluator,
             {"examples": ("example_gen", "examples"), "model": ("trainer", "model"),
              "transform_graph": ("transform", "transform_graph")}),
        node(exporter.SPEC, exporter.ExporterParams(cfg.data, cfg.exporter.serving_dir, cfg.model_name,
                                                       force_push_reason),
             {"examples": ("example_gen", "examples"), "model": ("trainer", "model"),
              "transform_graph": ("transform", "transform_graph"), "evaluation": ("evaluator", "evaluation")}),
    ]
    check_dag(nodes)
    return nodes
