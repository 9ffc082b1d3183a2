"""Model artifacts: the trainer's fitted Keras 3 model.

Layout: ``model.keras`` (the model, custom layers from :mod:`models.rnn`),
``hyperparameters.json`` (the values it was trained with), ``history.json`` (the fit's
metrics per epoch) and ``learning_curve.png``.
"""

from __future__ import annotations

from components.types import Artifact

MODEL_FILE = "model.keras"
HYPERPARAMETERS_FILE = "hyperparameters.json"
HISTORY_FILE = "history.json"
LEARNING_CURVE_FILE = "learning_curve.png"


def load_model(model: Artifact):
    """Loads the trained Keras model of a model artifact."""
    import keras

    import models.rnn  # noqa: F401  (registers the custom layers)

    return keras.saving.load_model(str(model.path(MODEL_FILE)), compile=False)
