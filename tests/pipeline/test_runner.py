"""Tests for the runner: caching by spec, the recorded baseline, and a real run re-evaluating on a new version."""

import json
import shutil
from dataclasses import dataclass
from pathlib import Path

import pytest

from components.contract import ComponentSpec
from components.types import fingerprint_dir
from pipeline.dag import Node, check_dag
from pipeline.runner import cached_inputs, execute
from pipeline.store import RunStore
from tests.conftest import last_json

RUNS: list[str] = []  # the components each fake execution ran, in order


@dataclass(frozen=True)
class Params:
    text: str = "x"
    served: str = ""  # a file whose contents stand for the served baseline


def write_text(inputs, params, out):
    RUNS.append("source")
    (out.artifact_dir("text") / "text.txt").write_text(params.text)
    return {"text": out.artifact("text", "Text")}


def judge(inputs, params, out):
    RUNS.append("judge")
    (out.artifact_dir("verdict") / "verdict.txt").write_text(Path(inputs["text"].uri, "text.txt").read_text())
    return {"verdict": out.artifact("verdict", "Verdict")}


def served_baseline(params, inputs):
    return Path(params.served).read_text() if Path(params.served).exists() else "none"


def count_words(outputs, params):
    return {"words": len(Path(outputs["text"].uri, "text.txt").read_text().split())}


SOURCE = ComponentSpec(name="source", inputs=(), outputs=("text",), params_type=Params, run=write_text,
                       check_outputs=count_words)
JUDGE = ComponentSpec(name="judge", inputs=("text",), outputs=("verdict",), params_type=Params, run=judge,
                      baseline=served_baseline)


def fake_dag(tmp_path: Path, text: str = "two words") -> list[Node]:
    params = Params(text, str(tmp_path / "served.txt"))
    nodes = [Node(SOURCE, params), Node(JUDGE, params, {"text": ("source", "text")})]
    check_dag(nodes)
    return nodes


def run(nodes, root: Path, run_id: str):
    RUNS.clear()
    store = RunStore(root)
    store.start_run(run_id, "fake", {})
    return execute(nodes, root, store, run_id, progress=lambda *args: None), store


def test_a_second_run_is_cached_and_a_new_baseline_reruns_only_what_compares_with_it(tmp_path):
    root = tmp_path / "root"
    first, store = run(fake_dag(tmp_path), root, "r1")
    assert first.executed == ["source", "judge"] and RUNS == ["source", "judge"]
    assert first.checks == {"source": {"words": 2}}  # the gate's report
    second, _ = run(fake_dag(tmp_path), root, "r2")
    assert second.cached == ["source", "judge"] and RUNS == []
    assert second.checks == {"source": {"words": 2}}  # the gate runs on cached outputs too

    (tmp_path / "served.txt").write_text("version 7")
    third, _ = run(fake_dag(tmp_path), root, "r3")
    assert third.cached == ["source"] and third.executed == ["judge"] and RUNS == ["judge"]
    recorded = {run_id: [(e["component"], e["baseline"]) for e in store.run(run_id)["executions"]]
                for run_id in ("r1", "r2", "r3")}
    assert recorded == {"r1": [("source", None), ("judge", "none")], "r2": [("source", None), ("judge", "none")],
                        "r3": [("source", None), ("judge", "version 7")]}

    inputs, key = cached_inputs(fake_dag(tmp_path), store, "judge")
    assert inputs["text"].fingerprint == third.outputs["source"]["text"].fingerprint
    assert key == store.run("r3")["executions"][1]["cache_key"]


@pytest.mark.slow
def test_a_real_run_reevaluates_when_a_new_version_is_served_between_two_identical_runs(tmp_path, capsys):
    from pipeline.cli import main

    root = tmp_path / "root"
    arguments = ["demo", "--root", str(root), "--set", "trainer.epochs=2", "--set", "evaluator.upper_bounds={}",
                 "--json"]

    def demo() -> dict:
        code = main(arguments)
        summary = last_json(capsys.readouterr().out)
        assert code == 0, summary
        return summary

    def evaluator_baseline(summary: dict) -> str:
        executions = RunStore(root).run(summary["run_id"])["executions"]
        return next(e["baseline"] for e in executions if e["component"] == "evaluator")

    first = demo()
    assert first["pushed_version"] == 1 and evaluator_baseline(first) == "none"
    again = demo()  # its own push is not a new baseline: nothing re-runs
    assert again["executed"] == [] and evaluator_baseline(again) == "none"

    # Another model is served as version 2 (here: version 1's files under another model's card).
    model_dir = root / "serving" / "sine"
    shutil.copytree(model_dir / "1", model_dir / "2")
    card = json.loads((model_dir / "2" / "model.json").read_text())
    (model_dir / "2" / "model.json").write_text(json.dumps({**card, "model_fingerprint": "another model"}))
    third = demo()
    assert third["cached"] == ["example_gen", "statistics", "transform", "trainer"]
    assert third["executed"] == ["evaluator", "exporter"]
    assert evaluator_baseline(third) == f"2:{fingerprint_dir(model_dir / '2')}"
    metrics = json.loads(Path(third["evaluation_dir"], "metrics.json").read_text())
    assert metrics["baseline"]["version"] == 2
