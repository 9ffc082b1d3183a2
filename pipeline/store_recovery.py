"""Recovering a damaged or emptied run store from the artifact folders: ``rnnpipe store recover``.

The damaged ``runs.sqlite`` (and its journal files) are moved aside to ``*.damaged-<UTC time>``,
never deleted. A new store is built from what each artifact records about itself: the card
``artifacts/<component>/<id>/<name>/artifact.json`` names its type, producer, run, fingerprint and
properties. So gc's retention, the served versions' records and ``rnnpipe runs`` work again.

What only the old store held is lost: cache keys (the next run recomputes each step once), input
events (the lineage between runs), failed and cached executions, and run summaries.
"""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import tempfile
import time
from contextlib import closing
from dataclasses import asdict, dataclass, field
from pathlib import Path

from components.types import ARTIFACT_FILE
from pipeline.errors import UsageError
from pipeline.lock import root_lock
from pipeline.store import ARTIFACTS_DIR, STORE_FILE, RunStore, execution_folders, is_damage

# SQLite's companions of a database file, which belong to the damaged file and must not meet a new one.
JOURNAL_SUFFIXES = ("-journal", "-wal", "-shm")
BUILDING_PREFIX = ".store-recovery-"  # the hidden folder of the root where the new store is built


@dataclass(frozen=True)
class RecoveryReport:
    """What a recovery did.

    Attributes:
        store: The new run store.
        moved_aside: The damaged file and its journals, where they now are.
        runs: Runs re-indexed.
        executions: Executions re-indexed.
        artifacts: Artifacts re-indexed.
        skipped: Artifact cards that could not be read, left out of the new store.
    """

    store: str
    moved_aside: list[str] = field(default_factory=list)
    runs: int = 0
    executions: int = 0
    artifacts: int = 0
    skipped: list[str] = field(default_factory=list)

    def summary(self) -> dict:
        """The report as JSON-able data."""
        return asdict(self)

    def describe(self) -> str:
        """The report as lines for a person."""
        lines = [f"moved aside: {path}" for path in self.moved_aside]
        lines.append(f"new run store {self.store}: {self.runs} run(s), {self.executions} execution(s), "
                     f"{self.artifacts} artifact(s) re-indexed from the artifact folders")
        lines += [f"skipped unreadable card: {path}" for path in self.skipped]
        return "\n".join(lines)


def recorded_executions(path: Path, scratch: Path) -> int | None:
    """How many executions a whole store records (0 for an emptied one); None when it is damaged.

    SQLite reads a copy of the file and its journals in ``scratch``: opening a store may roll back
    or delete its journal, and the damaged originals are kept as they are.
    """
    for name in (path.name, *(path.name + suffix for suffix in JOURNAL_SUFFIXES)):
        if path.with_name(name).exists():
            shutil.copyfile(path.with_name(name), scratch / name)
    try:
        with closing(sqlite3.connect(scratch / path.name, timeout=30)) as db:
            if db.execute("PRAGMA integrity_check").fetchone()[0] != "ok":
                return None
            tables = {row[0] for row in db.execute("SELECT name FROM sqlite_master WHERE type='table'")}
            return db.execute("SELECT count(*) FROM executions").fetchone()[0] if "executions" in tables else 0
    except sqlite3.DatabaseError as error:
        if is_damage(error):
            return None
        raise


def aside_targets(path: Path, stamp: str) -> list[tuple[Path, Path]]:
    """The store file and its journals that exist, each with its ``<name>.damaged-<stamp>`` name."""
    moves = []
    for name in (path.name, *(path.name + suffix for suffix in JOURNAL_SUFFIXES)):
        source = path.with_name(name)
        if not source.exists():
            continue
        target, copies = path.with_name(f"{name}.damaged-{stamp}"), 1
        while target.exists():  # a second recovery within the same second
            target, copies = path.with_name(f"{name}.damaged-{stamp}-{copies}"), copies + 1
        moves.append((source, target))
    return moves


def read_card(card: Path) -> dict | None:
    """An artifact card with the keys a re-index needs, or None when it is unreadable."""
    try:
        meta = json.loads(card.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError):
        return None
    if not isinstance(meta, dict) or not all(isinstance(meta.get(key), str) for key in ("type", "run_id")):
        return None
    return meta


def reindex(store: RunStore, root: Path, recovered_from: str | None) -> tuple[int, int, int, list[str]]:
    """Records every execution folder under ``root`` whose cards can be read.

    Returns:
        ``(runs, executions, artifacts, skipped cards)``.
    """
    runs: dict[str, list[float]] = {}
    executions = artifacts = 0
    skipped = []
    for folder in sorted(execution_folders(root), key=lambda folder: int(folder.name)):
        cards = []
        for card in sorted(folder.glob(f"*/{ARTIFACT_FILE}")):
            meta = read_card(card)
            if meta is None:
                skipped.append(str(card))
            else:
                cards.append((card.parent, meta))
        if not cards:
            continue
        run_id, written = cards[0][1]["run_id"], folder.stat().st_mtime
        store.add_recovered_execution(int(folder.name), run_id, folder.parent.name, written, written)
        runs.setdefault(run_id, []).append(written)
        executions += 1
        for uri, meta in cards:
            store.add_artifact(int(folder.name), uri.name, meta["type"], str(uri), str(meta.get("fingerprint", "")),
                               meta.get("properties") or {})
            artifacts += 1
    for run_id, times in runs.items():
        store.add_recovered_run(run_id, {"source": None, "recovered_from": recovered_from}, min(times), max(times))
    return len(runs), executions, artifacts, skipped


def recover_store(root: str | Path, *, force: bool = False, lock_timeout: float = 0.0) -> RecoveryReport:
    """Replaces a damaged or emptied run store by one re-indexed from the artifact folders.

    Under the root lock, the new store is built in a hidden folder of the root first; then the old
    file and its journals are moved aside (never deleted) and the new one is renamed into place.
    Interrupted at any point, the root holds the old store, the new one, or (between the two
    renames) none beside the moved-aside file; the recovery can run again.

    Args:
        root: The pipeline root.
        force: Rebuild even a whole store that records executions (what only it holds is lost).
        lock_timeout: Seconds to wait for a running pipeline.

    Returns:
        What was moved aside and re-indexed.

    Raises:
        UsageError: If ``root`` holds neither a run store nor artifacts, or its store is whole
            and records executions (without ``force``).
        LockedError: If a run holds the root past ``lock_timeout``.
    """
    root = Path(root)
    path = root / STORE_FILE
    if not path.exists() and not (root / ARTIFACTS_DIR).is_dir():
        raise UsageError(f"{root} is not a pipeline root (no {STORE_FILE}, no {ARTIFACTS_DIR}/)")
    with root_lock(root, lock_timeout), tempfile.TemporaryDirectory(prefix=BUILDING_PREFIX, dir=root) as building:
        for leftover in root.glob(f"{BUILDING_PREFIX}*"):  # of a recovery that was killed
            if leftover != Path(building):
                shutil.rmtree(leftover, ignore_errors=True)
        checked = Path(building, "checked")
        checked.mkdir()
        recorded = recorded_executions(path, checked) if path.exists() else 0
        if recorded and not force:
            raise UsageError(f"{path} is healthy and records {recorded} execution(s): nothing to recover "
                             f"(--force rebuilds it from the artifact folders, losing what only it records)")
        moves = aside_targets(path, time.strftime("%Y%m%dT%H%M%SZ", time.gmtime()))
        counts = reindex(RunStore(building), root, str(moves[0][1]) if path.exists() else None)
        for source, target in moves:  # the new store is whole before the old one leaves its place
            os.rename(source, target)
        os.rename(Path(building, STORE_FILE), path)
    runs, executions, artifacts, skipped = counts
    return RecoveryReport(str(path), [str(target) for _, target in moves], runs, executions, artifacts, skipped)
