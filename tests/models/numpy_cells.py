"""NumPy forward passes of SimpleRNN, LSTM and GRU from their textbook equations: test oracles.

Weights are Keras's layout: ``kernel`` [features, gates * units], ``recurrent_kernel``
[units, gates * units], gates in Keras's order (LSTM: i, f, c, o; GRU: z, r, h). A mask marks
real steps; on a masked step the state is carried over unchanged.
"""

from __future__ import annotations

import numpy as np


def sigmoid(x: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-x))


def simple_rnn_step(x, state, kernel, recurrent, bias):
    """h_t = tanh(W_x x_t + W_h h_{t-1} + b)."""
    h = np.tanh(x @ kernel + state[0] @ recurrent + bias)
    return h, (h,)


def lstm_step(x, state, kernel, recurrent, bias):
    """Input, forget and output gates; c_t = f * c_{t-1} + i * tanh(z_c); h_t = o * tanh(c_t)."""
    h, c = state
    z = x @ kernel + h @ recurrent + bias
    i, f, g, o = np.split(z, 4, axis=-1)
    c = sigmoid(f) * c + sigmoid(i) * np.tanh(g)
    h = sigmoid(o) * np.tanh(c)
    return h, (h, c)


def gru_step(x, state, kernel, recurrent, bias):
    """Keras's ``reset_after`` GRU: the reset gate scales the recurrent candidate after its bias.

    z = sig(x W_z + b_z + h U_z + b'_z); r = sig(x W_r + b_r + h U_r + b'_r);
    n = tanh(x W_n + b_n + r * (h U_n + b'_n)); h_t = z * h_{t-1} + (1 - z) * n.
    """
    h = state[0]
    input_bias, recurrent_bias = bias
    x_z, x_r, x_n = np.split(x @ kernel + input_bias, 3, axis=-1)
    h_z, h_r, h_n = np.split(h @ recurrent + recurrent_bias, 3, axis=-1)
    z = sigmoid(x_z + h_z)
    r = sigmoid(x_r + h_r)
    n = np.tanh(x_n + r * h_n)
    h = z * h + (1 - z) * n
    return h, (h,)


STEPS = {"simple_rnn": simple_rnn_step, "lstm": lstm_step, "gru": gru_step}


def run_cell(cell: str, inputs: np.ndarray, weights: list[np.ndarray], mask: np.ndarray | None = None,
             reverse: bool = False, zero_masked: bool = False) -> np.ndarray:
    """All outputs [batch, steps, units] of one direction; ``reverse`` reads time backwards.

    Outputs of a backward pass are returned in input order (as Keras's Bidirectional aligns them).
    On a masked step the output repeats the previous one, or is zero with ``zero_masked`` (what
    Keras's Bidirectional asks of its layers when it returns sequences).
    """
    kernel, recurrent, bias = weights
    batch, steps, _ = inputs.shape
    units = recurrent.shape[0]
    state = tuple(np.zeros((batch, units)) for _ in range(2 if cell == "lstm" else 1))
    mask = np.ones((batch, steps), bool) if mask is None else mask
    outputs = np.zeros((batch, steps, units))
    previous = np.zeros((batch, units))
    order = range(steps - 1, -1, -1) if reverse else range(steps)
    for t in order:
        output, new_state = STEPS[cell](inputs[:, t], state, kernel, recurrent, bias)
        keep = mask[:, t:t + 1]
        state = tuple(np.where(keep, new, old) for new, old in zip(new_state, state))
        previous = np.where(keep, output, previous)
        outputs[:, t] = np.where(keep, output, 0.0) if zero_masked else previous
    return outputs


def last_output(outputs: np.ndarray, reverse: bool) -> np.ndarray:
    """What ``return_sequences=False`` returns: the state after the last step read."""
    return outputs[:, 0] if reverse else outputs[:, -1]


def merge(forward: np.ndarray, backward: np.ndarray, mode: str) -> np.ndarray:
    """Keras's Bidirectional merge modes."""
    if mode == "concat":
        return np.concatenate([forward, backward], axis=-1)
    if mode == "sum":
        return forward + backward
    if mode == "mul":
        return forward * backward
    return (forward + backward) / 2
