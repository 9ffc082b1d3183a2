"""TransformGraph artifacts: the fitted tf.Transform graph.

Layout: ``transform_fn/`` (the SavedModel of the preprocessing) and ``transformed_metadata/``
(the transformed feature spec), as ``tft_beam.WriteTransformFn`` writes them.
"""

from __future__ import annotations

from components.types import Artifact


def load_transform_output(transform_graph: Artifact):
    """The ``tft.TFTransformOutput`` of a transform_graph artifact (its graph, spec and vocabularies)."""
    import tensorflow_transform as tft

    return tft.TFTransformOutput(str(transform_graph.uri))
