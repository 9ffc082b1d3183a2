"""Benchmark: the real temperature series through the whole pipeline.

Prints JSON: test RMSE, persistence RMSE ("tomorrow = today", measured in the same run on the
same test windows), their ratio, and wall time per component.

    python benchmarks/timeseries.py [--data-dir ../shared/datasets] [--set key=value ...]
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data-dir", default=str(REPO.parent / "shared" / "datasets"))
    parser.add_argument("--config", default=str(REPO / "pipeline" / "configs" / "timeseries.yaml"))
    parser.add_argument("--set", dest="overrides", action="append", default=[])
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as root:
        command = [sys.executable, "-m", "pipeline.cli", "run", args.config, "--root", root,
                   "--data-dir", args.data_dir, "--json"]
        for override in args.overrides:
            command += ["--set", override]
        result = subprocess.run(command, capture_output=True, text=True, cwd=REPO)
        if result.returncode not in (0, 4):
            sys.stderr.write(result.stderr[-4000:])
            return result.returncode
        summary = json.loads(result.stdout.strip().splitlines()[-1])
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
