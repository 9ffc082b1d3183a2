"""The MNIST model head: 28 steps of 28 features, one output per class, evaluation targets."""

from __future__ import annotations

import numpy as np

from data.mnist.config import FEATURES_KEY, LABEL_KEY, SIDE, MnistData


def model_shape(cfg: MnistData, tft_output) -> tuple[list[int], int, None]:
    """28 steps of 28 features, one output per class."""
    return [SIDE, SIDE], cfg.num_classes, None


def model_io(features):
    """Rows and integer labels."""
    return features[FEATURES_KEY], features[LABEL_KEY]


def evaluation_targets(raw, cfg: MnistData) -> dict:
    """Labels, ids and images (for the worst-mistakes grid) of parsed raw test examples."""
    return {"truth": raw["label"].numpy(), "ids": raw["id"].numpy(),
            "images": raw["image"].numpy().reshape(-1, SIDE, SIDE).astype(np.uint8)}
