"""The contract between components and the runner: artifacts and output directories.

A component reads the artifact directories it is handed and writes only into the
directories an :class:`OutputDir` gives it. The runner turns those into finished,
fingerprinted artifacts (``artifact.json``) and moves them into place atomically.
"""

from __future__ import annotations

import hashlib
import json
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Mapping

ARTIFACT_FILE = "artifact.json"


@dataclass(frozen=True)
class Artifact:
    """A finished directory of files produced by one component execution.

    Attributes:
        type: Artifact type, e.g. ``Examples`` or ``Model``.
        uri: Directory that holds the files.
        properties: JSON-serialisable facts about the content (splits, counts, metrics).
        fingerprint: Hash of every file's relative path and bytes; empty until finalised.
    """

    type: str
    uri: Path
    properties: Mapping[str, Any] = field(default_factory=dict)
    fingerprint: str = ""

    def path(self, *parts: str) -> Path:
        """Returns a path inside the artifact directory."""
        return Path(self.uri, *parts)

    @classmethod
    def load(cls, uri: str | os.PathLike) -> "Artifact":
        """Reads an artifact back from its ``artifact.json``.

        Raises:
            FileNotFoundError: If the directory holds no ``artifact.json``.
        """
        meta = json.loads(Path(uri, ARTIFACT_FILE).read_text())
        return cls(meta["type"], Path(uri), meta.get("properties", {}), meta.get("fingerprint", ""))


def fingerprint_dir(directory: str | os.PathLike) -> str:
    """Hashes every file below ``directory`` (except ``artifact.json``) by path and content.

    Args:
        directory: The directory to hash.

    Returns:
        A hex sha256 digest that changes when any file is added, removed or altered.
    """
    root = Path(directory)
    digest = hashlib.sha256()
    for path in sorted(p for p in root.rglob("*") if p.is_file() and p.name != ARTIFACT_FILE):
        digest.update(str(path.relative_to(root)).encode())
        digest.update(b"\0")
        with open(path, "rb") as handle:
            for block in iter(lambda: handle.read(1 << 20), b""):
                digest.update(block)
        digest.update(b"\0")
    return digest.hexdigest()


@dataclass(frozen=True)
class OutputDir:
    """Where a component writes its outputs, and scratch space that survives a crash.

    Attributes:
        staging: A fresh directory; each output artifact is a sub-directory of it.
        scratch: A directory kept across retries of the same execution (e.g. checkpoints).
        run_id: The id of the run the execution belongs to.
    """

    staging: Path
    scratch: Path
    run_id: str = ""

    def artifact_dir(self, name: str) -> Path:
        """Creates and returns the staging directory of output ``name``."""
        path = self.staging / name
        path.mkdir(parents=True, exist_ok=True)
        return path

    def artifact(self, name: str, type_: str, **properties: Any) -> Artifact:
        """Describes output ``name`` once its files are written."""
        return Artifact(type_, self.artifact_dir(name), dict(properties))
