"""Every recurrent layer models/ builds matches a NumPy forward pass from the gate equations (1e-5)."""

import numpy as np
import pytest

from models.rnn import build_model
from models.spec import CELLS, MERGE_MODES, ModelSpec
from tests.models.numpy_cells import last_output, merge, run_cell, sigmoid


def oracle(model, spec: ModelSpec, inputs: np.ndarray, tokens: bool) -> np.ndarray:
    """The model's output computed in NumPy from its weights: embedding, recurrent stack, head."""
    mask = None
    hidden = inputs.astype(np.float64)
    if tokens:
        hidden = model.get_layer("embedding").get_weights()[0][inputs]
        mask = inputs != 0
    for depth in range(len(spec.units)):
        sequences = depth < len(spec.units) - 1
        if spec.bidirectional:
            layer = model.get_layer(f"bi_{spec.cell}_{depth}")
            forward = run_cell(spec.cell, hidden, layer.forward_layer.get_weights(), mask, zero_masked=sequences)
            backward = run_cell(spec.cell, hidden, layer.backward_layer.get_weights(), mask, reverse=True,
                                zero_masked=sequences)
            hidden = merge(forward, backward, spec.merge_mode) if sequences else merge(
                last_output(forward, False), last_output(backward, True), spec.merge_mode)
        else:
            outputs = run_cell(spec.cell, hidden, model.get_layer(f"{spec.cell}_{depth}").get_weights(), mask)
            hidden = outputs if sequences else last_output(outputs, False)
    kernel, bias = model.layers[-1].get_weights()
    logits = hidden @ kernel + bias
    return sigmoid(logits) if tokens else logits


CASES = [(cell, False, "concat") for cell in CELLS] + [(cell, True, mode) for cell in CELLS for mode in MERGE_MODES]


@pytest.mark.parametrize("cell, bidirectional, merge_mode", CASES)
@pytest.mark.parametrize("units", [(5,), (4, 3)], ids=["single", "stacked"])
def test_float_inputs_match_the_gate_equations(cell, bidirectional, merge_mode, units):
    spec = ModelSpec(cell=cell, units=units, bidirectional=bidirectional, merge_mode=merge_mode, pooling="last",
                     dropout=0.0)
    model = build_model(spec, (7, 3), "regression", 2)
    inputs = np.random.default_rng(1).normal(size=(6, 7, 3)).astype("float32")
    np.testing.assert_allclose(model(inputs, training=False).numpy(), oracle(model, spec, inputs, False),
                               atol=1e-5, rtol=0)


@pytest.mark.parametrize("cell", CELLS)
@pytest.mark.parametrize("bidirectional", [False, True], ids=["forward", "bidirectional"])
def test_right_padded_tokens_are_masked_as_the_equations_say(cell, bidirectional):
    spec = ModelSpec(cell=cell, units=(4, 3), bidirectional=bidirectional, merge_mode="concat", pooling="last",
                     dropout=0.0, embedding_dim=5)
    model = build_model(spec, (8,), "binary", 1, vocab_size=20)
    rng = np.random.default_rng(2)
    tokens = rng.integers(1, 20, size=(5, 8))
    for row, length in enumerate((8, 6, 3, 1, 5)):
        tokens[row, length:] = 0  # right padding
    expected = oracle(model, spec, tokens, True)
    np.testing.assert_allclose(model(tokens, training=False).numpy(), expected, atol=1e-5, rtol=0)
    # The padding really is ignored: other padding ids than 0 would change the output.
    assert not np.allclose(expected, oracle(model, spec, np.where(tokens == 0, 3, tokens), True), atol=1e-4)
