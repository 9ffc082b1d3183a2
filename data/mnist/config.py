"""MNIST config: the ``data:`` section (source, classes, split, augmentation) and the kind's constants."""

from __future__ import annotations

from dataclasses import dataclass, field

from data.contract import DataConfig

TASK = "multiclass"
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
class MnistData(DataConfig):
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

    KIND = "mnist"

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
