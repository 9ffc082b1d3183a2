"""Steps of the pipeline: one module per component, each with a frozen params dataclass and a pure run().

DAG components: ``example_gen``, ``statistics``, ``transform``, ``tuner``, ``trainer``,
``evaluator`` and ``exporter``. No component imports another; what they share lives below them:

- ``components.artifacts``: one module per artifact type, owning its on-disk layout and its
  readers (``examples``, ``transform_graph``, ``model``, ``hyperparameters``, ``serving``);
  producers and consumers both import it;
- shared helpers, not DAG components: ``types`` (artifact records and output directories),
  ``contract`` (the component spec), ``serving`` (wraps a model and its transform graph in the
  SavedModel module evaluator and exporter both build), ``plots`` and ``beam_options``.

``components.scoring`` (batch scoring) is its own part, not a DAG component. Below the
components: ``models`` (Keras models, the tf.data input pipeline, KerasTuner) and ``data``
(dataset kinds). ``tests/test_layering.py`` checks these rules.
"""
