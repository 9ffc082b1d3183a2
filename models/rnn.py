"""Recurrent model builders (Keras 3): SimpleRNN, LSTM and GRU, bidirectional, stacked.

Defaults keep LSTM and GRU eligible for the fused cuDNN kernel: tanh/sigmoid activations,
``recurrent_dropout=0``, ``unroll=False``, ``use_bias=True`` and GRU ``reset_after=True``.
Inputs are either float sequences ``[steps, features]`` or int64 token ids ``[steps]``
(padded with 0, embedded with ``mask_zero`` unless ``mask_padding`` is off).
"""

from __future__ import annotations

from typing import Sequence

import keras

from models.highway import add_highway, highway_lags
from models.spec import ModelSpec

TASKS = ("regression", "binary", "multiclass")
UNROLL_MAX_STEPS = 100


@keras.saving.register_keras_serializable(package="rnnpipe")
class AttentionPooling(keras.layers.Layer):
    """Additive (Bahdanau-style) attention pooling over time, mask-aware.

    score_t = v . tanh(W h_t + b); weights = softmax over unmasked steps; output = sum_t w_t h_t.
    """

    def __init__(self, units: int = 64, **kwargs):
        super().__init__(**kwargs)
        self.units = units
        self.supports_masking = True

    def build(self, input_shape):
        features = input_shape[-1]
        self.projection = self.add_weight(name="projection", shape=(features, self.units))
        self.bias = self.add_weight(name="bias", shape=(self.units,), initializer="zeros")
        self.score = self.add_weight(name="score", shape=(self.units, 1))

    def call(self, sequence, mask=None):
        ops = keras.ops
        scores = ops.squeeze(ops.matmul(ops.tanh(ops.matmul(sequence, self.projection) + self.bias),
                                        self.score), axis=-1)
        if mask is not None:
            scores = ops.where(mask, scores, ops.full_like(scores, -1e9))
        weights = ops.softmax(scores, axis=-1)
        return ops.sum(sequence * ops.expand_dims(weights, -1), axis=1)

    def compute_mask(self, inputs, mask=None):
        return None

    def compute_output_shape(self, input_shape):
        return (input_shape[0], input_shape[-1])

    def get_config(self):
        return {**super().get_config(), "units": self.units}


@keras.saving.register_keras_serializable(package="rnnpipe")
class MaxMeanPooling(keras.layers.Layer):
    """The max and the mean over the unmasked steps, concatenated: ``[batch, 2 * features]``."""

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.supports_masking = True

    def call(self, sequence, mask=None):
        ops = keras.ops
        if mask is None:
            return ops.concatenate([ops.max(sequence, axis=1), ops.mean(sequence, axis=1)], axis=-1)
        kept = ops.expand_dims(ops.cast(mask, sequence.dtype), -1)
        lowest = ops.full_like(sequence, -6e4 if keras.backend.standardize_dtype(sequence.dtype) == "float16" else -1e9)
        largest = ops.max(ops.where(ops.expand_dims(mask, -1), sequence, lowest), axis=1)
        mean = ops.sum(sequence * kept, axis=1) / ops.maximum(ops.sum(kept, axis=1), 1.0)
        return ops.concatenate([largest, mean], axis=-1)

    def compute_mask(self, inputs, mask=None):
        return None

    def compute_output_shape(self, input_shape):
        return (input_shape[0], 2 * input_shape[-1])


POOLING_LAYERS = {"attention": AttentionPooling, "max_mean": MaxMeanPooling}


def should_unroll(spec: ModelSpec, steps: int | None, masked: bool = False) -> bool:
    """Whether to unroll: as configured, else only SimpleRNN over short, known lengths.

    Never by default for a masked bidirectional stack: Keras 3's unrolled backward pass gets the
    masked steps of returned sequences wrong (the NumPy oracle tests caught it; compare
    keras-team/keras#17596), so those stay on the loop.
    """
    if spec.unroll is not None:
        return spec.unroll
    if masked and spec.bidirectional and len(spec.units) > 1:
        return False
    return spec.cell == "simple_rnn" and steps is not None and steps <= UNROLL_MAX_STEPS


def recurrent_layer(spec: ModelSpec, units: int, return_sequences: bool, name: str,
                    dtype: str | None = None, unroll: bool = False) -> keras.layers.Layer:
    """One recurrent layer with cuDNN-eligible settings, wrapped if bidirectional."""
    kwargs = dict(units=units, return_sequences=return_sequences, dropout=spec.dropout, name=name, dtype=dtype,
                  unroll=unroll)
    if spec.cell == "lstm":
        layer = keras.layers.LSTM(**kwargs)
    elif spec.cell == "gru":
        layer = keras.layers.GRU(reset_after=True, **kwargs)
    else:
        layer = keras.layers.SimpleRNN(**kwargs)
    if spec.bidirectional:
        return keras.layers.Bidirectional(layer, merge_mode=spec.merge_mode, name=f"bi_{name}", dtype=dtype)
    return layer


def head(task: str, outputs: int, at_zero: bool = False) -> keras.layers.Layer:
    """The output layer of a task: linear, sigmoid or softmax (always float32).

    ``at_zero`` starts a regression head's weights at zero: beside a linear highway, the untrained
    model is then the highway's linear forecast alone.
    """
    if task == "regression":
        start = "zeros" if at_zero else "glorot_uniform"
        return keras.layers.Dense(outputs, kernel_initializer=start, name="predictions", dtype="float32")
    if task == "binary":
        return keras.layers.Dense(1, activation="sigmoid", name="probabilities", dtype="float32")
    return keras.layers.Dense(outputs, activation="softmax", name="probabilities", dtype="float32")


def build_model(spec: ModelSpec, input_shape: Sequence[int], task: str, outputs: int,
                vocab_size: int | None = None, embedding_matrix=None,
                train_embedding: bool = True, dtype: str | None = None, name: str | None = None,
                highway: tuple[Sequence[int], int, int | None] = ((), 0, None)) -> keras.Model:
    """Builds an uncompiled recurrent model, with a linear highway when its lags are above 0.

    Args:
        spec: The architecture.
        input_shape: ``[steps, features]`` for float inputs or ``[steps]`` for token ids.
        task: ``regression``, ``binary`` or ``multiclass``.
        outputs: Regression horizon or number of classes.
        vocab_size: Size of the id space (token inputs only), padding id 0 included.
        embedding_matrix: Optional ``[vocab_size, embedding_dim]`` initial embedding.
        train_embedding: Whether a given embedding matrix is fine-tuned.
        dtype: Layer dtype policy, e.g. ``mixed_float16`` on GPU (the head stays float32).
        name: Model name (default ``rnnpipe_<cell>``).
        highway: ``(channels, default lags, persistence)``: the input channels a linear highway
            may read, its lags when ``spec.highway_lags`` is None, and the position of the
            target among the channels when it starts as persistence (None: at zero); the dataset
            kind's ``highway_inputs``, by default none. See :mod:`models.highway`.

    Returns:
        A ``keras.Model`` mapping inputs to predictions or probabilities.

    Raises:
        ValueError: On an unknown task, token inputs without ``vocab_size``, or a highway the
            inputs cannot have (no value channels, more lags than steps, not a regression).
    """
    if task not in TASKS:
        raise ValueError(f"task must be one of {TASKS}, got {task!r}")
    tokens = len(input_shape) == 1
    channels, default_lags, persistence = highway[:3]  # a kind's HighwayInputs: its ridges are the trainer's
    lags = highway_lags(spec.highway_lags, default_lags, () if tokens else channels, input_shape[0])
    if lags and task != "regression":
        raise ValueError(f"model.highway_lags {lags}: a linear highway needs a regression, not {task}")
    inputs = keras.Input(shape=tuple(input_shape), dtype="int64" if tokens else "float32", name="inputs")
    x = inputs
    if tokens:
        if not vocab_size:
            raise ValueError("token inputs need vocab_size")
        embed_kwargs = {}
        if embedding_matrix is not None:
            embed_kwargs = dict(embeddings_initializer=keras.initializers.Constant(embedding_matrix),
                                trainable=train_embedding)
        dim = embedding_matrix.shape[1] if embedding_matrix is not None else spec.embedding_dim
        x = keras.layers.Embedding(vocab_size, dim, mask_zero=spec.mask_padding, name="embedding", dtype=dtype,
                                   **embed_kwargs)(x)
        if spec.token_dropout:
            # one draw per token, shared by its coordinates: whole words drop out (word dropout)
            x = keras.layers.Dropout(spec.token_dropout, noise_shape=(None, None, 1), name="token_dropout",
                                     dtype=dtype)(x)
        if spec.embedding_dropout:
            x = keras.layers.Dropout(spec.embedding_dropout, name="embedding_dropout", dtype=dtype)(x)
    pooled = spec.pooling != "last"
    unroll = should_unroll(spec, input_shape[0], masked=tokens and spec.mask_padding)
    for depth, units in enumerate(spec.units):
        last = depth == len(spec.units) - 1
        x = recurrent_layer(spec, units, return_sequences=not last or pooled, name=f"{spec.cell}_{depth}",
                            dtype=dtype, unroll=unroll)(x)
    if pooled:
        x = POOLING_LAYERS[spec.pooling](name=spec.pooling, dtype=dtype)(x)
    if spec.dense_units:
        x = keras.layers.Dense(spec.dense_units, activation="relu", name="dense", dtype=dtype)(x)
    if spec.dropout:
        x = keras.layers.Dropout(spec.dropout, name="head_dropout", dtype=dtype)(x)
    predictions = head(task, outputs, at_zero=bool(lags))(x)
    if lags:
        predictions = add_highway(inputs, predictions, lags, channels, outputs, persistence)
    return keras.Model(inputs, predictions, name=name or f"rnnpipe_{spec.cell}")


def loss_and_metrics(task: str) -> tuple[str, list]:
    """The training loss and Keras metrics of a task.

    Binary models track accuracy only: a per-batch AUC costs a small model about a fifth of
    its training speed, and the evaluator computes AUC on the test split anyway.
    """
    if task == "regression":
        return "mse", [keras.metrics.RootMeanSquaredError(name="rmse"), keras.metrics.MeanAbsoluteError(name="mae")]
    if task == "binary":
        return "binary_crossentropy", [keras.metrics.BinaryAccuracy(name="accuracy")]
    return "sparse_categorical_crossentropy", [keras.metrics.SparseCategoricalAccuracy(name="accuracy")]


def compile_model(model: keras.Model, task: str, learning_rate: float, clipnorm: float | None,
                  steps_per_execution: int = 1) -> keras.Model:
    """Compiles with Adam, clipping gradients by norm when ``clipnorm`` is set.

    ``steps_per_execution`` batches run inside one compiled call, which saves a small model most
    of its per-step Python overhead; the updates are the same.
    """
    optimizer = keras.optimizers.Adam(learning_rate=learning_rate, clipnorm=clipnorm or None)
    loss, metrics = loss_and_metrics(task)
    model.compile(optimizer=optimizer, loss=loss, metrics=metrics, steps_per_execution=steps_per_execution)
    return model


def recurrent_layers(layer: keras.layers.Layer) -> list:
    """The LSTM and GRU layers of a model, through sub-models (ensemble members) and
    ``Bidirectional`` wrappers (backward direction first, as Keras tracks them)."""
    if isinstance(layer, (keras.layers.LSTM, keras.layers.GRU)):
        return [layer]
    if isinstance(layer, keras.layers.Bidirectional):
        return [*recurrent_layers(layer.backward_layer), *recurrent_layers(layer.forward_layer)]
    if isinstance(layer, keras.Model):
        return [found for sub in layer.layers for found in recurrent_layers(sub)]
    return []


def cudnn_eligibility(model: keras.Model) -> dict[str, bool]:
    """Reports, per LSTM/GRU layer, whether its settings allow the fused cuDNN kernel.

    Keras also needs a strictly right-padded mask (or none) at run time.
    """
    report = {}
    for layer in recurrent_layers(model):
        cell = layer.cell
        eligible = (cell.activation is keras.activations.tanh
                    and cell.recurrent_activation is keras.activations.sigmoid
                    and cell.recurrent_dropout == 0 and not layer.unroll and cell.use_bias)
        if isinstance(layer, keras.layers.GRU):
            eligible = eligible and cell.reset_after
        report[layer.name] = bool(eligible)
    return report
