"""SIGTERM and SIGINT (systemd, Airflow, Ctrl-C) end the current step cleanly, through the real CLI.

The signal is sent at an exact event, as in test_fault_tolerance.py, by an audit hook; here the
hook is installed by a ``sitecustomize`` on ``PYTHONPATH``, so that it also runs in Beam's
multi_processing workers (fresh interpreters), and it signals the CLI (the leader of its own
session) rather than killing the group: whichever process of the session sees the event first
sends the one signal.
"""

import json
import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from pipeline.store import RunStore
from tests.conftest import REPO, last_json, rnnpipe
from tests.pipeline.test_fault_tolerance import drop_span, nightly

pytestmark = pytest.mark.slow  # whole pipelines, end to end

MULTI_PROCESSING = ["--", "--runner=DirectRunner", "--direct_running_mode=multi_processing", "--direct_num_workers=2"]

SIGNAL_AT_EVENT = """
import os, signal, sys
if "RNNPIPE_TEST_SIGNAL_AT" in os.environ:
    event_name, fragment, nth, signal_name, target, marker = os.environ["RNNPIPE_TEST_SIGNAL_AT"].split("|")
    send = os.killpg if target == "group" else os.kill
    seen = []
    def signal_at(event, args):
        if event == event_name and args and fragment in str(args[0]):
            seen.append(args[0])
            if len(seen) == int(nth):
                try:  # one signal per session, from whichever process gets here first
                    os.close(os.open(marker, os.O_CREAT | os.O_EXCL | os.O_WRONLY))
                except FileExistsError:
                    return
                send(os.getpgid(0), getattr(signal, signal_name))  # the CLI (the session leader), or all
    sys.addaudithook(signal_at)
"""


def group_members(pgid: int) -> list[str]:
    """The command lines of the live (not zombie) processes in process group ``pgid``."""
    members = []
    for entry in Path("/proc").iterdir():
        try:
            stat = (entry / "stat").read_text()
            command = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
        except (OSError, ValueError):
            continue  # not a process, or it ended while being read
        state, _, group = stat.rsplit(")", 1)[1].split()[:3]
        if int(group) == pgid and state != "Z":
            members.append(f"{entry.name}: {command}")
    return members


def signal_at(tmp_path: Path, arguments: list[str], event: str, fragment: str, nth: int, signal_name: str,
              target: str = "cli") -> tuple[subprocess.CompletedProcess, list[str]]:
    """Runs the CLI in a new session and sends it ``signal_name`` at the ``nth`` ``event`` on a path
    containing ``fragment``, in the CLI or in any of its Python children; with ``target="group"``
    to every process of the session instead (as Ctrl-C in a terminal and systemd's default do).

    Returns:
        The finished process, and the processes of its session still alive when it has ended
        (each is then killed).
    """
    hook = tmp_path / "signal_hook"
    hook.mkdir(exist_ok=True)
    (hook / "sitecustomize.py").write_text(SIGNAL_AT_EVENT)
    marker = tmp_path / f"signalled-{time.monotonic_ns()}"
    env = {**os.environ, "PYTHONPATH": f"{hook}{os.pathsep}{REPO}",
           "RNNPIPE_TEST_SIGNAL_AT": "|".join([event, fragment, str(nth), signal_name, target, str(marker)])}
    process = subprocess.Popen([sys.executable, "-m", "pipeline.cli", *arguments], cwd=REPO, env=env,
                               start_new_session=True, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        stdout, stderr = process.communicate(timeout=600)
        survivors = group_members(process.pid)  # Beam's workers are stopped before the CLI exits, not after
    finally:
        try:
            os.killpg(process.pid, signal.SIGKILL)  # whatever of this test's session is left
        except ProcessLookupError:
            pass
    assert marker.exists(), f"no {event} of {fragment!r}: {stderr[-3000:]}"
    return subprocess.CompletedProcess(process.args, process.returncode, stdout, stderr), survivors


def assert_interrupted(result: subprocess.CompletedProcess, signal_name: str, code: int, component: str,
                       root: Path, only_the_cli: bool = True) -> dict:
    """The CLI said it was interrupted, once, exited ``code``, and the store and the root agree.

    With ``only_the_cli`` (the signal went to the CLI alone) nothing on stderr is a traceback of the
    CLI's; Beam's workers print their own as they are stopped mid-bundle. When the whole group got
    the signal, Beam also logs the errors of its shutdown, which carry the interruption.
    """
    assert result.returncode == code, result.stderr[-3000:]
    said = [line for line in result.stderr.splitlines() if line.startswith("rnnpipe: ")]
    assert len(said) == 1 and said[0].startswith(f"rnnpipe: interrupted by {signal_name} during {component}"), \
        result.stderr[-3000:]
    if only_the_cli:  # no frame of the project's code, no Interrupted
        assert not re.search(rf'File "{re.escape(str(REPO))}/(?!\.venv/)', result.stderr), result.stderr[-3000:]
        assert "pipeline.interrupts.Interrupted" not in result.stderr, result.stderr[-3000:]
    line = last_json(result.stdout)
    assert line["status"] == "interrupted" and line["exit_code"] == code, line
    assert line["signal"] == signal_name and line["component"] == component, line
    run = RunStore(root).run(line["run_id"])
    assert run["status"] == "interrupted", run
    assert json.loads(run["summary"])["signal"] == signal_name
    assert [e["status"] for e in run["executions"] if e["component"] == component] == ["interrupted"]
    assert not list((root / "artifacts").glob("*/.staging-*"))  # the step's staging is gone
    return line


def test_sigterm_and_sigint_end_the_step_cleanly_and_the_next_run_completes(tmp_path):
    root, data = tmp_path / "root", tmp_path / "data"
    drop_span(data, 1, days=500)
    arguments = nightly(root, data)

    # SIGTERM while Beam's multi_processing workers write example_gen's second file.
    result, survivors = signal_at(tmp_path, [*arguments, *MULTI_PROCESSING], "open", "/example_gen/.staging-", 2,
                                  "SIGTERM")
    assert_interrupted(result, "SIGTERM", 143, "example_gen", root)
    assert not survivors, survivors  # the Beam workers ended with the CLI

    # SIGINT (Ctrl-C) during training, at epoch 2's checkpoint.
    result, survivors = signal_at(tmp_path, arguments, "os.rename", "/pending.weights.h5", 2, "SIGINT")
    assert_interrupted(result, "SIGINT", 130, "trainer", root)
    assert not survivors, survivors

    finished = rnnpipe(*arguments)
    assert finished.returncode == 0, finished.stderr[-3000:]
    summary = last_json(finished.stdout)
    assert summary["status"] == "complete" and summary["pushed_version"] == 1
    assert "trainer" in summary["executed"] and "example_gen" in summary["cached"]
    assert [run["status"] for run in RunStore(root).runs()] == ["complete", "interrupted", "interrupted"]


def test_ctrl_c_in_a_terminal_signals_the_beam_workers_too_and_the_cli_still_says_one_line(tmp_path):
    root, data = tmp_path / "root", tmp_path / "data"
    drop_span(data, 1, days=500)
    result, survivors = signal_at(tmp_path, [*nightly(root, data, "--until", "example_gen"), *MULTI_PROCESSING],
                                  "open", "/example_gen/.staging-", 2, "SIGINT", target="group")
    assert_interrupted(result, "SIGINT", 130, "example_gen", root, only_the_cli=False)
    assert "Exception in thread" not in result.stderr, result.stderr[-3000:]  # Beam's threads, as their workers died
    assert not survivors, survivors


def test_sigterm_during_score_removes_its_staging_and_the_next_score_publishes(demo_run, tmp_path):
    root, summary = demo_run
    (tmp_path / "in").mkdir()
    (tmp_path / "in" / "a.csv").write_text((root / "demo_data" / "sine.csv").read_text())
    output = tmp_path / "scored" / "out"
    arguments = ["score", "--model", summary["serving_dir"], "--input", str(tmp_path / "in" / "a.csv"),
                 "--output", str(output), "--format", "series", "--json"]
    result, survivors = signal_at(tmp_path, [*arguments, *MULTI_PROCESSING], "open", "/predictions/beam-temp-", 1,
                                  "SIGTERM")  # Beam writing the first predictions file
    assert result.returncode == 143, result.stderr[-3000:]
    said = [line for line in result.stderr.splitlines() if line.startswith("rnnpipe: ")]
    assert len(said) == 1 and said[0].startswith("rnnpipe: interrupted by SIGTERM during score"), result.stderr
    assert last_json(result.stdout)["status"] == "interrupted"
    assert not survivors, survivors
    assert not output.exists() and not list(output.parent.glob(".out.staging-*"))

    again = rnnpipe(*arguments)
    assert again.returncode == 0, again.stderr[-3000:]
    assert last_json(again.stdout)["scored"] > 0 and (output / "_SUCCESS").exists()
