"""What one pipeline run did, read back from the run store: its executions, and the artifacts
each one produced or reused (with the run that first produced them)."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from components.types import Artifact
from pipeline.store import RunStore


@dataclass(frozen=True)
class Output:
    """One output artifact of a component in the run.

    Attributes:
        artifact: The artifact, loaded from its folder.
        produced_by: The run that produced it (another run's id when the component was cached).
    """

    artifact: Artifact
    produced_by: str


@dataclass(frozen=True)
class RunRecord:
    """One run as the run store recorded it.

    Attributes:
        run_id: The run's id.
        config: Its config record (source, overrides, Beam args, spans).
        executed: Components that ran and completed, in order.
        cached: Components reused from cache, in order.
        failed: Components whose execution failed or was interrupted.
        outputs: Each completed component's outputs by name.
        started: When the run started (seconds since the epoch), or None.
    """

    run_id: str
    config: dict[str, Any] = field(default_factory=dict)
    executed: tuple[str, ...] = ()
    cached: tuple[str, ...] = ()
    failed: tuple[str, ...] = ()
    outputs: dict[str, dict[str, Output]] = field(default_factory=dict)
    started: float | None = None

    def output(self, component: str, name: str) -> Output | None:
        """One output of a component, or None when the run has none (stopped before it, failed)."""
        return self.outputs.get(component, {}).get(name)


def read_run(store: RunStore, run_id: str) -> RunRecord:
    """The run's record. Artifacts whose folders are gone are left out.

    Raises:
        KeyError: If the store has no such run.
    """
    run = store.run(run_id)
    if run is None:
        raise KeyError(f"run store {store.path} has no run {run_id!r}")
    executions = {row["id"]: row for row in run["executions"] if row["component"]}
    complete = [row for row in executions.values() if row["status"] == "complete"]
    events = sorted(store.events("output"), key=lambda event: event["execution_id"])
    first_run: dict[int, str] = {}  # an artifact's first output event is its producer's: it names the run
    for event in events:
        first_run.setdefault(event["artifact_id"], event["run_id"])
    rows = {row["id"]: row for row in store.artifacts()}
    outputs: dict[str, dict[str, Output]] = {}
    for event in events:
        execution = executions.get(event["execution_id"])
        row = rows.get(event["artifact_id"])
        if execution is None or execution["status"] != "complete" or row is None or not Path(row["uri"]).is_dir():
            continue
        outputs.setdefault(execution["component"], {})[event["name"]] = Output(
            Artifact.load(row["uri"]), first_run[event["artifact_id"]])
    return RunRecord(
        run_id=run_id,
        config=json.loads(run["config"] or "{}"),
        executed=tuple(row["component"] for row in complete if not row["cached"]),
        cached=tuple(row["component"] for row in complete if row["cached"]),
        failed=tuple(row["component"] for row in executions.values() if row["status"] in ("failed", "interrupted")),
        outputs=outputs,
        started=run["started"],
    )
