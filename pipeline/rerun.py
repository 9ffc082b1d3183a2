"""Re-run control: components a run executes whatever the cache holds (``--force``), and the
upstream outputs it takes from the newest complete run of its pipeline (``--from``).

``--force C`` executes C and every component downstream of it (its descendants in the DAG);
``--force all`` executes every component. ``--from C`` takes the outputs of every component before
C (in the pipeline's order) from the newest complete run of the same pipeline name, without
looking at their cache keys, and then runs as ``--force C`` does.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Mapping

from pipeline.dag import Node
from pipeline.errors import UsageError
from pipeline.runner import Taken, damaged_artifact, load_artifacts
from pipeline.store import RunStore

ALL = "all"  # --force all


@dataclass(frozen=True)
class RerunPlan:
    """What a run does instead of asking the cache.

    Attributes:
        forced: Every component it executes regardless of the cache, in DAG order.
        started_from: The ``--from`` component, or None.
        reused_run: The run whose outputs the components before it take, or None.
        taken: Those outputs, by component.
    """

    forced: tuple[str, ...] = ()
    started_from: str | None = None
    reused_run: str | None = None
    taken: Mapping[str, Taken] = field(default_factory=dict)

    def record(self) -> dict[str, Any]:
        """What the run store keeps of it, with the run's config record."""
        return {"forced": list(self.forced), "start_from": self.started_from, "reused_run": self.reused_run}

    def summary_fields(self) -> dict[str, Any]:
        """The :class:`~pipeline.summary.RunSummary` fields it sets (None when nothing was forced)."""
        return {"forced": self.forced or None, "started_from": self.started_from, "reused_run": self.reused_run}


def check_names(nodes: Sequence[Node], force: Sequence[str], start_from: str | None,
                until: str | None = None) -> None:
    """Checks ``--force`` and ``--from`` against the DAG's components, before anything runs.

    Raises:
        UsageError: Naming an unknown component and the known ones, a ``--from`` component after
            ``--until``'s, or a ``--force`` component before ``--from``'s (its outputs are taken).
    """
    names = [node.name for node in nodes]
    for option, name in [*(("--force", name) for name in force), ("--from", start_from)]:
        if name is not None and name not in names and not (option == "--force" and name == ALL):
            known = ", ".join(names) + (f" (or {ALL})" if option == "--force" else "")
            raise UsageError(f"{option} {name!r}: this pipeline has no such component; its components are {known}")
    if start_from is None:
        return
    if until is not None and until in names and names.index(until) < names.index(start_from):
        raise UsageError(f"--from {start_from!r} comes after --until {until!r}: nothing would run from it")
    earlier = [name for name in force if name in names and names.index(name) < names.index(start_from)]
    if earlier:
        raise UsageError(f"--force {earlier[0]!r} comes before --from {start_from!r}, whose upstream outputs are "
                         f"taken from the newest complete run; force it without --from, or --from {earlier[0]}")


def downstream(nodes: Sequence[Node], names: Sequence[str]) -> tuple[str, ...]:
    """``names`` and every component that takes an input from one of them, transitively, in DAG order
    (every component for ``all``)."""
    if ALL in names:
        return tuple(node.name for node in nodes)
    reached: set[str] = set(names)
    for node in nodes:  # topological order: a node's upstreams come first
        if any(upstream in reached for upstream, _ in node.inputs.values()):
            reached.add(node.name)
    return tuple(node.name for node in nodes if node.name in reached)


def take_outputs(nodes: Sequence[Node], store: RunStore, pipeline: str, start_from: str) -> tuple[str | None, dict]:
    """The outputs of the components before ``start_from``, from the newest complete run of ``pipeline``.

    Returns:
        ``(that run's id, {component: Taken})``; ``(None, {})`` when nothing comes before it.

    Raises:
        UsageError: If there is no complete run of the pipeline, it has no complete execution of
            one of those components (it stopped before it, or ran without it), or one of their
            artifacts is missing or altered (gc deleted it, or it was edited).
    """
    names = [node.name for node in nodes]
    before = nodes[:names.index(start_from)]
    if not before:
        return None, {}
    run = store.newest_complete_run(pipeline)
    where = f"--from {start_from}"
    if run is None:
        raise UsageError(f"{where}: the run store {store.path} has no complete run of pipeline {pipeline!r} to take "
                         f"the outputs of {', '.join(node.name for node in before)} from; run the whole pipeline first")
    executions = {execution["component"]: execution for execution in store.run(run["id"])["executions"]
                  if execution["status"] == "complete"}
    taken = {}
    for node in before:
        execution = executions.get(node.name)
        rows = store.execution_outputs(execution["id"]) if execution else []
        absent = sorted(set(node.spec.outputs) - {row["name"] for row in rows})
        if absent:
            raise UsageError(f"{where}: the newest complete run {run['id']} of pipeline {pipeline!r} has no "
                             f"output{'s' if len(absent) > 1 else ''} {', '.join(absent)} of {node.name} (it stopped "
                             f"before it, or ran without it); run the whole pipeline, or --from an earlier component")
        damaged = damaged_artifact(rows)
        if damaged is not None:
            raise UsageError(f"{where}: {damaged}, an output of {node.name} in run {run['id']}, is missing or "
                             f"altered (gc deletes old artifacts); run without --from, or --from an earlier component")
        taken[node.name] = Taken(load_artifacts(rows), execution["cache_key"], execution["baseline"])
    return run["id"], taken


def plan_rerun(nodes: Sequence[Node], store: RunStore, pipeline: str, force: Sequence[str] = (),
               start_from: str | None = None) -> RerunPlan:
    """What ``--force`` and ``--from`` ask of this run (checked by :func:`check_names` first).

    Raises:
        UsageError: See :func:`take_outputs`.
    """
    requested = [*force, *([start_from] if start_from else [])]
    reused_run, taken = take_outputs(nodes, store, pipeline, start_from) if start_from else (None, {})
    forced = tuple(name for name in downstream(nodes, requested) if name not in taken) if requested else ()
    return RerunPlan(forced, start_from, reused_run, taken)
