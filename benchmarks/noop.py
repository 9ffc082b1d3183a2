"""Benchmark: a nightly run with no new span and no config change, against the first run.

Copies the real Melbourne temperature CSV in as span 1 of a ``drops/{SPAN}/`` layout, runs the
shipped time-series config on it (process start included, as cron sees it), then runs it again
unchanged. Prints both wall times and their ratio (target: the no-op at most 10% of the first),
and checks the rerun executed nothing and pushed nothing.

    python benchmarks/noop.py [--data-dir ../shared/datasets] [--set key=value ...]
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import DEFAULT_DATA_DIR, REPO, publish, run_pipeline  # noqa: E402

CONFIG = REPO / "pipeline" / "configs" / "timeseries.yaml"
SERIES = Path("timeseries") / "daily-min-temperatures.csv"


def timed_run(root: Path, data_dir: Path, overrides: list[str]) -> tuple[dict, float]:
    """One ``rnnpipe run`` in a fresh process: its summary and wall seconds."""
    started = time.perf_counter()
    summary = run_pipeline(CONFIG, root, str(data_dir), ["data.path=drops/{SPAN}/series.csv", *overrides])
    return summary, time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data-dir", default=DEFAULT_DATA_DIR)
    parser.add_argument("--set", dest="overrides", action="append", default=[], metavar="KEY=VALUE")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="rnnpipe-noop-") as work:
        drops = Path(work, "data", "drops", "1")
        drops.mkdir(parents=True)
        shutil.copy(Path(args.data_dir) / SERIES, drops / "series.csv")
        root = Path(work, "root")
        first, first_seconds = timed_run(root, Path(work, "data"), args.overrides)
        again, again_seconds = timed_run(root, Path(work, "data"), args.overrides)
    publish("noop", {
        "benchmark": "nightly no-op rerun (temperatures, span 1)",
        "first_run_seconds": round(first_seconds, 2),
        "noop_run_seconds": round(again_seconds, 2),
        "noop_pipeline_seconds": again["seconds"],
        "ratio": round(again_seconds / first_seconds, 4),
        "target_ratio": 0.10,
        "noop_executed": again["executed"],
        "noop_pushed_version": again["pushed_version"],
        "first_pushed_version": first["pushed_version"],
        "spans": again["spans"],
    })


if __name__ == "__main__":
    main()
