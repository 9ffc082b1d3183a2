"""HyperParameters artifacts: the tuner's best values.

Layout: ``best_hyperparameters.json`` (``values``, ``score``, ``trial_id``, ``objective``,
``direction``, ``algorithm``), ``trials.json`` and ``trials.csv`` (one row per trial).
"""

from __future__ import annotations

import json

from components.types import Artifact

BEST_FILE = "best_hyperparameters.json"
TRIALS_FILE = "trials.json"
TRIALS_CSV_FILE = "trials.csv"


def load_best(artifact: Artifact) -> dict:
    """The ``best_hyperparameters.json`` of a tuner's artifact."""
    return json.loads(artifact.path(BEST_FILE).read_text())
