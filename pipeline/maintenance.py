"""Looking after a pipeline root from Python: retention (``rnnpipe gc``) and the run listing (``rnnpipe runs``)."""

from __future__ import annotations

from pathlib import Path

from pipeline.errors import RunLookupError, UsageError
from pipeline.gc import GcPlan, apply_gc, plan_gc
from pipeline.lock import root_lock
from pipeline.store import STORE_FILE, RunStore


def collect(root: Path, keep_runs: int, keep_versions: int, dry_run: bool = False) -> GcPlan:
    """Plans the collection and applies it unless ``dry_run``; the caller holds the root lock.

    Raises:
        ValueError: If a count is below 1.
    """
    plan = plan_gc(root, keep_runs, keep_versions)
    if not dry_run:
        apply_gc(plan)
    return plan


def collect_garbage(root: str | Path, keep_runs: int = 10, keep_versions: int = 5, *, dry_run: bool = False,
                    lock_timeout: float = 0.0) -> GcPlan:
    """Deletes old artifacts and serving versions that nothing kept depends on: ``rnnpipe gc``.

    Keeps the artifacts of the newest ``keep_runs`` runs, every artifact they or a kept serving
    version were made from, and the newest ``keep_versions`` loadable versions of each served
    model, as they are on disk; it never deletes a model's last loadable version. A dry run
    writes nothing (it takes the root lock shared), so it works on a read-only root.

    Args:
        root: The pipeline root.
        keep_runs: Newest runs whose artifacts stay (>= 1).
        keep_versions: Serving versions kept per model (>= 1).
        dry_run: Only work out what would be deleted.
        lock_timeout: Seconds to wait for a running pipeline.

    Returns:
        The plan (applied unless ``dry_run``).

    Raises:
        UsageError: If ``root`` is not a pipeline root, a count is below 1, or (no dry run) the
            root cannot be written.
        LockedError: If a run holds the root past ``lock_timeout`` (the message names ``--lock-timeout``).
    """
    root = Path(root)
    if not (root / STORE_FILE).is_file():
        raise UsageError(f"{root} is not a pipeline root (no {STORE_FILE})")
    with root_lock(root, lock_timeout, timeout_option="--lock-timeout", shared=dry_run):
        try:
            return collect(root, keep_runs, keep_versions, dry_run)
        except ValueError as error:
            raise UsageError(str(error)) from error


def open_store(root: str | Path) -> RunStore:
    """The run store of ``root``.

    Raises:
        RunLookupError: If ``root`` has none.
    """
    if not Path(root, STORE_FILE).exists():
        raise RunLookupError(f"no run store at {Path(root, STORE_FILE)} (pass --root DIR)")
    return RunStore(root)


def list_runs(root: str | Path) -> list[dict]:
    """The newest runs of ``root``, newest first, as the run store keeps them.

    Raises:
        RunLookupError: If ``root`` has no run store.
    """
    return open_store(root).runs()


def get_run(root: str | Path, run_id: str) -> dict:
    """One run of ``root`` with its executions.

    Raises:
        RunLookupError: If ``root`` has no run store, or no such run.
    """
    run = open_store(root).run(run_id)
    if run is None:
        raise RunLookupError(f"no run {run_id!r} in {root}")
    return run
