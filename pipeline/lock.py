"""One run at a time per pipeline root."""

from __future__ import annotations

import fcntl
import logging
import os
import time
from contextlib import contextmanager
from pathlib import Path

from pipeline.errors import UsageError

LOCK_FILE = ".rnnpipe.lock"
LOG = logging.getLogger("rnnpipe.lock")
RUN_TIMEOUT_OPTION = "run.lock_timeout_seconds"


class LockedError(RuntimeError):
    """Another run holds the pipeline root."""


def open_lock_file(path: Path, shared: bool):
    """The lock file, opened to lock it: for writing (created if missing), or for a shared lock
    for reading only; None when a shared lock finds no file and cannot create one (a read-only
    root, which no run can hold either).

    Raises:
        UsageError: If an exclusive lock cannot open its file for writing (e.g. a read-only root).
    """
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        return open(path, "a+")
    except OSError as error:
        if not shared:
            raise UsageError(f"cannot lock the pipeline root {path.parent}: cannot write {path} "
                             f"({error.strerror or error})") from error
    try:
        return open(path, "r")
    except FileNotFoundError:
        LOG.debug("no %s and the root is not writable: no run can hold it", path)
        return None


@contextmanager
def root_lock(root: str | Path, timeout_seconds: float = 0.0, poll_seconds: float = 0.2, *,
              timeout_option: str = RUN_TIMEOUT_OPTION, shared: bool = False):
    """Holds a lock on a pipeline root, waiting up to ``timeout_seconds``.

    The lock is an ``flock`` on ``<root>/.rnnpipe.lock``: the kernel releases it when the
    holder dies, so a killed run never leaves a stale lock. An exclusive holder writes its pid
    into the file; a shared one (a reader, such as ``gc --dry-run``) writes nothing, so it works
    on a read-only root, and waits only for an exclusive holder.

    Args:
        root: The pipeline root.
        timeout_seconds: How long to wait for the holder.
        poll_seconds: How often to try again while waiting.
        timeout_option: The option or key that sets the timeout, named in the message.
        shared: Take a shared lock, for reading only.

    Raises:
        LockedError: If the root is still held after the timeout, naming the holder's pid.
        UsageError: If an exclusive lock cannot write its file (e.g. a read-only root).
    """
    path = Path(root) / LOCK_FILE
    handle = open_lock_file(path, shared)
    deadline = time.monotonic() + timeout_seconds
    waiting = False
    try:
        while handle is not None:
            try:
                fcntl.flock(handle, (fcntl.LOCK_SH if shared else fcntl.LOCK_EX) | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    raise LockedError(f"pipeline root {root} is locked by another run (pid {holder_pid(handle)}); "
                                      f"waited {timeout_seconds:g}s (raise {timeout_option} to wait longer)")
                if not waiting:
                    LOG.info("pipeline root %s is locked by another run (pid %s); waiting up to %gs",
                             root, holder_pid(handle), timeout_seconds)
                    waiting = True
                time.sleep(poll_seconds)
        if handle is not None and not shared:
            handle.seek(0)
            handle.truncate()
            handle.write(str(os.getpid()))
            handle.flush()
        yield
    finally:
        if handle is not None:
            handle.close()


def holder_pid(handle) -> str:
    """The pid that the lock's holder wrote into the open lock file, or ``unknown``."""
    handle.seek(0)
    return handle.read().strip() or "unknown"
