"""A linear highway beside the recurrent stack: LSTNet's autoregressive term (Lai et al., SIGIR 2018).

The recurrent head's output gets a linear function of the recent history added to it:
``prediction = recurrent(x) + W . x[-lags:, channels] + b``. A recurrent model is poor at
matching the scale of its inputs; the linear term carries that scale, and the recurrent part
learns what a linear forecast misses.

Unlike LSTNet's, this highway is not trained by gradient descent. The trainer fits it in closed
form (:func:`warm_start_highway`: ridge, the penalty chosen on the eval windows) while the
recurrent head starts at zero, so the untrained model is that linear autoregression; the highway
then stays fixed and training fits the recurrent part to what it leaves. With early stopping the
starting point is a candidate too (``models.resumable``): an epoch ships only if it beats the
linear fit on the eval windows. Before its fit the highway is persistence (a weight of 1 on the
target's last value) for level forecasts, and zero (persistence too) for ``change`` forecasts.

The highway reads the model's own (scaled) inputs, so what it means follows the kind's
preprocessing: for ``timeseries`` every input channel of the window (the z-scored values, the
masks, the calendar and the categories), which makes it the evaluator's linear baseline.
With ``target_mode: change`` the label is the scaled difference from the last observed value:
the highway is still a linear function of the same scaled history, now predicting that
difference, so (as ``last value + linear term``) it is again an autoregression on the levels.
"""

from __future__ import annotations

from typing import Iterable, Sequence

import keras
import numpy as np

HIGHWAY_LAYER = "highway"
RECENT_LAYER = "highway_inputs"
SUM_LAYER = "with_highway"


@keras.saving.register_keras_serializable(package="rnnpipe")
class RecentSteps(keras.layers.Layer):
    """The last ``lags`` steps of some channels of a ``[batch, steps, channels]`` input, flattened.

    Output ``[batch, lags * len(channels)]``, step-major: the oldest kept step's channels first.

    Args:
        lags: Steps kept, counted back from the last one.
        channels: Indices of the channels kept, in order.
    """

    def __init__(self, lags: int, channels: Sequence[int], **kwargs):
        super().__init__(**kwargs)
        if lags < 1 or not channels:
            raise ValueError(f"RecentSteps needs lags >= 1 and at least one channel, got {lags} and {list(channels)}")
        self.lags = int(lags)
        self.channels = tuple(int(channel) for channel in channels)

    def call(self, inputs):
        ops = keras.ops
        recent = ops.take(inputs[:, -self.lags:, :], list(self.channels), axis=2)
        return ops.reshape(recent, (-1, self.lags * len(self.channels)))

    def compute_output_shape(self, input_shape):
        return (input_shape[0], self.lags * len(self.channels))

    def get_config(self):
        return {**super().get_config(), "lags": self.lags, "channels": list(self.channels)}


@keras.saving.register_keras_serializable(package="rnnpipe")
class LastValue(keras.initializers.Initializer):
    """A ``[inputs, outputs]`` kernel of zeros but for ones in row ``row``: every output copies that input."""

    def __init__(self, row: int):
        self.row = int(row)

    def __call__(self, shape, dtype=None):
        rows = keras.ops.expand_dims(keras.ops.arange(shape[0]) == self.row, -1)
        return keras.ops.cast(keras.ops.broadcast_to(rows, shape), dtype or "float32")

    def get_config(self):
        return {"row": self.row}


def highway_lags(configured: int | None, default: int, channels: Sequence[int], steps: int | None) -> int:
    """The highway's number of steps: the configured one, else the kind's default (0: none).

    Args:
        configured: ``model.highway_lags`` (None: the kind decides).
        default: The kind's default lags.
        channels: The input channels the kind lets a highway read (empty: no highway).
        steps: The model's input steps (the window).

    Raises:
        ValueError: If a highway is asked for on inputs without value channels, or longer than the window.
    """
    lags = default if configured is None else configured
    if not lags:
        return 0
    if not channels:
        raise ValueError(f"model.highway_lags {lags}: these inputs have no value channels for a linear highway; "
                         f"remove the key or set it to 0")
    if steps is not None and lags > steps:
        raise ValueError(f"model.highway_lags {lags} is longer than the model's {steps} input steps (data.window); "
                         f"give at most {steps}")
    return lags


def add_highway(inputs, recurrent_output, lags: int, channels: Sequence[int], outputs: int,
                persistence: int | None = None):
    """``recurrent_output`` plus a linear map of the last ``lags`` steps of ``channels`` of ``inputs``.

    Both layers run in float32 (as the head does under mixed precision).

    Args:
        inputs: The model's ``[batch, steps, channels]`` inputs.
        recurrent_output: The recurrent head's ``[batch, outputs]``.
        lags: Steps the highway reads.
        channels: Input channels it reads.
        outputs: The horizon.
        persistence: The position in ``channels`` of the (scaled) target: the highway starts as
            persistence, every output repeating its last value. None: it starts at zero (the
            persistence of a model that forecasts changes).

    Returns:
        The summed tensor, ``[batch, outputs]``.
    """
    recent = RecentSteps(lags, channels, name=RECENT_LAYER, dtype="float32")(inputs)
    start = "zeros" if persistence is None else LastValue((lags - 1) * len(channels) + persistence)
    # fitted in closed form by the trainer, then fixed: gradient descent trains the recurrent part only
    linear = keras.layers.Dense(outputs, kernel_initializer=start, name=HIGHWAY_LAYER, dtype="float32",
                                trainable=False)(recent)
    return keras.layers.Add(name=SUM_LAYER, dtype="float32")([recurrent_output, linear])


def warm_start_highway(model: keras.Model, batches: Iterable, validation: Iterable | None = None,
                       ridges: Sequence[float] = (1e-3,)) -> bool:
    """Sets a model's highway to the ridge fit of what its recurrent part leaves of the labels.

    One pass over the train ``(inputs, labels)`` batches accumulates the normal equations of the
    highway's inputs (and an unpenalised intercept) against ``labels - recurrent(inputs)``. Each
    of ``ridges`` (a penalty per train window) gives a solution; the one whose forecasts of the
    ``validation`` batches have the least squared error replaces the highway's weights (the
    smallest penalty without validation batches). With the recurrent head at zero, as
    :func:`models.rnn.build_model` starts it beside a highway, training then starts from the
    closed-form linear autoregression on the highway's inputs.

    Args:
        model: A model from :func:`models.rnn.build_model`.
        batches: The train batches, e.g. a finite ``tf.data.Dataset``.
        validation: The batches the penalty is chosen on (None: the smallest penalty).
        ridges: Penalties on every weight but the intercept, each times the number of train windows.

    Returns:
        Whether the model has a highway (and so was warm-started).
    """
    if SUM_LAYER not in {layer.name for layer in model.layers}:
        return False
    normal = normal_equations(model, batches)
    if normal is None:
        return True
    gram, moment, windows = normal
    candidates = [ridge_solution(gram, moment, ratio * windows) for ratio in sorted(ridges)]
    if validation is not None and len(candidates) > 1:
        errors = squared_errors(model, validation, candidates)
        weights = candidates[int(np.argmin(errors))] if errors is not None else candidates[0]
    else:
        weights = candidates[0]
    model.get_layer(HIGHWAY_LAYER).set_weights([weights[:-1].astype("float32"), weights[-1].astype("float32")])
    return True


def parts(model: keras.Model):
    """The highway's inputs and the recurrent part's output, as functions of the model's inputs."""
    return model.get_layer(RECENT_LAYER), keras.Model(model.inputs, model.get_layer(SUM_LAYER).input[0])


def design_and_residual(recent, recurrent, inputs, labels) -> tuple[np.ndarray, np.ndarray]:
    """A batch's highway inputs with an intercept column, and its labels less the recurrent output."""
    features = np.asarray(recent(inputs), np.float64)
    features = np.concatenate([features, np.ones((len(features), 1))], axis=1)
    residual = (np.asarray(labels, np.float64).reshape(len(features), -1)
                - np.asarray(recurrent(inputs, training=False), np.float64))
    return features, residual


def normal_equations(model: keras.Model, batches: Iterable) -> tuple[np.ndarray, np.ndarray, int] | None:
    """``X'X``, ``X'r`` and the number of windows over the train batches (None when there are none)."""
    recent, recurrent = parts(model)
    gram = moment = None
    windows = 0
    for inputs, labels in batches:
        features, residual = design_and_residual(recent, recurrent, inputs, labels)
        if gram is None:
            gram, moment = np.zeros((features.shape[1],) * 2), np.zeros((features.shape[1], residual.shape[1]))
        gram += features.T @ features
        moment += features.T @ residual
        windows += len(features)
    return None if gram is None else (gram, moment, windows)


def ridge_solution(gram: np.ndarray, moment: np.ndarray, ridge: float) -> np.ndarray:
    """Weights of ``(X'X + ridge I') w = X'r``, ``I'`` sparing the intercept (last)."""
    penalty = ridge * np.eye(len(gram))
    penalty[-1, -1] = 0.0
    return np.linalg.lstsq(gram + penalty, moment, rcond=None)[0]


def squared_errors(model: keras.Model, batches: Iterable, candidates: Sequence[np.ndarray]) -> np.ndarray | None:
    """Each candidate's summed squared error on the batches (None when there are none)."""
    recent, recurrent = parts(model)
    totals = np.zeros(len(candidates))
    seen = False
    for inputs, labels in batches:
        features, residual = design_and_residual(recent, recurrent, inputs, labels)
        totals += [float(np.sum((features @ weights - residual) ** 2)) for weights in candidates]
        seen = True
    return totals if seen else None
