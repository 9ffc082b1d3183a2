"""Peak memory figures: of a block in this process, of a child process, and of each execution of a real
demo run, in the summary, the run store and ``rnnpipe runs show``; Beam's multi_processing workers count."""

from __future__ import annotations

import json
import sqlite3
import subprocess
import sys

import pytest

from data.machine import physical_memory_bytes
from pipeline.memory import measure_peak, status_kb
from tests.conftest import REPO, last_json, rnnpipe

ALLOCATED_MB = 200
FIGURES = {"peak_rss_mb", "children_peak_rss_mb", "gpu_peak_mb"}


def rss_mb() -> float:
    """This process's resident memory now, MiB."""
    return status_kb("self", "VmRSS") / 1024


def fresh_interpreter_rss_mb() -> float:
    """The resident memory of a new Python process that has loaded the command line, MiB: the floor
    of any rnnpipe process."""
    code = "import pipeline.cli; print(open('/proc/self/status').read().split('VmRSS:')[1].split()[0])"
    found = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, timeout=60)
    return int(found.stdout) / 1024


def test_the_peak_of_a_block_counts_what_it_allocated_above_the_baseline():
    baseline = rss_mb()
    with measure_peak() as memory:
        block = b"\x01" * (ALLOCATED_MB * 1024 * 1024)  # written, so resident
        del block
    assert memory.peak_rss_mb >= baseline + 0.9 * ALLOCATED_MB
    assert memory.children_peak_rss_mb == 0
    assert memory.gpu_peak_mb is None  # no GPU here (TensorFlow is not even loaded for this)
    with measure_peak() as later:  # the mark was reset: the freed block is not counted again
        pass
    assert later.peak_rss_mb < baseline + 0.5 * ALLOCATED_MB


def test_a_child_process_counts_as_children_not_as_this_process():
    baseline = rss_mb()
    child = f"import time; block = b'\\x01' * ({ALLOCATED_MB} * 1024 * 1024); time.sleep(1.0)"
    with measure_peak() as memory:
        subprocess.run([sys.executable, "-c", child], check=True, timeout=60)
    assert memory.children_peak_rss_mb >= 0.9 * ALLOCATED_MB
    assert memory.peak_rss_mb < baseline + 0.5 * ALLOCATED_MB


def test_the_figures_are_filled_in_when_the_block_raises():
    with pytest.raises(RuntimeError), measure_peak() as memory:
        raise RuntimeError("failed")
    assert memory.peak_rss_mb > 0 and set(memory.to_dict()) == FIGURES


def test_each_execution_of_the_demo_has_plausible_figures_in_the_summary_store_and_runs_show(demo_run):
    root, summary = demo_run
    floor, ceiling = fresh_interpreter_rss_mb(), physical_memory_bytes() / 2 ** 20
    assert set(summary["memory"]) == set(summary["executed"]) and "trainer" in summary["memory"]
    for component, figures in summary["memory"].items():
        assert set(figures) == FIGURES, component
        assert floor < figures["peak_rss_mb"] < ceiling, (component, floor, figures)
        assert figures["children_peak_rss_mb"] >= 0 and figures["gpu_peak_mb"] is None  # no GPU here
    with sqlite3.connect(root / "runs.sqlite") as db:
        stored = dict(db.execute("SELECT component, memory FROM executions WHERE run_id=?", (summary["run_id"],)))
    assert {component: json.loads(figures) for component, figures in stored.items()} == summary["memory"]
    shown = rnnpipe("runs", "show", summary["run_id"], "--root", str(root))
    assert shown.returncode == 0, shown.stderr
    trainer_line = next(line for line in shown.stdout.splitlines() if line.strip().startswith("trainer"))
    assert f"peak {summary['memory']['trainer']['peak_rss_mb']:.0f} MB" in trainer_line


@pytest.mark.slow
def test_beam_multi_processing_workers_count_as_children(tmp_path):
    result = rnnpipe("demo", "--root", str(tmp_path / "root"), "--until", "example_gen", "--json", "--",
                     "--direct_running_mode=multi_processing", "--direct_num_workers=2")
    assert result.returncode == 0, result.stderr[-3000:]
    figures = last_json(result.stdout)["memory"]["example_gen"]
    # Each of the two workers is a Python process that loads Beam: more than a fresh rnnpipe process.
    assert figures["children_peak_rss_mb"] > 2 * fresh_interpreter_rss_mb()
    shown = rnnpipe("runs", "show", last_json(result.stdout)["run_id"], "--root", str(tmp_path / "root"))
    assert "children" in next(line for line in shown.stdout.splitlines() if "example_gen" in line)


def test_a_store_from_before_the_figures_gains_the_memory_column_and_shows_none_for_old_executions(tmp_path):
    from pipeline.cli.output import format_run
    from pipeline.store import STORE_FILE, RunStore

    with sqlite3.connect(tmp_path / STORE_FILE) as db:  # the executions table as the first schema had it
        db.executescript("CREATE TABLE executions (id INTEGER PRIMARY KEY AUTOINCREMENT, run_id TEXT, component "
                         "TEXT, cache_key TEXT, status TEXT, cached INTEGER, started REAL, ended REAL, error TEXT);"
                         "INSERT INTO executions (run_id, component, status, cached, started, ended) "
                         "VALUES ('old', 'trainer', 'complete', 0, 1.0, 2.0)")
    store = RunStore(tmp_path)
    store.start_run("new", "sine", {"source": "demo.yaml"})
    execution = store.start_execution("new", "trainer", "key", cached=False)
    store.record_memory(execution, {"peak_rss_mb": 812.4, "children_peak_rss_mb": 300.0, "gpu_peak_mb": None})
    store.end_execution(execution, "complete")
    store.start_run("old", "sine", {"source": "demo.yaml"})
    assert "peak 812 MB, children 300 MB" in format_run(store.run("new"))
    old_line = next(line for line in format_run(store.run("old")).splitlines() if "trainer" in line)
    assert "peak" not in old_line and store.run("old")["executions"][0]["memory"] is None
