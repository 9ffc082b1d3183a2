"""SIGTERM and SIGINT as an exception: the handlers, the step it names, and the runner's cleanup, with real signals."""

import os
import signal
import subprocess
import sys
from dataclasses import dataclass

import pytest

from components.contract import ComponentSpec
from pipeline.dag import Node, check_dag
from pipeline.interrupts import Interrupted, as_interrupted, during, signals_interrupt
from pipeline.runner import execute
from pipeline.store import RunStore
from tests.conftest import REPO


def test_a_signal_raises_interrupted_within_and_the_previous_handlers_come_back():
    previous = {signum: signal.getsignal(signum) for signum in (signal.SIGTERM, signal.SIGINT)}
    for signum in (signal.SIGTERM, signal.SIGINT):
        with pytest.raises(Interrupted) as raised, signals_interrupt():
            os.kill(os.getpid(), signum)  # the handler raises at the next bytecode
        assert raised.value.signum == signum and raised.value.signal_name == signal.Signals(signum).name
    assert {signum: signal.getsignal(signum) for signum in previous} == previous


# Enters the handlers, takes one SIGTERM as an exception, then gets a second one while "cleaning up".
SECOND_SIGNAL = """
import os, signal, sys
from pipeline.interrupts import Interrupted, signals_interrupt
with signals_interrupt():
    try:
        os.kill(os.getpid(), signal.SIGTERM)
    except Interrupted:
        print("first", flush=True)
        os.kill(os.getpid(), signal.SIGTERM)
        print("survived the second", flush=True)
"""


def test_a_second_signal_ends_the_process_at_once():
    process = subprocess.run([sys.executable, "-c", SECOND_SIGNAL], cwd=REPO, capture_output=True, text=True,
                             env={**os.environ, "PYTHONPATH": str(REPO)}, timeout=60)
    assert process.returncode == -signal.SIGTERM and process.stdout == "first\n", process.stderr


def test_during_names_the_innermost_step_and_a_plain_keyboard_interrupt_is_sigint():
    with pytest.raises(Interrupted) as raised, during("score"), during("trainer"):
        raise Interrupted(signal.SIGTERM)
    assert raised.value.component == "trainer" and raised.value.run_id is None
    assert raised.value.describe() == "interrupted by SIGTERM during trainer"
    with pytest.raises(Interrupted) as raised, during("run"):
        raise KeyboardInterrupt
    assert raised.value.signum == signal.SIGINT and raised.value.component == "run"
    assert isinstance(raised.value.__cause__, KeyboardInterrupt)
    original = Interrupted(signal.SIGINT)
    assert as_interrupted(original) is original


@dataclass(frozen=True)
class Params:
    signum: int = signal.SIGTERM


def write_then_get_signalled(inputs, params, out):
    (out.artifact_dir("text") / "part.txt").write_text("half")
    os.kill(os.getpid(), params.signum)
    return {"text": out.artifact("text", "Text")}


SIGNALLED = ComponentSpec(name="writer", inputs=(), outputs=("text",), params_type=Params,
                          run=write_then_get_signalled)


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT])
def test_the_runner_removes_the_staging_and_records_the_execution_interrupted(tmp_path, signum):
    nodes = [Node(SIGNALLED, Params(signum))]
    check_dag(nodes)
    store = RunStore(tmp_path)
    store.start_run("r1", "fake", {})
    with pytest.raises(Interrupted) as raised, signals_interrupt():
        execute(nodes, tmp_path, store, "r1", progress=lambda *args: None)
    assert raised.value.signum == signum and raised.value.component == "writer"
    assert not list((tmp_path / "artifacts").glob("*/.staging-*")) and not list((tmp_path / "artifacts").glob("*/1"))
    [execution] = store.run("r1")["executions"]
    assert execution["status"] == "interrupted" and signal.Signals(signum).name in execution["error"]


# A child started before the handlers, and one (a shell with a grandchild) started within, whose
# shutdown is then waited on as Beam's can be: the handlers end the second ones, not the first.
CHILDREN = """
import subprocess, signal, os, sys, time
from pipeline.interrupts import Interrupted, signals_interrupt
import pipeline.interrupts
pipeline.interrupts.CHILDREN_GRACE_SECONDS = float(sys.argv[1])
older = subprocess.Popen(["sleep", "60"])
try:
    with signals_interrupt():
        shell = subprocess.Popen(["sh", "-c", "sleep 60; true"])
        try:
            os.kill(os.getpid(), signal.SIGTERM)
        except Interrupted:
            print("shell ended", shell.wait(timeout=50), flush=True)  # by the timer, within the grace
finally:
    print("older running", older.poll() is None, flush=True)
    older.kill()
"""


def test_children_started_within_are_ended_when_an_interrupted_shutdown_waits_on_them():
    process = subprocess.run([sys.executable, "-c", CHILDREN, "0.5"], cwd=REPO, capture_output=True, text=True,
                             env={**os.environ, "PYTHONPATH": str(REPO)}, timeout=60)
    assert process.stdout == f"shell ended {-signal.SIGKILL}\nolder running True\n", process.stderr
    assert "2 child process(es) did not stop" in process.stderr  # the shell and its sleep
