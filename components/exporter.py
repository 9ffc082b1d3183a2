"""exporter: publishes a blessed model as the next version in the serving directory.

Layout: ``<serving_dir>/<model_name>/<version>/`` (what TensorFlow Serving watches), with
``saved_model.pb``, ``variables/``, ``assets/`` and ``model.json``. The version is published
through :class:`~components.artifacts.serving.ServingFolder`: written to a hidden temporary
sibling and renamed into place, so a reader never sees a partial version, and an existing
version is never overwritten. Besides the kind's serving signatures, a kind
that generates text (charlm) adds its ``generation_signatures`` (``generate``): they need the
transform's vocabulary, and are exported, never evaluated.
"""

from __future__ import annotations

import logging
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Mapping

from components.artifacts.model import load_model
from components.artifacts.serving import MODEL_CARD_FILE, ServingFolder
from components.artifacts.transform_graph import load_transform_output
from components.contract import ComponentSpec, DatasetParams
from components.types import Artifact, OutputDir
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
    """

    data: DataConfig
    serving_dir: str
    model_name: str


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

    from components.serving import build_serving_module

    evaluation = inputs["evaluation"]
    record = out.artifact_dir("pushed_model")
    if not evaluation.properties.get("blessed"):
        LOG.info("model not blessed: nothing pushed")
        write_json(record / "push.json", {"pushed": False})
        return {"pushed_model": out.artifact("pushed_model", "PushedModel", pushed=False, version=None, path=None)}

    kind = params.kind
    model = inputs["model"]
    tft_output = load_transform_output(inputs["transform_graph"])
    module, signatures = build_serving_module(load_model(model), tft_output, kind, params.data)
    signatures = {**signatures, **kind.generation_signatures(module, params.data, tft_output)}
    card = {
        "model_name": params.model_name,
        "run_id": out.run_id,
        "kind": params.kind.name,
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
        write_json(tmp / MODEL_CARD_FILE, card)

    version, final = ServingFolder.of(params.serving_dir, params.model_name).publish(write_version)
    LOG.info("pushed %s version %d to %s", params.model_name, version, final)
    write_json(record / "push.json", {"pushed": True, "version": version, "path": str(final)})
    return {"pushed_model": out.artifact("pushed_model", "PushedModel", pushed=True, version=version,
                                         path=str(final))}


SPEC = ComponentSpec(name=NAME, inputs=INPUTS, outputs=OUTPUTS, params_type=ExporterParams, run=run)
