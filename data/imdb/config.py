"""IMDB config: the ``data:`` section (source, download, vocabulary, length) and the kind's constants."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from data.contract import DataConfig

TASK = "binary"
FEATURES_KEY = "tokens"
LABEL_KEY = "label"
VOCAB_NAME = "vocab"
EMPTY_TOKEN = "<empty>"  # cannot occur in text: punctuation is split off before tokens are formed
ACLIMDB_URL = "https://ai.stanford.edu/~amaas/data/sentiment/aclImdb_v1.tar.gz"
ACLIMDB_SHA256 = "c40f74a18d3b61f90feba1e17730e0d38e8b97c05fde7008942e91923d1658fe"
KERAS_NPZ_SHA256 = "69664113be75683a8fe16e3ed0ab59fda8886cb3cd7ada244f7d9544e4676b9f"
MEMBER = re.compile(r"(?:^|/)(train|test)/(pos|neg)/(\d+)_(\d+)\.txt$")
TRUNCATIONS = ("end", "start", "middle")
PADDINGS = ("end", "start")
PUNCTUATION = r"""([!"#$%&()*+,\-./:;<=>?@\[\\\]^_`{|}~])"""


@dataclass(frozen=True)
class ImdbData(DataConfig):
    """Where the reviews are and how they become token ids.

    Attributes:
        path: An aclImdb folder, an ``aclImdb_v1.tar.gz``, or a Keras ``imdb.npz``. Relative
            paths resolve against --data-dir. When it does not exist and ``download`` is on,
            the canonical tarball is fetched into ``cache_dir`` (sha256-verified).
        download: Fetch the canonical archive when ``path`` is missing.
        url: Download address.
        sha256: Expected checksum of the download.
        cache_dir: Download cache.
        word_index: ``imdb_word_index.json`` for ``imdb.npz`` (ids back to words).
        trust_npz: Load an ``imdb.npz`` whose checksum is unknown (its object arrays need pickle).
        eval_fraction: Share of train carved out as eval, by a stable hash of ``id``.
        max_examples: Keep a label-stratified subset of this many reviews per canonical split.
        max_len: Token ids per review after padding/truncation.
        truncation: Which tokens of a review longer than ``max_len`` are dropped: ``end``
            (keep the first ``max_len``), ``start`` (keep the last ones, where reviews tend
            to give their verdict) or ``middle`` (keep the first and the last halves).
        padding: Where a short review's padding ids (0) go: ``end`` (the default; a right-padded
            mask keeps LSTM and GRU eligible for cuDNN) or ``start`` (as Keras ``pad_sequences``
            pads: an unmasked model then reaches the review's last token at its last step).
        top_k: Vocabulary size (most frequent train tokens).
        oov_buckets: Ids for tokens outside the vocabulary.
        length_buckets: Word-count boundaries for the evaluator's slices.
        max_error_rate: Largest share of bad files tolerated.
        max_review_bytes: A review file larger than this is a dead letter, never read into memory.
    """

    KIND = "imdb"

    path: str = "aclImdb_v1.tar.gz"
    download: bool = False
    url: str = ACLIMDB_URL
    sha256: str = ACLIMDB_SHA256
    cache_dir: str = "~/.cache/rnnpipe"
    word_index: str = ""
    trust_npz: bool = False
    eval_fraction: float = 0.1
    max_examples: int | None = None
    max_len: int = field(default=200, metadata={"size": "steps"})  # size roles: see pipeline/config_limits.py
    truncation: str = "end"
    padding: str = "end"
    top_k: int = field(default=20000, metadata={"size": "vocabulary"})
    oov_buckets: int = field(default=1, metadata={"size": "vocabulary"})
    length_buckets: tuple[int, ...] = (100, 200, 400, 800)
    max_error_rate: float = 0.01
    max_review_bytes: int = 1_000_000

    def __post_init__(self):
        if self.max_review_bytes < 1:
            raise ValueError(f"data.max_review_bytes must be >= 1, got {self.max_review_bytes}")
        if not 0.0 <= self.eval_fraction < 1.0:
            raise ValueError(f"data.eval_fraction must lie in [0, 1), got {self.eval_fraction}")
        if self.truncation not in TRUNCATIONS:
            raise ValueError(f"data.truncation must be one of {TRUNCATIONS}, got {self.truncation!r}")
        if self.padding not in PADDINGS:
            raise ValueError(f"data.padding must be one of {PADDINGS}, got {self.padding!r}")
        if self.max_len < 1 or self.top_k < 1 or self.oov_buckets < 1:
            raise ValueError("data.max_len, data.top_k and data.oov_buckets must be >= 1")
        if self.max_examples is not None and self.max_examples < 2:
            raise ValueError(f"data.max_examples must be >= 2, got {self.max_examples}")
        if list(self.length_buckets) != sorted(set(self.length_buckets)):
            raise ValueError("data.length_buckets must be strictly increasing")
        if not 0.0 <= self.max_error_rate <= 1.0:
            raise ValueError(f"data.max_error_rate must lie in [0, 1], got {self.max_error_rate}")
