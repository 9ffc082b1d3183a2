"""Charlm config: the ``data:`` section (corpus, window, split, vocabulary) and the kind's constants."""

from __future__ import annotations

from dataclasses import dataclass, field

from data.contract import DataConfig
from data.splits import OrderedSplit

TASK = "multiclass"  # what the trainer and tuner fit: a softmax over the character ids
TUNER_OBJECTIVE = ("val_loss", "min")  # cross-entropy, i.e. log-perplexity; accuracy is too coarse
EVALUATION_TASK = "language_model"  # what the evaluator measures: cross-entropy, perplexity, accuracy
FEATURES_KEY = "inputs"
LABEL_KEY = "target"
VOCAB_NAME = "characters"
MASK_ID, START_ID, FIRST_CHAR_ID = 0, 1, 2
OOV_BUCKETS = 1
START_TOKEN = "<start>"
REPLACEMENT_CHARACTER = 0xFFFD
NUL = b"\x00"


@dataclass(frozen=True)
class SplitFractions(OrderedSplit):
    """Shares of each file, by position, for train, eval and test (in that order)."""

    train: float = 0.8
    eval: float = 0.1
    test: float = 0.1

    def __post_init__(self):
        super().__post_init__()
        if self.test <= 0:
            raise ValueError("split.train and split.test must be > 0")


@dataclass(frozen=True)
class CharlmData(DataConfig):
    """Where the corpus is and how it is cut into character windows.

    Attributes:
        path: A UTF-8 text file, a folder (every file below it, hidden ones excepted) or a glob.
            Relative paths resolve against --data-dir.
        window: Characters of context before each target.
        stride: Characters between the targets of consecutive windows.
        split: Shares of each file for train, eval and test, by position: the first
            ``split.train`` of its characters go to train, then eval, then test. A window
            never crosses a split boundary, so no eval or test character is in a train window.
        pad_start: Also cut windows for the first ``window`` characters of each file,
            left-padded with the start id, so the model learns how texts begin and a prompt
            shorter than the window (or an empty one) is padded the same way as in training.
        top_k: Keep the most frequent train characters (None keeps every one); the rest share
            the out-of-vocabulary id.
        max_chars: Read only the first N characters of each file (None reads all).
        max_file_bytes: A file larger than this is a dead letter, never read into memory.
        max_error_rate: Largest share of bad records (undecodable lines, unreadable files)
            tolerated before the run fails.
    """

    KIND = "charlm"

    path: str = "README.md"
    window: int = field(default=40, metadata={"size": "steps"})  # size roles: see pipeline/config_limits.py
    stride: int = 1
    split: SplitFractions = field(default_factory=SplitFractions)
    pad_start: bool = True
    top_k: int | None = field(default=None, metadata={"size": "vocabulary"})
    max_chars: int | None = None
    max_file_bytes: int = 20_000_000
    max_error_rate: float = 0.01

    def __post_init__(self):
        for name in ("window", "stride", "max_file_bytes"):
            if getattr(self, name) < 1:
                raise ValueError(f"data.{name} must be >= 1, got {getattr(self, name)}")
        if self.top_k is not None and self.top_k < 1:
            raise ValueError(f"data.top_k must be >= 1 or null, got {self.top_k}")
        if self.max_chars is not None and self.max_chars < 2:
            raise ValueError(f"data.max_chars must be >= 2 or null, got {self.max_chars}")
        if not 0.0 <= self.max_error_rate <= 1.0:
            raise ValueError(f"data.max_error_rate must lie in [0, 1], got {self.max_error_rate}")
