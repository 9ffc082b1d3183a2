"""Tests for cache keys: each component's code is its own module and what it imports, not the tree."""

import json
import pickle
import shutil
import sqlite3
from dataclasses import dataclass
from pathlib import Path

import pytest

from components.contract import ComponentSpec
from components.types import Artifact, fingerprint_dir
from data.contract import DataConfig
from data.timeseries import TimeseriesData
from pipeline.cache import SOURCE_ROOT, cache_key, code_fingerprint, kind_modules, params_for_key, source_files
from pipeline.dag import Node, build_dag
from pipeline.store import RunStore
from tests.conftest import REPO


@pytest.fixture(scope="module")
def demo_nodes(tmp_path_factory):
    """The demo pipeline's nodes (kind timeseries, validation on)."""
    from pipeline.config import load_config, resolve_paths

    root = tmp_path_factory.mktemp("demo_cfg")
    return build_dag(resolve_paths(load_config(str(REPO / "pipeline/configs/demo.yaml"), []), str(root), root))


@pytest.fixture
def source_copy(tmp_path):
    """A copy of the project's source packages, to edit."""
    for package in ("components", "models", "data"):
        shutil.copytree(SOURCE_ROOT / package, tmp_path / package, ignore=shutil.ignore_patterns("__pycache__"))
    return tmp_path


def fingerprints(nodes, root: Path) -> dict[str, str]:
    return {node.name: code_fingerprint(node, root) for node in nodes}


def edit(path: Path) -> None:
    path.write_text(path.read_text() + "\n# edited\n")


def scoring_only_files(root: Path) -> list[Path]:
    """The batch-scoring modules, where they live now."""
    files = sorted((root / "components" / "scoring").rglob("*.py"))
    assert files
    return files


def test_editing_scoring_code_changes_no_component_fingerprint(demo_nodes, source_copy):
    assert fingerprints(demo_nodes, source_copy) == fingerprints(demo_nodes, SOURCE_ROOT)  # the copy is the tree
    before = fingerprints(demo_nodes, source_copy)
    for path in scoring_only_files(source_copy):
        edit(path)
    assert fingerprints(demo_nodes, source_copy) == before


def test_editing_a_module_the_trainer_imports_changes_the_trainers_fingerprint_only_where_imported(
        demo_nodes, source_copy):
    by_name = {node.name: node for node in demo_nodes}
    trainer_files = set(source_files([by_name["trainer"].spec.module], source_copy))
    example_gen_files = set(source_files([by_name["example_gen"].spec.module, *kind_modules("timeseries")],
                                         source_copy))
    only_trainer = sorted(trainer_files - example_gen_files)
    assert source_copy / "components" / "trainer.py" in only_trainer
    before = fingerprints(demo_nodes, source_copy)
    edit(next(path for path in only_trainer if path.name != "trainer.py"))
    after = fingerprints(demo_nodes, source_copy)
    assert after["trainer"] != before["trainer"]
    assert after["example_gen"] == before["example_gen"]


def test_the_kind_in_use_counts_and_other_kinds_do_not(demo_nodes, source_copy):
    before = fingerprints(demo_nodes, source_copy)
    for module in kind_modules("mnist") + kind_modules("charlm"):
        path = source_copy.joinpath(*module.split("."))
        edit(path / "__init__.py" if path.is_dir() else path.with_suffix(".py"))
    assert fingerprints(demo_nodes, source_copy) == before
    series = source_copy.joinpath(*kind_modules("timeseries")[-1].split("."))
    edit(series / "__init__.py" if series.is_dir() else series.with_suffix(".py"))
    after = fingerprints(demo_nodes, source_copy)
    assert all(after[name] != before[name] for name in before)


def test_imports_are_followed_inside_functions_relative_and_through_packages(tmp_path):
    files = {
        "components/__init__.py": "",
        "components/a.py": "import os\nfrom . import b\n\ndef f():\n    from models.deep.c import g\n",
        "components/b.py": "from .sub import *\n",
        "components/sub/__init__.py": "",
        "components/unused.py": "",
        "models/__init__.py": "",
        "models/deep/__init__.py": "",
        "models/deep/c.py": "import numpy\n",
    }
    for name, text in files.items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(text)
    found = [path.relative_to(tmp_path).as_posix() for path in source_files(["components.a"], tmp_path)]
    assert found == ["components/__init__.py", "components/a.py", "components/b.py", "components/sub/__init__.py",
                     "models/__init__.py", "models/deep/__init__.py", "models/deep/c.py"]


@dataclass(frozen=True)
class Params:
    value: int = 1
    beam_args: tuple = ()
    validation: str = ""


def run_nothing(inputs, params, out):
    return {}


def test_the_key_covers_params_inputs_and_baseline_but_not_where_work_runs():
    spec = ComponentSpec(name="c", inputs=("x",), outputs=("y",), params_type=Params, run=run_nothing,
                         gate_params=("validation",))
    node = Node(spec, Params())
    inputs = {"x": Artifact("T", Path("/a"), {}, "f1")}
    key = cache_key(node, inputs, "code")
    assert key == cache_key(Node(spec, Params(beam_args=("--runner=X",), validation="v")), inputs, "code")
    assert key != cache_key(Node(spec, Params(value=2)), inputs, "code")
    assert key != cache_key(node, {"x": Artifact("T", Path("/a"), {}, "f2")}, "code")
    assert key != cache_key(node, inputs, "other code")
    assert len({key, cache_key(node, inputs, "code", "none"), cache_key(node, inputs, "code", "1:abc")}) == 3


def test_the_params_of_every_node_key_as_plain_json_naming_the_kind_and_pickle(demo_nodes):
    for node in demo_nodes:
        keyed = params_for_key(node.params, node.spec.gate_params)
        text = json.dumps(keyed, sort_keys=True)  # no default=: only JSON values, no object reprs
        assert " at 0x" not in text and json.loads(text) == keyed
        assert keyed["data"]["KIND"] == "timeseries" and node.params.kind.name == node.kind == "timeseries"
        assert pickle.loads(pickle.dumps(node.params)) == node.params
    tuner_nodes = [node for node in demo_nodes if node.name == "tuner"]
    assert all(params_for_key(node.params)["trainer"]["data"]["KIND"] == "timeseries" for node in tuner_nodes)


@dataclass(frozen=True)
class SeriesConfig(DataConfig):
    KIND = "series"
    path: str = ""


@dataclass(frozen=True)
class ReviewsConfig(DataConfig):
    KIND = "reviews"
    path: str = ""


def test_the_key_tells_apart_the_configs_of_two_kinds_with_the_same_fields():
    from components.transform import SPEC, TransformParams

    inputs = {"examples": Artifact("Examples", Path("/a"), {}, "f1")}
    series, reviews = (Node(SPEC, TransformParams(config)) for config in (SeriesConfig(), ReviewsConfig()))
    assert params_for_key(series.params)["data"] == {"KIND": "series", "path": ""}
    assert cache_key(series, inputs, "code") != cache_key(reviews, inputs, "code")


def serve(model_dir: Path, version: int, model_fingerprint: str) -> Path:
    path = model_dir / str(version)
    (path / "variables").mkdir(parents=True)  # a loadable version's files (their bytes are not read)
    (path / "saved_model.pb").write_bytes(b"graph %d" % version)
    (path / "variables" / "variables.index").write_bytes(b"index")
    (path / "variables" / "variables.data-00000-of-00001").write_bytes(b"data")
    (path / "model.json").write_text(json.dumps({"model_fingerprint": model_fingerprint}))
    return path


def test_the_evaluators_baseline_is_the_newest_served_version_other_than_the_candidate(tmp_path):
    from components.evaluator import SPEC, EvaluatorParams

    params = EvaluatorParams(TimeseriesData(), serving_dir=str(tmp_path), model_name="m")
    inputs = {"model": Artifact("Model", tmp_path / "candidate", {}, "candidate-fp")}
    assert SPEC.baseline(params, inputs) == "none"
    assert SPEC.baseline(EvaluatorParams(TimeseriesData()), inputs) == "none"  # no serving dir
    (tmp_path / "m" / "3").mkdir(parents=True)  # incomplete: no saved_model.pb
    assert SPEC.baseline(params, inputs) == "none"
    first = serve(tmp_path / "m", 1, "other-fp")
    assert SPEC.baseline(params, inputs) == f"1:{fingerprint_dir(first)}"
    serve(tmp_path / "m", 2, "candidate-fp")  # the candidate's own push
    assert SPEC.baseline(params, inputs) == f"1:{fingerprint_dir(first)}"
    fourth = serve(tmp_path / "m", 4, "newer-fp")
    assert SPEC.baseline(params, inputs) == f"4:{fingerprint_dir(fourth)}"
    (fourth / "model.json").write_text("{}")  # the same number, other contents: another baseline
    assert SPEC.baseline(params, inputs) == f"4:{fingerprint_dir(fourth)}"


OLD_SCHEMA = """
CREATE TABLE runs (id TEXT PRIMARY KEY, pipeline TEXT, config TEXT, status TEXT, started REAL, ended REAL,
                   summary TEXT);
CREATE TABLE executions (id INTEGER PRIMARY KEY AUTOINCREMENT, run_id TEXT, component TEXT, cache_key TEXT,
                         status TEXT, cached INTEGER, started REAL, ended REAL, error TEXT);
CREATE TABLE artifacts (id INTEGER PRIMARY KEY AUTOINCREMENT, execution_id INTEGER, name TEXT, type TEXT,
                        uri TEXT, fingerprint TEXT, properties TEXT);
CREATE TABLE events (execution_id INTEGER, artifact_id INTEGER, kind TEXT, name TEXT);
INSERT INTO runs VALUES ('old', 'p', '{}', 'complete', 1.0, 2.0, '{}');
INSERT INTO executions VALUES (1, 'old', 'evaluator', 'k', 'complete', 0, 1.0, 2.0, NULL);
"""


def test_a_store_written_before_baselines_were_recorded_opens_and_records_them(tmp_path):
    with sqlite3.connect(tmp_path / "runs.sqlite") as db:
        db.executescript(OLD_SCHEMA)
    store = RunStore(tmp_path)
    RunStore(tmp_path)  # a second open adds nothing twice
    assert store.run("old")["executions"][0]["baseline"] is None
    assert store.cached_outputs("k") == (1, [])
    store.start_run("new", "p", {})
    execution = store.start_execution("new", "evaluator", "k2", cached=False, baseline="none")
    assert store.run("new")["executions"][0]["baseline"] == "none" and execution == 2
