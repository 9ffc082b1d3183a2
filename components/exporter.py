"""exporter: publishes a blessed model (or a forced one) as the next version in the serving directory.

Layout: ``<serving_dir>/<model_name>/<version>/`` (what TensorFlow Serving watches), with
``saved_model.pb``, ``variables/``, ``assets/`` and ``model.json``. The version is published
through :class:`~components.artifacts.serving.ServingFolder`: written to a hidden temporary
sibling and renamed into place, so a reader never sees a partial version, and an existing
version is never overwritten. Besides the kind's serving signatures, a kind
that generates text (charlm) adds its ``generation_signatures`` (``generate``): they need the
transform's vocabulary, and are exported, never evaluated.

A version carries the identity of its export (:func:`export_identity`): when the newest loadable
version already holds it (a run killed after the rename, before its record), the re-run reports
that version instead of publishing the same model again. A cached push whose version is no
longer loadable (deleted by hand, a rollback) is stale (:func:`stale_push`): the exporter runs
again and publishes it as a new version.

Each published version is recorded in the served model's history
(:mod:`components.artifacts.serving_history`): action ``push``, or ``force_push`` for a model
the evaluator did not bless, published because ``force_push_reason`` is set (``rnnpipe run
--force-push --reason TEXT``); the reason is in ``model.json`` and the history too.
"""

from __future__ import annotations

import hashlib
import json
import logging
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Mapping

from components.artifacts.model import load_model
from components.artifacts.serving import MODEL_CARD_FILE, ServingFolder
from components.artifacts.serving_history import PushRecord, now_utc, record_published, stamp
from components.artifacts.transform_graph import load_transform_output
from components.contract import ComponentSpec, DatasetParams
from components.types import Artifact, OutputDir, fingerprint_dir
from data.contract import DataConfig
from models.atomic_files import write_json

NAME = "exporter"
INPUTS = ("examples", "model", "transform_graph", "evaluation")
OUTPUTS = ("pushed_model",)
LOG = logging.getLogger("rnnpipe.exporter")


@dataclass(frozen=True)
class ExporterParams(DatasetParams):
    """Parameters of exporter.

    Attributes:
        data: The dataset config; its ``KIND`` names the dataset kind (``kind``).
        serving_dir: Root of the serving tree.
        model_name: Sub-directory of the served model.
        force_push_reason: Why to publish even a model the evaluator did not bless; empty: publish
            only a blessed model. Part of the cache key, so a forced push executes.
    """

    data: DataConfig
    serving_dir: str
    model_name: str
    force_push_reason: str = ""


def export_identity(inputs: Mapping[str, Artifact], params: ExporterParams) -> str:
    """What one export is made of, hashed: the fingerprints of the model, transform graph and
    examples (of their files, for an artifact not fingerprinted by the runner), the dataset
    config and the model name. The same in a re-run of a killed run."""
    payload = {name: inputs[name].fingerprint or fingerprint_dir(inputs[name].uri)
               for name in ("model", "transform_graph", "examples")}
    payload.update(kind=params.kind.name, data=asdict(params.data), model_name=params.model_name)
    return hashlib.sha256(json.dumps(payload, sort_keys=True, default=str).encode()).hexdigest()


def stale_push(outputs: Mapping[str, Artifact], params: ExporterParams) -> str | None:
    """Why a cached push no longer holds (its version is not loadable any more), or None.

    The runner calls it on a cached execution (``ComponentSpec.stale_outputs``).
    """
    pushed = outputs["pushed_model"].properties
    if not pushed.get("pushed"):
        return None
    folder = ServingFolder(Path(pushed["path"]).parent)
    if folder.is_loadable(int(pushed["version"])):
        return None
    return f"its served version {pushed['path']} is gone or not loadable"


def check_serving_dir(params: ExporterParams) -> str | None:
    """The problem with ``exporter.serving_dir`` that would fail the push after training, or None:
    it, its model folder or a folder above it is a file (``ComponentSpec.check_params``)."""
    model_dir = ServingFolder.of(params.serving_dir, params.model_name).model_dir
    for path in (model_dir, *model_dir.parents):
        if path.exists():
            if not path.is_dir():
                return f"exporter.serving_dir: {path} is a file, not a folder (the serving folder is {model_dir})"
            return None
    return None


def run(inputs: Mapping[str, Artifact], params: ExporterParams, out: OutputDir) -> dict[str, Artifact]:
    """Exports the model with its transform graph if it was blessed, or if a push is forced.

    Args:
        inputs: ``examples`` (for the data fingerprint), ``model``, ``transform_graph``, ``evaluation``.
        params: Where to publish.
        out: Where to write the record of the push.

    Returns:
        ``pushed_model`` with properties ``pushed``, ``version``, ``path``, and for a forced
        push ``action`` (``force_push``) and ``force_push_reason``.
    """
    import tensorflow as tf

    from components.serving import build_serving_module

    evaluation = inputs["evaluation"]
    record = out.artifact_dir("pushed_model")
    blessed = bool(evaluation.properties.get("blessed"))
    forced = params.force_push_reason if not blessed else ""
    if not blessed and not forced:
        LOG.info("model not blessed: nothing pushed")
        write_json(record / "push.json", {"pushed": False})
        return {"pushed_model": out.artifact("pushed_model", "PushedModel", pushed=False, version=None, path=None)}

    folder = ServingFolder.of(params.serving_dir, params.model_name)
    identity = export_identity(inputs, params)
    action = "force_push" if forced else "push"
    if forced:
        LOG.warning("model not blessed (%s); pushed anyway (--force-push): %s",
                    "; ".join(evaluation.properties.get("reasons", [])), forced)
    published = folder.holding(identity)
    if published is not None:  # a run killed after publishing it, before its record
        LOG.info("%s version %d already holds this model: not pushed again", params.model_name, published)
        record_published(folder, published)
        return {"pushed_model": record_push(out, record, published, folder.version_path(published), action, forced)}

    kind = params.kind
    data = kind.resolved_config(params.data, inputs["examples"].properties)  # as transform fitted it
    model = inputs["model"]
    tft_output = load_transform_output(inputs["transform_graph"])
    module, signatures = build_serving_module(load_model(model), tft_output, kind, data)
    signatures = {**signatures, **kind.generation_signatures(module, data, tft_output)}
    card = {
        "model_name": params.model_name,
        "run_id": out.run_id,
        "kind": params.kind.name,
        "task": kind.TASK,
        "metrics": evaluation.properties.get("metrics"),
        "baseline": evaluation.properties.get("baseline"),
        "hyperparameters": model.properties.get("hyperparameters"),
        "hyperparameters_source": model.properties.get("hyperparameters_source", "config"),
        "data": asdict(data),  # columns, window and a series' step, for batch scoring
        "frequency": inputs["examples"].properties.get("frequency"),  # a series' step, given or inferred
        "data_fingerprint": inputs["examples"].fingerprint,
        "model_fingerprint": model.fingerprint,
        "signatures": sorted(signatures),
        "exported_at": now_utc(),
        "blessed": blessed,
        "force_push_reason": forced or None,
    }
    draft = PushRecord(version=0, pushed_at=now_utc(), run_id=out.run_id, action=action,
                       reason=forced or "blessed by the evaluator", blessed=blessed,
                       metrics=evaluation.properties.get("metrics") or {})

    def write_version(tmp: Path) -> None:
        tf.saved_model.save(module, str(tmp), signatures=signatures)
        write_json(tmp / MODEL_CARD_FILE, card)

    version, final = folder.publish(write_version, identity, stamp(draft))
    record_published(folder, version)
    LOG.info("pushed %s version %d to %s%s", params.model_name, version, final, " (forced)" if forced else "")
    return {"pushed_model": record_push(out, record, version, final, action, forced)}


def record_push(out: OutputDir, record: Path, version: int, path: Path, action: str = "push",
                forced: str = "") -> Artifact:
    """Writes the record of a push of ``version`` at ``path``; returns the ``pushed_model`` artifact."""
    properties = {"pushed": True, "version": version, "path": str(path),
                  **({"action": action, "force_push_reason": forced} if forced else {})}
    write_json(record / "push.json", properties)
    return out.artifact("pushed_model", "PushedModel", **properties)


SPEC = ComponentSpec(name=NAME, inputs=INPUTS, outputs=OUTPUTS, params_type=ExporterParams, run=run,
                     stale_outputs=stale_push, check_params=check_serving_dir)
