"""Benchmark: what tuning buys, and how fast it searches with 1 and with 2 workers.

For each dataset kind, on a subset of the real data, all in this one run:
1. the config's default hyperparameters, trained and evaluated (tuner off);
2. a local search (1 worker), then the trainer on its best hyperparameters: eval and test metric
   beside the default's, and the search's trials per hour;
3. the same search as a chief and 2 ``rnnpipe tune-worker`` processes on loopback, in a second
   root: trials per hour with 2 workers, and the ratio to 1 worker.

The eval metric is the trainer's best epoch on the eval split; the test metric is the evaluator's.
On a machine with fewer cores than workers the workers share them, so the 2-worker ratio shows
contention; with one GPU per worker (CUDA_VISIBLE_DEVICES) each worker has its own device.

    python benchmarks/tuning.py [--data-dir ../shared/datasets] [--kinds timeseries mnist imdb]
"""

from __future__ import annotations

import argparse
import json
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import DEFAULT_DATA_DIR, REPO, cli_command, publish, run_pipeline, summary_of  # noqa: E402

CONFIGS = REPO / "pipeline" / "configs"
# Per kind: the subset (with shorter training), the search budget, and the metric with its direction.
SUBSETS = {
    "timeseries": {
        "config": "timeseries.yaml", "metric": "rmse", "lower_is_better": True,
        "subset": ["data.window=30", "trainer.epochs=10", "trainer.early_stopping_patience=3"],
        "search": ["tuner.algorithm=random", "tuner.max_trials=6", "tuner.max_epochs=5"],
    },
    "mnist": {
        "config": "mnist.yaml", "metric": "accuracy", "lower_is_better": False,
        "subset": ["data.max_examples=3000", "trainer.epochs=4", "evaluator.lower_bounds={}"],
        "search": ["tuner.algorithm=random", "tuner.max_trials=4", "tuner.max_epochs=2",
                   "tuner.space.units=[32, 64]", "tuner.space.depth=[1, 1]"],
    },
    "imdb": {
        "config": "imdb.yaml", "metric": "accuracy", "lower_is_better": False,
        "subset": ["data.max_examples=2000", "data.max_len=128", "trainer.epochs=3", "evaluator.lower_bounds={}"],
        "search": ["tuner.algorithm=random", "tuner.max_trials=4", "tuner.max_epochs=2"],
    },
}


def newest(root: Path, component: str, name: str) -> Path:
    """The output ``name`` of the newest execution of ``component`` in ``root``."""
    executions = [path for path in (root / "artifacts" / component).iterdir() if path.name.isdigit()]
    return max(executions, key=lambda path: int(path.name)) / name


def eval_metric(root: Path, metric: str, lower_is_better: bool) -> float:
    """The newest trainer's best epoch on the eval split."""
    history = json.loads((newest(root, "trainer", "model") / "history.json").read_text())
    values = history[f"val_{metric}"]
    return round(min(values) if lower_is_better else max(values), 4)


def search_rate(root: Path, summary: dict) -> dict:
    """Completed trials, the tuner's wall time, and trials per hour."""
    rows = json.loads((newest(root, "tuner", "best_hyperparameters") / "trials.json").read_text())
    completed = [row for row in rows if row["status"] == "COMPLETED"]
    seconds = summary["component_seconds"]["tuner"]
    return {"trials": len(completed), "workers": sorted({row["worker"] for row in completed}),
            "tuner_seconds": round(seconds, 1), "trials_per_hour": round(len(completed) * 3600 / seconds, 1)}


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def distributed_search(config: Path, root: Path, data_dir: str, overrides: list[str], workers: int) -> dict:
    """Runs the pipeline as tuning chief with ``workers`` tune-worker processes; returns the chief's summary.

    Their logs go to files beside ``root``, so that no process blocks on a full pipe.
    """
    address = f"127.0.0.1:{free_port()}"
    root.mkdir(parents=True, exist_ok=True)
    commands = [cli_command("run", config, root, data_dir, overrides)
                + ["--json", "--tuner-role", "chief", "--chief-address", address]]
    commands += [cli_command("tune-worker", config, root, data_dir, overrides)
                 + ["--chief", address, "--worker-id", str(n), "--wait-seconds", "1800", "--json"]
                 for n in range(1, workers + 1)]
    logs = [(root.parent / f"{root.name}-{n}.out", root.parent / f"{root.name}-{n}.err") for n in range(len(commands))]
    processes = []
    for command, (out, err) in zip(commands, logs):
        with open(out, "w") as stdout, open(err, "w") as stderr:
            processes.append(subprocess.Popen(command, cwd=REPO, stdout=stdout, stderr=stderr))
    codes = [process.wait() for process in processes]
    summaries = [summary_of(code, out.read_text(), err.read_text(), accepted=(0,) if n else (0, 4))
                 for n, (code, (out, err)) in enumerate(zip(codes, logs))]
    return summaries[0]


def bench_kind(kind: str, data_dir: str, workdir: Path) -> dict:
    """All three runs of one kind."""
    setup = SUBSETS[kind]
    config = CONFIGS / setup["config"]
    metric, lower = setup["metric"], setup["lower_is_better"]
    tuned_overrides = setup["subset"] + ["tuner.enabled=true"] + setup["search"]
    started = time.perf_counter()

    local_root = workdir / kind / "local"
    default = run_pipeline(config, local_root, data_dir, setup["subset"])
    default_scores = {"eval": eval_metric(local_root, metric, lower), "test": round(default["metrics"][metric], 4)}
    tuned = run_pipeline(config, local_root, data_dir, tuned_overrides)
    tuned_scores = {"eval": eval_metric(local_root, metric, lower), "test": round(tuned["metrics"][metric], 4)}
    best = json.loads((newest(local_root, "tuner", "best_hyperparameters") / "best_hyperparameters.json").read_text())
    one_worker = search_rate(local_root, tuned)

    remote_root = workdir / kind / "distributed"
    chief = distributed_search(config, remote_root, data_dir, tuned_overrides, workers=2)
    two_workers = search_rate(remote_root, chief)
    sign = -1 if lower else 1
    return {
        "kind": kind, "metric": metric, "lower_is_better": lower, "subset": setup["subset"],
        "search": setup["search"],
        "default": default_scores,
        "tuned": {**tuned_scores, "best_trial_score": best["score"], "best_hyperparameters": best["values"]},
        "tuned_better_on_test": sign * (tuned_scores["test"] - default_scores["test"]) > 0,
        "search_1_worker": one_worker,
        "search_2_workers": two_workers,
        "trials_per_hour_ratio_2_to_1": round(two_workers["trials_per_hour"] / one_worker["trials_per_hour"], 3),
        "wall_seconds": round(time.perf_counter() - started, 1),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data-dir", default=DEFAULT_DATA_DIR)
    parser.add_argument("--kinds", nargs="+", choices=sorted(SUBSETS), default=list(SUBSETS))
    args = parser.parse_args()
    started = time.perf_counter()
    with tempfile.TemporaryDirectory() as workdir:
        results = [bench_kind(kind, args.data_dir, Path(workdir)) for kind in args.kinds]
    publish("tuning", {"benchmark": "tuning", "kinds": results,
                       "wall_seconds_total": round(time.perf_counter() - started, 1)})
    return 0


if __name__ == "__main__":
    sys.exit(main())
