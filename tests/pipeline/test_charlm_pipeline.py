"""charlm end to end on a tiny generated corpus: evaluation, the exported generate signature, and
``rnnpipe generate``."""

import glob
import json
import math
import shutil
from pathlib import Path

import numpy as np
import pytest
import tensorflow as tf

from components.evaluator import EvaluatorParams, decide_blessing, language_model_metrics
from data.charlm import CharlmData
from pipeline.cli import main
from tests.conftest import CORPUS_OBJECTS, CORPUS_SUBJECTS, CORPUS_VERBS, last_json

CORPUS_CHARACTERS = set("".join(CORPUS_SUBJECTS + CORPUS_VERBS + CORPUS_OBJECTS) + " \n")


def generate(signature, prompts, length=30, temperature=1.0, seed=0) -> list[str]:
    outputs = signature(prompt=tf.constant(prompts), length=tf.constant(length, tf.int32),
                        temperature=tf.constant(temperature, tf.float32), seed=tf.constant(seed, tf.int64))
    return [text.decode("utf-8") for text in outputs["generated"].numpy()]


def test_a_uniform_model_has_its_number_of_classes_as_perplexity_and_bounds_bless_on_it():
    uniform = np.full((4, 8), 1 / 8)
    metrics = language_model_metrics(np.array([2, 3, 4, 5]), uniform)
    assert metrics["perplexity"] == pytest.approx(8.0) and metrics["bits_per_character"] == pytest.approx(3.0)
    sure = np.eye(8)[[2, 3, 4, 4]]
    assert language_model_metrics(np.array([2, 3, 4, 5]), sure)["accuracy"] == 0.75
    params = EvaluatorParams(CharlmData(), upper_bounds={"perplexity": 7.5})
    assert decide_blessing(metrics, None, params, "language_model") == (
        False, ["perplexity=8.0000 is above the upper bound 7.5"])
    assert decide_blessing(metrics, {**metrics, "perplexity": 7.9}, EvaluatorParams(CharlmData()),
                           "language_model")[1] == ["perplexity=8.0000 is worse than the baseline's 7.9000"]


@pytest.mark.slow
def test_tiny_corpus_end_to_end_reports_language_model_metrics(charlm_run):
    folder, summary = charlm_run
    assert summary["pushed_version"] == 1 and summary["blessed"] is True
    metrics = summary["metrics"]
    assert set(metrics) == {"cross_entropy", "perplexity", "bits_per_character", "accuracy"}
    assert metrics["perplexity"] == pytest.approx(math.exp(metrics["cross_entropy"]))
    assert metrics["bits_per_character"] == pytest.approx(metrics["cross_entropy"] / math.log(2))
    assert 0.0 <= metrics["accuracy"] <= 1.0
    report = json.loads(Path(summary["evaluation_dir"], "metrics.json").read_text())
    examples = json.loads(Path(glob.glob(str(folder / "root/artifacts/example_gen/*/examples/artifact.json"))[0]).read_text())
    assert report["test_examples"] == examples["properties"]["counts"]["test"] > 0
    card = json.loads(Path(summary["model_path"], "model.json").read_text())
    assert card["kind"] == "charlm" and card["signatures"] == ["generate", "serving_default", "serving_raw"]


@pytest.mark.slow
def test_generate_returns_the_length_is_reproducible_and_varies_with_temperature_and_seed(charlm_run):
    _, summary = charlm_run
    signature = tf.saved_model.load(summary["model_path"]).signatures["generate"]
    first = generate(signature, ["the cat "], length=40, temperature=1.0, seed=7)[0]
    assert len(first) == 40 and set(first) <= CORPUS_CHARACTERS  # never the start or out-of-vocabulary ids
    assert generate(signature, ["the cat "], length=40, temperature=1.0, seed=7)[0] == first
    assert generate(signature, ["the cat "], length=40, temperature=0.2, seed=7)[0] != first
    assert generate(signature, ["the cat "], length=40, temperature=1.0, seed=8)[0] != first
    # A prompt's text does not depend on the other prompts of the call; empty and long prompts work.
    batch = generate(signature, ["", "the cat ", "my friend walked past the house. " * 3], length=40, seed=7)
    assert batch[1] == first and [len(text) for text in batch] == [40, 40, 40]


@pytest.mark.slow
def test_rnnpipe_generate_prints_json_and_bad_arguments_or_models_exit_2(charlm_run, tmp_path, capsys):
    _, summary = charlm_run
    serving = summary["serving_dir"]
    assert main(["generate", "--model", serving, "--prompt", "a dog ", "--length", "25", "--temperature", "0.8",
                 "--seed", "3", "--json"]) == 0
    result = last_json(capsys.readouterr().out)
    assert (result["version"], result["prompt"], result["seed"], len(result["generated"])) == (1, "a dog ", 3, 25)
    signature = tf.saved_model.load(summary["model_path"]).signatures["generate"]
    assert result["generated"] == generate(signature, ["a dog "], length=25, temperature=0.8, seed=3)[0]

    not_charlm = tmp_path / "sentiment"
    shutil.copytree(summary["model_path"], not_charlm / "1")
    card = json.loads((not_charlm / "1" / "model.json").read_text())
    (not_charlm / "1" / "model.json").write_text(json.dumps({**card, "kind": "imdb"}))
    capsys.readouterr()
    for argv, message in [(["--length", "0"], "length to generate must lie within"),
                          (["--temperature", "-1"], "temperature must be a number > 0"),
                          (["--model", str(tmp_path / "missing")], "no such folder"),
                          (["--model", str(not_charlm)], "needs a charlm model, this one is 'imdb'")]:
        assert main(["generate", "--model", serving, "--prompt", "x", *argv]) == 2, argv
        assert message in capsys.readouterr().err
