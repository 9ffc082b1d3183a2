"""Tests for the dataset kind contract: every kind implements it, and the optional parts have defaults."""

import dataclasses
import json

import numpy as np
import pytest

from data import kinds
from data.contract import REQUIRED_ATTRIBUTES, DataConfig, DatasetKind, ScoringOptions, config_fields

# What components/ and the scorer call on a kind object (the names of the former kind modules).
CALLED_BY_COMPONENTS = ("DATA_CONFIG", "TASK", "FEATURES_KEY", "LABEL_KEY", "SPLITS", "EVALUATION_TASK",
                        "TUNER_OBJECTIVE", "read_examples", "encode_example", "check_input", "input_files",
                        "profile", "raw_feature_spec", "make_preprocessing_fn", "model_shape", "model_io",
                        "evaluation_targets", "to_original_units", "serving_signatures", "vocabulary",
                        "train_augmentation", "generation_signatures", "scoring_input", "scoring_records",
                        "scoring_tensors", "scoring_config", "write_demo", "HAS_DEMO")


class RequiredMethods(DatasetKind):
    """The methods every kind implements, doing nothing."""

    def check_input(self, cfg):
        pass

    def input_files(self, cfg):
        return []

    def read_examples(self, pipeline, cfg):
        return None

    def encode_example(self, features):
        return b""

    def profile(self, feature):
        return {}

    def raw_feature_spec(self, cfg):
        return {}

    def make_preprocessing_fn(self, cfg):
        return dict

    def model_shape(self, cfg, tft_output):
        return [1], 1, None

    def model_io(self, features):
        return features, None

    def evaluation_targets(self, raw, cfg):
        return {}

    def serving_signatures(self, module, cfg):
        return {}


class Minimal(RequiredMethods):
    """A kind that implements only what the contract requires."""

    name = "minimal"
    DATA_CONFIG = dict
    TASK = "binary"
    FEATURES_KEY = "x"
    LABEL_KEY = "y"


@pytest.mark.parametrize("kind", kinds(), ids=lambda kind: kind.name)
def test_every_registered_kind_implements_every_method_and_sets_every_attribute(kind):
    assert isinstance(kind, DatasetKind)
    for name in DatasetKind.__abstractmethods__:
        assert not getattr(getattr(type(kind), name), "__isabstractmethod__", False), f"{kind.name} lacks {name}"
    for name in (*REQUIRED_ATTRIBUTES, *CALLED_BY_COMPONENTS):
        assert name in dir(kind), f"{kind.name} has no {name}"
    assert kind.SPLITS == ("train", "eval", "test") and dataclasses.is_dataclass(kind.DATA_CONFIG)


@pytest.mark.parametrize("kind", kinds(), ids=lambda kind: kind.name)
def test_every_registered_kinds_config_is_a_data_config_naming_its_kind(kind):
    assert issubclass(kind.DATA_CONFIG, DataConfig) and kind.DATA_CONFIG.KIND == kind.name
    assert dataclasses.fields(DataConfig) == ()


def test_a_kind_missing_a_method_or_an_attribute_cannot_be_created():
    class NoProfile(Minimal):
        profile = DatasetKind.profile

    with pytest.raises(TypeError, match="profile"):
        NoProfile()

    class Unnamed(RequiredMethods):
        TASK = "binary"
        FEATURES_KEY = "x"

    with pytest.raises(TypeError, match="dataset kind Unnamed does not set name, DATA_CONFIG, LABEL_KEY"):
        Unnamed()


def test_the_optional_capabilities_have_their_defaults():
    kind = Minimal()
    assert kind.EVALUATION_TASK == "binary" and kind.TUNER_OBJECTIVE is None
    assert kind.train_augmentation({}, seed=1) is None
    assert kind.generation_signatures(object(), {}, None) == {}
    predictions = np.array([1.0, 2.0])
    assert kind.to_original_units(predictions, {}) is predictions
    assert kind.scoring_input is None and kind.HAS_DEMO is False
    with pytest.raises(ValueError, match="the minimal dataset kind has no token vocabulary"):
        kind.vocabulary(None)
    with pytest.raises(ValueError, match="has no demo data"):
        kind.write_demo("demo.csv")
    with pytest.raises(ValueError, match="no scoring input format; score raw tf.Examples with --format examples"):
        list(kind.scoring_records("x.txt", b"x", ScoringOptions()))
    with pytest.raises(ValueError, match="no scoring input format"):
        kind.scoring_tensors([], ())


def test_the_kinds_declare_their_own_capabilities():
    declared = {kind.name: kind for kind in kinds()}
    assert {name: kind.EVALUATION_TASK for name, kind in declared.items()} == {
        "timeseries": "regression", "imdb": "binary", "mnist": "multiclass", "charlm": "language_model"}
    assert {name: kind.TUNER_OBJECTIVE for name, kind in declared.items()} == {
        "timeseries": None, "imdb": None, "mnist": None, "charlm": ("val_loss", "min")}
    assert [name for name, kind in declared.items() if kind.HAS_DEMO] == ["timeseries"]
    assert declared["mnist"].train_augmentation(declared["mnist"].DATA_CONFIG(), 1) is None  # augmentation off
    for name in ("timeseries", "imdb", "mnist"):
        assert declared[name].generation_signatures(object(), declared[name].DATA_CONFIG(), None) == {}
    with pytest.raises(ValueError, match="the mnist dataset kind has no token vocabulary"):
        declared["mnist"].vocabulary(None)


def test_scoring_config_rebuilds_the_config_of_a_model_card():
    timeseries = {kind.name: kind for kind in kinds()}["timeseries"]
    cfg = timeseries.DATA_CONFIG(path="x.csv", value_columns=("a", "b"), window=3, calendar_features=True)
    card = json.loads(json.dumps(dataclasses.asdict(cfg)))
    assert timeseries.scoring_config({**card, "unknown": 1}) == cfg
    mnist = {kind.name: kind for kind in kinds()}["mnist"]
    assert config_fields(mnist.DATA_CONFIG, {"augment": {"zoom": 0.1}, "class_names": ["a", "b"]}) == {
        "class_names": ("a", "b")}


def test_scoring_records_read_as_each_kinds_own_scoring_reader_does(tmp_path):
    from data.imdb.scoring import scoring_reviews
    from data.timeseries.scoring import scoring_windows

    by_name = {kind.name: kind for kind in kinds()}
    reviews = b'text,id\n"good",r1\n"",r2\n'
    assert list(by_name["imdb"].scoring_records("t.csv", reviews, ScoringOptions(max_record_bytes=10))) == list(
        scoring_reviews("t.csv", reviews, False, "text", 10))
    assert list(by_name["imdb"].scoring_records("r.txt", b"one review", ScoringOptions(whole_file=True))) == [
        ("ok", ("r.txt", "one review"))]
    prompts = b'{"prompt": "Once"}\n'
    assert list(by_name["charlm"].scoring_records("p.jsonl", prompts, ScoringOptions(text_column="prompt"))) == [
        ("ok", ("p.jsonl:1", "Once"))]
    assert list(by_name["mnist"].scoring_records("x.png", b"no png", ScoringOptions()))[0][0] == "dead"
    cfg = by_name["timeseries"].DATA_CONFIG(path="x.csv", timestamp_column="day", value_columns=("v",), window=2)
    series = b"day,v\n2024-01-01,1\n2024-01-02,2\n2024-01-03,3\n"
    options = ScoringOptions(data=json.loads(json.dumps(dataclasses.asdict(cfg))))
    assert list(by_name["timeseries"].scoring_records("x.csv", series, options)) == list(
        scoring_windows("x.csv", series, cfg))


def test_scoring_tensors_are_the_signature_arguments_of_a_batch():
    by_name = {kind.name: kind for kind in kinds()}
    assert by_name["imdb"].scoring_tensors(["a", "b"], ("text",))["text"].numpy().tolist() == [b"a", b"b"]
    images = by_name["mnist"].scoring_tensors([np.zeros((28, 28), np.uint8)] * 2, ("images",))["images"]
    assert images.shape == (2, 28, 28) and images.dtype.name == "uint8"
    windows = [{"history": [[1.0], [2.0]], "timestamps": [0, 86400]}] * 3
    one_column = by_name["timeseries"].scoring_tensors(windows, ("history",))
    assert list(one_column) == ["history"] and one_column["history"].shape == (3, 2)
    with_times = by_name["timeseries"].scoring_tensors(windows, ("history", "timestamps"))
    assert with_times["timestamps"].numpy().tolist() == [[0, 86400]] * 3
    prompts = by_name["charlm"].scoring_tensors(["caf\udce9", b"x"], ("prompt", "length", "temperature", "seed"))
    assert list(prompts) == ["prompt"] and prompts["prompt"].numpy().tolist() == [b"caf\xe9", b"x"]


def test_the_demo_of_timeseries_is_the_sine_csv(tmp_path):
    from data.timeseries.demo import write_sine_csv

    timeseries = {kind.name: kind for kind in kinds()}["timeseries"]
    timeseries.write_demo(tmp_path / "kind.csv")
    write_sine_csv(tmp_path / "function.csv")
    assert (tmp_path / "kind.csv").read_bytes() == (tmp_path / "function.csv").read_bytes()
