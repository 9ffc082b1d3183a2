"""Artifact types: each module owns one type's on-disk layout and its readers.

Producers and consumers both import these modules, so no component imports another:
``examples`` (splits, record files, dead letters), ``transform_graph`` (the fitted
tf.Transform graph), ``model`` (the trained Keras model), ``hyperparameters`` (the tuner's best
values) and ``serving`` (the serving folder: versions, newest, lock, atomic publish). The
artifact record itself (``Artifact``, ``OutputDir``) is :mod:`components.types`.
"""
