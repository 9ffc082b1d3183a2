"""What the command line prints: run summaries, the run listing, one run, a gc plan, a failure, an interruption."""

from __future__ import annotations

import json
import sys
import time
from collections.abc import Mapping
from pathlib import Path


def print_summary(summary: Mapping, as_json: bool) -> None:
    """Prints a readable summary, or JSON as the last line."""
    if as_json:
        print(json.dumps(summary, default=str))
        return
    metrics = ", ".join(f"{k}={v:.4g}" for k, v in summary["metrics"].items() if isinstance(v, (int, float)))
    print(f"run {summary['run_id']}: {summary['status']} in {summary['seconds']:.1f}s")
    print(f"  executed: {', '.join(summary['executed']) or '-'}; cached: {', '.join(summary['cached']) or '-'}")
    if summary.get("started_from"):
        reused = f", with the outputs before it from run {summary['reused_run']}" if summary.get("reused_run") else ""
        print(f"  started from {summary['started_from']}{reused}")
    if summary.get("forced"):
        print(f"  forced: {', '.join(summary['forced'])}")
    if summary.get("spans"):
        print(f"  span(s): {', '.join(summary['spans'])}")
    validation = summary.get("validation")
    if validation:
        state = "new schema stored" if validation["schema_stored"] else "data fits the schema"
        print(f"  validation: {state} ({validation['schema']}); {len(validation['anomalies'])} anomalies")
    if summary.get("missing"):
        print(f"  {missing_line(summary['missing'])}")
    print(f"  metrics: {metrics}")
    for line in baseline_lines(summary.get("baselines")):
        print(f"  {line}")
    if summary["evaluation_dir"] is None:
        print("  blessed: not evaluated (the run stopped before the evaluator)")
    else:
        print(f"  blessed: {summary['blessed']}" + (f" ({'; '.join(summary['reasons'])})" if summary["reasons"] else ""))
    if summary["pushed_version"] is not None:
        print(f"  model pushed: version {summary['pushed_version']} at {summary['model_path']}")
    elif summary["model_path"]:
        print(f"  nothing new pushed; this model is version {summary['model_version']} at {summary['model_path']}")
    else:
        print("  nothing pushed")
    plots = sorted(Path(summary["evaluation_dir"]).glob("*.png")) if summary["evaluation_dir"] else []
    for plot in plots:
        print(f"  plot: {plot}")
    if summary.get("tracking"):
        print(f"  {tracking_line(summary['tracking'])}")


def tracking_line(tracking: Mapping) -> str:
    """Where MLflow has the run (and the registered version), or why tracking failed."""
    if tracking.get("error"):
        return f"MLflow tracking to {tracking['uri']} FAILED (the run's result is unchanged): {tracking['error']}"
    registered = tracking.get("registered") or {}
    version = f"; registered {registered['model']} version {registered['version']}" if registered.get("version") else ""
    return f"MLflow: {tracking.get('url') or tracking.get('mlflow_run_id')} (experiment {tracking['experiment']}){version}"


def missing_line(missing: Mapping) -> str:
    """The missing values and steps a series had, the steps filled and the windows dropped by split."""
    dropped = ", ".join(f"{split} {n}" for split, n in missing.get("dropped_windows", {}).items())
    return (f"missing: {missing.get('missing_values', 0)} values, {missing.get('missing_steps', 0)} steps, "
            f"{missing.get('interpolated_steps', 0)} steps interpolated; windows dropped: {dropped or '-'}")


def baseline_lines(baselines: Mapping | None) -> list[str]:
    """The reference forecasts in a few lines: each one's RMSE and MAE (or why it is unavailable),
    and the model's RMSE ratio to the best one, overall and then per series when there are several."""
    if not baselines:
        return []

    def line(section: Mapping, label: str) -> str:
        parts = []
        for name, values in section.items():
            if not isinstance(values, Mapping) or name in ("model", "series"):
                continue
            parts.append(f"{name} unavailable ({values['unavailable']})" if "unavailable" in values
                         else f"{name} rmse={values['rmse']:.4g} mae={values['mae']:.4g}")
        ratio = section.get("rmse_vs_best_baseline")
        ratio_text = f"{ratio:.4g}" if isinstance(ratio, (int, float)) else "-"
        return f"{label}: {'; '.join(parts)}; model/best ({section.get('best_baseline')}) rmse {ratio_text}"

    series = baselines.get("series", {})
    return [line(baselines, "baselines"),
            *(line(section, f"  series {name}") for name, section in series.items() if len(series) > 1)]


def print_runs(runs: list[dict], as_json: bool) -> None:
    """Prints the run listing: a table, newest first, or JSON."""
    if as_json:
        print(json.dumps(runs, default=str))
        return
    print(f"{'RUN_ID':24} {'PIPELINE':14} {'STATUS':9} {'STARTED':19} {'SECONDS':>8} {'PUSHED':>6}  METRICS")
    for run in runs:
        summary = json.loads(run["summary"] or "{}")
        started = time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(run["started"]))
        seconds = f"{run['ended'] - run['started']:.1f}" if run["ended"] else "-"
        pushed = summary.get("pushed_version") or "-"
        metrics = " ".join(f"{k}={v:.4g}" for k, v in list(summary.get("metrics", {}).items())[:3])
        print(f"{run['id']:24} {run['pipeline'][:14]:14} {run['status']:9} {started:19} {seconds:>8} {pushed!s:>6}  {metrics}")


def format_run(run: dict) -> str:
    """A readable description of one run and its executions."""
    summary = json.loads(run["summary"] or "{}")
    record = json.loads(run["config"])
    lines = [f"run {run['id']} ({run['pipeline']}): {run['status']}", f"  config: {record.get('source')}"]
    if record.get("start_from"):
        reused = f" (the outputs before it from run {record['reused_run']})" if record.get("reused_run") else ""
        lines.append(f"  started from: {record['start_from']}{reused}")
    if record.get("forced"):
        lines.append(f"  forced: {', '.join(record['forced'])}")
    for key in ("spans", "metrics", "blessed", "pushed_version", "model_path", "error"):
        if key in summary:
            lines.append(f"  {key}: {summary[key]}")
    lines += [f"  {line}" for line in baseline_lines(summary.get("baselines"))]
    if summary.get("tracking"):
        lines.append(f"  {tracking_line(summary['tracking'])}")
    lines.append("  executions:")
    for execution in run["executions"]:
        seconds = f"{execution['ended'] - execution['started']:.1f}s" if execution["ended"] else "-"
        state = "cached" if execution["cached"] else execution["status"]
        lines.append(f"    {execution['component']:12} {state:9} {seconds:>8}" + memory_text(execution.get("memory"))
                     + (f"  {execution['error']}" if execution["error"] else ""))
    return "\n".join(lines)


def memory_text(recorded: str | None) -> str:
    """An execution's peak memory as ``runs show`` prints it (see :mod:`pipeline.memory`), or ""
    for none recorded (a cached execution, or one recorded before memory was)."""
    if not recorded:
        return ""
    memory = json.loads(recorded)
    parts = [f"peak {memory['peak_rss_mb']:.0f} MB"]
    if memory.get("children_peak_rss_mb"):
        parts.append(f"children {memory['children_peak_rss_mb']:.0f} MB")
    if memory.get("gpu_peak_mb") is not None:
        parts.append(f"GPU {memory['gpu_peak_mb']:.0f} MB")
    return "  " + ", ".join(parts)


def format_comparison(comparison: Mapping) -> str:
    """Runs side by side (see :func:`pipeline.compare.compare_runs`): one column per run."""
    def cell(value) -> str:
        if value is None:
            return "-"
        if isinstance(value, float):
            return f"{value:.4g}"
        return json.dumps(value) if isinstance(value, (list, dict)) else str(value)

    def state(entry) -> str:
        return "-" if entry is None else f"{entry['state']} {cell(entry['seconds'])}s"

    rows = [("run", [run["run_id"] for run in comparison["runs"]]),
            ("status", [run["status"] for run in comparison["runs"]]),
            ("started", [run["started"] for run in comparison["runs"]])]
    rows += [("forced", [", ".join(run["forced"]) or "-" for run in comparison["runs"]]),
             ("started from", [run["started_from"] or "-" for run in comparison["runs"]])
             ] if any(run["forced"] for run in comparison["runs"]) else []
    sections = [("config (keys that differ)", [(key, [cell(v) for v in values])
                                               for key, values in comparison["config"].items()]),
                ("metrics", [(key, [cell(v) for v in values]) for key, values in comparison["metrics"].items()]),
                ("components (state, seconds)", [(name, [state(e) for e in entries])
                                                 for name, entries in comparison["components"].items()]
                 + [("total", [f"{cell(s)}s" for s in comparison["seconds"]])])]
    every = rows + [row for _, section in sections for row in section]
    label = max(len(name) for name, _ in every) + 2
    width = max(len(value) for _, values in every for value in values) + 2

    def line(name: str, values) -> str:
        return f"  {name:{label}}" + "".join(f"{value:{width}}" for value in values).rstrip()

    lines = [line(name, values) for name, values in rows]
    for title, section in sections:
        lines.append(f"{title}:" + ("" if section else " none"))
        lines += [line(name, values) for name, values in section]
    return "\n".join(lines)


def print_comparison(comparison: Mapping, as_json: bool) -> None:
    """Prints a comparison of runs, as columns or as JSON."""
    print(json.dumps(comparison, default=str) if as_json else format_comparison(comparison))


def print_run(run: dict, as_json: bool) -> None:
    """Prints one run with its executions, readable or as indented JSON."""
    print(json.dumps(run, indent=2, default=str) if as_json else format_run(run))


def print_gc(plan, dry_run: bool, as_json: bool) -> None:
    """Prints a gc plan: each folder deleted (or that would be) and the totals, or JSON."""
    if as_json:
        print(json.dumps({"status": "dry-run" if dry_run else "complete", **plan.summary()}))
        return
    verb = "would delete" if dry_run else "deleted"
    for path in [*plan.artifact_dirs, *plan.versions]:
        print(f"{verb}: {path}")
    print(f"{verb} {len(plan.artifact_dirs)} artifact folder(s) and {len(plan.versions)} serving version(s), "
          f"{plan.bytes / 1e6:.1f} MB; kept the artifacts of {len(plan.kept_runs)} run(s)")


def print_failure(label: str, error: BaseException, code: int, as_json: bool) -> None:
    """Prints a one-line error on stderr, and with ``as_json`` a JSON failure as the last line of stdout."""
    what = f"{label}: {error}" if label else str(error)
    print(f"rnnpipe: {what}", file=sys.stderr)
    if as_json:
        print(json.dumps({"status": "failed", "exit_code": code, "error": what}))


def print_interrupted(interrupted, code: int, as_json: bool) -> None:
    """Prints what a SIGINT or SIGTERM ended, in one line on stderr, and with ``as_json`` a JSON
    line with ``status: interrupted`` as the last line of stdout.

    Args:
        interrupted: The :class:`~pipeline.interrupts.Interrupted` that ended the command.
        code: Its exit code (130 or 143).
        as_json: Also print the JSON line.
    """
    what = interrupted.describe()
    print(f"rnnpipe: {what}", file=sys.stderr)
    if as_json:
        print(json.dumps({"status": "interrupted", "exit_code": code, "signal": interrupted.signal_name,
                          "component": interrupted.component, "run_id": interrupted.run_id, "error": what}))
