"""IMDB movie reviews: readers for aclImdb (folder or tarball) and Keras ``imdb.npz``,
download, tf.Transform vocabulary and padding, raw-text serving, and scoring inputs.

Raw examples: ``text`` (bytes), ``label`` (int64 0/1), ``id`` (``train/pos/123_9``) and
``rating`` (int64 1..10, 0 when unknown). After transform: ``tokens`` int64 [max_len] from a
train-only vocabulary, right-padded with 0 and truncated (at the end by default), and ``length``.

Modules: :mod:`~data.imdb.config`, :mod:`~data.imdb.source` (locating and checking),
:mod:`~data.imdb.records`, :mod:`~data.imdb.readers` (tarball, npz), :mod:`~data.imdb.read`
(Beam), :mod:`~data.imdb.preprocessing`, :mod:`~data.imdb.model_head`, :mod:`~data.imdb.serving`,
:mod:`~data.imdb.scoring`; the kind object is ``KIND``.
"""

from data.imdb.config import ImdbData
from data.imdb.kind import KIND

__all__ = ["KIND", "ImdbData"]
