"""Tests for the component contract and the DAG: each spec as declared, each refusal at build time."""

from dataclasses import dataclass
from pathlib import Path

import pytest

from components.contract import ComponentSpec
from pipeline.dag import Node, build_dag, check_dag
from tests.conftest import REPO


@dataclass(frozen=True)
class SourceParams:
    rows: int = 1


@dataclass(frozen=True)
class SinkParams:
    threshold: float = 0.0


def run_nothing(inputs, params, out):
    return {}


SOURCE = ComponentSpec(name="source", inputs=(), outputs=("rows",), params_type=SourceParams, run=run_nothing)
SINK = ComponentSpec(name="sink", inputs=("rows",), optional_inputs=("extra",), outputs=("verdict",),
                     params_type=SinkParams, run=run_nothing)


def refusal(nodes) -> str:
    with pytest.raises(ValueError) as raised:
        check_dag(nodes)
    return str(raised.value)


def test_a_well_wired_dag_passes_with_or_without_its_optional_input():
    check_dag([Node(SOURCE, SourceParams()), Node(SINK, SinkParams(), {"rows": ("source", "rows")})])
    check_dag([Node(SOURCE, SourceParams()),
               Node(SINK, SinkParams(), {"rows": ("source", "rows"), "extra": ("source", "rows")})])


def test_params_of_another_type_are_refused():
    assert refusal([Node(SOURCE, SinkParams())]) == "source: params must be SourceParams, not SinkParams"
    assert refusal([Node(SOURCE, {"rows": 1})]) == "source: params must be SourceParams, not dict"


def test_two_nodes_of_one_name_are_refused():
    assert refusal([Node(SOURCE, SourceParams()), Node(SOURCE, SourceParams())]) == (
        "source: the DAG has two components of this name")


def test_an_unwired_input_is_refused():
    assert refusal([Node(SOURCE, SourceParams()), Node(SINK, SinkParams())]) == "sink: inputs ['rows'] are not wired"


def test_an_undeclared_input_is_refused():
    nodes = [Node(SOURCE, SourceParams()),
             Node(SINK, SinkParams(), {"rows": ("source", "rows"), "model": ("source", "rows")})]
    assert refusal(nodes) == "sink: it takes no inputs ['model']"


def test_an_input_from_a_later_or_missing_node_is_refused():
    nodes = [Node(SINK, SinkParams(), {"rows": ("source", "rows")}), Node(SOURCE, SourceParams())]
    assert refusal(nodes) == "sink.rows: upstream 'source' does not run before it"


def test_an_undeclared_output_is_refused():
    nodes = [Node(SOURCE, SourceParams()), Node(SINK, SinkParams(), {"rows": ("source", "columns")})]
    assert refusal(nodes) == "sink.rows: source has no output 'columns'"


def test_a_spec_refuses_repeated_or_conflicting_names_and_unknown_gate_params():
    def spec(**changes):
        return ComponentSpec(**{"name": "c", "inputs": ("a",), "outputs": ("b",), "params_type": SinkParams,
                                "run": run_nothing, **changes})

    with pytest.raises(ValueError, match=r"^c: outputs name one thing twice: \['b', 'b'\]$"):
        spec(outputs=("b", "b"))
    with pytest.raises(ValueError, match=r"^c: inputs \['a'\] are both required and optional$"):
        spec(optional_inputs=("a",))
    with pytest.raises(ValueError, match=r"^c: gate_params \['validation'\] are not fields of SinkParams$"):
        spec(gate_params=("validation",))
    with pytest.raises(TypeError, match=r"^c: inputs must be a tuple of names, not \['a'\]$"):
        spec(inputs=["a"])
    with pytest.raises(TypeError):  # every field is named
        ComponentSpec("c", ("a",), ("b",), SinkParams, run_nothing)
    assert spec().module == __name__ and spec(optional_inputs=("x",)).accepted_inputs == ("a", "x")


def test_every_component_declares_its_spec_from_its_header():
    from components import evaluator, example_gen, exporter, statistics, trainer, transform, tuner

    for module in (example_gen, statistics, transform, tuner, trainer, evaluator, exporter):
        spec = module.SPEC
        assert isinstance(spec, ComponentSpec) and spec.module == module.__name__
        assert (spec.name, spec.inputs, spec.outputs) == (module.NAME, module.INPUTS, module.OUTPUTS)
    assert trainer.SPEC.optional_inputs == ("hyperparameters",)
    assert statistics.SPEC.gate_params == ("validation",) and statistics.SPEC.check_outputs is not None
    assert example_gen.SPEC.input_fingerprint is not None and example_gen.SPEC.check_outputs is not None
    assert evaluator.SPEC.baseline is not None
    assert all(module.SPEC.baseline is None for module in (example_gen, statistics, transform, tuner, trainer,
                                                           exporter))
    assert exporter.SPEC.stale_outputs is not None and exporter.SPEC.check_params is not None


def test_the_standard_dag_holds_specs_and_the_kind(tmp_path):
    from pipeline.config import load_config, resolve_paths

    cfg = resolve_paths(load_config(str(REPO / "pipeline/configs/demo.yaml"), []), str(tmp_path), tmp_path)
    nodes = build_dag(cfg)
    assert [node.name for node in nodes] == ["example_gen", "statistics", "transform", "trainer", "evaluator",
                                             "exporter"]
    assert all(isinstance(node.spec, ComponentSpec) and node.kind == "timeseries" for node in nodes)



def test_the_beam_seed_reaches_the_steps_that_write_records(tmp_path):
    from pipeline.config import load_config, resolve_paths

    cfg = resolve_paths(load_config(str(REPO / "pipeline/configs/demo.yaml"), ["beam.seed=7"]), str(tmp_path), tmp_path)
    seeds = {node.name: node.params.seed for node in build_dag(cfg) if node.name in ("example_gen", "transform")}
    assert seeds == {"example_gen": 7, "transform": 7}

def test_a_problem_a_check_params_names_is_a_config_error_when_the_dag_is_built(tmp_path):
    from pipeline.config import ConfigError, load_config, resolve_paths

    checked = ComponentSpec(name="source", inputs=(), outputs=("rows",), params_type=SourceParams, run=run_nothing,
                            check_params=lambda params: f"source.rows: {params.rows} is too many" if params.rows > 1
                            else None)
    check_dag([Node(checked, SourceParams(1))])
    with pytest.raises(ConfigError, match="^source.rows: 2 is too many$"):
        check_dag([Node(checked, SourceParams(2))])

    (tmp_path / "serving").write_text("a file where the serving folder goes")
    cfg = resolve_paths(load_config(str(REPO / "pipeline/configs/demo.yaml"), []), str(tmp_path), tmp_path)
    with pytest.raises(ConfigError, match=f"^exporter.serving_dir: {tmp_path / 'serving'} is a file, not a folder"):
        build_dag(cfg)


def test_dag_runner_and_cache_find_no_hook_by_name():
    for name in ("dag.py", "runner.py", "cache.py"):
        source = Path(REPO, "pipeline", name).read_text()
        assert "getattr(" not in source and "hasattr(" not in source, name
