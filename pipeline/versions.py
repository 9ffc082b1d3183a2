"""The served model's versions, and the control of which one is served: ``rnnpipe versions``,
``rnnpipe rollback`` and the checks of ``rnnpipe run --force-push --reason``.

TensorFlow Serving serves the highest loadable version of a model folder. A rollback therefore
never renames nor deletes anything: it copies version V's content into a new highest version
through :meth:`ServingFolder.publish` (a hidden staging folder renamed into place, so a kill
leaves the old state or the new, never half), records it in the history
(:mod:`components.artifacts.serving_history`, action ``rollback``, ``source_version`` V), and
moves the MLflow registered model's ``production`` alias to it when tracking is configured.
"""

from __future__ import annotations

import json
import logging
import os
import shutil
from pathlib import Path
from typing import Any

from components.artifacts import serving_history
from components.artifacts.serving import MODEL_CARD_FILE, ServingFolder, fsync_path
from components.artifacts.serving_history import RECORD_FILE, PushRecord, now_utc
from pipeline.errors import UsageError

LOG = logging.getLogger("rnnpipe.versions")
DEFAULT_SERVING_DIR = "serving"  # below the root: exporter.serving_dir's default


def check_force_push_reason(reason: str | None) -> str:
    """The reason of a forced push as the exporter takes it ("" for none).

    Raises:
        UsageError: If ``reason`` is given but blank.
    """
    if reason is None:
        return ""
    if not reason.strip():
        raise UsageError("--reason: a forced push needs a reason that says why (it is recorded), got a blank one")
    return reason.strip()


def force_push_option(force_push: bool, reason: str | None) -> str | None:
    """The ``force_push_reason`` of ``rnnpipe run --force-push --reason TEXT``.

    Raises:
        UsageError: ``--force-push`` without ``--reason``, ``--reason`` without ``--force-push``,
            or a blank reason.
    """
    if force_push and reason is None:
        raise UsageError("--force-push needs --reason TEXT: why the model is pushed although the evaluator "
                         "did not bless it (recorded in model.json, the history and the summary)")
    if reason is not None and not force_push:
        raise UsageError("--reason goes with --force-push (it says why the gate is overridden)")
    return check_force_push_reason(reason) if force_push else None


def load_settings(root: str | Path, config: str | Path | None):
    """``(serving root, tracking settings)``: from ``config`` when given, else ``ROOT/serving``
    and the default settings (tracking through ``MLFLOW_TRACKING_URI`` only).

    Raises:
        ConfigError: If ``config`` is not a valid config.
    """
    from pipeline.config import TrackingSettings, inside_root, load_config

    if config is None:
        return Path(root) / DEFAULT_SERVING_DIR, TrackingSettings()
    cfg = load_config(str(config), [])
    return inside_root(cfg.exporter.serving_dir, Path(root), "exporter.serving_dir", cfg.source), cfg.tracking


def model_folder(serving_dir: str | Path, name: str) -> ServingFolder:
    """The serving folder of model ``name``.

    Raises:
        UsageError: If ``name`` is not a plain folder name, or the folder does not exist.
    """
    if not name or name in (".", "..") or "/" in name or os.sep in name:
        raise UsageError(f"NAME must be a served model's folder name (exporter.model_name), got {name!r}")
    folder = ServingFolder.of(serving_dir, name)
    if not folder.model_dir.is_dir():
        present = sorted(p.name for p in Path(serving_dir).iterdir() if p.is_dir()) if Path(serving_dir).is_dir() else []
        raise UsageError(f"no served model {name!r} in {serving_dir}"
                         + (f" (models there: {', '.join(present)})" if present else " (nothing served there)")
                         + "; pass --root, or --config for another exporter.serving_dir")
    return folder


def card_of(folder: ServingFolder, version: int) -> dict[str, Any]:
    """The ``model.json`` card of ``version``, or {} (absent or unreadable)."""
    path = folder.version_path(version) / MODEL_CARD_FILE
    try:
        return json.loads(path.read_text()) if path.is_file() else {}
    except ValueError:
        return {}


def version_rows(folder: ServingFolder) -> list[dict[str, Any]]:
    """One row per version on disk or in the history, ascending: its record, whether it is
    loadable and served. A version without a record (published before the history) takes
    what its ``model.json`` says (run id, metrics, export time), with ``recorded`` False."""
    records = {record.version: record for record in serving_history.read(folder)}
    on_disk = folder.versions(complete=False)
    loadable = {version for version in on_disk if folder.is_loadable(version)}
    served = max(loadable, default=None)  # the newest loadable: what TensorFlow Serving serves
    rows = []
    for version in sorted(set(on_disk) | set(records)):
        record = records.get(version)
        if record is not None:
            row = {**record.to_dict(), "recorded": True}
        else:
            card = card_of(folder, version)
            row = {"version": version, "pushed_at": card.get("exported_at"), "run_id": card.get("run_id"),
                   "action": None, "reason": None, "blessed": card.get("blessed"),
                   "metrics": card.get("metrics") or {}, "source_version": None, "recorded": False}
        row.update(present=version in on_disk, loadable=version in loadable, served=version == served)
        rows.append(row)
    return rows


def list_versions(root: str | Path, name: str, config: str | Path | None = None) -> dict[str, Any]:
    """Every version of served model ``name``: ``rnnpipe versions NAME``.

    Args:
        root: The pipeline root.
        name: The served model's name (``exporter.model_name``, default the pipeline's name).
        config: A config whose ``exporter.serving_dir`` to read (default ``ROOT/serving``).

    Returns:
        ``{"model", "folder", "served", "versions": [row, ...]}``; each row has ``version``,
        ``pushed_at``, ``run_id``, ``action``, ``reason``, ``blessed``, ``metrics``,
        ``source_version``, ``recorded``, ``present``, ``loadable`` and ``served``.

    Raises:
        UsageError: If there is no such served model.
    """
    serving_dir, _ = load_settings(root, config)
    folder = model_folder(serving_dir, name)
    rows = version_rows(folder)
    return {"model": name, "folder": str(folder.model_dir),
            "served": next((row["version"] for row in rows if row["served"]), None), "versions": rows}


def headline_first(item: tuple[str, Any]) -> tuple[bool, str]:
    """Sorts metrics with the plain ones (``rmse``, ``accuracy``) before derived ones (``linear_rmse``)."""
    return "_" in item[0], item[0]


def describe_versions(report: dict[str, Any]) -> str:
    """The table ``rnnpipe versions`` prints."""
    lines = [f"{report['model']} in {report['folder']}: "
             + (f"version {report['served']} is served" if report["served"] is not None else "no version is served")]
    for row in reversed(report["versions"]):
        metrics = ", ".join(f"{key}={value:.4g}" if isinstance(value, (int, float)) else f"{key}={value}"
                            for key, value in sorted(row["metrics"].items(), key=headline_first)[:4])
        state = "SERVED" if row["served"] else ("" if row["loadable"] else
                                                ("not loadable" if row["present"] else "deleted"))
        how = row["action"] or "no history record"
        if row["action"] == "rollback":
            how = f"rollback to {row['source_version']}"
        blessing = {True: "blessed", False: "NOT blessed", None: "blessing unknown"}[row["blessed"]]
        lines.append(f"  {row['version']:>4}  {state:<12}  {row['pushed_at'] or '-':<20}  run {row['run_id'] or '-'}  "
                     f"{how}  {blessing}" + (f"  [{metrics}]" if metrics else "")
                     + (f"\n        reason: {row['reason']}" if row["reason"] else ""))
    return "\n".join(lines)


def copy_version(source: Path, target: Path) -> None:
    """Copies a version's files into ``target`` (created), each flushed to disk; its push record stays behind."""
    shutil.copytree(source, target, ignore=shutil.ignore_patterns(RECORD_FILE))
    for path in sorted(target.rglob("*")):
        if path.is_file():
            fsync_path(path)
    for path in sorted({p.parent for p in target.rglob("*")} | {target}):
        fsync_path(path)


def rollback(root: str | Path, name: str, to: int, reason: str | None,
             config: str | Path | None = None) -> dict[str, Any]:
    """Serves version ``to`` again, as a new highest version: ``rnnpipe rollback NAME --to V``.

    Atomic (see the module docstring) and recorded in the history with ``reason``; then the
    MLflow ``production`` alias moves to the new version when tracking is configured (a
    tracking failure is reported, not raised: the rollback stands).

    Args:
        root: The pipeline root.
        name: The served model's name.
        to: The version whose content to serve.
        reason: Why (recorded).
        config: A config whose ``exporter.serving_dir`` and ``tracking`` to use.

    Returns:
        ``{"model", "version", "source_version", "path", "reason", "tracking_error"}``.

    Raises:
        UsageError: On a blank reason, no such model, or a version ``to`` that is absent or not loadable.
    """
    if reason is None or not reason.strip():
        raise UsageError("rollback needs --reason TEXT: why the model is rolled back (it is recorded)")
    serving_dir, tracking = load_settings(root, config)
    folder = model_folder(serving_dir, name)
    present = folder.versions(complete=False)
    if to not in present:
        raise UsageError(f"--to {to}: {folder.model_dir} has no version {to} "
                         f"(versions: {', '.join(map(str, present)) or 'none'}; see rnnpipe versions {name})")
    if not folder.is_loadable(to):
        raise UsageError(f"--to {to}: {folder.version_path(to)} is not a loadable SavedModel (saved_model.pb or "
                         f"a variables shard is missing or empty); choose another version (rnnpipe versions {name})")
    source = next((r for r in serving_history.read(folder) if r.version == to), None)
    card = {} if source else card_of(folder, to)
    metrics = source.metrics if source else card.get("metrics") or {}
    blessed = source.blessed if source else bool(card.get("blessed", True))
    draft = PushRecord(version=0, pushed_at=now_utc(), run_id=None, action="rollback", reason=reason.strip(),
                       blessed=blessed, metrics=metrics, source_version=to)
    version, path = folder.publish(lambda tmp: copy_version(folder.version_path(to), tmp),
                                   stamp=serving_history.stamp(draft))
    serving_history.record_published(folder, version)
    LOG.info("rolled %s back to version %d's model: served as version %d (%s)", name, to, version, path)
    error = move_production_alias(tracking, name, version, str(to), reason.strip())  # logs its own failure
    return {"model": name, "version": version, "source_version": to, "path": str(path), "reason": reason.strip(),
            "tracking_error": error}


def move_production_alias(tracking, name: str, version: int, source: str, reason: str) -> str | None:
    """Moves the MLflow ``production`` alias of ``name`` to ``version``; the error text, or None."""
    from pipeline.tracking import set_production_alias  # lazy: MLflow is optional

    return set_production_alias(tracking, name, version, source, reason)
