"""The serving folder: ``<serving_dir>/<model_name>/<version>/``, what TensorFlow Serving watches.

A version is an integer-named folder; it is complete once it holds ``saved_model.pb`` (with
``variables/``, ``assets/`` and the ``model.json`` card beside it). A version is written to a
hidden temporary sibling (``.tmp-*``) and renamed into place under the folder's lock
(``.lock``), so a reader never sees a partial version and an existing version is never
overwritten. :class:`ServingFolder` is the one owner of this layout: the exporter publishes
through it, the evaluator finds its baseline with it and gc lists and deletes versions under
its lock.
"""

from __future__ import annotations

import fcntl
import os
import shutil
import time
import uuid
from contextlib import contextmanager
from pathlib import Path
from typing import Callable, Iterable, Iterator

SAVED_MODEL_FILE = "saved_model.pb"
MODEL_CARD_FILE = "model.json"
TMP_PREFIX = ".tmp-"
LOCK_FILE = ".lock"


def version_numbers(names: Iterable[str]) -> list[int]:
    """The version numbers among folder names (the integer-named ones), ascending.

    The one rule for "which names are versions"; scoring's listing on remote Beam file
    systems applies it to the names it matched.
    """
    return sorted({int(name) for name in names if name.isdigit()})


def fsync_dir(path: Path) -> None:
    """Flushes a directory entry (a rename into it) to disk."""
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


class ServingFolder:
    """The versions of one served model on the local file system.

    Attributes:
        model_dir: ``<serving_dir>/<model_name>``; it may not exist yet.
    """

    def __init__(self, model_dir: str | os.PathLike):
        self.model_dir = Path(model_dir)

    @classmethod
    def of(cls, serving_dir: str | os.PathLike, model_name: str) -> "ServingFolder":
        """The folder of ``model_name`` below the serving root ``serving_dir``."""
        return cls(Path(serving_dir, model_name))

    def __repr__(self) -> str:
        return f"ServingFolder({str(self.model_dir)!r})"

    def version_path(self, version: int) -> Path:
        """The folder of ``version`` (whether or not it exists)."""
        return self.model_dir / str(version)

    def versions(self, complete: bool = True) -> list[int]:
        """The versions present, ascending.

        Args:
            complete: Keep only versions with a ``saved_model.pb`` (a finished export); False
                lists every integer-named folder.
        """
        if not self.model_dir.is_dir():
            return []
        return [version for version in version_numbers(path.name for path in self.model_dir.iterdir())
                if not complete or (self.version_path(version) / SAVED_MODEL_FILE).exists()]

    def newest(self) -> int | None:
        """The newest complete version, or None when there is none."""
        versions = self.versions()
        return versions[-1] if versions else None

    def newest_path(self) -> Path | None:
        """The folder of the newest complete version, or None."""
        newest = self.newest()
        return None if newest is None else self.version_path(newest)

    @contextmanager
    def lock(self) -> Iterator[None]:
        """Holds an exclusive lock on the model folder (created if missing) while versions change."""
        self.model_dir.mkdir(parents=True, exist_ok=True)
        with open(self.model_dir / LOCK_FILE, "w") as handle:
            fcntl.flock(handle, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(handle, fcntl.LOCK_UN)

    def next_version(self) -> int:
        """One more than the largest version folder present, complete or not (1 for none)."""
        return max(self.versions(complete=False), default=0) + 1

    def remove_stale_temporaries(self, older_than_seconds: float = 0.0) -> None:
        """Deletes temporary version folders left by killed exports. Call it under :meth:`lock`."""
        for path in self.model_dir.glob(f"{TMP_PREFIX}*"):
            if time.time() - path.stat().st_mtime >= older_than_seconds:
                shutil.rmtree(path, ignore_errors=True)

    def publish(self, build: Callable[[Path], None]) -> tuple[int, Path]:
        """Writes a new version through ``build(tmp_dir)`` and renames it into place, atomically.

        Under the lock: clears stale temporaries, lets ``build`` fill a fresh hidden sibling
        (``build`` creates it), takes the next version number and renames the sibling onto it.
        An existing version is never overwritten.

        Args:
            build: Callable that writes the SavedModel (and its card) into the path it is given.

        Returns:
            ``(version, path)`` of the published version.

        Raises:
            Exception: Whatever ``build`` raised; the temporary folder is removed.
        """
        with self.lock():
            self.remove_stale_temporaries()
            tmp = self.model_dir / f"{TMP_PREFIX}{uuid.uuid4().hex}"
            try:
                build(tmp)
                version = self.next_version()
                final = self.version_path(version)
                os.rename(tmp, final)  # same file system: atomic; never onto an existing version
            except BaseException:
                shutil.rmtree(tmp, ignore_errors=True)
                raise
            fsync_dir(self.model_dir)
        return version, final
