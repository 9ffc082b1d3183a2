"""The MNIST dataset kind: the :class:`data.contract.DatasetKind` object of ``kind: mnist``."""

from __future__ import annotations

from typing import Any, Iterator

from data.contract import DatasetKind, ScoringInput, ScoringOptions
from data.mnist.augmentation import train_augmentation
from data.mnist.config import FEATURES_KEY, LABEL_KEY, MnistData, TASK
from data.mnist.model_head import evaluation_targets, model_io, model_shape
from data.mnist.preprocessing import make_preprocessing_fn
from data.mnist.read import read_examples
from data.mnist.records import encode_example, profile, raw_feature_spec
from data.mnist.scoring import scoring_images, scoring_tensors
from data.mnist.serving import serving_signatures
from data.mnist.source import check_input, input_files


class MnistKind(DatasetKind):
    """MNIST-format images read row by row (28 steps of 28 pixels); a multiclass classifier."""

    name = "mnist"
    DATA_CONFIG = MnistData
    TASK = TASK
    FEATURES_KEY = FEATURES_KEY
    LABEL_KEY = LABEL_KEY
    scoring_input = ScoringInput(format="images", signature="serving_raw", input_names=("images",),
                                 folder_pattern="*.png")

    check_input = staticmethod(check_input)
    input_files = staticmethod(input_files)
    read_examples = staticmethod(read_examples)
    encode_example = staticmethod(encode_example)
    profile = staticmethod(profile)
    raw_feature_spec = staticmethod(raw_feature_spec)
    make_preprocessing_fn = staticmethod(make_preprocessing_fn)
    train_augmentation = staticmethod(train_augmentation)
    model_shape = staticmethod(model_shape)
    model_io = staticmethod(model_io)
    evaluation_targets = staticmethod(evaluation_targets)
    serving_signatures = staticmethod(serving_signatures)
    scoring_tensors = staticmethod(scoring_tensors)

    def scoring_records(self, path: str, raw: bytes, options: ScoringOptions) -> Iterator[tuple[str, Any]]:
        """Images of one input file: a PNG, or every image of an IDX file or an npz."""
        return scoring_images(path, raw)


KIND = MnistKind()
