"""The local runner: executes a DAG with caching, atomic artifacts and a recorded lineage."""

from __future__ import annotations

import dataclasses
import logging
import os
import shutil
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Collection, Mapping, Sequence

from components.types import ARTIFACT_FILE, Artifact, OutputDir, fingerprint_dir
from models.atomic_files import write_json
from pipeline.cache import SourceTree, baseline_of, cache_key
from pipeline.dag import Node
from pipeline.interrupts import during
from pipeline.memory import measure_peak
from pipeline.store import RunStore

LOG = logging.getLogger("rnnpipe.runner")


@dataclass
class RunOutcome:
    """What a run produced: artifacts per node, and which nodes were cached."""

    outputs: dict[str, dict[str, Artifact]] = field(default_factory=dict)
    cached: list[str] = field(default_factory=list)
    executed: list[str] = field(default_factory=list)
    seconds: dict[str, float] = field(default_factory=dict)
    checks: dict[str, Any] = field(default_factory=dict)
    memory: dict[str, dict[str, Any]] = field(default_factory=dict)  # each executed node's peaks (pipeline.memory)


@dataclass(frozen=True)
class Taken:
    """Outputs a run takes from an earlier run's execution without asking the cache (``--from``).

    Attributes:
        outputs: The artifacts, by output name.
        cache_key: The key of the execution they come from (recorded with this run's execution).
        baseline: Its baseline, likewise.
    """

    outputs: dict[str, Artifact]
    cache_key: str | None
    baseline: str | None = None


def damaged_artifact(rows: Sequence[Mapping[str, Any]]) -> Path | None:
    """The first recorded artifact whose files were deleted or altered since it was written (it no
    longer matches its fingerprint), or None when every one is intact."""
    for row in rows:
        uri = Path(row["uri"])
        if not (uri / ARTIFACT_FILE).exists() or fingerprint_dir(uri) != row["fingerprint"]:
            return uri
    return None


def load_artifacts(rows: Sequence[Mapping[str, Any]]) -> dict[str, Artifact]:
    """Recorded artifacts, loaded from their folders, by output name."""
    return {row["name"]: Artifact.load(Path(row["uri"])) for row in rows}


def reuse_cached(store: RunStore, key: str) -> dict[str, Artifact] | None:
    """The outputs of an earlier execution with the same key, if they are intact.

    An artifact whose files were deleted or altered since it was written is not trusted.
    """
    found = store.cached_outputs(key)
    if not found:
        return None
    _, rows = found
    damaged = damaged_artifact(rows)
    if damaged is not None:
        LOG.warning("cached artifact %s is missing or altered; recomputing", damaged)
        return None
    return load_artifacts(rows)


def finalize(outputs: dict[str, Artifact], staging: Path, final: Path, node: Node, run_id: str) -> dict[str, Artifact]:
    """Fingerprints each output, writes its ``artifact.json`` and renames the lot into place."""
    finished = {}
    for name, artifact in outputs.items():
        fingerprint = fingerprint_dir(artifact.uri)
        write_json(Path(artifact.uri, ARTIFACT_FILE), {
            "type": artifact.type, "producer": node.name, "run_id": run_id, "name": name,
            "fingerprint": fingerprint, "properties": dict(artifact.properties)})
        finished[name] = dataclasses.replace(artifact, uri=final / name, fingerprint=fingerprint)
    os.rename(staging, final)
    return finished


def execute(nodes: Sequence[Node], root: Path, store: RunStore, run_id: str,
            progress=LOG.info, before_execution: Callable[[str], None] | None = None,
            forced: Collection[str] = (), taken: Mapping[str, Taken] | None = None) -> RunOutcome:
    """Runs the DAG in order, reusing cached executions.

    Args:
        nodes: Checked DAG nodes in topological order.
        root: The pipeline root (``artifacts/``, ``scratch/`` live under it).
        store: The run store.
        run_id: This run's id.
        progress: Called with printf-style progress messages.
        before_execution: Called with a component's name just before it executes (not when it is
            cached), e.g. to load TensorFlow quietly only when some component needs it.
        forced: Components that execute whatever the cache holds (``--force``).
        taken: Components that reuse these outputs instead of the cache's (``--from``); they
            count as cached.

    Returns:
        The run's outcome.

    Raises:
        Exception: The first component failure, after it is recorded.
        Interrupted: On SIGTERM or SIGINT, naming the component, after its staging folder is
            removed and its execution recorded as interrupted.
    """
    outcome = RunOutcome()
    source = SourceTree()
    for index, node in enumerate(nodes, 1):
        with during(node.name):  # an interruption names the component it stopped
            inputs = {name: outcome.outputs[up][out] for name, (up, out) in node.inputs.items()}
            started = time.perf_counter()
            take = taken.get(node.name) if taken else None
            if take is not None:
                reused, key, baseline = take.outputs, take.cache_key, take.baseline
            else:
                baseline = baseline_of(node, inputs)
                key = cache_key(node, inputs, source.fingerprint(node), baseline)
                reused = None if node.name in forced else reuse_cached(store, key)
            stale = (node.spec.stale_outputs(reused, node.params)
                     if reused is not None and node.spec.stale_outputs is not None else None)
            if stale:  # intact, but what they name outside the root is gone (a deleted served version)
                LOG.warning("cached %s is stale: %s; running it again", node.name, stale)
                reused = None
            execution_id = store.start_execution(run_id, node.name, key, cached=reused is not None, baseline=baseline)
            for name, artifact in inputs.items():
                store.add_event(execution_id, store.artifact_id(str(artifact.uri)), "input", name)
            if reused is not None:
                outputs = reused
                outcome.cached.append(node.name)
                progress("[%d/%d] %s: %s", index, len(nodes), node.name,
                         "taken from an earlier run (--from)" if take is not None else "cached")
            else:
                if before_execution is not None:
                    before_execution(node.name)
                progress("[%d/%d] %s: running%s", index, len(nodes), node.name,
                         " (forced)" if node.name in forced else "")
                with measure_peak() as memory:
                    outputs = run_node(node, inputs, root, store, run_id, execution_id, key)
                outcome.memory[node.name] = memory.to_dict()
                store.record_memory(execution_id, outcome.memory[node.name])
                outcome.executed.append(node.name)
            if reused is not None:
                for name, artifact in outputs.items():
                    store.add_event(execution_id, store.artifact_id(str(artifact.uri)), "output", name)
            store.end_execution(execution_id, "complete")
            outcome.outputs[node.name] = outputs
            outcome.seconds[node.name] = round(time.perf_counter() - started, 3)
            if reused is None:
                progress("[%d/%d] %s: done in %.1fs", index, len(nodes), node.name, outcome.seconds[node.name])
            if node.spec.check_outputs is not None:  # a gate: raising stops the run, with the outputs kept for reading
                checked = node.spec.check_outputs(outputs, node.params)
                if checked is not None:
                    outcome.checks[node.name] = checked
    return outcome


def run_node(node: Node, inputs: dict[str, Artifact], root: Path, store: RunStore, run_id: str,
             execution_id: int, key: str) -> dict[str, Artifact]:
    """Executes one component into a staging directory and records its outputs."""
    base = root / "artifacts" / node.name
    staging = base / f".staging-{execution_id}"
    final = base / str(execution_id)
    scratch = scratch_dir(root, node.name, key)
    shutil.rmtree(staging, ignore_errors=True)
    staging.mkdir(parents=True)
    scratch.mkdir(parents=True, exist_ok=True)
    try:
        produced = node.spec.run(inputs, node.params, OutputDir(staging, scratch, run_id))
        missing = set(node.spec.outputs) - set(produced)
        if missing:
            raise RuntimeError(f"{node.name} did not produce outputs {sorted(missing)}")
        outputs = finalize(produced, staging, final, node, run_id)
    except BaseException as error:
        shutil.rmtree(staging, ignore_errors=True)
        store.end_execution(execution_id, ending_status(error), f"{type(error).__name__}: {error}")
        raise
    for name, artifact in outputs.items():
        store.add_artifact(execution_id, name, artifact.type, str(artifact.uri), artifact.fingerprint,
                           dict(artifact.properties))
    shutil.rmtree(scratch, ignore_errors=True)
    return outputs


def ending_status(error: BaseException) -> str:
    """The status that an execution or run ended by ``error`` is recorded with: ``interrupted`` for
    SIGINT and SIGTERM (a KeyboardInterrupt), else ``failed``."""
    return "interrupted" if isinstance(error, KeyboardInterrupt) else "failed"


def recover_interrupted(root: Path, store: RunStore) -> list[str]:
    """Cleans up after runs that were killed: marks them, deletes their half-written staging folders.

    Scratch folders stay: they hold resume state (training checkpoints, tuning trials). Call only
    while holding the root lock.

    Returns:
        The ids of the interrupted runs.
    """
    for staging in (root / "artifacts").glob("*/.staging-*"):
        shutil.rmtree(staging, ignore_errors=True)
    return store.mark_interrupted()


def scratch_dir(root: Path, component: str, key: str) -> Path:
    """The scratch directory of an execution: stable across retries of the same cache key."""
    return root / "scratch" / component / key[:24]


def cached_inputs(nodes: Sequence[Node], store: RunStore, target: str) -> tuple[dict[str, Artifact], str] | None:
    """The inputs and cache key ``target`` would run with, if every node before it is cached.

    Used by tuning workers, which join a chief's run without executing anything upstream.

    Returns:
        ``(inputs, key)``, or None while some upstream node has no intact cached execution.
    """
    outputs: dict[str, dict[str, Artifact]] = {}
    source = SourceTree()
    for node in nodes:
        inputs = {name: outputs[up][out] for name, (up, out) in node.inputs.items()}
        key = cache_key(node, inputs, source.fingerprint(node), baseline_of(node, inputs))
        if node.name == target:
            return inputs, key
        reused = reuse_cached(store, key)
        if reused is None:
            return None
        outputs[node.name] = reused
    raise ValueError(f"the pipeline has no {target!r} component")
