"""Tests for the recurrent model builders."""

import keras
import numpy as np
import pytest

from models.rnn import (AttentionPooling, MaxMeanPooling, ModelSpec, build_model, compile_model,
                        cudnn_eligibility)

TOKENS = np.array([[3, 4, 5, 0, 0], [7, 0, 0, 0, 0]], dtype="int64")
SERIES = np.random.default_rng(0).standard_normal((4, 6, 3)).astype("float32")


@pytest.mark.parametrize("cell", ["simple_rnn", "lstm", "gru"])
@pytest.mark.parametrize("merge_mode,width", [("concat", 16), ("sum", 8), ("mul", 8), ("ave", 8)])
def test_bidirectional_merge_modes_set_the_output_width(cell, merge_mode, width):
    spec = ModelSpec(cell=cell, units=(8,), bidirectional=True, merge_mode=merge_mode)
    model = build_model(spec, [6, 3], "regression", 2)
    assert model.get_layer(f"bi_{cell}_0").output.shape[-1] == width
    assert model(SERIES).shape == (4, 2)


def test_stacked_layers_return_sequences_below_the_top():
    model = build_model(ModelSpec(cell="gru", units=(8, 4, 2)), [6, 3], "regression", 1)
    assert [model.get_layer(f"gru_{i}").return_sequences for i in range(3)] == [True, True, False]


def test_defaults_are_cudnn_eligible_and_recurrent_dropout_is_reported():
    model = build_model(ModelSpec(cell="lstm", units=(8, 8), bidirectional=True), [6, 3], "regression", 1)
    assert cudnn_eligibility(model) and all(cudnn_eligibility(model).values())
    model.get_layer("bi_lstm_0").forward_layer.cell.recurrent_dropout = 0.2
    assert cudnn_eligibility(model)["forward_lstm_0"] is False


@pytest.mark.parametrize("pooling", ["last", "attention", "max_mean"])
def test_token_model_masks_padding_so_trailing_zeros_do_not_change_the_output(pooling):
    spec = ModelSpec(cell="lstm", units=(8,), pooling=pooling, embedding_dropout=0.3, token_dropout=0.2)
    model = build_model(spec, [5], "binary", 1, vocab_size=10)
    shorter = build_model(spec, [3], "binary", 1, vocab_size=10)
    shorter.set_weights(model.get_weights())
    padded = model(TOKENS).numpy()
    short = shorter(TOKENS[:, :3]).numpy()
    np.testing.assert_allclose(padded, short, atol=1e-6)


def test_unmasked_token_model_runs_the_padding_through_the_recurrence():
    spec = ModelSpec(cell="simple_rnn", units=(8, 8), mask_padding=False)
    model = build_model(spec, [5], "binary", 1, vocab_size=10)
    shorter = build_model(spec, [3], "binary", 1, vocab_size=10)
    shorter.set_weights(model.get_weights())
    assert model.get_layer("embedding").compute_mask(TOKENS) is None
    assert not np.allclose(model(TOKENS).numpy(), shorter(TOKENS[:, :3]).numpy(), atol=1e-6)


def test_attention_pooling_ignores_masked_steps():
    layer = AttentionPooling(4)
    sequence = np.random.default_rng(1).standard_normal((1, 3, 2)).astype("float32")
    mask = np.array([[True, True, False]])
    changed = sequence.copy()
    changed[0, 2] = 100.0
    np.testing.assert_allclose(layer(sequence, mask=mask), layer(changed, mask=mask), atol=1e-6)


def test_max_mean_pooling_is_the_max_and_mean_of_the_unmasked_steps():
    sequence = np.array([[[1.0, -4.0], [3.0, -2.0], [50.0, 50.0]]], dtype="float32")
    pooled = MaxMeanPooling()(sequence, mask=np.array([[True, True, False]]))
    np.testing.assert_allclose(pooled, [[3.0, -2.0, 2.0, -3.0]])
    np.testing.assert_allclose(MaxMeanPooling()(sequence), [[50.0, 50.0, 18.0, 44.0 / 3]], rtol=1e-6)


def test_token_dropout_zeroes_whole_tokens_while_training_and_scales_the_rest():
    sequence = np.ones((64, 50, 8), dtype="float32")
    layer = build_model(ModelSpec(units=(4,), token_dropout=0.25), [50], "binary", 1, vocab_size=10).get_layer(
        "token_dropout")
    tokens = keras.ops.convert_to_numpy(layer(sequence, training=True)).reshape(-1, 8)
    assert (tokens == tokens[:, :1]).all(), "a token is dropped in full or not at all"
    np.testing.assert_allclose(np.unique(tokens), [0.0, 4 / 3], rtol=1e-6)
    assert 0.2 < (tokens[:, 0] == 0).mean() < 0.3
    np.testing.assert_array_equal(layer(sequence, training=False), sequence)


def test_token_dropout_model_passes_the_mask_and_roundtrips(tmp_path):
    model = build_model(ModelSpec(cell="gru", units=(4,), pooling="max_mean", token_dropout=0.5), [5], "binary", 1,
                        vocab_size=10)
    assert model.get_layer("token_dropout").compute_mask(TOKENS, TOKENS != 0) is not None
    model.save(tmp_path / "tokens.keras")
    restored = keras.saving.load_model(tmp_path / "tokens.keras")
    assert restored.get_layer("token_dropout").rate == 0.5
    np.testing.assert_allclose(restored(TOKENS), model(TOKENS), atol=1e-6)


def test_multiclass_head_is_a_softmax_and_embedding_matrix_is_used():
    matrix = np.random.default_rng(2).standard_normal((10, 6)).astype("float32")
    model = build_model(ModelSpec(units=(4,)), [5], "multiclass", 3, vocab_size=10, embedding_matrix=matrix,
                        train_embedding=False)
    np.testing.assert_allclose(model(TOKENS).numpy().sum(axis=1), 1.0, atol=1e-5)
    embedding = model.get_layer("embedding")
    assert not embedding.trainable
    np.testing.assert_allclose(embedding.embeddings.numpy(), matrix)


def test_compile_sets_clipnorm_and_saved_model_roundtrips(tmp_path):
    for pooling in ("attention", "max_mean"):
        model = compile_model(build_model(ModelSpec(units=(4,), pooling=pooling), [6, 3], "regression", 1),
                              "regression", 0.01, clipnorm=0.5)
        assert model.optimizer.clipnorm == 0.5
        model.save(tmp_path / f"{pooling}.keras")
        restored = keras.saving.load_model(tmp_path / f"{pooling}.keras")
        np.testing.assert_allclose(restored(SERIES), model(SERIES), atol=1e-6)


def test_several_steps_per_execution_make_the_same_updates_including_a_partial_last_call():
    import tensorflow as tf

    rng = np.random.default_rng(1)
    x, y = rng.standard_normal((70, 6, 3)).astype("float32"), rng.standard_normal((70, 1)).astype("float32")
    known = tf.data.Dataset.from_tensor_slices((x, y)).batch(10)  # 7 batches
    unknown = known.unbatch().filter(lambda *_: True).batch(10)  # the same 7, length unknown as from TFRecords
    trained = {}
    for name, data, steps in (("one step a call", known, 1), ("four steps a call", unknown, 4)):
        keras.utils.set_random_seed(0)
        model = compile_model(build_model(ModelSpec(units=(4,)), [6, 3], "regression", 1), "regression", 0.01,
                              None, steps_per_execution=steps)
        model.fit(data, epochs=2, verbose=0)
        trained[name] = model
    assert [int(m.optimizer.iterations.numpy()) for m in trained.values()] == [14, 14]
    for one, four in zip(*(m.get_weights() for m in trained.values())):
        np.testing.assert_allclose(one, four, atol=1e-6)


@pytest.mark.parametrize("kwargs,message", [
    ({"cell": "rnn"}, "model.cell"), ({"merge_mode": "max"}, "merge_mode"),
    ({"units": ()}, "model.units"), ({"dropout": 1.0}, "model.dropout"),
    ({"pooling": "mean"}, "model.pooling"), ({"embedding_dropout": -0.1}, "model.embedding_dropout"),
    ({"token_dropout": 1.0}, "model.token_dropout")])
def test_model_spec_rejects_bad_values(kwargs, message):
    with pytest.raises(ValueError, match=message):
        ModelSpec(**kwargs)


@pytest.mark.parametrize("cell,steps,unroll,expected", [
    ("simple_rnn", 80, None, True), ("simple_rnn", 400, None, False), ("lstm", 80, None, False),
    ("gru", 28, None, False), ("lstm", 28, True, True)])
def test_only_short_simple_rnns_unroll_by_default(cell, steps, unroll, expected):
    model = build_model(ModelSpec(cell=cell, units=(4,), unroll=unroll), [steps, 2], "regression", 1)
    assert model.get_layer(f"{cell}_0").unroll is expected
    if cell != "simple_rnn":
        assert cudnn_eligibility(model)[f"{cell}_0"] is not expected
