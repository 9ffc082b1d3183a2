"""MNIST-format digits read row by row: IDX and ``mnist.npz`` readers, scaling, uint8 serving,
and scoring inputs (IDX, npz, PNG).

Works for any dataset in the same format (Fashion-MNIST, KMNIST, ...) with class names from
config. Raw examples: ``image`` int64 [784] (uint8 values), ``label`` int64, ``id``. After
transform: ``rows`` float32 [28, 28] in [0, 1] (28 time steps of 28 features), optionally
standardised per pixel with train-only statistics.
"""

from __future__ import annotations

import gzip
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterator

import apache_beam as beam
import numpy as np

from data.download import locate_or_fetch
from data.errors import DataError
from data.hashing import stable_fraction

TASK = "multiclass"
SPLITS = ("train", "eval", "test")
FEATURES_KEY = "rows"
LABEL_KEY = "label"
SIDE = 28
PIXELS = SIDE * SIDE
IMAGES_MAGIC, LABELS_MAGIC = 0x00000803, 0x00000801
NPZ_URL = "https://storage.googleapis.com/tensorflow/tf-keras-datasets/mnist.npz"
NPZ_SHA256 = "731c5ac602752760c8e48fbffcf8c3b850d9dc2a2aedcf2cc48468fc17b673d1"
IDX_FILES = {"train": ("train-images-idx3-ubyte", "train-labels-idx1-ubyte"),
             "test": ("t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte")}
DIGITS = tuple(str(d) for d in range(10))


@dataclass(frozen=True)
class Augmentation:
    """Random affine distortions of training images (train split only; 0 turns each off).

    Attributes:
        rotation_degrees: Largest rotation either way.
        shift_pixels: Largest shift along each axis.
        zoom: Largest relative change of scale (0.1: between 0.9x and 1.1x).
        shear_degrees: Largest horizontal shear either way.
    """

    rotation_degrees: float = 0.0
    shift_pixels: float = 0.0
    zoom: float = 0.0
    shear_degrees: float = 0.0

    def __post_init__(self):
        limits = {"rotation_degrees": 45.0, "shift_pixels": SIDE / 4, "zoom": 0.5, "shear_degrees": 45.0}
        for name, limit in limits.items():
            if not 0.0 <= getattr(self, name) <= limit:
                raise ValueError(f"data.augment.{name} must lie in [0, {limit:g}], got {getattr(self, name)}")

    @property
    def enabled(self) -> bool:
        """Whether any distortion is on."""
        return any((self.rotation_degrees, self.shift_pixels, self.zoom, self.shear_degrees))


@dataclass(frozen=True)
class MnistData:
    """Where the images are and how they are split.

    Attributes:
        path: A folder of IDX files (``train-*``/``t10k-*``, gzipped or not) or an ``mnist.npz``.
        class_names: One name per label; their number sets the classes.
        test_fraction: With only the test files present, this share (by stable hash of the id)
            becomes test and the rest train. Ignored when the canonical train files exist.
        eval_fraction: Share of train carved out as eval, by stable hash.
        standardize: Per-pixel z-scores with train-only statistics, after scaling to [0, 1].
        augment: Random distortions of training images (needs ``standardize: false``, so that
            the background stays 0 where the distortion fills it).
        max_examples: Keep at most this many images per canonical file (None: all).
        download: Fetch ``mnist.npz`` (sha256-checked) when ``path`` is missing.
        url: Download address.
        sha256: Expected checksum of the download.
        cache_dir: Download cache.
        max_error_rate: Largest share of malformed records tolerated.
    """

    path: str = "mnist"
    class_names: tuple[str, ...] = DIGITS
    test_fraction: float = 0.2
    eval_fraction: float = 0.1
    standardize: bool = False
    augment: Augmentation = field(default_factory=Augmentation)
    max_examples: int | None = None
    download: bool = False
    url: str = NPZ_URL
    sha256: str = NPZ_SHA256
    cache_dir: str = "~/.cache/rnnpipe"
    max_error_rate: float = 0.01

    def __post_init__(self):
        if len(self.class_names) < 2:
            raise ValueError("data.class_names must name at least 2 classes")
        for name in ("test_fraction", "eval_fraction"):
            if not 0.0 <= getattr(self, name) < 1.0:
                raise ValueError(f"data.{name} must lie in [0, 1), got {getattr(self, name)}")
        if self.max_examples is not None and self.max_examples < 1:
            raise ValueError("data.max_examples must be >= 1")
        if self.augment.enabled and self.standardize:
            raise ValueError("data.augment needs data.standardize: false (distortions fill the border with 0); "
                             "turn one off: data.augment: {} or data.standardize: false")

    @property
    def num_classes(self) -> int:
        """Number of classes."""
        return len(self.class_names)


DATA_CONFIG = MnistData


# ---------------------------------------------------------------- IDX and npz


def _open(path: Path):
    return gzip.open(path, "rb") if path.suffix == ".gz" else open(path, "rb")


def read_idx(path: Path, magic: int, dims: int) -> np.ndarray:
    """Reads one IDX file, checking its magic number, dtype, dimensions and length.

    Raises:
        DataError: ``wrong magic``, ``truncated``, ``wrong image size`` or an unreadable gzip,
            naming the file.
    """
    try:
        with _open(path) as handle:
            raw = handle.read()
    except (OSError, EOFError) as error:
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


def load_arrays(cfg: MnistData) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """Canonical splits (``train`` and/or ``test``) as ``(images, labels)`` arrays.

    Raises:
        DataError: If nothing is found, or a file is corrupt.
    """
    path = locate(cfg)
    if path.suffix == ".npz":
        try:
            with np.load(path, allow_pickle=False) as arrays:
                pairs = {split: (arrays[f"x_{split}"], arrays[f"y_{split}"]) for split in ("train", "test")
                         if f"x_{split}" in arrays}
        except (ValueError, OSError, KeyError) as error:
            raise DataError(f"{path}: not a readable mnist.npz ({error})") from error
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


# ---------------------------------------------------------------- records


def assign_split(canonical: str, record_id: str, has_train: bool, cfg: MnistData) -> str:
    """Canonical test stays test; without train files, a stable-hash share of test becomes train."""
    if canonical == "test" and (has_train or stable_fraction("test:" + record_id) < cfg.test_fraction):
        return "test"
    return "eval" if stable_fraction("eval:" + record_id) < cfg.eval_fraction else "train"


def records(cfg: MnistData) -> Iterator[tuple[str, Any]]:
    """``("record", (split, features))`` per good image, ``("dead", letter)`` per malformed one."""
    pairs = load_arrays(cfg)
    for canonical, (images, labels) in pairs.items():
        limit = len(images) if cfg.max_examples is None else min(cfg.max_examples, len(images))
        for index in range(limit):
            record_id = f"{canonical}:{index}"
            label = int(labels[index])
            if not 0 <= label < cfg.num_classes:
                yield "dead", {"id": record_id, "reason": f"label {label} outside 0..{cfg.num_classes - 1}"}
                continue
            split = assign_split(canonical, record_id, "train" in pairs, cfg)
            yield "record", (split, {"image": images[index].reshape(-1).tolist(), "label": label, "id": record_id})


class ReadImages(beam.DoFn):
    """The configured source to records (main) and dead letters (``dead``)."""

    def __init__(self, cfg: MnistData):
        super().__init__()
        self.cfg = cfg

    def process(self, _):
        for kind, item in records(self.cfg):
            yield item if kind == "record" else beam.pvalue.TaggedOutput("dead", item)


def read_examples(pipeline, cfg: MnistData):
    """Adds the reading steps to a Beam pipeline; see ``data.imdb.read_examples``."""
    parsed = (pipeline | "Source" >> beam.Create([cfg.path])
              | "ReadImages" >> beam.ParDo(ReadImages(cfg)).with_outputs("dead", main="record"))
    count = parsed.record | "CountImages" >> beam.combiners.Count.Globally()
    examples = parsed.record | "Encode" >> beam.MapTuple(lambda split, features: (split, encode_example(features)))
    return examples, parsed.dead, count


def encode_example(features: dict[str, Any]) -> bytes:
    """Serialises one image as a ``tf.train.Example``."""
    import tensorflow as tf

    return tf.train.Example(features=tf.train.Features(feature={
        "image": tf.train.Feature(int64_list=tf.train.Int64List(value=features["image"])),
        "label": tf.train.Feature(int64_list=tf.train.Int64List(value=[features["label"]])),
        "id": tf.train.Feature(bytes_list=tf.train.BytesList(value=[features["id"].encode()])),
    })).SerializeToString()


def profile(feature) -> dict[str, Any]:
    """Facts about one raw example for the statistics component.

    Args:
        feature: The ``features.feature`` map of a parsed ``tf.train.Example``.

    Returns:
        ``label``, ``length`` (rows with ink: the digit's height), ``missing``/``values`` (a
        blank image is missing) and ``numeric`` (pixel values).
    """
    pixels = np.asarray(feature["image"].int64_list.value, dtype=np.int64)
    ink_rows = int(np.count_nonzero(pixels.reshape(-1, SIDE).max(axis=1))) if pixels.size % SIDE == 0 else 0
    return {"label": str(feature["label"].int64_list.value[0]), "length": ink_rows,
            "missing": int(not pixels.any()), "values": 1, "numeric": {"pixel": pixels.tolist()}, "tokens": None}


# ---------------------------------------------------------------- tf.Transform


def raw_feature_spec(cfg: MnistData) -> dict:
    """The ``tf.io`` parsing spec of raw examples."""
    import tensorflow as tf

    return {"image": tf.io.FixedLenFeature([PIXELS], tf.int64),
            "label": tf.io.FixedLenFeature([], tf.int64),
            "id": tf.io.FixedLenFeature([], tf.string)}


def make_preprocessing_fn(cfg: MnistData):
    """Scales pixels to [0, 1] (optionally z-scored per pixel on train) and shapes [28, 28]."""
    standardize = cfg.standardize

    def preprocessing_fn(inputs):
        import tensorflow as tf
        import tensorflow_transform as tft

        pixels = tf.cast(inputs["image"], tf.float32) / 255.0
        if standardize:
            pixels = (pixels - tft.mean(pixels, reduce_instance_dims=False)) / (
                tf.sqrt(tft.var(pixels, reduce_instance_dims=False)) + 0.05)
        return {FEATURES_KEY: tf.reshape(pixels, [-1, SIDE, SIDE]), LABEL_KEY: inputs["label"]}

    return preprocessing_fn


def model_shape(cfg: MnistData, tft_output) -> tuple[list[int], int, None]:
    """28 steps of 28 features, one output per class."""
    return [SIDE, SIDE], cfg.num_classes, None


def model_io(features):
    """Rows and integer labels."""
    return features[FEATURES_KEY], features[LABEL_KEY]


def affine_matrices(angle, shear, scale, shift_x, shift_y):
    """``ImageProjectiveTransformV3`` rows for per-image angles and shears (radians), scales and shifts.

    Each row maps an output pixel to the input pixel it samples: the inverse of a rotation, a
    horizontal shear and a zoom about the image centre, followed by a shift (positive x: right).
    """
    import tensorflow as tf

    cos, sin, tan = tf.cos(angle), tf.sin(angle), tf.tan(shear)
    a, b = cos / scale, (sin + cos * tan) / scale
    c, d = -sin / scale, (cos - sin * tan) / scale
    centre = (SIDE - 1) / 2.0
    offset_x = centre - a * (centre + shift_x) - b * (centre + shift_y)
    offset_y = centre - c * (centre + shift_x) - d * (centre + shift_y)
    zeros = tf.zeros_like(angle)
    return tf.stack([a, b, offset_x, c, d, offset_y, zeros, zeros], axis=1)


def warp(rows, matrices):
    """Applies one affine matrix per image to ``[n, 28, 28]`` rows, filling the border with 0."""
    import tensorflow as tf

    warped = tf.raw_ops.ImageProjectiveTransformV3(
        images=tf.expand_dims(rows, -1), transforms=matrices, output_shape=[SIDE, SIDE], fill_value=0.0,
        interpolation="BILINEAR", fill_mode="CONSTANT")
    return tf.squeeze(warped, -1)


def train_augmentation(cfg: MnistData, seed: int | None = None):
    """A ``(rows, labels) -> (rows, labels)`` batch map that distorts images at random, or None when off."""
    if not cfg.augment.enabled:
        return None
    augment = cfg.augment

    def distort(rows, labels):
        import tensorflow as tf

        count = tf.shape(rows)[0:1]

        def uniform(limit, salt):
            return tf.random.uniform(count, -limit, limit, seed=None if seed is None else seed + salt)

        matrices = affine_matrices(uniform(math.radians(augment.rotation_degrees), 1),
                                   uniform(math.radians(augment.shear_degrees), 2),
                                   1.0 + uniform(augment.zoom, 3),
                                   uniform(augment.shift_pixels, 4), uniform(augment.shift_pixels, 5))
        return warp(rows, matrices), labels

    return distort


def evaluation_targets(raw, cfg: MnistData) -> dict:
    """Labels, ids and images (for the worst-mistakes grid) of parsed raw test examples."""
    return {"truth": raw["label"].numpy(), "ids": raw["id"].numpy(),
            "images": raw["image"].numpy().reshape(-1, SIDE, SIDE).astype(np.uint8)}


# ---------------------------------------------------------------- serving


def serving_signatures(module, cfg: MnistData) -> dict:
    """``serving_default`` (serialized tf.Examples) and ``serving_raw`` (uint8 [n, 28, 28]).

    Both output ``probabilities`` [n, classes] and ``class_ids`` [n].
    """
    import tensorflow as tf

    spec = {"image": raw_feature_spec(cfg)["image"]}

    def predict(image):
        batch = tf.shape(image)[0]
        features = module.tft_layer({"image": image, "label": tf.zeros([batch], tf.int64),
                                     "id": tf.fill([batch], "")})
        probabilities = tf.cast(module.model(features[FEATURES_KEY], training=False), tf.float32)
        return {"probabilities": probabilities, "class_ids": tf.argmax(probabilities, axis=-1)}

    @tf.function(input_signature=[tf.TensorSpec([None], tf.string, name="examples")])
    def serve_examples(examples):
        return predict(tf.io.parse_example(examples, spec)["image"])

    @tf.function(input_signature=[tf.TensorSpec([None, SIDE, SIDE], tf.uint8, name="images")])
    def serve_raw(images):
        return predict(tf.reshape(tf.cast(images, tf.int64), [-1, PIXELS]))

    module.serve_examples = serve_examples
    module.serve_raw = serve_raw
    return {"serving_default": serve_examples, "serving_raw": serve_raw}


# ---------------------------------------------------------------- batch scoring inputs

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
