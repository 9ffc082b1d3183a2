"""Tests for search_space: validation, the conditional space, mapping values back, cuDNN defaults."""

import keras_tuner
import numpy as np
import pytest
import tensorflow as tf

from models.rnn import ModelSpec, cudnn_eligibility
from models.search_space import RecurrentHyperModel, SearchSpace, apply_values, define_model


@pytest.mark.parametrize("kwargs, message", [
    ({"cells": ()}, "tuner.space.cells is an empty range"),
    ({"cells": ("gru", "transformer")}, "unknown cells ['transformer']"),
    ({"depth": (2, 1)}, "tuner.space.depth must be [min, max]"),
    ({"depth": (1, 5)}, "tuner.space.depth must lie within [1, 3]"),
    ({"dropout": (0.0, 1.0)}, "tuner.space.dropout must lie within [0, 1)"),
    ({"learning_rate": (0.0, 0.1)}, "tuner.space.learning_rate must lie within (0, 1)"),
    ({"units": (8, 0)}, "tuner.space.units must hold positive integers"),
    ({"merge_modes": ("stack",)}, "tuner.space.merge_modes: unknown modes ['stack']"),
])
def test_bad_ranges_name_the_key(kwargs, message):
    with pytest.raises(ValueError) as raised:
        SearchSpace(**kwargs)
    assert message in str(raised.value)


def test_single_values_are_fixed_and_units_are_conditional_on_depth():
    hp = keras_tuner.HyperParameters()
    space = SearchSpace(cells=("gru",), bidirectional=(False, True), depth=(1, 3), units=(8, 16))
    define_model(hp, space, tokens=False)
    spaces = {p.name: type(p).__name__ for p in hp.space}
    assert spaces["cell"] == "Fixed" and spaces["bidirectional"] == "Boolean" and spaces["depth"] == "Int"
    assert "embedding_dim" not in spaces
    # The space grows as deeper models are sampled; a layer's units are active only when depth reaches it.
    assert "units_0" in spaces and "units_2" not in spaces
    hp.values["depth"] = 3
    define_model(hp, space, tokens=True)
    assert {"units_1", "units_2", "embedding_dim"} <= {p.name for p in hp.space}
    hp.values["depth"] = 1
    assert hp.is_active("units_0") and not hp.is_active("units_2")


def test_apply_values_maps_a_trial_onto_the_spec_and_keeps_untuned_settings():
    base = ModelSpec(cell="lstm", units=(64, 32), dense_units=16, embedding_dim=48)
    values = {"cell": "gru", "depth": 3, "units_0": 8, "units_1": 4, "units_2": 4, "bidirectional": True,
              "merge_mode": "sum", "dropout": 0.2, "pooling": "attention", "learning_rate": 0.005, "batch_size": 64}
    spec, training = apply_values(values, base, learning_rate=1e-3, clipnorm=2.0, batch_size=32)
    assert (spec.cell, spec.units, spec.bidirectional, spec.merge_mode) == ("gru", (8, 4, 4), True, "sum")
    assert spec.dense_units == 16 and spec.embedding_dim == 48
    assert training == {"learning_rate": 0.005, "clipnorm": 2.0, "batch_size": 64}
    # An empty trial leaves the config as it was.
    same, defaults = apply_values({}, base, 1e-3, None, 32)
    assert same == base and defaults == {"learning_rate": 1e-3, "clipnorm": None, "batch_size": 32}


def test_hypermodel_builds_cudnn_eligible_layers_and_fits_with_the_sampled_batch_size():
    features = np.random.default_rng(0).normal(size=(40, 6, 1)).astype("float32")
    labels = features[:, -1, :]
    seen = []

    def datasets(batch_size):
        seen.append(batch_size)
        data = tf.data.Dataset.from_tensor_slices((features, labels)).batch(batch_size)
        return data, data

    space = SearchSpace(cells=("lstm", "gru"), bidirectional=(True,), depth=(2, 2), units=(4,),
                        batch_sizes=(8, 16))
    hypermodel = RecurrentHyperModel(space, ModelSpec(), "regression", (6, 1), 1, None, datasets)
    hp = keras_tuner.HyperParameters()
    model = hypermodel.build(hp)
    eligibility = cudnn_eligibility(model)
    assert len(eligibility) == 4 and all(eligibility.values()), eligibility
    history = hypermodel.fit(hp, model, epochs=1)
    assert seen == [hp.values["batch_size"]] and "val_rmse" in history.history


def test_hypermodel_compiles_trials_at_the_trainers_steps_per_execution():
    rng = np.random.default_rng(2)
    features = rng.standard_normal((70, 6, 1)).astype("float32")
    labels = features[:, -1, :]

    def datasets(batch_size):  # 7 batches of unknown length, as TFRecords give them
        data = tf.data.Dataset.from_tensor_slices((features, labels)).filter(lambda *_: True).batch(batch_size)
        return data, data

    space = SearchSpace(cells=("gru",), depth=(1, 1), units=(4,), batch_sizes=(10,))
    hypermodel = RecurrentHyperModel(space, ModelSpec(), "regression", (6, 1), 1, None, datasets,
                                     steps_per_execution=4)
    hp = keras_tuner.HyperParameters()
    model = hypermodel.build(hp)
    hypermodel.fit(hp, model, epochs=2)
    # At one step a call Keras 3 adds an optimizer iteration per epoch on such data (16).
    assert model.steps_per_execution == 4 and int(model.optimizer.iterations.numpy()) == 14
