"""Batch-scoring input of images (``--format images``): 28x28 grey PNGs, IDX image files or npz arrays."""

from __future__ import annotations

import gzip
from pathlib import Path
from typing import Any, Iterator, Sequence

import numpy as np

from data.errors import DataError
from data.mnist.config import IMAGES_MAGIC, SIDE
from data.mnist.idx import parse_idx

NPZ_IMAGE_KEYS = ("images", "x_test", "x", "x_train")


def decode_png(raw: bytes) -> np.ndarray:
    """A PNG as a uint8 [height, width] grey image (colour is converted to grey).

    Raises:
        ValueError: If the bytes are not a readable PNG.
    """
    import io

    from PIL import Image, UnidentifiedImageError

    try:
        with Image.open(io.BytesIO(raw)) as image:
            if image.format != "PNG":
                raise ValueError(f"not a PNG but {image.format}")
            return np.asarray(image.convert("L"), dtype=np.uint8)
    except (UnidentifiedImageError, OSError, SyntaxError) as error:
        raise ValueError(f"undecodable image: {error}") from error


def scoring_images(name: str, raw: bytes) -> Iterator[tuple[str, Any]]:
    """Images to score from one input file: a 28x28 grey PNG, an IDX images file or an npz.

    Yields:
        ``("ok", (id, uint8 [28, 28]))`` with ids ``<file>`` (PNG) or ``<file>:<index>``, or
        ``("dead", {"source", "id", "reason"})`` for an undecodable file or a wrong image size.
    """
    base = Path(name).name
    lower = base.lower()
    if lower.endswith(".png"):
        try:
            image = decode_png(raw)
        except ValueError as error:
            yield "dead", {"source": name, "id": base, "reason": str(error)}
            return
        if image.shape != (SIDE, SIDE):
            yield "dead", {"source": name, "id": base,
                           "reason": f"wrong image size {image.shape[1]}x{image.shape[0]}, expected {SIDE}x{SIDE}"}
            return
        yield "ok", (base, image)
        return
    try:
        images = _npz_images(raw, name) if lower.endswith(".npz") else parse_idx(
            gzip.decompress(raw) if raw[:2] == b"\x1f\x8b" else raw, name, IMAGES_MAGIC, 3)
    except (DataError, OSError, EOFError, ValueError) as error:
        yield "dead", {"source": name, "id": base, "reason": str(error)}
        return
    for index, image in enumerate(images):
        yield "ok", (f"{base}:{index}", image)


def _npz_images(raw: bytes, name: str) -> np.ndarray:
    import io

    with np.load(io.BytesIO(raw), allow_pickle=False) as arrays:
        key = next((k for k in NPZ_IMAGE_KEYS if k in arrays.files), None)
        if key is None:
            raise DataError(f"{name}: no image array; expected one of {NPZ_IMAGE_KEYS}, found {arrays.files}")
        images = arrays[key]
    if images.ndim != 3 or images.shape[1:] != (SIDE, SIDE):
        raise DataError(f"{name}: wrong image size: array {key!r} has shape {images.shape}, "
                        f"expected [n, {SIDE}, {SIDE}]")
    if images.dtype != np.uint8:
        if images.size and (images.min() < 0 or images.max() > 255):
            raise DataError(f"{name}: pixel values outside 0..255 in array {key!r}")
        images = images.astype(np.uint8)
    return images


def scoring_tensors(batch: Sequence[np.ndarray], input_names: Sequence[str]) -> dict[str, Any]:
    """Images from :func:`scoring_images` as ``serving_raw`` arguments: ``images`` uint8 [n, 28, 28]."""
    import tensorflow as tf

    return {"images": tf.constant(np.stack(batch), tf.uint8)}
