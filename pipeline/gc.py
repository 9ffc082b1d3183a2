"""Retention: deletes old artifacts and serving versions that nothing kept depends on.

Kept:
- every artifact the newest ``keep_runs`` runs produced or read (cached reuse included), and the
  artifacts those were made from, transitively;
- the newest ``keep_versions`` *loadable* versions of every served model folder, as they are on
  disk now (a version recorded in the run store but deleted by hand counts for nothing), and
  every artifact they were made from. Older version folders go; one newer than the oldest kept
  that does not load is left alone. A folder with no loadable version loses nothing: gc never
  deletes the last loadable version (see :meth:`ServingFolder.retention`), and checks again under
  the folder's lock just before it deletes. The served version (the newest loadable) is
  therefore always kept, and so is the lineage of the model each kept version holds: a
  rollback's version has no artifact of its own, so its history record's ``source_version`` is
  followed to the artifact that pushed that version.

An execution folder ``artifacts/<component>/<id>/`` goes when none of its artifacts is kept. A
folder is first renamed to a hidden ``.gc-*`` sibling and then removed, so a crash mid-way never
leaves something that looks whole; the next gc clears what is left. Scratch folders (resume state
of a killed run) are left alone.
"""

from __future__ import annotations

import json
import logging
import os
import shutil
import uuid
from dataclasses import dataclass, field
from pathlib import Path

from components.artifacts import serving_history
from components.artifacts.serving import ServingFolder
from pipeline.store import RunStore

TRASH_PREFIX = ".gc-"
LOG = logging.getLogger("rnnpipe.gc")


@dataclass(frozen=True)
class GcPlan:
    """What a collection would delete.

    Attributes:
        kept_runs: Ids of the runs whose artifacts are kept.
        artifact_dirs: Execution folders to delete.
        versions: Serving version folders to delete.
        kept_versions: Serving version folders kept.
        bytes: Size of everything to delete.
    """

    kept_runs: tuple[str, ...]
    artifact_dirs: tuple[Path, ...]
    versions: tuple[Path, ...]
    kept_versions: tuple[Path, ...] = field(default_factory=tuple)
    bytes: int = 0

    def summary(self) -> dict:
        """The plan as JSON-able data."""
        return {"kept_runs": list(self.kept_runs), "delete_artifacts": [str(p) for p in self.artifact_dirs],
                "delete_versions": [str(p) for p in self.versions],
                "kept_versions": [str(p) for p in self.kept_versions], "bytes": self.bytes}


def folder_size(path: Path) -> int:
    """Bytes of the files below ``path``."""
    return sum(f.stat().st_size for f in path.rglob("*") if f.is_file())


def lineage_closure(artifacts: list[dict], events: list[dict], artifact_ids: set[int]) -> set[int]:
    """``artifact_ids`` and every artifact they were made from, through their producers' inputs.

    Args:
        artifacts: The run store's artifact rows.
        events: Its event rows (only ``input`` events are followed).
        artifact_ids: Where to start.
    """
    producer = {row["id"]: row["execution_id"] for row in artifacts}
    inputs: dict[int, list[int]] = {}
    for event in events:
        if event["kind"] == "input" and event["artifact_id"] is not None:
            inputs.setdefault(event["execution_id"], []).append(event["artifact_id"])
    kept, pending = set(), list(artifact_ids)
    while pending:
        artifact_id = pending.pop()
        if artifact_id in kept:
            continue
        kept.add(artifact_id)
        pending.extend(inputs.get(producer.get(artifact_id), []))
    return kept


def served_versions(store: RunStore) -> dict[Path, dict[int, int | None]]:
    """Per served model folder: each version recorded or present on disk, and the artifact that pushed it (or None)."""
    pushed: dict[Path, dict[int, int | None]] = {}
    for row in store.artifacts("PushedModel"):
        properties = json.loads(row["properties"] or "{}")
        if properties.get("pushed") and properties.get("path"):
            path = Path(properties["path"])
            pushed.setdefault(path.parent, {})[int(path.name)] = row["id"]
    for model_dir, versions in pushed.items():
        for version in ServingFolder(model_dir).versions(complete=False):
            versions.setdefault(version, None)
    return pushed


def pushing_artifact(history: dict[int, int | None], versions: dict[int, int | None], version: int) -> int | None:
    """The artifact that pushed the model ``version`` holds: its own, or for a rollback that of
    the version it copied (followed through the history, each version at most once).

    Args:
        history: Each recorded version's ``source_version`` (None for a push).
        versions: Each version's pushing artifact, as :func:`served_versions` gives it.
        version: The version.
    """
    seen = set()
    while version is not None and version not in seen:
        seen.add(version)
        if versions.get(version) is not None:
            return versions[version]
        version = history.get(version)
    return None


def plan_gc(root: Path, keep_runs: int, keep_versions: int) -> GcPlan:
    """Works out what to delete; deletes nothing.

    Args:
        root: The pipeline root.
        keep_runs: How many of the newest runs keep their artifacts (>= 1).
        keep_versions: How many of the newest versions of each served model stay (>= 1).

    Raises:
        ValueError: If a count is below 1.
    """
    if keep_runs < 1 or keep_versions < 1:
        raise ValueError(f"--keep-runs and --keep-versions must be >= 1, got {keep_runs} and {keep_versions}")
    store = RunStore(root)
    kept_runs = tuple(run["id"] for run in store.runs(limit=keep_runs))
    artifact_rows, events = store.artifacts(), store.events()
    seeds = {event["artifact_id"] for event in events if event["artifact_id"] is not None
             and event["run_id"] in kept_runs}
    doomed_versions, kept_version_dirs = [], []
    for model_dir, versions in served_versions(store).items():
        folder = ServingFolder(model_dir)
        kept, doomed = folder.retention(keep_versions)
        history = {record.version: record.source_version for record in serving_history.read(folder)}
        seeds.update(artifact for artifact in (pushing_artifact(history, versions, version) for version in kept)
                     if artifact is not None)
        kept_version_dirs.extend(folder.version_path(version) for version in kept)
        doomed_versions.extend(folder.version_path(version) for version in doomed)
    kept = lineage_closure(artifact_rows, events, seeds)
    kept_dirs = {Path(row["uri"]).parent for row in artifact_rows if row["id"] in kept}
    doomed_dirs = []
    artifacts = root / "artifacts"
    if artifacts.is_dir():
        for component in sorted(p for p in artifacts.iterdir() if p.is_dir()):
            for execution in sorted(component.iterdir(), key=lambda p: p.name):
                if execution.name.isdigit() and execution not in kept_dirs:
                    doomed_dirs.append(execution)
    size = sum(folder_size(p) for p in [*doomed_dirs, *doomed_versions])
    return GcPlan(kept_runs, tuple(doomed_dirs), tuple(sorted(doomed_versions)), tuple(sorted(kept_version_dirs)),
                  size)


def remove(path: Path) -> None:
    """Renames ``path`` to a hidden sibling, then deletes it (and leftovers of an interrupted gc)."""
    if path.is_dir():
        trash = path.with_name(f"{TRASH_PREFIX}{path.name}-{uuid.uuid4().hex[:8]}")
        os.rename(path, trash)
        shutil.rmtree(trash)
    for leftover in path.parent.glob(f"{TRASH_PREFIX}*"):
        shutil.rmtree(leftover, ignore_errors=True)


def apply_gc(plan: GcPlan) -> None:
    """Deletes what ``plan`` lists. Serving versions go under the lock of their model folder, and
    only while a loadable version that the plan keeps is still there (one deleted by hand since
    the plan was made leaves the folder as it is)."""
    for path in plan.artifact_dirs:
        remove(path)
    for model_dir in sorted({path.parent for path in plan.versions}):
        folder = ServingFolder(model_dir)
        with folder.lock():
            doomed = [path for path in plan.versions if path.parent == model_dir]
            if not any(folder.is_loadable(version) for version in folder.versions(complete=False)
                       if folder.version_path(version) not in doomed):
                LOG.warning("gc: %s has no loadable version left besides those planned for deletion; "
                            "deleting none of its versions", model_dir)
                continue
            for path in doomed:
                remove(path)
