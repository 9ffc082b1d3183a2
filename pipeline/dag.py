"""The pipeline DAG: components wired by named inputs and outputs, checked when assembled."""

from __future__ import annotations

from dataclasses import dataclass, field
from types import ModuleType
from typing import Any, Mapping, Sequence

from components import evaluator, example_gen, exporter, statistics, trainer, transform, tuner
from pipeline.config import PipelineConfig


@dataclass(frozen=True)
class Node:
    """One component in the DAG.

    Attributes:
        component: The component module (``NAME``, ``INPUTS``, ``OUTPUTS``, ``run``).
        params: Its frozen params dataclass.
        inputs: Input name -> ``(upstream node name, upstream output name)``.
    """

    component: ModuleType
    params: Any
    inputs: Mapping[str, tuple[str, str]] = field(default_factory=dict)

    @property
    def name(self) -> str:
        """The component's name."""
        return self.component.NAME


def check_dag(nodes: Sequence[Node]) -> None:
    """Checks every input is wired to an existing output of an earlier node.

    Raises:
        ValueError: Naming the node and the input that does not fit.
    """
    seen: dict[str, Node] = {}
    for node in nodes:
        missing = set(node.component.INPUTS) - set(node.inputs)
        if missing:
            raise ValueError(f"{node.name}: inputs {sorted(missing)} are not wired")
        accepted = set(node.component.INPUTS) | set(getattr(node.component, "OPTIONAL_INPUTS", ()))
        unknown = set(node.inputs) - accepted
        if unknown:
            raise ValueError(f"{node.name}: it takes no inputs {sorted(unknown)}")
        for name, (upstream, output) in node.inputs.items():
            if upstream not in seen:
                raise ValueError(f"{node.name}.{name}: upstream {upstream!r} does not run before it")
            if output not in seen[upstream].component.OUTPUTS:
                raise ValueError(f"{node.name}.{name}: {upstream} has no output {output!r}")
        seen[node.name] = node


def build_dag(cfg: PipelineConfig, extra_beam_args: Sequence[str] = (),
              spans: Sequence[tuple[str, str]] = ()) -> list[Node]:
    """The standard pipeline: example_gen -> [statistics ->] transform -> [tuner ->] trainer -> evaluator -> exporter.

    Args:
        cfg: The validated config, paths resolved.
        extra_beam_args: Beam options from the command line.
        spans: ``(span id, path)`` of the spans to read when ``data.path`` names spans.
    """
    beam_args = tuple(cfg.beam.args) + tuple(extra_beam_args)
    shards = cfg.beam.num_shards
    transformed = {"transformed_examples": ("transform", "transformed_examples"),
                   "transform_graph": ("transform", "transform_graph")}
    tuning = [Node(tuner, cfg.tuner, transformed)] if cfg.tuner.enabled else []
    tuned = {"hyperparameters": ("tuner", "best_hyperparameters")} if cfg.tuner.enabled else {}
    validation = ([Node(statistics, statistics.StatisticsParams(cfg.kind, cfg.validation, beam_args),
                        {"examples": ("example_gen", "examples")})] if cfg.validation.enabled else [])
    nodes = [
        Node(example_gen, example_gen.ExampleGenParams(cfg.kind, cfg.data, shards, beam_args, tuple(spans))),
        *validation,
        Node(transform, transform.TransformParams(cfg.kind, cfg.data, shards, beam_args),
             {"examples": ("example_gen", "examples")}),
        *tuning,
        Node(trainer, cfg.trainer, {**transformed, **tuned}),
        Node(evaluator, cfg.evaluator,
             {"examples": ("example_gen", "examples"), "model": ("trainer", "model"),
              "transform_graph": ("transform", "transform_graph")}),
        Node(exporter, exporter.ExporterParams(cfg.kind, cfg.data, cfg.exporter.serving_dir, cfg.model_name),
             {"examples": ("example_gen", "examples"), "model": ("trainer", "model"),
              "transform_graph": ("transform", "transform_graph"), "evaluation": ("evaluator", "evaluation")}),
    ]
    check_dag(nodes)
    return nodes
