"""The run store: runs, executions, artifacts and lineage events in SQLite at the pipeline root."""

from __future__ import annotations

import json
import sqlite3
import time
from contextlib import closing
from pathlib import Path
from typing import Any, Iterable

STORE_FILE = "runs.sqlite"
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
)


def missing_columns(db: sqlite3.Connection) -> list[tuple[str, str, str]]:
    """The entries of :data:`ADDED_COLUMNS` that the store's tables do not have yet."""
    present = {table: {row[1] for row in db.execute(f"PRAGMA table_info({table})")}
               for table in {table for table, _, _ in ADDED_COLUMNS}}
    return [added for added in ADDED_COLUMNS if added[1] not in present[added[0]]]


class RunStore:
    """A thin, explicit wrapper over one SQLite file. Every write commits at once."""

    def __init__(self, root: str | Path):
        self.path = Path(root) / STORE_FILE
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with closing(self._connect()) as db, db:
            db.executescript(SCHEMA)
        self._add_missing_columns()

    def _add_missing_columns(self) -> None:
        """Brings a store written by an older version up to :data:`ADDED_COLUMNS`.

        Only a store that lacks a column is written to, under a write lock taken before looking
        again, so that two processes opening one old store add each column once.
        """
        with closing(self._connect()) as db:
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
        db = sqlite3.connect(self.path, timeout=30)
        db.row_factory = sqlite3.Row
        return db

    def _write(self, sql: str, args: Iterable[Any]) -> int:
        with closing(self._connect()) as db, db:
            return db.execute(sql, tuple(args)).lastrowid

    def _read(self, sql: str, args: Iterable[Any] = ()) -> list[dict]:
        with closing(self._connect()) as db:
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
        """Records an execution; returns its id.

        Args:
            run_id: The run it belongs to.
            component: The component's name.
            cache_key: Its cache key.
            cached: Whether it reuses an earlier execution's outputs.
            baseline: The served version it compares with (``"none"`` for none), part of its key;
                None for a component that compares with none.
        """
        return self._write("INSERT INTO executions (run_id, component, cache_key, status, cached, started, baseline) "
                           "VALUES (?, ?, ?, 'running', ?, ?, ?)",
                           (run_id, component, cache_key, int(cached), time.time(), baseline))

    def end_execution(self, execution_id: int, status: str, error: str | None = None) -> None:
        """Marks an execution ``complete`` or ``failed``."""
        self._write("UPDATE executions SET status=?, ended=?, error=? WHERE id=?",
                    (status, time.time(), error, execution_id))

    def add_artifact(self, execution_id: int, name: str, type_: str, uri: str, fingerprint: str,
                     properties: dict) -> int:
        """Records an output artifact and its output event; returns its id."""
        artifact_id = self._write("INSERT INTO artifacts (execution_id, name, type, uri, fingerprint, properties) "
                                  "VALUES (?, ?, ?, ?, ?, ?)",
                                  (execution_id, name, type_, uri, fingerprint, json.dumps(properties, default=str)))
        self.add_event(execution_id, artifact_id, "output", name)
        return artifact_id

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
