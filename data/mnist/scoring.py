"""Batch-scoring input of images (``--format images``): 28x28 grey PNGs, IDX image files or npz arrays.

Pixels reach the model as uint8. Other pixel types are converted by explicit rules (docs/scoring.md,
"How scoring treats image dtypes"), never by a silent cast: uint8 as is; other integers when they
fit 0..255; floats scaled from [0, 1] (x * 255, rounded) or rounded from [0, 255], the range chosen
per array by its largest value; 16-bit PNGs scaled by 255 / 65535. Anything else is a dead letter.
"""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any, Iterator, Sequence

import numpy as np

from data.archives import read_npz
from data.compressed import decompress_checked
from data.errors import DataError
from data.mnist.config import IMAGES_MAGIC, SIDE
from data.mnist.idx import parse_idx

NPZ_IMAGE_KEYS = ("images", "x_test", "x", "x_train")
SIXTEEN_BIT_MODES = ("I;16", "I;16B", "I;16L", "I;16N", "I")  # how Pillow opens a 16-bit grey PNG
SIXTEEN_BIT_MAX = 65535
ACCEPTED = "expected uint8, integers in 0..255, or floats in [0, 1] or [0, 255]"


def decode_png(raw: bytes) -> np.ndarray:
    """A PNG as a uint8 [height, width] grey image.

    Colour, palette and alpha are converted to grey by Pillow; a 16-bit grey PNG is scaled by
    255 / 65535 and rounded (Pillow's own conversion would clip it to 0 and 255).

    Raises:
        ValueError: If the bytes are not a readable PNG.
    """
    from PIL import Image, UnidentifiedImageError

    try:
        with Image.open(io.BytesIO(raw)) as image:
            if image.format != "PNG":
                raise ValueError(f"not a PNG but {image.format}")
            if image.mode in SIXTEEN_BIT_MODES:
                pixels = np.asarray(image).astype(np.float64)
                if pixels.size and (pixels.min() < 0 or pixels.max() > SIXTEEN_BIT_MAX):
                    raise ValueError(f"16-bit PNG with pixel values in [{pixels.min():g}, {pixels.max():g}], "
                                     f"outside 0..{SIXTEEN_BIT_MAX}")
                return np.rint(pixels * (255 / SIXTEEN_BIT_MAX)).astype(np.uint8)
            return np.asarray(image.convert("L"), dtype=np.uint8)
    except (UnidentifiedImageError, OSError, SyntaxError) as error:
        raise ValueError(f"undecodable image: {error}") from error


def scoring_images(name: str, raw: bytes) -> Iterator[tuple[str, Any]]:
    """Images to score from one input file: a 28x28 grey PNG, an IDX images file or an npz.

    Yields:
        ``("ok", (id, uint8 [28, 28]))`` with ids ``<file>`` (PNG) or ``<file>:<index>``, or
        ``("dead", {"source", "id", "reason"})`` for an undecodable file, a wrong image size, or
        pixels that do not convert to uint8 (an image of them, or the whole file for a wrong dtype).
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
        key, images = _npz_images(raw, name) if lower.endswith(".npz") else (
            None, parse_idx(decompress_checked(raw, name), name, IMAGES_MAGIC, 3))
    except (DataError, OSError, EOFError, ValueError) as error:
        yield "dead", {"source": name, "id": base, "reason": str(error)}
        return
    yield from uint8_images(name, images, f"array {key!r}" if key else "the images")


def uint8_images(name: str, images: np.ndarray, what: str) -> Iterator[tuple[str, Any]]:
    """Each image of an [n, 28, 28] array as uint8, or a dead letter saying why it cannot be.

    Args:
        name: The file's path, used in ids and messages.
        images: The array, of any dtype.
        what: How messages name the array, e.g. ``array 'x_test'``.

    Yields:
        ``("ok", (<file>:<index>, uint8 image))`` or ``("dead", {"source", "id", "reason"})``: one
        letter for the whole file when its dtype is not a number type, else one per bad image.
    """
    base = Path(name).name
    kind = images.dtype.kind
    if kind not in "uif":
        yield "dead", {"source": name, "id": base, "reason": f"{name}: {what} holds {images.dtype} pixels; {ACCEPTED}"}
        return
    if kind == "u" and images.dtype.itemsize == 1:
        for index, image in enumerate(images):
            yield "ok", (f"{base}:{index}", image)
        return
    flat = images.reshape(len(images), -1)
    finite = np.isfinite(flat).all(axis=1) if kind == "f" else np.ones(len(images), bool)
    largest = float(flat[finite].max()) if finite.any() and flat.size else 0.0
    unit = kind == "f" and largest <= 1.0  # a float array whose values all lie in [0, 1]
    for index, image in enumerate(images):
        image_id = f"{base}:{index}"
        reason = _pixel_problem(image, bool(finite[index]), kind, unit, largest)
        if reason:
            yield "dead", {"source": name, "id": image_id,
                           "reason": f"{name}: image {index} of {what} ({images.dtype}) {reason}"}
        elif kind == "f":
            yield "ok", (image_id, np.rint(image.astype(np.float64) * (255.0 if unit else 1.0)).astype(np.uint8))
        else:
            yield "ok", (image_id, image.astype(np.uint8))


def _pixel_problem(image: np.ndarray, finite: bool, kind: str, unit: bool, largest: float) -> str | None:
    """Why one image's pixels do not convert to uint8 under its array's rule, or None."""
    if not finite:
        return "holds NaN or infinite pixel values"
    low, high = image.min(), image.max()
    values = f"pixel values in [{low:g}, {high:g}]"
    if kind != "f":
        return None if 0 <= low and high <= 255 else f"has {values}, outside 0..255"
    if low < 0 or high > (1.0 if unit else 255.0):
        return f"has {values}, outside {'[0, 1]' if unit else '[0, 255]'}"
    if not unit and 0 < high <= 1.0:
        return (f"has {values}, which look like [0, 1], while the file's largest value is {largest:g}, "
                f"so it is read as [0, 255]")
    return None


def _npz_images(raw: bytes, name: str) -> tuple[str, np.ndarray]:
    """The name and [n, 28, 28] array of an npz's images, of any dtype."""
    arrays = read_npz(io.BytesIO(raw), name)
    key = next((k for k in NPZ_IMAGE_KEYS if k in arrays), None)
    if key is None:
        raise DataError(f"{name}: no image array; expected one of {NPZ_IMAGE_KEYS}, found {sorted(arrays)}")
    images = arrays[key]
    if images.ndim != 3 or images.shape[1:] != (SIDE, SIDE):
        raise DataError(f"{name}: wrong image size: array {key!r} has shape {images.shape}, "
                        f"expected [n, {SIDE}, {SIDE}]")
    return key, images


def scoring_tensors(batch: Sequence[np.ndarray], input_names: Sequence[str]) -> dict[str, Any]:
    """Images from :func:`scoring_images` as ``serving_raw`` arguments: ``images`` uint8 [n, 28, 28]."""
    import tensorflow as tf

    return {"images": tf.constant(np.stack(batch), tf.uint8)}
