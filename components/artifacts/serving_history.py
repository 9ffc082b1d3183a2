"""The served model's history: one record per published version, in ``history.jsonl``.

The file sits in the model's serving folder (``<serving_dir>/<model_name>/history.jsonl``;
TensorFlow Serving ignores entries whose names are not numbers) and is only ever appended to,
one JSON object a line (:class:`PushRecord`), under :meth:`ServingFolder.lock`, flushed and
fsynced. A line torn by a kill mid-append is skipped on read, with a warning, and the next
append starts on a fresh line.

The same record is stamped into the version folder (``push_record.json``) before the version
is renamed into place (:func:`stamp`), so a version and its record appear together: a kill
between the rename and the append leaves a version whose record :func:`read` still finds, and
:func:`record_published` appends it the next time. Versions published before the history
existed have no record; :func:`read` leaves them out, and ``rnnpipe versions`` lists them from
the folder.
"""

from __future__ import annotations

import dataclasses
import json
import logging
import os
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Mapping

from components.artifacts.serving import ServingFolder, fsync_path
from models.atomic_files import write_json

HISTORY_FILE = "history.jsonl"
RECORD_FILE = "push_record.json"
ACTIONS = ("push", "force_push", "rollback")
LOG = logging.getLogger("rnnpipe.serving_history")


@dataclass(frozen=True)
class PushRecord:
    """How one version came to be published.

    Attributes:
        version: The version number.
        pushed_at: When, ISO-8601 UTC (``2026-12-01T21:30:00Z``).
        run_id: The pipeline run that pushed it; None for a rollback.
        action: ``push`` (blessed), ``force_push`` (pushed although not blessed) or ``rollback``.
        reason: Why it was pushed: the blessing, or the reason given.
        blessed: Whether the evaluator blessed the model it holds.
        metrics: The evaluator's metrics of that model.
        source_version: The version a rollback copied; None otherwise.
    """

    version: int
    pushed_at: str
    run_id: str | None
    action: str
    reason: str
    blessed: bool
    metrics: Mapping[str, Any] = field(default_factory=dict)
    source_version: int | None = None

    def __post_init__(self):
        if self.action not in ACTIONS:
            raise ValueError(f"action must be one of {', '.join(ACTIONS)}, got {self.action!r}")

    def to_dict(self) -> dict[str, Any]:
        """The record as JSON-able data (one line of the history)."""
        return {**dataclasses.asdict(self), "metrics": dict(self.metrics)}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> "PushRecord":
        """The record of one history line.

        Raises:
            KeyError, TypeError, ValueError: If ``data`` is not a record.
        """
        return cls(version=int(data["version"]), pushed_at=str(data["pushed_at"]), run_id=data.get("run_id"),
                   action=data["action"], reason=str(data.get("reason", "")), blessed=bool(data["blessed"]),
                   metrics=dict(data.get("metrics") or {}), source_version=data.get("source_version"))


def now_utc() -> str:
    """The current time, ISO-8601 UTC to the second."""
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())


def history_path(folder: ServingFolder) -> Path:
    """The history file of ``folder``."""
    return folder.model_dir / HISTORY_FILE


def stamp(draft: PushRecord) -> Callable[[int, Path], None]:
    """A ``stamp`` for :meth:`ServingFolder.publish`: writes ``draft`` with the version number
    it is given into the version's temporary folder, flushed to disk."""
    def write(version: int, tmp: Path) -> None:
        path = tmp / RECORD_FILE
        write_json(path, dataclasses.replace(draft, version=version).to_dict())
        fsync_path(path)
    return write


def stamped(folder: ServingFolder, version: int) -> PushRecord | None:
    """The record stamped into ``version``'s folder, or None (none, or unreadable)."""
    path = folder.version_path(version) / RECORD_FILE
    if not path.is_file():
        return None
    try:
        return PushRecord.from_dict(json.loads(path.read_text()))
    except (ValueError, KeyError, TypeError) as error:
        LOG.warning("%s: not a push record (%s); ignored", path, error)
        return None


def read_lines(folder: ServingFolder) -> list[PushRecord]:
    """The records of the history file, in file order; a line that does not parse is skipped
    with a warning naming the file and line (a kill mid-append tears the last one)."""
    path = history_path(folder)
    if not path.is_file():
        return []
    records = []
    for number, line in enumerate(path.read_text(encoding="utf-8", errors="replace").splitlines(), start=1):
        if not line.strip():
            continue
        try:
            records.append(PushRecord.from_dict(json.loads(line)))
        except (ValueError, KeyError, TypeError) as error:
            LOG.warning("%s line %d: not a complete record (%s: a write interrupted mid-line?); ignored",
                        path, number, type(error).__name__)
    return records


def read(folder: ServingFolder) -> list[PushRecord]:
    """The history of ``folder``, by version: the file's records, and the records stamped into
    present versions that the file lacks (a kill between a version's rename and its append).

    A version recorded twice keeps its first record.
    """
    records: dict[int, PushRecord] = {}
    for record in read_lines(folder):
        records.setdefault(record.version, record)
    for version in folder.versions(complete=False):
        if version not in records:
            found = stamped(folder, version)
            if found is not None:
                records[version] = found
    return [records[version] for version in sorted(records)]


def append_unlocked(folder: ServingFolder, record: PushRecord) -> None:
    """Appends ``record`` as one line, flushed and fsynced; the caller holds the folder's lock.

    A torn last line (no newline at the end) is closed first, so the record starts a line.
    """
    path = history_path(folder)
    line = json.dumps(record.to_dict(), sort_keys=True) + "\n"
    with open(path, "ab+") as handle:
        handle.seek(0, os.SEEK_END)
        if handle.tell() > 0:
            handle.seek(-1, os.SEEK_END)
            if handle.read(1) != b"\n":
                line = "\n" + line
        handle.write(line.encode("utf-8"))
        handle.flush()
        os.fsync(handle.fileno())


def append(folder: ServingFolder, record: PushRecord) -> None:
    """Appends ``record`` to the history of ``folder``, under its lock, durably."""
    with folder.lock():
        append_unlocked(folder, record)


def record_published(folder: ServingFolder, version: int) -> PushRecord | None:
    """Appends the record stamped into ``version`` unless the history file has one for it.

    Idempotent: a re-run after a kill between the rename and the append completes the history.

    Returns:
        The version's record, or None when it has none (published before the history).
    """
    with folder.lock():
        recorded = {record.version: record for record in read_lines(folder)}
        if version in recorded:
            return recorded[version]
        record = stamped(folder, version)
        if record is not None:
            append_unlocked(folder, record)
        return record


def served(folder: ServingFolder) -> int | None:
    """The version TensorFlow Serving serves: the newest loadable one, or None."""
    return folder.newest()
