"""Artifact types: each module owns one type's on-disk layout and its readers.

Producers and consumers both import these modules, so no component imports another:
``examples`` (splits, record files, dead letters), ``transform_graph``, ``model`` (the trained
Keras model), ``hyperparameters`` (the tuner's best values), ``serving`` (the serving folder's
versions, lock and atomic publish) and ``base`` (the artifact record and output directories).
"""
