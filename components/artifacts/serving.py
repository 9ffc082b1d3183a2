"""The serving folder: ``<serving_dir>/<model_name>/<version>/``, what TensorFlow Serving watches.

A version is an integer-named folder holding a SavedModel (``saved_model.pb``, ``variables/``,
``assets/``) and the ``model.json`` card. A version is written to a
hidden temporary sibling (``.tmp-*``) and renamed into place under the folder's lock
(``.lock``), so a reader never sees a partial version and an existing version is never
overwritten, nor is a version number ever used twice (``.last_version`` remembers the highest
one published, so a version deleted by hand is not reborn with other contents).

A version is *loadable* when it holds a structurally complete SavedModel: a non-empty
``saved_model.pb`` and ``variables/variables.index`` with every data shard it names by count
(``variables.data-00000-of-0000N``). That is the cheap check (no TensorFlow, a few ``stat``
calls): it catches a half-copied or half-deleted version, not a corrupt byte inside a file.

Each published version holds ``identity.txt``, the identity of what was exported, written before
the rename: a re-run after a kill between the rename and the run store's record recognises its
own version as the newest loadable one and does not publish it again.

:class:`ServingFolder` is the one owner of this layout: the exporter publishes through it, the
evaluator finds its baseline with it and gc lists and deletes versions under its lock, keeping
the newest loadable ones (:meth:`ServingFolder.retention`).
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
IDENTITY_FILE = "identity.txt"
LAST_VERSION_FILE = ".last_version"
VARIABLES_INDEX = Path("variables", "variables.index")


def version_numbers(names: Iterable[str]) -> list[int]:
    """The version numbers among folder names (the integer-named ones), ascending.

    The one rule for "which names are versions"; scoring's listing on remote Beam file
    systems applies it to the names it matched.
    """
    return sorted({int(name) for name in names if name.isdigit()})


def is_loadable(path: Path) -> bool:
    """Whether ``path`` holds a structurally complete SavedModel (see the module docstring).

    Args:
        path: A version folder.
    """
    graph, index = path / SAVED_MODEL_FILE, path / VARIABLES_INDEX
    if not (graph.is_file() and graph.stat().st_size > 0 and index.is_file()):
        return False
    shards = [shard.name for shard in index.parent.glob("variables.data-*-of-*")]
    if not shards:
        return False
    count = shards[0].rpartition("-of-")[2]
    if not count.isdigit():
        return False
    expected = {f"variables.data-{n:05d}-of-{count}" for n in range(int(count))}
    return expected <= set(shards)


def fsync_path(path: Path) -> None:
    """Flushes a file's contents, or a directory's entries (a rename into it), to disk."""
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
            complete: Keep only the loadable versions (:func:`is_loadable`), those TensorFlow
                Serving can serve; False lists every integer-named folder.
        """
        if not self.model_dir.is_dir():
            return []
        return [version for version in version_numbers(path.name for path in self.model_dir.iterdir())
                if not complete or is_loadable(self.version_path(version))]

    def is_loadable(self, version: int) -> bool:
        """Whether ``version`` is present and loadable."""
        return is_loadable(self.version_path(version))

    def identity(self, version: int) -> str | None:
        """The identity :meth:`publish` recorded in ``version``, or None (none, or an older export)."""
        path = self.version_path(version) / IDENTITY_FILE
        return path.read_text().strip() if path.is_file() else None

    def holding(self, identity: str | None) -> int | None:
        """The newest loadable version when it holds ``identity`` (see :meth:`publish`), else None."""
        newest = self.newest()
        if identity is None or newest is None or self.identity(newest) != identity:
            return None
        return newest

    def retention(self, keep: int) -> tuple[list[int], list[int]]:
        """Which versions a collection keeping ``keep`` of them keeps, and which it deletes.

        Kept: the newest ``keep`` loadable versions. Deleted: every other version folder older
        than the oldest kept one, loadable or not. A version folder that is not loadable but
        newer than that is left alone (it may be a copy in progress). With no loadable version,
        nothing is deleted: retention never removes the last loadable version.

        Args:
            keep: How many loadable versions stay (>= 1).

        Returns:
            ``(kept, deleted)``, each ascending.

        Raises:
            ValueError: If ``keep`` is below 1.
        """
        if keep < 1:
            raise ValueError(f"keep must be >= 1, got {keep}")
        kept = self.versions()[-keep:]
        if not kept:
            return [], []
        return kept, [version for version in self.versions(complete=False) if version < kept[0]]

    def newest(self) -> int | None:
        """The newest loadable version, or None: what TensorFlow Serving serves."""
        versions = self.versions()
        return versions[-1] if versions else None

    def newest_path(self) -> Path | None:
        """The folder of the newest loadable version, or None."""
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

    def last_version(self) -> int:
        """The highest version number ever published here (0 for none): present folders, complete
        or not, and the number recorded in ``.last_version``."""
        recorded = self.model_dir / LAST_VERSION_FILE
        text = recorded.read_text().strip() if recorded.is_file() else ""
        return max([*self.versions(complete=False), int(text) if text.isdigit() else 0])

    def next_version(self) -> int:
        """One more than :meth:`last_version`: a number never used here, even if deleted since."""
        return self.last_version() + 1

    def remove_stale_temporaries(self, older_than_seconds: float = 0.0) -> None:
        """Deletes temporary version folders left by killed exports. Call it under :meth:`lock`."""
        for path in self.model_dir.glob(f"{TMP_PREFIX}*"):
            if time.time() - path.stat().st_mtime >= older_than_seconds:
                shutil.rmtree(path, ignore_errors=True)

    def publish(self, build: Callable[[Path], None], identity: str | None = None,
                stamp: Callable[[int, Path], None] | None = None) -> tuple[int, Path]:
        """Writes a new version through ``build(tmp_dir)`` and renames it into place, atomically.

        Under the lock: when the newest loadable version already holds ``identity``, returns it
        and builds nothing (a re-run after a kill between the rename and the caller's record).
        Else clears stale temporaries, lets ``build`` fill a fresh hidden sibling (``build``
        creates it), writes ``identity`` into it, takes the next version number, lets ``stamp``
        write what depends on it, and renames the sibling onto it. An existing version is
        never overwritten.

        Args:
            build: Callable that writes the SavedModel (and its card) into the path it is given.
            identity: What is exported (e.g. a hash of its inputs); None never matches.
            stamp: Called with the version number and the temporary folder just before the
                rename, to write what must be part of the version and names its number (the
                push record of :mod:`components.artifacts.serving_history`).

        Returns:
            ``(version, path)`` of the published (or already published) version.

        Raises:
            Exception: Whatever ``build`` raised; the temporary folder is removed.
        """
        with self.lock():
            published = self.holding(identity)
            if published is not None:
                return published, self.version_path(published)
            self.remove_stale_temporaries()
            tmp = self.model_dir / f"{TMP_PREFIX}{uuid.uuid4().hex}"
            try:
                build(tmp)
                if identity is not None:
                    (tmp / IDENTITY_FILE).write_text(identity + "\n")
                version = self.next_version()
                if stamp is not None:
                    stamp(version, tmp)
                final = self.version_path(version)
                os.rename(tmp, final)  # same file system: atomic; never onto an existing version
            except BaseException:
                shutil.rmtree(tmp, ignore_errors=True)
                raise
            fsync_path(self.model_dir)
            self.record_last_version(version)
        return version, final

    def record_last_version(self, version: int) -> None:
        """Remembers ``version`` as the highest published, atomically. Call it under :meth:`lock`."""
        tmp = self.model_dir / f"{LAST_VERSION_FILE}.tmp"
        tmp.write_text(f"{version}\n")
        os.replace(tmp, self.model_dir / LAST_VERSION_FILE)
