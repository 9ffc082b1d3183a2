"""Helpers shared by the benchmark scripts: run a config through the CLI, read its artifacts."""

from __future__ import annotations

import glob
import json
import os
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
DEFAULT_DATA_DIR = str(REPO.parent / "shared" / "datasets")


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
