"""The hidden staging folder of a scoring job: made, owned while the job lives, cleaned when stale.

A job writes ``.<name>.staging-<id>`` beside its output. Locally the folder holds :data:`OWNER`
(the job's pid, host, output and start time) with an exclusive ``flock`` that the job holds while it
runs. The kernel drops the lock when the process ends, however it ends (SIGKILL too), so a job that
starts beside it tells a stale staging folder (its marker is unlocked) from a live one (locked) and
removes only the stale ones. A folder without the marker is never touched: one kept for its dead
letters (the job removes its marker then), another tool's, or one on an object store, which has no
locks (there a killed job's staging folder stays; delete it by hand).
"""

from __future__ import annotations

import fcntl
import json
import logging
import os
import shutil
import socket
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

from components.scoring import publish
from components.scoring.paths import is_local, join, split_path

LOG = logging.getLogger("rnnpipe.score")
OWNER = "_STAGING_OWNER"  # the marker of a staging folder that is a scoring job's own
PENDING_OWNER = f".{OWNER}.pending"  # the marker while it is written, locked already
STAGING_INFIX = ".staging-"


def is_staging_name(name: str) -> bool:
    """Whether a folder name is a scoring staging folder's (``.<name>.staging-<id>``)."""
    return name.startswith(".") and STAGING_INFIX in name


@dataclass
class StagingFolder:
    """One job's staging folder and, locally, the locked marker that says the job is alive.

    Attributes:
        path: The folder.
        marker: The open, locked marker file (None on an object store, or once released).
    """

    path: str
    marker: IO | None = field(default=None, repr=False)

    @classmethod
    def create(cls, output: str) -> StagingFolder:
        """A new staging folder beside ``output``, owned by this process; stale ones beside it go first.

        Locally the parent is created, the folder made and its marker locked before it gets its
        name, so another job never sees an unlocked marker of a live job.
        """
        parent, name = split_path(output)
        path = join(parent, f".{name}{STAGING_INFIX}{uuid.uuid4().hex[:8]}")
        if not (is_local(output) and is_local(path)):
            return cls(path)
        Path(parent).mkdir(parents=True, exist_ok=True)
        remove_stale(parent)
        os.mkdir(path)
        pending = os.path.join(path, PENDING_OWNER)
        marker = open(pending, "w", encoding="utf-8")
        fcntl.flock(marker, fcntl.LOCK_EX | fcntl.LOCK_NB)  # a new file: nobody else holds it
        json.dump({"pid": os.getpid(), "host": socket.gethostname(), "output": output,
                   "started": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())}, marker)
        marker.flush()
        os.rename(pending, os.path.join(path, OWNER))
        return cls(path, marker)

    def publish_to(self, output: str) -> None:
        """Moves the finished folder to ``output`` (:func:`components.scoring.publish.publish`).

        The marker goes first, the lock still held, so the output never carries it and no job
        takes the folder for a stale one meanwhile; the lock is released once the folder is moved.
        """
        self._drop_marker()
        publish.publish(self.path, output)
        self.release()

    def keep(self) -> None:
        """Leaves the folder for the user (its dead letters): the marker goes, so no job removes it."""
        self._drop_marker()
        self.release()

    def discard(self) -> None:
        """Deletes the folder (local or remote; absent is fine), then releases the lock."""
        publish.remove(self.path)
        self.release()

    def _drop_marker(self) -> None:
        if self.marker is not None:
            os.unlink(os.path.join(self.path, OWNER))

    def release(self) -> None:
        """Closes the marker, which drops the lock (and leaves the folder and the marker, as a
        killed job would); a no-op once released."""
        if self.marker is not None:
            self.marker.close()
            self.marker = None


def remove_stale(parent: str) -> list[str]:
    """Removes the staging folders in local folder ``parent`` whose job is gone.

    A folder is stale when it holds :data:`OWNER` (or :data:`PENDING_OWNER`, a job killed while
    making it) and no process holds its lock. Folders without the marker, and those whose lock is
    held (a live job, on this host or another), stay.

    Returns:
        The folders removed.
    """
    removed = []
    for entry in sorted(os.scandir(parent), key=lambda e: e.name) if os.path.isdir(parent) else ():
        if not (is_staging_name(entry.name) and entry.is_dir(follow_symlinks=False)):
            continue
        marker, marker_name = open_marker(entry.path)
        if marker is None:  # no marker (kept, or not a scoring job's), or gone meanwhile
            continue
        with marker:
            try:
                fcntl.flock(marker, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except OSError:  # held: the job is alive
                continue
            owner = marker.read().strip()
            if not os.path.exists(os.path.join(entry.path, marker_name)):
                continue  # its job published or kept it just before we locked
            shutil.rmtree(entry.path, ignore_errors=True)
        LOG.warning("removed the staging folder %s of a score that ended without finishing (%s)", entry.path,
                    owner or "no owner recorded")
        removed.append(entry.path)
    return removed


def open_marker(folder: str) -> tuple[IO | None, str]:
    """The marker of a staging folder, opened, and its name; ``(None, "")`` when it has none."""
    for name in (OWNER, PENDING_OWNER):
        try:
            return open(os.path.join(folder, name), encoding="utf-8"), name
        except OSError:
            continue
    return None, ""
