"""Tests for the statistics component and its schema gate."""

import dataclasses
import json
import shutil

import pytest

from components import statistics
from components.statistics import DataValidationError, StatisticsParams, ValidationSettings
from data.imdb import ImdbData
from pipeline.cli import main
from tests.components.conftest import out_dir
from tests.conftest import REPO, TINY_IMDB, write_aclimdb


@pytest.fixture(scope="module")
def review_stats(tiny_imdb):
    params = StatisticsParams(ImdbData())
    return statistics.run({"examples": tiny_imdb["examples"]}, params, out_dir(tiny_imdb["base"], "stats"))["statistics"]


def test_statistics_per_split_describe_the_reviews(review_stats, tiny_imdb):
    by_split = statistics.load_statistics(review_stats)
    counts = tiny_imdb["examples"].properties["counts"]
    assert {split: stats["count"] for split, stats in by_split.items()} == counts
    train = by_split["train"]
    assert sum(train["labels"].values()) == counts["train"] and set(train["labels"]) == {"0", "1"}
    assert sum(train["lengths"].values()) == counts["train"]
    assert train["token_total"] == sum(int(length) * n for length, n in train["lengths"].items())
    assert train["numeric"]["rating"]["min"] >= 1 and train["numeric"]["rating"]["max"] <= 10
    assert by_split["test"]["missing"] == 0  # the punctuation-only review still has tokens
    assert review_stats.path("lengths.png").stat().st_size > 0
    assert "split train:" in review_stats.path("report.txt").read_text()


def stats(count=100, labels=None, lengths=None, missing=0, tokens=None):
    """Hand-made statistics of one split."""
    tokens = tokens or {}
    return {"count": count, "labels": labels if labels is not None else {"0": count // 2, "1": count - count // 2},
            "lengths": lengths or {"10": count // 2, "20": count - count // 2}, "missing": missing,
            "values": count, "missing_rate": missing / count if count else 0.0, "numeric": {},
            "token_total": sum(tokens.values()), "tokens": tokens}


BASELINE = {"train": stats(tokens={"good": 60, "bad": 40}), "eval": stats(20), "test": stats(40)}


@pytest.mark.parametrize("change, check, split", [
    ({"eval": stats(0)}, "empty_split", "eval"),
    ({"test": stats(40, labels={"0": 20, "1": 10, "2": 10})}, "unknown_labels", "test"),
    ({"eval": stats(20, missing=3)}, "missing_values", "eval"),
    ({"train": stats(labels={"0": 80, "1": 20})}, "label_drift", "train"),
    ({"train": stats(lengths={"10": 20, "20": 30, "400": 50})}, "length_drift", "train"),
    ({"test": stats(40, tokens={"good": 1, "unseen": 9})}, "vocabulary_coverage", "test"),
])
def test_each_kind_of_anomaly_is_found_against_the_schema(change, check, split):
    schema = statistics.infer_schema(BASELINE, "imdb", vocabulary_size=10)
    settings = ValidationSettings(min_vocabulary_coverage=0.5)
    assert statistics.validate(BASELINE, schema, settings) == []
    anomalies = statistics.validate({**BASELINE, **change}, schema, settings)
    assert [(a["check"], a["split"]) for a in anomalies] == [(check, split)]


def test_small_drift_under_the_limit_passes():
    schema = statistics.infer_schema(BASELINE, "imdb", vocabulary_size=10)
    moved = {**BASELINE, "train": stats(labels={"0": 45, "1": 55})}
    assert statistics.validate(moved, schema, ValidationSettings(max_label_drift=0.1)) == []


def test_gate_stores_a_schema_then_stops_on_drift_until_accepted(review_stats, tmp_path):
    path = tmp_path / "schema" / "schema.json"
    params = StatisticsParams(ImdbData(), ValidationSettings(schema_path=str(path)))
    first = statistics.check_outputs({"statistics": review_stats}, params)
    assert first["schema_stored"] and first["anomalies"] == [] and path.exists()
    assert first["vocabulary_coverage"]["train"] == 1.0  # tiny data: every token is in the vocabulary
    schema_bytes = path.read_bytes()
    assert not statistics.check_outputs({"statistics": review_stats}, params)["schema_stored"]

    # The same data, seen against a schema whose reviews were half as long: length drift.
    schema = json.loads(schema_bytes)
    schema["length_cuts"] = [cut / 2 for cut in schema["length_cuts"]]
    path.write_text(json.dumps(schema))
    with pytest.raises(DataValidationError, match=r"\[train\] length_drift: length histogram moved by") as raised:
        statistics.check_outputs({"statistics": review_stats}, params)
    (report,) = path.parent.glob("anomalies-*.txt")
    assert str(report) in str(raised.value) and "--accept-schema" in report.read_text()
    assert json.loads(report.with_suffix(".json").read_text())["anomalies"][0]["check"] == "length_drift"

    accepted = dataclasses.replace(params, validation=dataclasses.replace(params.validation, accept_new_schema=True))
    assert statistics.check_outputs({"statistics": review_stats}, accepted)["schema_stored"]
    assert path.read_bytes() == schema_bytes
    (backup,) = path.parent.glob("schema-*.json")
    assert json.loads(backup.read_text())["length_cuts"] == schema["length_cuts"]  # the old schema is kept


def test_an_unreadable_schema_is_a_data_error_naming_the_file(review_stats, tmp_path):
    path = tmp_path / "schema.json"
    path.write_text("{not json")
    with pytest.raises(DataValidationError, match=rf"schema {path} cannot be read .* --accept-schema"):
        statistics.check_outputs({"statistics": review_stats}, StatisticsParams(ImdbData(), ValidationSettings(schema_path=str(path))))


@pytest.mark.slow
def test_run_stops_before_transform_with_exit_3_when_labels_drift(tmp_path, capsys):
    """Night 1 infers the schema; night 2's reviews are mostly positive: exit 3, report, no transform."""
    root = tmp_path / "root"
    write_aclimdb(tmp_path, per_class=30)
    command = ["run", str(REPO / "pipeline/configs/imdb.yaml"), "--root", str(root), "--data-dir", str(tmp_path),
               *TINY_IMDB, "--until", "transform", "--json"]
    assert main(command) == 0
    for negative in list((tmp_path / "aclImdb" / "train" / "neg").glob("*.txt"))[:20]:
        negative.unlink()
    capsys.readouterr()
    assert main(command) == 3
    captured = capsys.readouterr()
    assert "data validation failed against schema" in captured.err and "label_drift" in captured.err
    failed = json.loads(captured.out.strip().splitlines()[-1])
    assert failed["exit_code"] == 3
    assert len(list((root / "artifacts" / "transform").iterdir())) == 1  # only night 1's
    assert list((root / "schema" / "imdb").glob("anomalies-*.txt"))

    assert main([*command, "--accept-schema"]) == 0
    summary = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert summary["validation"]["schema_stored"] and "transform" in summary["executed"]
    assert len(list((root / "schema" / "imdb").glob("schema-*.json"))) == 1
    assert main(command) == 0  # the accepted schema now fits
    shutil.rmtree(root)
