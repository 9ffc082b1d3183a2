"""The serving module: a Keras model and its tf.Transform graph in one SavedModel.

A shared helper of evaluator and exporter (not a DAG component): both wrap the model the same
way, so the evaluation sees what serving will see. The serving folder's layout is
:mod:`components.artifacts.serving`.

The transform layer is tracked by the module, so its tables and constants are saved with the
model and initialised at load time; training and serving share one preprocessing graph.
"""

from __future__ import annotations

from typing import Any


def build_serving_module(model, tft_output, kind, data_cfg: Any):
    """Wraps ``model`` and the transform graph in a ``tf.Module`` with serving signatures.

    Args:
        model: The trained Keras 3 model.
        tft_output: The ``tft.TFTransformOutput`` of a transform_graph artifact.
        kind: Dataset kind module (provides ``serving_signatures``).
        data_cfg: The kind's dataset config.

    Returns:
        ``(module, signatures)``: save with ``tf.saved_model.save(module, path, signatures)``.
    """
    import tensorflow as tf

    module = tf.Module()
    module.model = model
    module.seed_states = seed_generator_states(model)
    module.tft_layer = tft_output.transform_features_layer()
    return module, kind.serving_signatures(module, data_cfg)


def seed_generator_states(model) -> list:
    """The tf.Variables behind Keras 3 seed generators (dropout layers, RNN dropout).

    Keras lists them in ``model.variables`` but not in ``model.weights``, and a ``tf.Module``
    holding the model does not track them, so ``tf.saved_model.save`` would refuse the
    signatures.
    """
    weights = {id(weight) for weight in model.weights}
    return [variable.value for variable in model.variables if id(variable) not in weights]


def predict_serialized(signature, serialized, batch_size: int = 256) -> dict:
    """Calls a ``serving_default``-style signature over serialized examples, in batches.

    Returns:
        Each output name mapped to a NumPy array over all examples.
    """
    import numpy as np
    import tensorflow as tf

    parts: dict[str, list] = {}
    for start in range(0, len(serialized), batch_size):
        outputs = signature(examples=tf.constant(serialized[start:start + batch_size]))
        for name, value in outputs.items():
            parts.setdefault(name, []).append(value.numpy())
    return {name: np.concatenate(values) for name, values in parts.items()}
