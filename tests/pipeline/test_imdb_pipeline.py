"""IMDB end to end: tiny generated reviews in CI, and the real archive (real_data)."""

import json
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import REPO, last_json, rnnpipe

pytestmark = pytest.mark.slow  # whole pipelines, end to end

SCORE_REVIEWS = """
import json, sys
import tensorflow as tf
model = tf.saved_model.load(sys.argv[1])
reviews = ["A wonderful, moving film. The best acting I have seen; I loved every minute of it.",
           "Awful. Boring, dull and the worst plot ever. A terrible waste of time; I hated it."]
out = model.signatures["serving_raw"](text=tf.constant(reviews))
print(json.dumps({"probabilities": out["probabilities"].numpy().tolist(), "class_ids": out["class_ids"].numpy().tolist()}))
"""

def keras_model(path: Path):
    import keras

    import models.rnn  # noqa: F401  (registers the custom layers)

    return keras.saving.load_model(str(path), compile=False)


def score_in_fresh_process(model_path: str) -> dict:
    result = subprocess.run([sys.executable, "-c", SCORE_REVIEWS, model_path], capture_output=True, text=True,
                            timeout=300)
    assert result.returncode == 0, result.stderr[-2000:]
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_tiny_reviews_end_to_end(imdb_run):
    folder, summary = imdb_run
    assert summary["pushed_version"] == 1 and summary["metrics"]["accuracy"] > 0.8
    evaluation = Path(summary["evaluation_dir"])
    report = json.loads((evaluation / "metrics.json").read_text())
    assert set(report["metrics"]) == {"accuracy", "auc", "precision", "recall", "log_loss"}
    assert sum(map(sum, report["confusion_matrix"])) == report["test_examples"] == 120
    assert sum(s["count"] for s in report["slices"]["length"].values()) == 120
    assert (evaluation / "confusion_matrix.png").exists() and (evaluation / "accuracy_by_length.png").exists()
    assert (evaluation / "calibration.png").exists() and len(report["calibration"]["bins"]) == 10
    assert sum(b["count"] for b in report["calibration"]["bins"]) == 120
    assert "calibration.png" in (evaluation / "report.html").read_text()
    card = json.loads((Path(summary["model_path"]) / "model.json").read_text())
    assert card["hyperparameters"]["checkpoint_ensemble"] == 4 and card["hyperparameters"]["model"]["token_dropout"] == 0.3
    trained = keras_model(next((folder / "root" / "artifacts" / "trainer").glob("*/model/model.keras")))
    assert [layer.name for layer in trained.layers if layer.name.startswith("epoch_")] == [
        "epoch_1", "epoch_2", "epoch_3", "epoch_4"]  # 4 epochs (TINY_IMDB), the last 4 averaged as imdb.yaml says
    scores = score_in_fresh_process(summary["model_path"])
    positive, negative = scores["probabilities"]
    assert positive > negative and scores["class_ids"] == [1, 0]


@pytest.mark.real_data
def test_real_archive_with_2000_training_reviews(shared_datasets, tmp_path):
    result = rnnpipe("run", str(REPO / "pipeline/configs/imdb.yaml"), "--root", str(tmp_path),
                     "--data-dir", str(shared_datasets), "--set", "data.max_examples=2000",
                     "--set", "data.max_len=200", "--set", "trainer.epochs=1", "--set", "model.units=[32]",
                     "--set", "model.bidirectional=false", "--set", "model.pooling=attention",
                     "--set", "evaluator.lower_bounds.accuracy=0.5", "--json", timeout=900)
    assert result.returncode in (0, 4), result.stderr[-3000:]
    summary = last_json(result.stdout)
    counts = json.loads(next((tmp_path / "artifacts" / "example_gen").glob("*/examples/artifact.json")).read_text())
    assert counts["properties"]["counts"]["test"] == 2000
    assert counts["properties"]["counts"]["train"] + counts["properties"]["counts"]["eval"] == 2000
    assert 100 < counts["properties"]["counts"]["eval"] < 300  # the subset keeps the 10% eval share
    assert summary["model_path"], "the model was not pushed"
    positive, negative = score_in_fresh_process(summary["model_path"])["probabilities"]
    assert positive > negative
