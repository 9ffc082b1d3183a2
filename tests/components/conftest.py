"""Tiny upstream artifacts, built once per session by the real components."""

import pytest

from components import example_gen, trainer, transform
from components.types import OutputDir
from data.timeseries import TimeseriesData
from models.rnn import ModelSpec
from tests.conftest import write_series_csv


def out_dir(base, name):
    return OutputDir(base / name / "staging", base / name / "scratch", run_id="test-run")


@pytest.fixture(scope="session")
def tiny(tmp_path_factory):
    """example_gen and transform outputs for a 300-day series (window 10)."""
    base = tmp_path_factory.mktemp("tiny")
    data = TimeseriesData(path=str(write_series_csv(base / "series.csv")), window=10, calendar_features=True)
    examples = example_gen.run({}, example_gen.ExampleGenParams(data), out_dir(base, "eg"))
    transformed = transform.run(examples, transform.TransformParams(data), out_dir(base, "tr"))
    return {"base": base, "data": data, **examples, **transformed}


@pytest.fixture(scope="session")
def trained(tiny):
    """A small LSTM trained for 3 epochs on the tiny series."""
    params = trainer.TrainerParams(tiny["data"], ModelSpec(units=(8,)), epochs=3, batch_size=16)
    inputs = {"transformed_examples": tiny["transformed_examples"], "transform_graph": tiny["transform_graph"]}
    return trainer.run(inputs, params, out_dir(tiny["base"], "trainer"))


@pytest.fixture(scope="session")
def tiny_imdb(tmp_path_factory):
    """example_gen and transform outputs for a tiny generated aclImdb folder."""
    from data.imdb import ImdbData
    from tests.conftest import write_aclimdb

    base = tmp_path_factory.mktemp("tiny_imdb")
    folder = write_aclimdb(base, per_class=30)
    (folder / "test" / "pos" / "900_9.txt").write_text("Zyzzyva zyzzyva!")  # words that only test has
    (folder / "test" / "neg" / "901_1.txt").write_text("... !!! ???")  # punctuation only
    data = ImdbData(path=str(folder), max_len=12, top_k=50, eval_fraction=0.2)
    examples = example_gen.run({}, example_gen.ExampleGenParams(data), out_dir(base, "eg"))
    transformed = transform.run(examples, transform.TransformParams(data), out_dir(base, "tr"))
    return {"base": base, "data": data, **examples, **transformed}
