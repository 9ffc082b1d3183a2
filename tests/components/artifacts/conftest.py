"""A real, tiny SavedModel, saved once per test session, for the serving folder's tests."""

import shutil
from pathlib import Path
from typing import Callable

import pytest


@pytest.fixture(scope="session")
def tiny_saved_model(tmp_path_factory) -> Path:
    """A folder holding a SavedModel of one variable and one signature, as the exporter writes one."""
    import tensorflow as tf

    class Scale(tf.Module):
        def __init__(self):
            super().__init__()
            self.factor = tf.Variable([2.0])

        @tf.function(input_signature=[tf.TensorSpec([None], tf.float32)])
        def serve(self, x):
            return {"y": x * self.factor}

    path = tmp_path_factory.mktemp("saved") / "model"
    module = Scale()
    tf.saved_model.save(module, str(path), signatures={"serving_default": module.serve})
    return path


@pytest.fixture
def copy_of(tiny_saved_model) -> Callable[[Path], None]:
    """A ``build`` for :meth:`ServingFolder.publish` that writes the tiny SavedModel where it is told."""
    def build(path: Path) -> None:
        shutil.copytree(tiny_saved_model, path)
    return build
