"""Helpers shared by the benchmark scripts: run a config through the CLI, read its artifacts,
and publish a result (printed, and kept as ``benchmarks/results/<name>.json``)."""

from __future__ import annotations

import glob
import json
import os
import shlex
import subprocess
import sys
from datetime import datetime, timezone
from pathlib import Path

from data.download import sha256_of
from report import update_readme

REPO = Path(__file__).resolve().parent.parent
DEFAULT_DATA_DIR = str(REPO.parent / "shared" / "datasets")
RESULTS_DIR = REPO / "benchmarks" / "results"


def cli_command(command: str, config: str | Path, root: Path, data_dir: str, overrides: list[str]) -> list[str]:
    """``rnnpipe COMMAND CONFIG --root ROOT --data-dir DIR --set ...`` as an argv list."""
    argv = [sys.executable, "-m", "pipeline.cli", command, str(config), "--root", str(root), "--data-dir", data_dir]
    for override in overrides:
        argv += ["--set", override]
    return argv


def summary_of(returncode: int, stdout: str, stderr: str, accepted: tuple[int, ...] = (0, 4)) -> dict:
    """The JSON summary on the last stdout line; exits with the CLI's code if it is not accepted."""
    if returncode not in accepted:
        sys.stderr.write(stderr[-4000:])
        raise SystemExit(returncode)
    return json.loads(stdout.strip().splitlines()[-1])


def run_pipeline(config: str | Path, root: Path, data_dir: str, overrides: list[str]) -> dict:
    """Runs ``rnnpipe run CONFIG --json`` in a fresh process; returns its summary.

    Exits with the CLI's code (after printing its stderr tail) unless the run completed.
    """
    result = subprocess.run(cli_command("run", config, root, data_dir, overrides) + ["--json"],
                            capture_output=True, text=True, cwd=REPO)
    return summary_of(result.returncode, result.stdout, result.stderr)


def artifact(root: Path, component: str, name: str) -> dict:
    """The ``artifact.json`` of a component's newest output in a pipeline root."""
    paths = glob.glob(str(root / "artifacts" / component / "*" / name / "artifact.json"))
    return json.loads(Path(max(paths, key=os.path.getmtime)).read_text())


def file_identity(path: str | Path) -> dict:
    """The path, sha256 and size of an input file, so a result says exactly which data it used."""
    return {"path": str(path), "sha256": sha256_of(path), "bytes": os.path.getsize(path)}


def publish(name: str, result: dict, results_dir: Path = RESULTS_DIR) -> dict:
    """Prints a benchmark's result as JSON and keeps it as ``results_dir/<name>.json``.

    The kept record adds the UTC date, the exact command line (``sys.orig_argv``) that
    produced it, the CPU count and the load average when it ended (a busy machine slows rates).
    Written to the default folder, it also re-renders benchmarks/README.md's results section
    (``report.update_readme``).

    Args:
        name: The benchmark's name: its script's name without ``.py``.
        result: The figures, as JSON-serialisable values.
        results_dir: Where the file goes.

    Returns:
        The record as written.
    """
    record = {"date": datetime.now(timezone.utc).isoformat(timespec="seconds"),
              "command": shlex.join(sys.orig_argv), "cpus": os.cpu_count(),
              "load_average_1_5_15_min": [round(load, 2) for load in os.getloadavg()], **result}
    text = json.dumps(record, indent=2, ensure_ascii=False)
    results_dir.mkdir(parents=True, exist_ok=True)
    (results_dir / f"{name}.json").write_text(text + "\n", encoding="utf-8")
    if results_dir == RESULTS_DIR:
        update_readme()
    print(text)
    return record
