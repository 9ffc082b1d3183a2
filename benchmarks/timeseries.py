"""Benchmark: the real temperature series through the whole pipeline.

Prints JSON: test RMSE, persistence RMSE ("tomorrow = today", measured in the same run on the
same test windows), their ratio, the evaluator's reference forecasts (persistence, seasonal naive,
linear) with the ratio to the best, and wall time per component. Beside them, a ridge regression on
the last ``--lags`` values and yearly sine/cosine terms, fitted on the first 80% of the raw series
and scored on the config's test share (the last 20%) with its own persistence: a linear yardstick for how much a 1-step
forecast of this series can beat persistence.

    python benchmarks/timeseries.py [--data-dir ../shared/datasets] [--set key=value ...] [--lags 14]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import DEFAULT_DATA_DIR, REPO, publish, run_pipeline  # noqa: E402

sys.path.insert(0, str(REPO))


def linear_yardstick(config: str, data_dir: str, lags: int, ridge: float = 1.0) -> dict:
    """RMSE of a ridge AR model with yearly terms on the config's test share of its series.

    The series is read with the pipeline's own CSV reader (``data.timeseries.parse_csv``).
    """
    from datetime import datetime, timezone

    import numpy as np

    from data.timeseries import parse_csv, sort_series
    from pipeline.config import load_config

    cfg = load_config(config).data
    path = Path(cfg.path) if Path(cfg.path).is_absolute() else Path(data_dir) / cfg.path
    rows = [item for status, item in parse_csv(path.read_text(encoding="utf-8-sig"), cfg, str(path)) if status == "row"]
    ordered, _ = sort_series(rows, path.name, None)
    column = cfg.value_columns.index(cfg.target)
    values = np.array([row.values[column] for row in ordered])
    days = [datetime.fromtimestamp(row.time, tz=timezone.utc).timetuple().tm_yday for row in ordered]
    angle = 2 * np.pi * np.array(days) / 365.2425
    targets = np.arange(lags, len(values))
    features = np.column_stack([np.stack([values[t - lags:t] for t in targets]), np.sin(angle[targets]),
                                np.cos(angle[targets]), np.sin(2 * angle[targets]), np.cos(2 * angle[targets]),
                                np.ones(len(targets))])
    test = targets >= int(len(values) * (1 - cfg.split.test))
    train = features[~test]
    weights = np.linalg.solve(train.T @ train + ridge * np.eye(train.shape[1]), train.T @ values[targets[~test]])
    truth = values[targets[test]]
    rmse = float(np.sqrt(np.mean((features[test] @ weights - truth) ** 2)))
    persistence = float(np.sqrt(np.mean((values[targets[test] - 1] - truth) ** 2)))
    return {"lags": lags, "rmse": round(rmse, 4), "persistence_rmse": round(persistence, 4),
            "ratio": round(rmse / persistence, 4)}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data-dir", default=DEFAULT_DATA_DIR)
    parser.add_argument("--config", default=str(REPO / "pipeline" / "configs" / "timeseries.yaml"))
    parser.add_argument("--set", dest="overrides", action="append", default=[])
    parser.add_argument("--lags", type=int, default=14, help="history of the linear yardstick (default 14)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as root:
        summary = run_pipeline(args.config, Path(root), args.data_dir, args.overrides)
    metrics = summary["metrics"]
    publish("timeseries", {
        "benchmark": "timeseries",
        "config": Path(args.config).name,
        "overrides": args.overrides,
        "test_rmse": round(metrics["rmse"], 4),
        "test_mae": round(metrics["mae"], 4),
        "persistence_rmse": round(metrics["persistence_rmse"], 4),
        "rmse_ratio_to_persistence": round(metrics["rmse_vs_persistence"], 4),
        "target_ratio": 0.85,
        # The evaluator's reference forecasts on the same test windows (persistence, seasonal naive,
        # linear autoregression on the model's inputs) and the model's RMSE ratio to the best one.
        "baselines": {name: {k: round(v, 4) for k, v in values.items()} if "rmse" in values else values
                      for name, values in (summary.get("baselines") or {}).items()
                      if isinstance(values, dict) and name != "series"},
        "best_baseline": (summary.get("baselines") or {}).get("best_baseline"),
        "rmse_vs_best_baseline": round(metrics.get("rmse_vs_best_baseline", float("nan")), 4),
        "blessed": summary["blessed"],
        "linear_yardstick": linear_yardstick(args.config, args.data_dir, args.lags),
        "wall_seconds_per_component": summary["component_seconds"],
        "wall_seconds_total": summary["seconds"],
    })
    return 0


if __name__ == "__main__":
    sys.exit(main())
