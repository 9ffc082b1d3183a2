"""Pretrained word vectors (GloVe text format) aligned to a vocabulary."""

from __future__ import annotations

from typing import Sequence

import numpy as np


def glove_matrix(path: str, words: Sequence[str], size: int, seed: int = 0, scale: float = 0.05) -> np.ndarray:
    """Builds an embedding matrix for ids ``0..size-1`` from a GloVe-format text file.

    Id 0 (padding) is zeros; word ``words[i]`` has id ``i + 1`` and gets its vector from the
    file; words missing from the file, and OOV ids past the vocabulary, get small random vectors.

    Args:
        path: Text file with one ``word v1 v2 ... vd`` per line.
        words: The vocabulary in id order (without padding).
        size: Total number of ids (padding + vocabulary + OOV buckets).
        seed: Seed for the random vectors.
        scale: Standard deviation of the random vectors.

    Returns:
        A float32 array ``[size, d]``.

    Raises:
        ValueError: If the file is empty or its rows have different widths, naming the line.
    """
    wanted = {word: index + 1 for index, word in enumerate(words)}
    vectors: dict[int, np.ndarray] = {}
    dim = None
    with open(path, encoding="utf-8", errors="replace") as handle:
        for line_number, line in enumerate(handle, 1):
            parts = line.rstrip().split(" ")
            if len(parts) < 2:
                continue
            if dim is None:
                dim = len(parts) - 1
            elif len(parts) - 1 != dim:
                raise ValueError(f"{path}:{line_number}: expected {dim} values, found {len(parts) - 1}")
            index = wanted.get(parts[0])
            if index is not None and index < size:
                vectors[index] = np.asarray(parts[1:], dtype=np.float32)
    if dim is None:
        raise ValueError(f"{path}: no vectors found (expected lines 'word v1 v2 ...')")
    matrix = np.random.default_rng(seed).normal(0.0, scale, (size, dim)).astype(np.float32)
    matrix[0] = 0.0
    for index, vector in vectors.items():
        matrix[index] = vector
    return matrix
