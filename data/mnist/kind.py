"""The MNIST dataset kind: the :class:`data.contract.DatasetKind` object of ``kind: mnist``."""

from __future__ import annotations

from typing import Any, Iterator

from data.contract import DatasetKind, ScoringInput, ScoringOptions
from data.mnist import augmentation, config, model_head, preprocessing, read, records, scoring, serving, source


class MnistKind(DatasetKind):
    """MNIST-format images read row by row (28 steps of 28 pixels); a multiclass classifier."""

    name = "mnist"
    DATA_CONFIG = config.MnistData
    TASK = config.TASK
    FEATURES_KEY = config.FEATURES_KEY
    LABEL_KEY = config.LABEL_KEY
    scoring_input = ScoringInput(format="images", signature="serving_raw", input_names=("images",),
                                 folder_pattern="*.png")

    check_input = staticmethod(source.check_input)
    input_files = staticmethod(source.input_files)
    read_examples = staticmethod(read.read_examples)
    encode_example = staticmethod(records.encode_example)
    profile = staticmethod(records.profile)
    raw_feature_spec = staticmethod(records.raw_feature_spec)
    make_preprocessing_fn = staticmethod(preprocessing.make_preprocessing_fn)
    train_augmentation = staticmethod(augmentation.train_augmentation)
    model_shape = staticmethod(model_head.model_shape)
    model_io = staticmethod(model_head.model_io)
    evaluation_targets = staticmethod(model_head.evaluation_targets)
    serving_signatures = staticmethod(serving.serving_signatures)
    scoring_tensors = staticmethod(scoring.scoring_tensors)
    scoring_images = staticmethod(scoring.scoring_images)  # the reader's name before the contract

    def scoring_records(self, path: str, raw: bytes, options: ScoringOptions) -> Iterator[tuple[str, Any]]:
        """Images of one input file: a PNG, or every image of an IDX file or an npz."""
        return scoring.scoring_images(path, raw)


KIND = MnistKind()
