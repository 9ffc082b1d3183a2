"""Plain specs of models and of their hyperparameter search, validated on construction.

Kept apart from the builders so that configs load without importing Keras.
"""

from __future__ import annotations

from dataclasses import dataclass

CELLS = ("simple_rnn", "lstm", "gru")
MERGE_MODES = ("concat", "sum", "mul", "ave")
POOLINGS = ("last", "attention", "max_mean")


@dataclass(frozen=True)
class ModelSpec:
    """Architecture of a recurrent model.

    Attributes:
        cell: One of ``simple_rnn``, ``lstm``, ``gru``.
        units: Units of each stacked recurrent layer, bottom first.
        bidirectional: Wrap every recurrent layer in ``Bidirectional``.
        merge_mode: How the two directions are merged.
        dropout: Dropout on the inputs of each recurrent layer and before the head.
        pooling: How the top layer's sequence becomes one vector: ``last`` (its last state),
            ``attention`` (additive attention) or ``max_mean`` (the max and the mean over the
            unpadded steps, concatenated).
        embedding_dim: Size of the token embedding (token inputs only).
        embedding_dropout: Dropout on the embedded tokens while training (token inputs only).
        token_dropout: Share of whole tokens dropped while training: a dropped token's embedding
            is zeroed in full, so the model must judge the review without that word (token
            inputs only). Applied before ``embedding_dropout``.
        mask_padding: Mask the padding id 0 (token inputs only). Off, padding steps run through
            the recurrence like any token, as in the Keras tutorials; pair that with
            ``data.padding: start`` so that the last state follows the last real token.
        dense_units: Units of an optional ReLU layer before the head (0 for none).
        unroll: Unroll the recurrence into a static graph. ``None`` (auto) unrolls SimpleRNN
            over at most ``UNROLL_MAX_STEPS`` steps, which is faster on CPU and loses nothing
            (SimpleRNN has no cuDNN kernel); LSTM and GRU stay rolled to keep cuDNN eligibility.
        highway_lags: Steps of a linear highway (LSTNet's autoregressive term): a linear map of
            the last N steps of the input channels, added to the recurrent head's output
            (regression only). ``None`` lets the dataset kind decide: on for ``timeseries``
            over every channel of the whole window (the evaluator's linear baseline), off for the
            others. ``0`` turns it off. The trainer fits it in closed form and keeps it fixed, with
            the recurrent head starting at zero (see ``models.highway``).
    """

    cell: str = "lstm"
    units: tuple[int, ...] = (64,)
    bidirectional: bool = False
    merge_mode: str = "concat"
    dropout: float = 0.0
    pooling: str = "last"
    embedding_dim: int = 64
    embedding_dropout: float = 0.0
    token_dropout: float = 0.0
    mask_padding: bool = True
    dense_units: int = 0
    unroll: bool | None = None
    highway_lags: int | None = None

    def __post_init__(self):
        if self.cell not in CELLS:
            raise ValueError(f"model.cell must be one of {CELLS}, got {self.cell!r}")
        if self.merge_mode not in MERGE_MODES:
            raise ValueError(f"model.merge_mode must be one of {MERGE_MODES}, got {self.merge_mode!r}")
        if not self.units or any(u < 1 for u in self.units):
            raise ValueError(f"model.units must be a non-empty list of positive ints, got {self.units}")
        if self.pooling not in POOLINGS:
            raise ValueError(f"model.pooling must be one of {POOLINGS}, got {self.pooling!r}")
        for name in ("dropout", "embedding_dropout", "token_dropout"):
            if not 0.0 <= getattr(self, name) < 1.0:
                raise ValueError(f"model.{name} must lie in [0, 1), got {getattr(self, name)}")
        if self.embedding_dim < 1 or self.dense_units < 0:
            raise ValueError("model.embedding_dim must be >= 1 and model.dense_units >= 0")
        if self.highway_lags is not None and self.highway_lags < 0:
            raise ValueError(f"model.highway_lags must be >= 0 (0 turns the highway off), got {self.highway_lags}")


@dataclass(frozen=True)
class SearchSpace:
    """Ranges the tuner samples from. A one-element list fixes that hyperparameter.

    Attributes:
        cells: Recurrent cell types.
        bidirectional: Whether layers are bidirectional (``[false]``, ``[true]`` or both).
        merge_modes: How bidirectional outputs are merged (only sampled when bidirectional).
        depth: ``[min, max]`` number of stacked recurrent layers.
        units: Choices of units, sampled per layer.
        dropout: ``[min, max]`` dropout, sampled in steps of 0.1.
        embedding_dims: Token embedding sizes (text kinds only).
        poolings: Choices of ``pooling`` (``last``, ``attention``, ``max_mean``).
        learning_rate: ``[min, max]`` Adam learning rate, sampled on a log scale.
        clipnorm: Choices of the gradient clipping norm.
        batch_sizes: Choices of the batch size (tuned in ``HyperModel.fit``).
        highway_lags: Choices of ``model.highway_lags`` (0: no highway); empty (the default)
            keeps the model's setting.
    """

    cells: tuple[str, ...] = CELLS
    bidirectional: tuple[bool, ...] = (False, True)
    merge_modes: tuple[str, ...] = ("concat", "sum")
    depth: tuple[int, ...] = (1, 2)
    units: tuple[int, ...] = (32, 64, 128)
    dropout: tuple[float, ...] = (0.0, 0.3)
    embedding_dims: tuple[int, ...] = (32, 64, 128)
    poolings: tuple[str, ...] = ("last", "attention")
    learning_rate: tuple[float, ...] = (3e-4, 1e-2)
    clipnorm: tuple[float, ...] = (1.0,)
    batch_sizes: tuple[int, ...] = (32, 64, 128)
    highway_lags: tuple[int, ...] = ()

    def __post_init__(self):
        for name in ("cells", "bidirectional", "merge_modes", "units", "embedding_dims", "poolings",
                     "clipnorm", "batch_sizes"):
            if not getattr(self, name):
                raise ValueError(f"tuner.space.{name} is an empty range: give at least one value")
        unknown = set(self.cells) - set(CELLS)
        if unknown:
            raise ValueError(f"tuner.space.cells: unknown cells {sorted(unknown)}; expected some of {CELLS}")
        unknown = set(self.merge_modes) - set(MERGE_MODES)
        if unknown:
            raise ValueError(f"tuner.space.merge_modes: unknown modes {sorted(unknown)}; expected some of {MERGE_MODES}")
        unknown = set(self.poolings) - set(POOLINGS)
        if unknown:
            raise ValueError(f"tuner.space.poolings: unknown poolings {sorted(unknown)}; expected some of {POOLINGS}")
        for name in ("depth", "dropout", "learning_rate"):
            bounds = getattr(self, name)
            if len(bounds) != 2 or bounds[0] > bounds[1]:
                raise ValueError(f"tuner.space.{name} must be [min, max] with min <= max, got {list(bounds)}")
        if not 1 <= self.depth[0] <= self.depth[1] <= 3:
            raise ValueError(f"tuner.space.depth must lie within [1, 3], got {list(self.depth)}")
        if not 0.0 <= self.dropout[0] <= self.dropout[1] < 1.0:
            raise ValueError(f"tuner.space.dropout must lie within [0, 1), got {list(self.dropout)}")
        if not 0.0 < self.learning_rate[0] <= self.learning_rate[1] < 1.0:
            raise ValueError(f"tuner.space.learning_rate must lie within (0, 1), got {list(self.learning_rate)}")
        for name in ("units", "embedding_dims", "batch_sizes"):
            if any(value < 1 for value in getattr(self, name)):
                raise ValueError(f"tuner.space.{name} must hold positive integers, got {list(getattr(self, name))}")
        if any(value < 0 for value in self.highway_lags):
            raise ValueError(f"tuner.space.highway_lags must hold integers >= 0, got {list(self.highway_lags)}")
        if any(value <= 0 for value in self.clipnorm):
            raise ValueError(f"tuner.space.clipnorm must hold positive numbers, got {list(self.clipnorm)}")
