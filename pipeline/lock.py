"""One run at a time per pipeline root."""

from __future__ import annotations

import fcntl
import logging
import os
import time
from contextlib import contextmanager
from pathlib import Path

LOCK_FILE = ".rnnpipe.lock"
LOG = logging.getLogger("rnnpipe.lock")


class LockedError(RuntimeError):
    """Another run holds the pipeline root."""


@contextmanager
def root_lock(root: str | Path, timeout_seconds: float = 0.0, poll_seconds: float = 0.2):
    """Holds an exclusive lock on a pipeline root, waiting up to ``timeout_seconds``.

    The lock is an ``flock`` on ``<root>/.rnnpipe.lock``: the kernel releases it when the
    holder dies, so a killed run never leaves a stale lock.

    Raises:
        LockedError: If the root is still held after the timeout, naming the holder's pid.
    """
    path = Path(root) / LOCK_FILE
    path.parent.mkdir(parents=True, exist_ok=True)
    handle = open(path, "a+")
    deadline = time.monotonic() + timeout_seconds
    waiting = False
    try:
        while True:
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    raise LockedError(f"pipeline root {root} is locked by another run (pid {holder_pid(handle)}); "
                                      f"waited {timeout_seconds:g}s (raise run.lock_timeout_seconds to wait longer)")
                if not waiting:
                    LOG.info("pipeline root %s is locked by another run (pid %s); waiting up to %gs",
                             root, holder_pid(handle), timeout_seconds)
                    waiting = True
                time.sleep(poll_seconds)
        handle.seek(0)
        handle.truncate()
        handle.write(str(os.getpid()))
        handle.flush()
        yield
    finally:
        handle.close()


def holder_pid(handle) -> str:
    """The pid that the lock's holder wrote into the open lock file, or ``unknown``."""
    handle.seek(0)
    return handle.read().strip() or "unknown"
