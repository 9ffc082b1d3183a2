"""Benchmark: MNIST row by row on the real digits here (the 10k test set, split ~8,000 / ~2,000).

Prints JSON: test accuracy, train samples/s, wall time per component.

    python benchmarks/mnist.py [--data-dir ../shared/datasets] [--set key=value ...]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import DEFAULT_DATA_DIR, REPO, artifact, publish, run_pipeline  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data-dir", default=DEFAULT_DATA_DIR)
    parser.add_argument("--set", dest="overrides", action="append", default=[])
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        summary = run_pipeline(REPO / "pipeline/configs/mnist.yaml", root, args.data_dir, args.overrides)
        model = artifact(root, "trainer", "model")
        counts = artifact(root, "example_gen", "examples")["properties"]["counts"]
    publish("mnist", {
        "benchmark": "mnist",
        "overrides": args.overrides,
        "examples": counts,
        "test_accuracy": round(summary["metrics"]["accuracy"], 4),
        "target_accuracy": 0.985,
        "test_metrics": {k: round(v, 4) for k, v in summary["metrics"].items()},
        "epochs_run": model["properties"]["epochs_run"],
        "train_samples_per_second": model["properties"]["train_samples_per_second"],
        "wall_seconds_per_component": summary["component_seconds"],
        "hyperparameters": model["properties"]["hyperparameters"],
    })
    return 0


if __name__ == "__main__":
    sys.exit(main())
