"""The run store: runs, executions, artifacts and lineage events in SQLite at the pipeline root."""

from __future__ import annotations

import json
import logging
import sqlite3
import time
from contextlib import closing, contextmanager
from pathlib import Path
from typing import Any, Iterable, Iterator

from pipeline.errors import DamagedStoreError

LOG = logging.getLogger("rnnpipe.store")
STORE_FILE = "runs.sqlite"
# The folder of the execution folders ``artifacts/<component>/<execution id>/``, named by the ids this store hands out.
ARTIFACTS_DIR = "artifacts"
# SQLite's result codes of a file that is not (or no longer) a whole database.
DAMAGE_CODES = ("SQLITE_CORRUPT", "SQLITE_NOTADB")
SCHEMA = """
CREATE TABLE IF NOT EXISTS runs (
    id TEXT PRIMARY KEY, pipeline TEXT, config TEXT, status TEXT,
    started REAL, ended REAL, summary TEXT);
CREATE TABLE IF NOT EXISTS executions (
    id INTEGER PRIMARY KEY AUTOINCREMENT, run_id TEXT, component TEXT, cache_key TEXT,
    status TEXT, cached INTEGER, started REAL, ended REAL, error TEXT);
CREATE TABLE IF NOT EXISTS artifacts (
    id INTEGER PRIMARY KEY AUTOINCREMENT, execution_id INTEGER, name TEXT, type TEXT,
    uri TEXT, fingerprint TEXT, properties TEXT);
CREATE TABLE IF NOT EXISTS events (
    execution_id INTEGER, artifact_id INTEGER, kind TEXT, name TEXT);
CREATE INDEX IF NOT EXISTS executions_by_key ON executions (cache_key, status);
"""
# Columns added since the first schema, as ``(table, column, type)``: added to older stores on open.
ADDED_COLUMNS = (
    ("executions", "baseline", "TEXT"),  # the served version the execution compared with ("none"), or NULL
    ("executions", "memory", "TEXT"),  # JSON peak memory figures of an executed one (pipeline.memory), or NULL
)


def missing_columns(db: sqlite3.Connection) -> list[tuple[str, str, str]]:
    """The entries of :data:`ADDED_COLUMNS` that the store's tables do not have yet."""
    present = {table: {row[1] for row in db.execute(f"PRAGMA table_info({table})")}
               for table in {table for table, _, _ in ADDED_COLUMNS}}
    return [added for added in ADDED_COLUMNS if added[1] not in present[added[0]]]


def is_damage(error: sqlite3.DatabaseError) -> bool:
    """Whether a SQLite error says that the file is damaged, rather than busy, locked or unreadable."""
    if isinstance(error, sqlite3.OperationalError):  # locked, read-only, cannot open, disk I/O, ...
        return error.sqlite_errorname in DAMAGE_CODES
    return type(error) is sqlite3.DatabaseError or error.sqlite_errorname in DAMAGE_CODES


def execution_folders(root: str | Path) -> list[Path]:
    """The execution folders ``artifacts/<component>/<id>/`` under a pipeline root."""
    return [folder for folder in Path(root, ARTIFACTS_DIR).glob("*/*") if folder.name.isdigit() and folder.is_dir()]


def highest_folder_id(root: str | Path) -> int:
    """The highest execution id that names a folder under ``artifacts/`` (0 for none)."""
    return max((int(folder.name) for folder in execution_folders(root)), default=0)


class RunStore:
    """A thin, explicit wrapper over one SQLite file. Every write commits at once.

    A damaged file raises :class:`~pipeline.errors.DamagedStoreError`, naming it, from the open
    and from every query. An execution id is never one that already names an artifact folder, even
    when the file was emptied or replaced (ids then continue past the highest folder on disk).

    Args:
        root: The pipeline root that holds ``runs.sqlite``.
        timeout: Seconds to wait for another process's write lock.
    """

    def __init__(self, root: str | Path, timeout: float = 30.0):
        self.path = Path(root) / STORE_FILE
        self.timeout = timeout
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with self._damage_named(), closing(self._connect()) as db, db:
            db.executescript(SCHEMA)
            recorded = db.execute("SELECT count(*) FROM executions").fetchone()[0]
        self._add_missing_columns()
        if not recorded:
            self._warn_unindexed_folders()

    @contextmanager
    def _damage_named(self) -> Iterator[None]:
        """Turns SQLite's report of a damaged file into a :class:`DamagedStoreError` naming it."""
        try:
            yield
        except sqlite3.DatabaseError as error:
            if is_damage(error):
                raise DamagedStoreError(self.path, str(error)) from error
            raise

    def _warn_unindexed_folders(self) -> None:
        """Says so when a store without executions sits next to artifact folders: it was emptied or lost."""
        folders = execution_folders(self.path.parent)
        if folders:
            LOG.warning("run store %s has no executions but %s holds %d execution folder(s): it was emptied or "
                        "replaced, so their cache and lineage are not indexed; `rnnpipe store recover --root %s` "
                        "re-indexes them", self.path, self.path.parent / ARTIFACTS_DIR, len(folders),
                        self.path.parent)

    def _add_missing_columns(self) -> None:
        """Brings a store written by an older version up to :data:`ADDED_COLUMNS`.

        Only a store that lacks a column is written to, under a write lock taken before looking
        again, so that two processes opening one old store add each column once.
        """
        with self._damage_named(), closing(self._connect()) as db:
            if not missing_columns(db):
                return
            db.isolation_level = None
            db.execute("BEGIN IMMEDIATE")
            try:
                for table, column, type_ in missing_columns(db):
                    db.execute(f"ALTER TABLE {table} ADD COLUMN {column} {type_}")
                db.execute("COMMIT")
            except BaseException:
                db.execute("ROLLBACK")
                raise

    def _connect(self) -> sqlite3.Connection:
        db = sqlite3.connect(self.path, timeout=self.timeout)
        db.row_factory = sqlite3.Row
        return db

    def _write(self, sql: str, args: Iterable[Any]) -> int:
        with self._damage_named(), closing(self._connect()) as db, db:
            return db.execute(sql, tuple(args)).lastrowid

    def _read(self, sql: str, args: Iterable[Any] = ()) -> list[dict]:
        with self._damage_named(), closing(self._connect()) as db:
            return [dict(row) for row in db.execute(sql, tuple(args))]

    def start_run(self, run_id: str, pipeline: str, config: dict) -> None:
        """Records a new run as ``running``."""
        self._write("INSERT INTO runs VALUES (?, ?, ?, 'running', ?, NULL, NULL)",
                    (run_id, pipeline, json.dumps(config, default=str), time.time()))

    def end_run(self, run_id: str, status: str, summary: dict) -> None:
        """Marks a run finished with its status and JSON summary."""
        self._write("UPDATE runs SET status=?, ended=?, summary=? WHERE id=?",
                    (status, time.time(), json.dumps(summary, default=str), run_id))

    def mark_interrupted(self) -> list[str]:
        """Marks runs and executions still ``running`` as ``interrupted``; returns those run ids.

        Call only while holding the root lock: then nothing else can be running.
        """
        stale = [row["id"] for row in self._read("SELECT id FROM runs WHERE status='running'")]
        self._write("UPDATE runs SET status='interrupted', ended=? WHERE status='running'", (time.time(),))
        self._write("UPDATE executions SET status='interrupted', ended=? WHERE status='running'", (time.time(),))
        return stale

    def start_execution(self, run_id: str, component: str, cache_key: str, cached: bool,
                        baseline: str | None = None) -> int:
        """Records an execution; returns its id, which names no folder under ``artifacts/`` yet.

        Args:
            run_id: The run it belongs to.
            component: The component's name.
            cache_key: Its cache key.
            cached: Whether it reuses an earlier execution's outputs.
            baseline: The served version it compares with (``"none"`` for none), part of its key;
                None for a component that compares with none.
        """
        with self._damage_named(), closing(self._connect()) as db, db:
            used = highest_folder_id(self.path.parent)
            if used > (db.execute("SELECT max(id) FROM executions").fetchone()[0] or 0):
                db.execute("INSERT INTO executions (id, status) VALUES (?, 'placeholder')", (used,))
                db.execute("DELETE FROM executions WHERE id=?", (used,))  # AUTOINCREMENT never reuses it
            return db.execute("INSERT INTO executions (run_id, component, cache_key, status, cached, started, "
                              "baseline) VALUES (?, ?, ?, 'running', ?, ?, ?)",
                              (run_id, component, cache_key, int(cached), time.time(), baseline)).lastrowid

    def end_execution(self, execution_id: int, status: str, error: str | None = None) -> None:
        """Marks an execution ``complete`` or ``failed``."""
        self._write("UPDATE executions SET status=?, ended=?, error=? WHERE id=?",
                    (status, time.time(), error, execution_id))

    def record_memory(self, execution_id: int, figures: dict) -> None:
        """Records an execution's peak memory figures (:class:`~pipeline.memory.PeakMemory`)."""
        self._write("UPDATE executions SET memory=? WHERE id=?", (json.dumps(figures), execution_id))

    def add_artifact(self, execution_id: int, name: str, type_: str, uri: str, fingerprint: str,
                     properties: dict) -> int:
        """Records an output artifact and its output event; returns its id."""
        artifact_id = self._write("INSERT INTO artifacts (execution_id, name, type, uri, fingerprint, properties) "
                                  "VALUES (?, ?, ?, ?, ?, ?)",
                                  (execution_id, name, type_, uri, fingerprint, json.dumps(properties, default=str)))
        self.add_event(execution_id, artifact_id, "output", name)
        return artifact_id

    def add_recovered_run(self, run_id: str, config: dict, started: float, ended: float) -> None:
        """Records a run rebuilt from the artifact folders, as ``recovered`` (its summary is lost)."""
        self._write("INSERT INTO runs VALUES (?, '', ?, 'recovered', ?, ?, NULL)",
                    (run_id, json.dumps(config, default=str), started, ended))

    def add_recovered_execution(self, execution_id: int, run_id: str, component: str, started: float,
                                ended: float) -> None:
        """Records an execution rebuilt from its artifact folder under the id that names the folder.

        Its cache key is lost, so no later run reuses it.
        """
        self._write("INSERT INTO executions (id, run_id, component, cache_key, status, cached, started, ended) "
                    "VALUES (?, ?, ?, NULL, 'complete', 0, ?, ?)", (execution_id, run_id, component, started, ended))

    def add_event(self, execution_id: int, artifact_id: int, kind: str, name: str) -> None:
        """Records that an execution used (input) or produced (output) an artifact."""
        self._write("INSERT INTO events VALUES (?, ?, ?, ?)", (execution_id, artifact_id, kind, name))

    def cached_outputs(self, cache_key: str) -> tuple[int, list[dict]] | None:
        """The newest complete, non-cached execution with ``cache_key`` and its output artifacts."""
        rows = self._read("SELECT id FROM executions WHERE cache_key=? AND status='complete' AND cached=0 "
                          "ORDER BY id DESC LIMIT 1", (cache_key,))
        if not rows:
            return None
        execution_id = rows[0]["id"]
        return execution_id, self._read("SELECT * FROM artifacts WHERE execution_id=?", (execution_id,))

    def execution_outputs(self, execution_id: int) -> list[dict]:
        """The output artifacts of an execution, by its output events: what it produced, or for a
        cached one what it reused. Each row has the artifact's ``uri``, ``fingerprint`` and ``type``
        and the output's ``name``."""
        return self._read("SELECT artifacts.id, artifacts.uri, artifacts.fingerprint, artifacts.type, events.name "
                          "FROM events JOIN artifacts ON events.artifact_id = artifacts.id "
                          "WHERE events.execution_id=? AND events.kind='output' ORDER BY events.rowid",
                          (execution_id,))

    def newest_complete_run(self, pipeline: str) -> dict | None:
        """The newest run of ``pipeline`` that completed, or None."""
        rows = self._read("SELECT * FROM runs WHERE pipeline=? AND status='complete' ORDER BY started DESC LIMIT 1",
                          (pipeline,))
        return rows[0] if rows else None

    def artifact_id(self, uri: str) -> int | None:
        """The id of the artifact recorded at ``uri``."""
        rows = self._read("SELECT id FROM artifacts WHERE uri=? ORDER BY id DESC LIMIT 1", (uri,))
        return rows[0]["id"] if rows else None

    def artifacts(self, type_: str | None = None) -> list[dict]:
        """Every artifact row, or those of one type."""
        if type_ is None:
            return self._read("SELECT * FROM artifacts")
        return self._read("SELECT * FROM artifacts WHERE type=?", (type_,))

    def events(self, kind: str | None = None) -> list[dict]:
        """Lineage events with the run of their execution (``run_id``); optionally one kind."""
        sql = "SELECT events.*, executions.run_id FROM events JOIN executions ON events.execution_id = executions.id"
        return self._read(sql + " WHERE kind=?", (kind,)) if kind else self._read(sql)

    def runs(self, limit: int = 50) -> list[dict]:
        """The newest runs first."""
        return self._read("SELECT * FROM runs ORDER BY started DESC LIMIT ?", (limit,))

    def run(self, run_id: str) -> dict | None:
        """One run with its executions, or None."""
        rows = self._read("SELECT * FROM runs WHERE id=?", (run_id,))
        if not rows:
            return None
        run = rows[0]
        run["executions"] = self._read("SELECT * FROM executions WHERE run_id=? ORDER BY id", (run_id,))
        return run
