"""MNIST end to end: synthetic IDX digits in CI, and the real files (real_data)."""

import json
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import REPO, last_json, rnnpipe

pytestmark = pytest.mark.slow  # whole pipelines, end to end

SCORE_IMAGES = """
import gzip, json, sys
import numpy as np
import tensorflow as tf
model = tf.saved_model.load(sys.argv[1])
folder = sys.argv[2]
images = np.frombuffer(gzip.open(folder + "/t10k-images-idx3-ubyte.gz").read()[16:], np.uint8).reshape(-1, 28, 28)
labels = np.frombuffer(gzip.open(folder + "/t10k-labels-idx1-ubyte.gz").read()[8:], np.uint8)
out = model.signatures["serving_raw"](images=tf.constant(images[:1000]))
print(json.dumps({"accuracy": float(np.mean(out["class_ids"].numpy() == labels[:1000])),
                  "shape": list(out["probabilities"].shape)}))
"""

def score_in_fresh_process(model_path: str, folder: Path) -> dict:
    result = subprocess.run([sys.executable, "-c", SCORE_IMAGES, model_path, str(folder)], capture_output=True,
                            text=True, timeout=300)
    assert result.returncode == 0, result.stderr[-2000:]
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_synthetic_digits_end_to_end(mnist_run):
    folder, summary = mnist_run
    report = json.loads(Path(summary["evaluation_dir"], "metrics.json").read_text())
    assert set(report["per_class"]) == {str(d) for d in range(10)}
    assert {"precision", "recall", "count"} <= set(report["per_class"]["3"])
    assert Path(summary["evaluation_dir"], "confusion_matrix.png").exists()
    assert Path(summary["evaluation_dir"], "worst_mistakes.png").exists()
    scored = score_in_fresh_process(summary["model_path"], folder)
    assert scored["shape"] == [600, 10] and scored["accuracy"] > 0.8


@pytest.mark.real_data
def test_real_digits_one_epoch(shared_datasets, tmp_path):
    result = rnnpipe("run", str(REPO / "pipeline/configs/mnist.yaml"), "--root", str(tmp_path),
                     "--data-dir", str(shared_datasets), "--set", "trainer.epochs=1", "--set", "model.units=[64]",
                     "--set", "evaluator.lower_bounds.accuracy=0.5", "--json", timeout=900)
    assert result.returncode == 0, result.stderr[-3000:]
    summary = last_json(result.stdout)
    scored = score_in_fresh_process(summary["model_path"], shared_datasets / "mnist")
    assert scored["accuracy"] > 0.5  # chance is 0.1
