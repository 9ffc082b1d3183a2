"""Which files of a run go to MLflow: what its executed components wrote (the evaluation's
``report.html`` and plots, the learning curve, the pushed version's ``model.json``), never the
files of a cached component, which its tags name instead."""

from __future__ import annotations

from pathlib import Path

from components.artifacts.serving import MODEL_CARD_FILE
from pipeline.tracking.run_record import RunRecord

MODEL_ARTIFACT_PATH = "model"  # where the pushed version's model.json goes in the MLflow run
CONFIG_ARTIFACT_PATH = "config"


def pushed_version(record: RunRecord) -> tuple[int, Path] | None:
    """The serving version this run pushed and its folder, or None (not pushed, or cached)."""
    pushed = record.output("exporter", "pushed_model")
    if pushed is None or "exporter" not in record.executed:
        return None
    properties = pushed.artifact.properties
    if not properties.get("pushed"):
        return None
    return int(properties["version"]), Path(properties["path"])


def files_to_log(record: RunRecord) -> list[tuple[Path, str]]:
    """``(file, MLflow artifact folder)`` for each file of the run's executed components to log."""
    files = []
    evaluation = record.output("evaluator", "evaluation")
    if evaluation is not None and "evaluator" in record.executed:
        folder = Path(evaluation.artifact.uri)
        files += [(path, "evaluation") for path in [folder / "report.html", *sorted(folder.glob("*.png"))]
                  if path.is_file()]
    model = record.output("trainer", "model")
    if model is not None and "trainer" in record.executed:
        files += [(path, "training") for path in sorted(Path(model.artifact.uri).glob("*.png"))]
    pushed = pushed_version(record)
    if pushed is not None and (pushed[1] / MODEL_CARD_FILE).is_file():
        files.append((pushed[1] / MODEL_CARD_FILE, MODEL_ARTIFACT_PATH))
    return files
