"""Batch scoring of an exported SavedModel over new data, on Beam RunInference; and text generation.

Not a DAG component: ``rnnpipe score`` and ``rnnpipe generate`` call it on a served version.

Modules:
    params: the job's parameters, the sampling settings and :class:`ScoringError`.
    formats: the input formats (``examples`` plus each dataset kind's ``scoring_input``).
    model: which version to score with, read and checked without loading it.
    tfrecords: raw tf.Examples out of TFRecord files, corrupt ones as dead letters.
    tensors: a batch of records as the signature's arguments.
    output: a scored record as a JSON or CSV line.
    publish: the output folder, staged and published whole.
    job: the Beam job (:func:`run`).
    generate: one prompt, one text (:func:`generate`).
"""

from components.scoring.generate import generate
from components.scoring.job import run
from components.scoring.params import BulkInferrerParams, GenerationSettings, ScoringError

__all__ = ["BulkInferrerParams", "GenerationSettings", "ScoringError", "generate", "run"]
