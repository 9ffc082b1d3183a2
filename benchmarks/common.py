"""Helpers shared by the benchmark scripts: run a config through the CLI, read its artifacts."""

from __future__ import annotations

import glob
import json
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
DEFAULT_DATA_DIR = str(REPO.parent / "shared" / "datasets")


def run_pipeline(config: str | Path, root: Path, data_dir: str, overrides: list[str]) -> dict:
    """Runs ``rnnpipe run CONFIG --json`` in a fresh process; returns its summary.

    Exits with the CLI's code (after printing its stderr tail) unless the run completed.
    """
    command = [sys.executable, "-m", "pipeline.cli", "run", str(config), "--root", str(root),
               "--data-dir", data_dir, "--json"]
    for override in overrides:
        command += ["--set", override]
    result = subprocess.run(command, capture_output=True, text=True, cwd=REPO)
    if result.returncode not in (0, 4):
        sys.stderr.write(result.stderr[-4000:])
        raise SystemExit(result.returncode)
    return json.loads(result.stdout.strip().splitlines()[-1])


def artifact(root: Path, component: str, name: str) -> dict:
    """The ``artifact.json`` of a component's output in a pipeline root."""
    return json.loads(Path(glob.glob(str(root / "artifacts" / component / "*" / name / "artifact.json"))[0]).read_text())
