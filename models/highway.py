"""A linear highway beside the recurrent stack: LSTNet's autoregressive term (Lai et al., SIGIR 2018).

The recurrent head's output gets a linear function of the recent history added to it:
``prediction = recurrent(x) + W . x[-lags:, channels] + b``. A recurrent model is poor at
matching the scale of its inputs; the linear term carries that scale, and the recurrent part
learns what a linear forecast misses, so the model can do no worse than the linear
autoregression it contains (up to optimisation). For level forecasts it starts as
persistence (a weight of 1 on the target's last value), so training starts from that
baseline; for ``change`` forecasts it starts at zero, which is persistence there too.
The trainer then warm-starts it (:func:`warm_start_highway`): one pass over the train batches
fits it in closed form (ridge) to what the untrained recurrent part leaves of the labels, so
SGD starts from the linear autoregression instead of having to find it in a few epochs.

The highway reads the model's own (scaled) inputs, so what it means follows the kind's
preprocessing: for ``timeseries`` it reads the z-scored value channels (each column scaled
with its train statistics). With ``target_mode: level`` the label is the scaled future value
and the highway is a plain autoregression on scaled values. With ``target_mode: change`` the
label is the scaled difference from the last observed value: the highway is still a linear
function of the same scaled history, now predicting that difference, so (as ``last value +
linear term``) it is again an autoregression on the levels.
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
    linear = keras.layers.Dense(outputs, kernel_initializer=start, name=HIGHWAY_LAYER, dtype="float32")(recent)
    return keras.layers.Add(name=SUM_LAYER, dtype="float32")([recurrent_output, linear])


def warm_start_highway(model: keras.Model, batches: Iterable, ridge: float = 1.0) -> bool:
    """Sets a model's highway to the ridge fit of what its recurrent part leaves of the labels.

    One pass over ``(inputs, labels)`` batches accumulates the normal equations of the
    highway's inputs (and an unpenalised intercept) against ``labels - recurrent(inputs)``;
    their solution replaces the highway's weights. Training then starts from the best linear
    correction of the untrained recurrent part: at least as good, on the batches, as the
    closed-form linear autoregression on the same lags.

    Args:
        model: A model from :func:`models.rnn.build_model`.
        batches: The train batches, e.g. a finite ``tf.data.Dataset``.
        ridge: The penalty on every weight but the intercept.

    Returns:
        Whether the model has a highway (and so was warm-started).
    """
    if SUM_LAYER not in {layer.name for layer in model.layers}:
        return False
    recent = model.get_layer(RECENT_LAYER)
    recurrent = keras.Model(model.inputs, model.get_layer(SUM_LAYER).input[0])
    gram = moment = None
    for inputs, labels in batches:
        features = np.asarray(recent(inputs), np.float64)
        features = np.concatenate([features, np.ones((len(features), 1))], axis=1)
        residual = (np.asarray(labels, np.float64).reshape(len(features), -1)
                    - np.asarray(recurrent(inputs, training=False), np.float64))
        if gram is None:
            gram, moment = np.zeros((features.shape[1],) * 2), np.zeros((features.shape[1], residual.shape[1]))
        gram += features.T @ features
        moment += features.T @ residual
    if gram is None:
        return True
    penalty = ridge * np.eye(len(gram))
    penalty[-1, -1] = 0.0
    weights = np.linalg.lstsq(gram + penalty, moment, rcond=None)[0]
    model.get_layer(HIGHWAY_LAYER).set_weights([weights[:-1].astype("float32"), weights[-1].astype("float32")])
    return True
