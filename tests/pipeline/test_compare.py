"""``rnnpipe runs compare``: the config keys that differ, metrics side by side, executed against
cached components and durations, from the run store alone."""

from __future__ import annotations

import json

import pytest

from pipeline.compare import compare_runs, config_as_run, flatten
from pipeline.config import bundled_config, load_config
from pipeline.store import RunStore
from tests.conftest import last_json


def recorded_run(store: RunStore, run_id: str, config: dict, metrics: dict, cached: dict[str, bool],
                 **record) -> None:
    """A complete run as run_pipeline records it: its config as run, executions and summary."""
    store.start_run(run_id, "fake", {"source": "fake.yaml", "overrides": [], "config": config, **record})
    for component, is_cached in cached.items():
        store.end_execution(store.start_execution(run_id, component, "key", cached=is_cached), "complete")
    store.end_run(run_id, "complete", {"metrics": metrics})


def test_flatten_gives_dotted_keys_and_keeps_lists_and_empty_mappings():
    assert flatten({"a": {"b": 1, "c": {"d": [1, 2]}}, "e": {}}) == {"a.b": 1, "a.c.d": [1, 2], "e": {}}


def test_the_config_as_run_has_each_key_once_where_the_yaml_has_it():
    flat = config_as_run(load_config(bundled_config("demo"), ["trainer.epochs=3"]))
    assert flat["trainer.epochs"] == 3 and flat["data.window"] == 20 and flat["model.units"] == [32]
    assert flat["name"] == "sine" and flat["data.split.train"] == 0.7
    # what the loader injects into sections is not a key of theirs
    assert not any(key.startswith(("trainer.data.", "trainer.model.", "tuner.trainer.", "evaluator.data."))
                   for key in flat)
    assert "source" not in flat and json.loads(json.dumps(flat)) == flat


def test_compare_shows_only_the_differing_keys_every_metric_and_each_components_state(tmp_path):
    store = RunStore(tmp_path)
    recorded_run(store, "a", {"trainer.epochs": 2, "data.window": 20, "evaluator.upper_bounds": {}},
                 {"rmse": 0.5, "mae": 0.4}, {"ingest": False, "train": False})
    recorded_run(store, "b", {"trainer.epochs": 3, "data.window": 20, "evaluator.upper_bounds.rmse": 0.3},
                 {"rmse": 0.25, "mae": 0.4}, {"ingest": True, "train": False})
    comparison = compare_runs(tmp_path, ["a", "b"])
    assert comparison["config"] == {"evaluator.upper_bounds": [{}, None], "evaluator.upper_bounds.rmse": [None, 0.3],
                                    "trainer.epochs": [2, 3]}
    assert comparison["metrics"] == {"rmse": [0.5, 0.25], "mae": [0.4, 0.4]}
    assert [[entry["state"] for entry in entries] for entries in comparison["components"].values()] == [
        ["executed", "cached"], ["executed", "executed"]]
    assert list(comparison["components"]) == ["ingest", "train"]
    assert all(entry["seconds"] >= 0 for entries in comparison["components"].values() for entry in entries)
    assert [run["run_id"] for run in comparison["runs"]] == ["a", "b"] and all(s >= 0 for s in comparison["seconds"])


def test_the_text_shows_columns_and_the_forced_and_started_from_rows_and_runs_show_them_too(tmp_path, capsys):
    from pipeline.cli import main

    store = RunStore(tmp_path)
    recorded_run(store, "a", {"k": 1}, {"rmse": 0.5}, {"ingest": False, "train": False})
    recorded_run(store, "b", {"k": 1}, {"rmse": 0.25}, {"ingest": True, "train": False}, forced=["train"],
                 start_from="train", reused_run="a")
    assert main(["runs", "compare", "a", "b", "--root", str(tmp_path)]) == 0
    lines = {line.split()[0]: line.split()[1:] for line in capsys.readouterr().out.splitlines()}
    assert lines["run"] == ["a", "b"] and lines["forced"] == ["-", "train"] and lines["rmse"] == ["0.5", "0.25"]
    assert lines["ingest"][0::2] == ["executed", "cached"] and lines["config"] == ["(keys", "that", "differ):", "none"]
    assert main(["runs", "show", "b", "--root", str(tmp_path)]) == 0
    shown = capsys.readouterr().out
    assert "  started from: train (the outputs before it from run a)\n  forced: train\n" in shown


@pytest.mark.parametrize("ids, message", [
    (["a", "nope", "gone"], "rnnpipe: no run 'nope', 'gone' in {root} (see: rnnpipe runs --root {root})"),
    (["a"], "rnnpipe: usage error: runs compare needs two or more RUN_IDs, got 1"),
], ids=["unknown runs", "one run"])
def test_unknown_runs_or_a_single_run_exit_2_naming_them(ids, message, tmp_path, capsys):
    from pipeline.cli import main

    recorded_run(RunStore(tmp_path), "a", {}, {}, {})
    code = main(["runs", "compare", *ids, "--root", str(tmp_path)])
    assert code == 2 and message.format(root=tmp_path) in capsys.readouterr().err


def test_compare_without_a_run_store_exits_2_naming_it(tmp_path, capsys):
    from pipeline.cli import main

    assert main(["runs", "compare", "a", "b", "--root", str(tmp_path)]) == 2
    assert f"no run store at {tmp_path / 'runs.sqlite'}" in capsys.readouterr().err


@pytest.fixture(scope="module")
def two_demo_runs(tmp_path_factory):
    """Two demo runs that differ in one --set: ``(root, first summary, second summary)``."""
    from pipeline.api import run_demo

    root = tmp_path_factory.mktemp("compare_root")
    first = run_demo(root, sets=["trainer.epochs=2"]).to_dict()
    second = run_demo(root, sets=["trainer.epochs=3"]).to_dict()
    return root, first, second


@pytest.mark.slow
def test_two_demo_runs_differing_in_one_set_compare_by_exactly_that_key(two_demo_runs, capsys):
    from pipeline.cli import main

    root, first, second = two_demo_runs
    assert main(["runs", "compare", first["run_id"], second["run_id"], "--root", str(root), "--json"]) == 0
    comparison = last_json(capsys.readouterr().out)
    assert comparison["config"] == {"trainer.epochs": [2, 3]}
    assert comparison["metrics"]["rmse"] == [first["metrics"]["rmse"], second["metrics"]["rmse"]]
    assert set(comparison["metrics"]) == set(flatten(first["metrics"]))
    states = {name: [entry["state"] for entry in entries] for name, entries in comparison["components"].items()}
    assert states == {"example_gen": ["executed", "cached"], "statistics": ["executed", "cached"],
                      "transform": ["executed", "cached"], "trainer": ["executed", "executed"],
                      "evaluator": ["executed", "executed"], "exporter": ["executed", "executed"]}

    assert main(["runs", "compare", first["run_id"], second["run_id"], "--root", str(root)]) == 0
    text = capsys.readouterr().out
    assert "config (keys that differ):" in text and "components (state, seconds):" in text
    epochs = next(line for line in text.splitlines() if "trainer.epochs" in line)
    assert epochs.split() == ["trainer.epochs", "2", "3"]
    rmse = next(line for line in text.splitlines() if line.split()[:1] == ["rmse"])
    assert rmse.split()[1:] == [f"{first['metrics']['rmse']:.4g}", f"{second['metrics']['rmse']:.4g}"]
    assert next(line for line in text.splitlines() if "example_gen" in line).split()[1::2] == ["executed", "cached"]


def test_runs_show_still_takes_one_run_id(tmp_path, capsys):
    from pipeline.cli import main

    recorded_run(RunStore(tmp_path), "a", {}, {}, {})
    assert main(["runs", "show", "a", "--root", str(tmp_path)]) == 0
    assert capsys.readouterr().out.startswith("run a (fake): complete")
    assert main(["runs", "show", "a", "a", "--root", str(tmp_path)]) == 2
    assert "runs show takes one RUN_ID, got 2; runs compare compares several" in capsys.readouterr().err
    assert main(["runs", "show", "--root", str(tmp_path)]) == 2
    assert "runs show needs a RUN_ID" in capsys.readouterr().err
