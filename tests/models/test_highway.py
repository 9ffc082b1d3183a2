"""The linear highway (LSTNet's autoregressive term): a NumPy oracle, off switch, errors, export."""

import keras
import keras_tuner
import numpy as np
import pytest
import tensorflow as tf

from data import get_kind
from data.timeseries.config import RIDGES
from models.highway import HIGHWAY_LAYER, RECENT_LAYER, SUM_LAYER, RecentSteps, warm_start_highway
from models.rnn import build_model
from models.search_space import SearchSpace, apply_values, define_model
from models.spec import CELLS, ModelSpec
from tests.models.numpy_cells import last_output, run_cell

STEPS, CHANNELS, HORIZON = 7, 3, 2
HIGHWAY = ((0, 2), 4, None)  # value channels 0 and 2; 4 lags by default; starts at zero
INPUTS = np.random.default_rng(3).normal(size=(5, STEPS, CHANNELS)).astype("float32")
HIGHWAY_LAYERS = {RECENT_LAYER, HIGHWAY_LAYER, SUM_LAYER}


def numpy_highway(inputs: np.ndarray, lags: int, channels, kernel: np.ndarray, bias: np.ndarray) -> np.ndarray:
    """sum over the last ``lags`` steps t and the channels c of w[t, c, h] * x[t, c], plus b[h]."""
    recent = inputs[:, -lags:, :][:, :, list(channels)].astype(np.float64)
    weights = kernel.reshape(lags, len(channels), -1)
    return np.einsum("btc,tch->bh", recent, weights) + bias


def numpy_recurrent(model, cell: str, inputs: np.ndarray) -> np.ndarray:
    """The recurrent branch alone: one layer from the gate equations, then the linear head."""
    hidden = last_output(run_cell(cell, inputs.astype(np.float64), model.get_layer(f"{cell}_0").get_weights()), False)
    kernel, bias = model.get_layer("predictions").get_weights()
    return hidden @ kernel + bias


def randomise_highway(model, seed: int = 4) -> None:
    """Non-zero highway and head weights (both start at zero beside a highway: the untrained model
    forecasts zero, until the trainer fits the highway)."""
    rng = np.random.default_rng(seed)
    for name in (HIGHWAY_LAYER, "predictions"):
        layer = model.get_layer(name)
        kernel, bias = layer.get_weights()
        assert not kernel.any() and not bias.any()
        layer.set_weights([rng.normal(size=kernel.shape).astype("float32"),
                           rng.normal(size=bias.shape).astype("float32")])


def test_recent_steps_keep_the_last_lags_of_the_chosen_channels_step_major():
    recent = RecentSteps(3, (2, 0))(INPUTS).numpy()
    expected = INPUTS[:, -3:, :][:, :, [2, 0]].reshape(len(INPUTS), 6)
    np.testing.assert_array_equal(recent, expected)
    assert recent[0, :2].tolist() == [INPUTS[0, STEPS - 3, 2], INPUTS[0, STEPS - 3, 0]]


@pytest.mark.parametrize("cell", CELLS)
@pytest.mark.parametrize("lags", [None, 1, STEPS], ids=["kind_default", "one", "whole_window"])
def test_output_is_the_recurrent_part_plus_a_linear_autoregression(cell, lags):
    model = build_model(ModelSpec(cell=cell, units=(5,), highway_lags=lags), [STEPS, CHANNELS], "regression",
                        HORIZON, highway=HIGHWAY)
    randomise_highway(model)
    kept = HIGHWAY[1] if lags is None else lags
    assert model.get_layer(RECENT_LAYER).lags == kept
    kernel, bias = model.get_layer(HIGHWAY_LAYER).get_weights()
    assert kernel.shape == (kept * len(HIGHWAY[0]), HORIZON)
    expected = numpy_recurrent(model, cell, INPUTS) + numpy_highway(INPUTS, kept, HIGHWAY[0], kernel, bias)
    np.testing.assert_allclose(model(INPUTS, training=False).numpy(), expected, atol=1e-5, rtol=0)


def test_a_highway_with_persistence_starts_by_repeating_the_targets_last_value(tmp_path):
    model = build_model(ModelSpec(units=(4,)), [STEPS, CHANNELS], "regression", HORIZON, highway=((0, 2), 3, 1))
    kernel, bias = model.get_layer(HIGHWAY_LAYER).get_weights()
    assert kernel.sum() == HORIZON and kernel[2 * 2 + 1].tolist() == [1.0] * HORIZON and not bias.any()
    highway_part = model(INPUTS).numpy() - numpy_recurrent(model, "lstm", INPUTS)
    np.testing.assert_allclose(highway_part, INPUTS[:, -1, [2, 2]], atol=1e-5)  # channel 2's last value, each step
    model.save(str(tmp_path / "model.keras"))
    reloaded = keras.saving.load_model(str(tmp_path / "model.keras"), compile=False)
    assert reloaded.get_layer(HIGHWAY_LAYER).kernel_initializer.row == 2 * 2 + 1


def test_the_highway_reads_only_its_lags_and_channels():
    model = build_model(ModelSpec(units=(4,)), [STEPS, CHANNELS], "regression", HORIZON, highway=HIGHWAY)
    randomise_highway(model)
    outside = INPUTS.copy()
    outside[:, :, 1] += 5.0  # a channel the highway does not read moves only the recurrent part
    outside[:, :STEPS - HIGHWAY[1], :] += 5.0  # steps before its lags too
    recurrent_only = build_model(ModelSpec(units=(4,), highway_lags=0), [STEPS, CHANNELS], "regression", HORIZON)
    recurrent_only.set_weights([w for layer in model.layers if layer.name not in HIGHWAY_LAYERS
                                for w in layer.get_weights()])
    change = model(outside).numpy() - model(INPUTS).numpy()
    np.testing.assert_allclose(change, recurrent_only(outside).numpy() - recurrent_only(INPUTS).numpy(), atol=1e-5)


@pytest.mark.parametrize("spec, highway", [(ModelSpec(highway_lags=0), HIGHWAY), (ModelSpec(), ((), 0, None))],
                         ids=["turned_off", "kind_without_one"])
def test_without_a_highway_the_model_has_no_highway_layers(spec, highway):
    model = build_model(spec, [STEPS, CHANNELS], "regression", HORIZON, highway=highway)
    assert not HIGHWAY_LAYERS & {layer.name for layer in model.layers}
    assert model.layers[-1].name == "predictions"


@pytest.mark.parametrize("spec, shape, task, highway, message", [
    (ModelSpec(highway_lags=STEPS + 1), [STEPS, CHANNELS], "regression", HIGHWAY,
     f"model.highway_lags {STEPS + 1} is longer than the model's {STEPS} input steps (data.window)"),
    (ModelSpec(highway_lags=3), [STEPS, CHANNELS], "regression", ((), 0, None), "have no value channels"),
    (ModelSpec(highway_lags=3), [STEPS], "binary", ((), 0, None), "have no value channels"),
    (ModelSpec(), [STEPS, CHANNELS], "binary", HIGHWAY, "a linear highway needs a regression, not binary"),
])
def test_a_highway_the_inputs_cannot_have_is_refused_by_name(spec, shape, task, highway, message):
    with pytest.raises(ValueError, match="model.highway_lags") as raised:
        build_model(spec, shape, task, 1, vocab_size=20, highway=highway)
    assert message in str(raised.value)


def test_negative_lags_are_refused():
    with pytest.raises(ValueError, match=r"model.highway_lags must be >= 0 \(0 turns the highway off\), got -1"):
        ModelSpec(highway_lags=-1)


@pytest.mark.parametrize("keys", [{}, {"frequency": "1D", "calendar_features": True},
                                  {"frequency": "1h", "categorical_columns": ("wind",)}])
def test_the_series_kind_turns_it_on_over_every_input_channel_of_the_window(keys):
    cfg = get_kind("timeseries").DATA_CONFIG(value_columns=("a", "b"), window=30, **keys)
    assert get_kind("timeseries").highway_inputs(cfg) == (tuple(range(cfg.n_channels)), 30, 0, RIDGES)


@pytest.mark.parametrize("mode, persistence", [("level", 1), ("change", None)])
def test_the_series_highway_starts_as_persistence_on_the_target(mode, persistence):
    cfg = get_kind("timeseries").DATA_CONFIG(value_columns=("a", "b"), target_column="b", target_mode=mode)
    assert get_kind("timeseries").highway_inputs(cfg).persistence == persistence


def test_other_kinds_have_no_highway():
    for name in ("imdb", "mnist", "charlm"):
        assert get_kind(name).highway_inputs(None)[:3] == ((), 0, None)


def test_a_model_with_a_highway_saves_reloads_and_exports_as_a_saved_model(tmp_path):
    model = build_model(ModelSpec(units=(4,)), [STEPS, CHANNELS], "regression", HORIZON, highway=HIGHWAY)
    randomise_highway(model)
    expected = model(INPUTS).numpy()
    model.save(str(tmp_path / "model.keras"))
    reloaded = keras.saving.load_model(str(tmp_path / "model.keras"), compile=False)
    np.testing.assert_allclose(reloaded(INPUTS).numpy(), expected, atol=1e-6)
    module = tf.Module()
    module.model = reloaded
    serve = tf.function(lambda x: module.model(x, training=False),
                        input_signature=[tf.TensorSpec([None, STEPS, CHANNELS], tf.float32)])
    tf.saved_model.save(module, str(tmp_path / "saved"), signatures={"serving_default": serve})
    served = tf.saved_model.load(str(tmp_path / "saved")).signatures["serving_default"](x=tf.constant(INPUTS))
    np.testing.assert_allclose(list(served.values())[0].numpy(), expected, atol=1e-5)


def test_the_tuner_may_choose_the_lags_and_otherwise_keeps_the_configured_ones():
    hp = keras_tuner.HyperParameters()
    define_model(hp, SearchSpace(highway_lags=(0, 4)), tokens=False)
    assert "highway_lags" in {p.name for p in hp.space}
    spec, _ = apply_values({"highway_lags": 0}, ModelSpec(highway_lags=4), 1e-3, None, 32)
    assert spec.highway_lags == 0
    untuned = keras_tuner.HyperParameters()
    define_model(untuned, SearchSpace(), tokens=False)
    assert "highway_lags" not in {p.name for p in untuned.space}
    assert apply_values({}, ModelSpec(highway_lags=None), 1e-3, None, 32)[0].highway_lags is None
    with pytest.raises(ValueError, match=r"tuner.space.highway_lags must hold integers >= 0"):
        SearchSpace(highway_lags=(-2,))


def numpy_ridge(features: np.ndarray, targets: np.ndarray, ridge: float) -> np.ndarray:
    """``(X'X + ridge I') w = X'y`` with an intercept column appended to ``features`` (not penalised)."""
    design = np.concatenate([features, np.ones((len(features), 1))], axis=1)
    penalty = ridge * np.eye(design.shape[1])
    penalty[-1, -1] = 0.0
    return np.linalg.solve(design.T @ design + penalty, design.T @ targets)


def highway_features(inputs: np.ndarray) -> np.ndarray:
    return inputs[:, -HIGHWAY[1]:, :][:, :, list(HIGHWAY[0])].reshape(len(inputs), -1).astype(np.float64)


def test_the_warm_start_is_the_ridge_fit_of_what_the_recurrent_part_leaves():
    model = build_model(ModelSpec(units=(4,)), [STEPS, CHANNELS], "regression", HORIZON, highway=HIGHWAY)
    randomise_highway(model)
    rng = np.random.default_rng(5)
    batches = [(x, rng.normal(size=(len(x), HORIZON)).astype("float32")) for x in (INPUTS, INPUTS[:3] * 2.0)]
    assert warm_start_highway(model, batches, ridges=(0.1,))
    inputs = np.concatenate([x for x, _ in batches]).astype(np.float64)
    labels = np.concatenate([y for _, y in batches]).astype(np.float64)
    expected = numpy_ridge(highway_features(inputs), labels - numpy_recurrent(model, "lstm", inputs), 0.1 * len(inputs))
    kernel, bias = model.get_layer(HIGHWAY_LAYER).get_weights()
    np.testing.assert_allclose(np.vstack([kernel, bias]), expected, atol=1e-4)
    assert not warm_start_highway(build_model(ModelSpec(units=(4,), highway_lags=0), [STEPS, CHANNELS],
                                              "regression", HORIZON), batches)


def test_the_warm_start_chooses_the_penalty_that_forecasts_the_validation_batches_best():
    rng = np.random.default_rng(6)
    train_x = rng.normal(size=(40, STEPS, CHANNELS)).astype("float32")
    truth = highway_features(train_x) @ rng.normal(size=(HIGHWAY[1] * 2, HORIZON))
    train = [(train_x, (truth + rng.normal(scale=3.0, size=truth.shape)).astype("float32"))]
    held_x = rng.normal(size=(30, STEPS, CHANNELS)).astype("float32")
    held = [(held_x, (highway_features(held_x) @ np.zeros((HIGHWAY[1] * 2, HORIZON))).astype("float32"))]
    ridges = (1e-4, 1.0, 100.0)
    model = build_model(ModelSpec(units=(4,)), [STEPS, CHANNELS], "regression", HORIZON, highway=HIGHWAY)
    assert warm_start_highway(model, train, held, ridges)
    candidates = [numpy_ridge(highway_features(train_x), train[0][1].astype(np.float64), r * 40) for r in ridges]
    design = np.concatenate([highway_features(held_x), np.ones((30, 1))], axis=1)
    errors = [np.sum((design @ w - held[0][1]) ** 2) for w in candidates]
    assert int(np.argmin(errors)) == 2  # held-out labels of zero: the strongest penalty forecasts them best
    kernel, bias = model.get_layer(HIGHWAY_LAYER).get_weights()
    np.testing.assert_allclose(np.vstack([kernel, bias]), candidates[2], atol=1e-4)


def test_beside_a_highway_the_untrained_model_is_its_linear_term_and_training_leaves_it_fixed():
    model = build_model(ModelSpec(units=(4,)), [STEPS, CHANNELS], "regression", HORIZON, highway=HIGHWAY)
    rng = np.random.default_rng(7)
    labels = rng.normal(size=(len(INPUTS), HORIZON)).astype("float32")
    warm_start_highway(model, [(INPUTS, labels)], ridges=(0.1,))
    kernel, bias = model.get_layer(HIGHWAY_LAYER).get_weights()
    np.testing.assert_allclose(model(INPUTS).numpy(), numpy_highway(INPUTS, HIGHWAY[1], HIGHWAY[0], kernel, bias),
                               atol=1e-5)
    head_before = model.get_layer("predictions").get_weights()[0].copy()
    model.compile(optimizer=keras.optimizers.Adam(0.05), loss="mse")
    model.fit(INPUTS, labels, epochs=2, verbose=0)
    after_kernel, after_bias = model.get_layer(HIGHWAY_LAYER).get_weights()
    np.testing.assert_array_equal(after_kernel, kernel)
    np.testing.assert_array_equal(after_bias, bias)
    assert np.abs(model.get_layer("predictions").get_weights()[0] - head_before).max() > 0  # the recurrent part trains
