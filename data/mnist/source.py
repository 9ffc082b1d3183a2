"""Locating, loading and checking the MNIST source: a folder of IDX files or an ``mnist.npz``."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from data.archives import read_npz
from data.download import locate_or_fetch
from data.errors import DataError
from data.mnist.config import IDX_FILES, SIDE, MnistData
from data.mnist.idx import find_idx, read_idx_pair


def load_arrays(cfg: MnistData) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """Canonical splits (``train`` and/or ``test``) as ``(images, labels)`` arrays.

    Raises:
        DataError: If nothing is found, or a file is corrupt.
    """
    path = locate(cfg)
    if path.suffix == ".npz":
        with open(path, "rb") as handle:
            arrays = read_npz(handle, str(path), what="mnist.npz")
        try:
            pairs = {split: (arrays[f"x_{split}"], arrays[f"y_{split}"]) for split in ("train", "test")
                     if f"x_{split}" in arrays}
        except KeyError as error:
            raise DataError(f"{path}: not a readable mnist.npz (no array {error})") from error
        for split, (images, labels) in pairs.items():
            if images.shape[1:] != (SIDE, SIDE) or len(images) != len(labels):
                raise DataError(f"{path}: x_{split} has shape {images.shape} for {len(labels)} labels; "
                                f"expected [n, {SIDE}, {SIDE}]")
    else:
        pairs = {split: pair for split in ("train", "test") if (pair := read_idx_pair(path, split)) is not None}
    if not pairs:
        raise DataError(f"{path}: no IDX files ({', '.join(IDX_FILES['test'])}, optionally .gz) or mnist.npz found")
    return pairs


def locate(cfg: MnistData) -> Path:
    """The local source, downloading ``mnist.npz`` when allowed.

    Raises:
        DataError: If the path is missing and downloading is off or fails.
    """
    return locate_or_fetch(cfg.path, cfg.download, cfg.url, cfg.sha256, cfg.cache_dir, "mnist.npz", "MNIST")


def check_input(cfg: MnistData) -> None:
    """Reads and checks every file before any Beam work."""
    load_arrays(cfg)


def input_files(cfg: MnistData) -> list[Path]:
    """The files whose bytes define the input (for the cache key)."""
    path = locate(cfg)
    if path.is_file():
        return [path]
    return sorted(p for split in IDX_FILES.values() for stem in split if (p := find_idx(path, stem)) is not None)
