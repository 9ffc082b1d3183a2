"""The IDX format: reading and checking one file, and finding a split's images and labels."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from data.compressed import read_checked
from data.errors import DataError
from data.mnist.config import IDX_FILES, IMAGES_MAGIC, LABELS_MAGIC, SIDE


def read_idx(path: Path, magic: int, dims: int) -> np.ndarray:
    """Reads one IDX file, checking its magic number, dtype, dimensions and length.

    Raises:
        DataError: ``wrong magic``, ``truncated``, ``wrong image size``, or a damaged or truncated
            gzip (checked to its end), naming the file and the offset.
    """
    try:
        raw = read_checked(path)
    except OSError as error:
        raise DataError(f"{path}: cannot read ({error})") from error
    return parse_idx(raw, path, magic, dims)


def parse_idx(raw: bytes, source: str | Path, magic: int, dims: int) -> np.ndarray:
    """Parses the (uncompressed) bytes of an IDX file; ``source`` names it in messages.

    Raises:
        DataError: ``wrong magic``, ``truncated`` or ``wrong image size``.
    """
    if len(raw) < 4 + 4 * dims:
        raise DataError(f"{source}: truncated header ({len(raw)} bytes)")
    found = int.from_bytes(raw[:4], "big")
    if found != magic:
        raise DataError(f"{source}: wrong magic number 0x{found:08x}, expected 0x{magic:08x} "
                        f"(unsigned bytes, {dims} dimension(s))")
    shape = tuple(int.from_bytes(raw[4 + 4 * i:8 + 4 * i], "big") for i in range(dims))
    body = raw[4 + 4 * dims:]
    expected = int(np.prod(shape))
    if len(body) < expected:
        raise DataError(f"{source}: truncated: header promises {shape} = {expected} bytes, file has {len(body)}")
    if dims == 3 and shape[1:] != (SIDE, SIDE):
        raise DataError(f"{source}: wrong image size {shape[1]}x{shape[2]}, expected {SIDE}x{SIDE}")
    return np.frombuffer(body[:expected], dtype=np.uint8).reshape(shape)


def find_idx(folder: Path, stem: str) -> Path | None:
    """The IDX file of a stem, gzipped or not (also Fashion-MNIST's ``t10k-images-idx3-ubyte.gz``)."""
    for name in (f"{stem}.gz", stem, stem.replace("-idx", ".idx")):
        if (folder / name).exists():
            return folder / name
    return None


def read_idx_pair(folder: Path, canonical: str) -> tuple[np.ndarray, np.ndarray] | None:
    """Images and labels of a canonical split, or None when its files are absent.

    Raises:
        DataError: On a corrupt file or when image and label counts differ.
    """
    images_stem, labels_stem = IDX_FILES[canonical]
    images_path, labels_path = find_idx(folder, images_stem), find_idx(folder, labels_stem)
    if images_path is None and labels_path is None:
        return None
    if images_path is None or labels_path is None:
        raise DataError(f"{folder}: found only one of {images_stem} and {labels_stem}")
    images = read_idx(images_path, IMAGES_MAGIC, 3)
    labels = read_idx(labels_path, LABELS_MAGIC, 1)
    if len(images) != len(labels):
        raise DataError(f"{images_path}: {len(images)} images but {labels_path.name} has {len(labels)} labels")
    return images, labels
