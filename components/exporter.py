"""exporter: publishes a blessed model as the next version in the serving directory.

Layout: ``<serving_dir>/<model_name>/<version>/`` (what TensorFlow Serving watches), with
``saved_model.pb``, ``variables/``, ``assets/`` and ``model.json``. A version is written to a
hidden temporary sibling and renamed into place, so a reader never sees a partial version,
and an existing version is never overwritten. Besides the kind's serving signatures, a kind
that generates text (charlm) adds its ``generation_signatures`` (``generate``): they need the
transform's vocabulary, and are exported, never evaluated.
"""

from __future__ import annotations

import fcntl
import logging
import os
import shutil
import time
import uuid
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any, Mapping

from components.serving import version_dirs
from components.types import Artifact, OutputDir, write_json
from data import get_kind

NAME = "exporter"
INPUTS = ("examples", "model", "transform_graph", "evaluation")
OUTPUTS = ("pushed_model",)
TMP_PREFIX = ".tmp-"
LOG = logging.getLogger("rnnpipe.exporter")


@dataclass(frozen=True)
class ExporterParams:
    """Parameters of exporter.

    Attributes:
        kind: Dataset kind.
        data: The kind's dataset config.
        serving_dir: Root of the serving tree.
        model_name: Sub-directory of the served model.
    """

    kind: str
    data: Any
    serving_dir: str
    model_name: str


@contextmanager
def serving_lock(model_dir: Path):
    """Holds an exclusive lock on a served model's directory while a version is allocated."""
    model_dir.mkdir(parents=True, exist_ok=True)
    with open(model_dir / ".lock", "w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def next_version(model_dir: Path) -> int:
    """One more than the largest integer version present (1 for none)."""
    return max(version_dirs(model_dir), default=0) + 1


def remove_stale_temporaries(model_dir: Path, older_than_seconds: float = 0.0) -> None:
    """Deletes temporary version directories left by killed exports."""
    for path in model_dir.glob(f"{TMP_PREFIX}*"):
        if time.time() - path.stat().st_mtime >= older_than_seconds:
            shutil.rmtree(path, ignore_errors=True)


def publish(write_version, model_dir: Path) -> tuple[int, Path]:
    """Writes a version through ``write_version(tmp_dir)`` and renames it into place.

    Args:
        write_version: Callable that fills a fresh directory with the SavedModel.
        model_dir: ``<serving_dir>/<model_name>``.

    Returns:
        ``(version, path)``.

    Raises:
        Exception: Whatever ``write_version`` raised; the temporary directory is removed.
    """
    with serving_lock(model_dir):
        remove_stale_temporaries(model_dir)
        tmp = model_dir / f"{TMP_PREFIX}{uuid.uuid4().hex}"
        try:
            write_version(tmp)
            version = next_version(model_dir)
            final = model_dir / str(version)
            os.rename(tmp, final)  # same file system: atomic; never onto an existing version
        except BaseException:
            shutil.rmtree(tmp, ignore_errors=True)
            raise
        fsync_dir(model_dir)
    return version, final


def fsync_dir(path: Path) -> None:
    """Flushes a directory entry (the rename) to disk."""
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def generation_signatures(kind, module, data: Any, tft_output) -> dict:
    """The kind's export-only signatures (``generate`` for charlm); none for other kinds."""
    build = getattr(kind, "generation_signatures", None)
    return build(module, data, tft_output) if build is not None else {}


def run(inputs: Mapping[str, Artifact], params: ExporterParams, out: OutputDir) -> dict[str, Artifact]:
    """Exports the model with its transform graph if, and only if, it was blessed.

    Args:
        inputs: ``examples`` (for the data fingerprint), ``model``, ``transform_graph``, ``evaluation``.
        params: Where to publish.
        out: Where to write the record of the push.

    Returns:
        ``pushed_model`` with properties ``pushed``, ``version`` and ``path``.
    """
    import tensorflow as tf
    import tensorflow_transform as tft

    from components.serving import build_serving_module
    from components.trainer import load_model

    evaluation = inputs["evaluation"]
    record = out.artifact_dir("pushed_model")
    if not evaluation.properties.get("blessed"):
        LOG.info("model not blessed: nothing pushed")
        write_json(record / "push.json", {"pushed": False})
        return {"pushed_model": out.artifact("pushed_model", "PushedModel", pushed=False, version=None, path=None)}

    kind = get_kind(params.kind)
    model = inputs["model"]
    tft_output = tft.TFTransformOutput(str(inputs["transform_graph"].uri))
    module, signatures = build_serving_module(load_model(model), tft_output, kind, params.data)
    signatures = {**signatures, **generation_signatures(kind, module, params.data, tft_output)}
    card = {
        "model_name": params.model_name,
        "run_id": out.run_id,
        "kind": params.kind,
        "task": kind.TASK,
        "metrics": evaluation.properties.get("metrics"),
        "baseline": evaluation.properties.get("baseline"),
        "hyperparameters": model.properties.get("hyperparameters"),
        "hyperparameters_source": model.properties.get("hyperparameters_source", "config"),
        "data": asdict(params.data),  # columns and window, for batch scoring
        "data_fingerprint": inputs["examples"].fingerprint,
        "model_fingerprint": model.fingerprint,
        "signatures": sorted(signatures),
        "exported_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
    }

    def write_version(tmp: Path) -> None:
        tf.saved_model.save(module, str(tmp), signatures=signatures)
        write_json(tmp / "model.json", card)

    version, final = publish(write_version, Path(params.serving_dir, params.model_name))
    LOG.info("pushed %s version %d to %s", params.model_name, version, final)
    write_json(record / "push.json", {"pushed": True, "version": version, "path": str(final)})
    return {"pushed_model": out.artifact("pushed_model", "PushedModel", pushed=True, version=version,
                                         path=str(final))}
