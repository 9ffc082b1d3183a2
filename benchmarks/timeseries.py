"""Benchmark: the real temperature series through the whole pipeline.

Prints JSON: test RMSE, persistence RMSE ("tomorrow = today", measured in the same run on the
same test windows), their ratio, and wall time per component.

    python benchmarks/timeseries.py [--data-dir ../shared/datasets] [--set key=value ...]
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import DEFAULT_DATA_DIR, REPO, run_pipeline  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data-dir", default=DEFAULT_DATA_DIR)
    parser.add_argument("--config", default=str(REPO / "pipeline" / "configs" / "timeseries.yaml"))
    parser.add_argument("--set", dest="overrides", action="append", default=[])
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as root:
        summary = run_pipeline(args.config, Path(root), args.data_dir, args.overrides)
    metrics = summary["metrics"]
    print(json.dumps({
        "benchmark": "timeseries",
        "config": Path(args.config).name,
        "overrides": args.overrides,
        "test_rmse": round(metrics["rmse"], 4),
        "test_mae": round(metrics["mae"], 4),
        "persistence_rmse": round(metrics["persistence_rmse"], 4),
        "rmse_ratio_to_persistence": round(metrics["rmse_vs_persistence"], 4),
        "target_ratio": 0.85,
        "blessed": summary["blessed"],
        "wall_seconds_per_component": summary["component_seconds"],
        "wall_seconds_total": summary["seconds"],
    }, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
