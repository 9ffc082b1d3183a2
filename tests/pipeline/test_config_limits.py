"""Tests for the bounds on a config's size-like keys: absolute limits and the memory they imply."""

import pytest

from pipeline.config import ConfigError, bundled_config, config_from_dict, load_config
from data.machine import physical_memory_bytes
from pipeline.config_limits import MEMORY_SHARE, check_sizes, declared_sizes

GB = 1 << 30
SERIES = {"name": "s", "kind": "timeseries", "data": {"path": "s.csv", "window": 20},
          "model": {"units": [32]}, "trainer": {"batch_size": 32}, "evaluator": {"upper_bounds": {"rmse": 1.0}}}
REVIEWS = {"name": "r", "kind": "imdb", "data": {"max_len": 200, "top_k": 5000},
           "model": {"embedding_dim": 64}, "evaluator": {"lower_bounds": {"accuracy": 0.5}}}


def with_keys(raw, **sections):
    return {**raw, **{name: {**raw.get(name, {}), **keys} for name, keys in sections.items()}}


@pytest.fixture
def check(monkeypatch):
    """Loads a config mapping as on a machine with the given physical memory."""
    def load(raw, memory):
        monkeypatch.setattr("pipeline.config.physical_memory_bytes", lambda: memory)
        return config_from_dict(raw, "cfg.yaml")
    return load


def test_every_kind_declares_its_size_like_data_keys():
    from data import get_kind
    declared = {kind: {role: [key for key, _ in keys] for role, keys in
                       declared_sizes(get_kind(kind).DATA_CONFIG()).items()}
                for kind in ("timeseries", "imdb", "charlm", "mnist")}
    assert declared == {"timeseries": {"steps": ["data.window"], "outputs": ["data.horizon"]},
                        "imdb": {"steps": ["data.max_len"], "vocabulary": ["data.top_k", "data.oov_buckets"]},
                        "charlm": {"steps": ["data.window"], "vocabulary": ["data.top_k"]},
                        "mnist": {}}


def test_the_issue_window_is_refused_at_load_naming_the_key_and_the_limit():
    with pytest.raises(ConfigError, match=r"cfg.yaml: data.window=100000000 is over its limit of 1,000,000 "
                                          r"time steps per example"):
        config_from_dict(with_keys(SERIES, data={"window": 100_000_000}), "cfg.yaml")


@pytest.mark.parametrize("raw, message", [
    (with_keys(SERIES, data={"horizon": 10**6}), r"data.horizon=1000000 is over its limit of 100,000 values"),
    (with_keys(REVIEWS, data={"top_k": 10**9}), r"data.top_k=1000000000 is over its limit of 10,000,000 token ids"),
    (with_keys(SERIES, model={"units": [32, 10**6]}), r"model.units=1000000 is over its limit of 16,384"),
    (with_keys(SERIES, trainer={"batch_size": 10**8}), r"trainer.batch_size=100000000 is over its limit of 1,048,576"),
    (with_keys(SERIES, tuner={"space": {"batch_sizes": [32, 10**8]}}),
     r"tuner.space.batch_sizes=100000000 is over its limit"),
])
def test_absolute_limits_name_the_key(raw, message):
    with pytest.raises(ConfigError, match=message):
        config_from_dict(raw, "cfg.yaml")


def test_a_batch_whose_activations_exceed_the_memory_names_the_window_and_a_limit_that_fits(check):
    raw = with_keys(SERIES, data={"window": 500_000}, trainer={"batch_size": 256})
    with pytest.raises(ConfigError, match=r"cfg.yaml: data.window=500000, trainer.batch_size=256, model.units=\[32\] "
                                          r"imply about [0-9.]+ GB of activations per training batch, more than 50% "
                                          r"of this machine's 8.0 GB of memory; data.window must be at most ([0-9,]+) "
                                          r"here, or trainer.batch_size must be at most") as raised:
        check(raw, 8 * GB)
    limit = int(str(raised.value).split("data.window must be at most ")[1].split()[0].replace(",", ""))
    check(with_keys(raw, data={"window": limit}), 8 * GB)
    with pytest.raises(ConfigError):
        check(with_keys(raw, data={"window": limit + 1}), 8 * GB)


def test_an_embedding_table_over_the_memory_names_the_vocabulary_key(check):
    raw = with_keys(REVIEWS, data={"top_k": 9_000_000}, model={"embedding_dim": 512})
    with pytest.raises(ConfigError, match=r"data.top_k=9000000, data.oov_buckets=1, model.embedding_dim=512 imply an "
                                          r"embedding table of about [0-9.]+ GB .*; data.top_k must be at most"):
        check(raw, 16 * GB)


def test_the_tuners_largest_choices_are_checked_when_it_is_on(check):
    space = {"batch_sizes": [32, 4096], "units": [64, 1024], "depth": [1, 3]}
    raw = with_keys(SERIES, data={"window": 2000}, tuner={"enabled": False, "space": space})
    check(raw, 8 * GB)
    with pytest.raises(ConfigError, match=r"tuner.space.batch_sizes=4096, tuner.space.units=\[1024, 1024, 1024\] imply"):
        check(with_keys(raw, tuner={"enabled": True, "space": space}), 8 * GB)


@pytest.mark.parametrize("name", ["demo", "timeseries", "imdb", "mnist", "charlm"])
def test_the_bundled_configs_fit_a_small_machine(name):
    cfg = load_config(bundled_config(name), ["tuner.enabled=true"])
    check_sizes(cfg.data, cfg.model, cfg.trainer, cfg.tuner, cfg.source, 2 * GB)


def test_without_a_known_memory_only_the_absolute_limits_apply(check):
    assert check(with_keys(SERIES, data={"window": 500_000}, trainer={"batch_size": 256}), None).data.window == 500_000


def test_physical_memory_is_read_from_the_machine():
    memory = physical_memory_bytes()
    assert memory is None or memory > 64 << 20
    assert 0 < MEMORY_SHARE <= 1
