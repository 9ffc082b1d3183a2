"""Re-run control: ``--force`` executes a component and its descendants whatever the cache holds;
``--from`` takes the upstream outputs of the newest complete run of the pipeline.

The rules are tested on a small fake DAG (fast); the demo tests run the real pipeline."""

from __future__ import annotations

import json
import shutil
from dataclasses import dataclass
from pathlib import Path

import pytest

from components.contract import ComponentSpec
from pipeline.dag import Node, check_dag
from pipeline.errors import UsageError
from pipeline.rerun import check_names, downstream, plan_rerun
from pipeline.runner import execute
from pipeline.store import RunStore
from tests.conftest import last_json

RAN: list[str] = []  # the components each fake execution ran, in order


@dataclass(frozen=True)
class Params:
    text: str = "x"


def produce(name: str):
    def run(inputs, params, out):
        RAN.append(name)
        upstream = "".join(Path(artifact.uri, "out.txt").read_text() for artifact in inputs.values())
        (out.artifact_dir("out") / "out.txt").write_text(upstream + name + params.text)
        return {"out": out.artifact("out", "Text")}
    return run


def spec(name: str, inputs: tuple[str, ...] = ()) -> ComponentSpec:
    return ComponentSpec(name=name, inputs=inputs, outputs=("out",), params_type=Params, run=produce(name))


def fake_dag(text: str = "x") -> list[Node]:
    """source -> left -> sink, and source -> side: side is neither upstream nor downstream of left."""
    params = Params(text)
    nodes = [Node(spec("source"), params),
             Node(spec("left", ("a",)), params, {"a": ("source", "out")}),
             Node(spec("side", ("a",)), params, {"a": ("source", "out")}),
             Node(spec("sink", ("a",)), params, {"a": ("left", "out")})]
    check_dag(nodes)
    return nodes


def fake_run(root: Path, run_id: str, nodes=None, force=(), start_from=None, status="complete"):
    """One recorded run of the fake DAG, as run_pipeline records it."""
    RAN.clear()
    nodes = nodes or fake_dag()
    store = RunStore(root)
    check_names(nodes, force, start_from)
    plan = plan_rerun(nodes, store, "fake", force, start_from)
    store.start_run(run_id, "fake", plan.record())
    outcome = execute(nodes, root, store, run_id, progress=lambda *args: None, forced=plan.forced, taken=plan.taken)
    store.end_run(run_id, status, {})
    return outcome, plan


def test_descendants_follow_the_wiring_not_the_order():
    nodes = fake_dag()
    assert downstream(nodes, ["left"]) == ("left", "sink")
    assert downstream(nodes, ["side", "sink"]) == ("side", "sink")
    assert downstream(nodes, ["source"]) == ("source", "left", "side", "sink")
    assert downstream(nodes, ["all"]) == ("source", "left", "side", "sink")


def test_force_executes_the_component_and_its_descendants_and_the_rest_stays_cached(tmp_path):
    fake_run(tmp_path, "r1")
    assert RAN == ["source", "left", "side", "sink"]
    outcome, plan = fake_run(tmp_path, "r2", force=["left"])
    assert RAN == ["left", "sink"] and outcome.executed == ["left", "sink"]
    assert outcome.cached == ["source", "side"] and plan.forced == ("left", "sink")
    assert json.loads(RunStore(tmp_path).run("r2")["config"])["forced"] == ["left", "sink"]
    outcome, plan = fake_run(tmp_path, "r3", force=["all"])
    assert RAN == ["source", "left", "side", "sink"] and outcome.cached == []
    outcome, _ = fake_run(tmp_path, "r4")  # a plain run after: all cached again
    assert RAN == [] and outcome.cached == ["source", "left", "side", "sink"]


@pytest.mark.parametrize("force, start_from, message", [
    (["lft"], None, "--force 'lft': this pipeline has no such component; its components are source, left, side, "
                    "sink (or all)"),
    ([], "al", "--from 'al': this pipeline has no such component; its components are source, left, side, sink"),
    ([], "all", "--from 'all': this pipeline has no such component"),
    (["source"], "left", "--force 'source' comes before --from 'left'"),
])
def test_unknown_or_contradicting_names_are_usage_errors_naming_the_known_components(force, start_from, message):
    with pytest.raises(UsageError) as raised:
        check_names(fake_dag(), force, start_from)
    assert message in str(raised.value)


def test_from_after_until_is_a_usage_error():
    with pytest.raises(UsageError, match="--from 'sink' comes after --until 'left'"):
        check_names(fake_dag(), [], "sink", until="left")


def test_from_takes_the_upstream_outputs_of_the_newest_complete_run_whatever_their_keys(tmp_path):
    fake_run(tmp_path, "old")
    fake_run(tmp_path, "new", nodes=fake_dag("y"))  # another config: every key differs
    fake_run(tmp_path, "failed", nodes=fake_dag("z"), status="failed")  # not complete: never the source
    outcome, plan = fake_run(tmp_path, "from", start_from="side")  # config "x": "old"'s keys, not "new"'s
    assert plan.reused_run == "new" and plan.forced == ("side",)
    assert RAN == ["side", "sink"] and outcome.cached == ["source", "left"] and outcome.executed == ["side", "sink"]
    store = RunStore(tmp_path)
    taken = {e["component"]: e for e in store.run("from")["executions"]}
    made = {e["component"]: e for e in store.run("new")["executions"]}
    for name in ("source", "left"):
        assert taken[name]["cache_key"] == made[name]["cache_key"] and taken[name]["cached"] == 1
        assert str(outcome.outputs[name]["out"].uri) == store.execution_outputs(made[name]["id"])[0]["uri"]
    assert Path(outcome.outputs["side"]["out"].uri, "out.txt").read_text() == "sourceysidex"
    # sink comes after side but is not downstream of it: not forced, it goes by the cache, and its key
    # (config "x" on "new"'s left) is new
    assert "sink" not in plan.forced and taken["sink"]["cached"] == 0
    again, plan = fake_run(tmp_path, "again", start_from="side")
    assert plan.reused_run == "from" and RAN == ["side"] and again.cached == ["source", "left", "sink"]
    assert json.loads(store.run("from")["config"])["reused_run"] == "new"


def test_from_without_a_complete_run_or_with_missing_outputs_says_so(tmp_path):
    with pytest.raises(UsageError, match="has no complete run of pipeline 'fake' to take the outputs of "
                                         "source, left from; run the whole pipeline first"):
        fake_run(tmp_path, "r1", start_from="side")
    assert RunStore(tmp_path).runs() == []
    fake_run(tmp_path, "short", nodes=fake_dag()[:1])  # stopped after source, as --until does
    with pytest.raises(UsageError, match="the newest complete run short of pipeline 'fake' has no output out of "
                                         "left \\(it stopped before it, or ran without it\\)"):
        fake_run(tmp_path, "r2", start_from="side")
    fake_run(tmp_path, "whole")
    left = RunStore(tmp_path).run("whole")["executions"][1]
    shutil.rmtree(Path(RunStore(tmp_path).execution_outputs(left["id"])[0]["uri"]))  # as gc deletes it
    with pytest.raises(UsageError, match="an output of left in run whole, is missing or altered"):
        fake_run(tmp_path, "r3", start_from="side")
    outcome, plan = fake_run(tmp_path, "r4", start_from="source")  # nothing before it: no run needed
    assert plan.reused_run is None and outcome.executed[0] == "source"


# ---------------------------------------------------------------- the demo

DEMO_SETS = ["trainer.epochs=2"]


@pytest.fixture(scope="module")
def demo_root(tmp_path_factory):
    """A demo root with one complete run of two epochs: ``(root, its summary)``."""
    from pipeline.api import run_demo

    root = tmp_path_factory.mktemp("rerun_root")
    return root, run_demo(root, sets=DEMO_SETS).to_dict()


def demo(capsys, root: Path, *options: str) -> tuple[int, dict]:
    """``rnnpipe demo`` in-process with the module's settings and ``--json``."""
    from pipeline.cli import main

    code = main(["demo", "--root", str(root), *[x for s in DEMO_SETS for x in ("--set", s)], *options, "--json"])
    return code, last_json(capsys.readouterr().out)


UPSTREAM = ["example_gen", "statistics", "transform"]
DOWNSTREAM = ["trainer", "evaluator", "exporter"]


@pytest.mark.slow
def test_force_trainer_executes_it_and_downstream_while_upstream_stays_cached(demo_root, capsys):
    root, _ = demo_root
    code, summary = demo(capsys, root, "--force", "trainer")
    assert code in (0, 4), summary
    assert summary["executed"] == DOWNSTREAM and summary["cached"] == UPSTREAM
    assert summary["forced"] == DOWNSTREAM and "started_from" not in summary
    record = json.loads(RunStore(root).run(summary["run_id"])["config"])
    assert record["force"] == ["trainer"] and record["forced"] == DOWNSTREAM


@pytest.mark.slow
def test_force_all_executes_every_component(demo_root, capsys):
    root, _ = demo_root
    code, summary = demo(capsys, root, "--force", "all")
    assert code in (0, 4), summary
    assert summary["executed"] == UPSTREAM + DOWNSTREAM and summary["cached"] == []


@pytest.mark.slow
def test_from_trainer_reuses_the_upstream_of_the_newest_complete_run_though_its_keys_differ(demo_root, capsys):
    root, _ = demo_root
    store = RunStore(root)
    newest = store.newest_complete_run("sine")["id"]
    # Another seed changes the keys of example_gen and transform: a plain run would execute them.
    code, summary = demo(capsys, root, "--from", "trainer", "--set", "beam.seed=7")
    assert code in (0, 4), summary
    assert summary["cached"] == UPSTREAM and summary["executed"] == DOWNSTREAM
    assert summary["started_from"] == "trainer" and summary["reused_run"] == newest
    executions = {e["component"]: e for e in store.run(summary["run_id"])["executions"]}
    source = {e["component"]: e for e in store.run(newest)["executions"]}
    for name in UPSTREAM:
        assert executions[name]["cache_key"] == source[name]["cache_key"]
        assert ([row["uri"] for row in store.execution_outputs(executions[name]["id"])]
                == [row["uri"] for row in store.execution_outputs(source[name]["id"])])
    record = json.loads(store.run(summary["run_id"])["config"])
    assert record["config"]["beam.seed"] == 7 and record["start_from"] == "trainer" and record["reused_run"] == newest


@pytest.mark.parametrize("option", ["--force", "--from"])
def test_an_unknown_component_exits_2_naming_it_and_the_known_ones_before_anything_runs(option, capsys, tmp_path):
    from pipeline.cli import main

    code = main(["demo", "--root", str(tmp_path), option, "trainr"])
    error = capsys.readouterr().err
    assert code == 2
    assert f"rnnpipe: usage error: {option} 'trainr': this pipeline has no such component; its components are " \
           f"example_gen, statistics, transform, trainer, evaluator, exporter" in error
    assert not (tmp_path / "runs.sqlite").exists()


def test_the_text_summary_says_what_was_forced_and_where_the_run_started_from(capsys):
    from pipeline.cli.output import print_summary

    summary = {"run_id": "r2", "status": "complete", "seconds": 1.0, "executed": ["trainer"], "cached": ["transform"],
               "metrics": {}, "evaluation_dir": None, "pushed_version": None, "model_path": None, "blessed": False,
               "reasons": [], "forced": ["trainer"], "started_from": "trainer", "reused_run": "r1"}
    print_summary(summary, as_json=False)
    assert "  started from trainer, with the outputs before it from run r1\n  forced: trainer\n" in capsys.readouterr().out
