"""The code a run ran, and the data it read, as fingerprints for its MLflow tags."""

from __future__ import annotations

import hashlib

from pipeline.cache import PROJECT_PACKAGES, SOURCE_ROOT
from pipeline.tracking.run_record import RunRecord

CODE_PACKAGES = (*PROJECT_PACKAGES, "pipeline")


def code_fingerprint() -> str:
    """A hash of every Python source file of rnnpipe's packages, by path and content."""
    digest = hashlib.sha256()
    for package in CODE_PACKAGES:
        for path in sorted((SOURCE_ROOT / package).rglob("*.py")):
            digest.update(path.relative_to(SOURCE_ROOT).as_posix().encode() + b"\0")
            digest.update(path.read_bytes())
    return digest.hexdigest()


def data_fingerprint(record: RunRecord) -> str | None:
    """The fingerprint of the examples the run read (what the served ``model.json`` names too), or None."""
    examples = record.output("example_gen", "examples")
    return examples.artifact.fingerprint if examples else None
