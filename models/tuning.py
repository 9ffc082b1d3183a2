"""KerasTuner oracles and tuners for rnnpipe's searches.

The oracles stop handing out trials past a wall-clock deadline and write their state files
atomically; the tuners record which worker ran each trial and log progress.
"""

from __future__ import annotations

import logging
import os
import socket
import time
from pathlib import Path

import keras_tuner
from keras_tuner.engine.trial import TrialStatus

from models.atomic_files import write_json

RECORD_FILE = "rnnpipe_trial.json"
LOG = logging.getLogger("rnnpipe.tuner")


class OracleMixin:
    """An oracle that stops handing out trials once ``deadline`` (epoch seconds) passes, and
    writes its state files atomically.

    KerasTuner 1.4 writes ``oracle.json`` and ``trial.json`` in place, so a kill during a write
    leaves a truncated file that makes the resumed search fail to load.
    """

    deadline: float | None = None

    def populate_space(self, trial_id):
        if self.deadline is not None and time.time() >= self.deadline:
            LOG.info("tuner.max_seconds reached: no new trials")
            return {"status": TrialStatus.STOPPED, "values": None}
        return super().populate_space(trial_id)

    def save(self):
        write_json(self._get_oracle_fname(), self.get_state())  # private: the file name has no public accessor

    # Private hook: KerasTuner writes every trial.json through it and offers no public one to make it atomic.
    def _save_trial(self, trial):
        write_json(Path(self._get_trial_dir(trial.trial_id), "trial.json"), trial.get_state())


class HyperbandOracle(OracleMixin, keras_tuner.oracles.HyperbandOracle):
    """Hyperband with a wall-clock limit."""


class RandomSearchOracle(OracleMixin, keras_tuner.oracles.RandomSearchOracle):
    """Random search with a wall-clock limit."""


class BayesianOptimizationOracle(OracleMixin, keras_tuner.oracles.BayesianOptimizationOracle):
    """Bayesian optimisation with a wall-clock limit."""


class RecordingMixin:
    """Writes which worker ran each trial, and logs progress, next to KerasTuner's trial files.

    Saves the tuner's state atomically.
    """

    def __init__(self, oracle, hypermodel, **kwargs):
        keras_tuner.Tuner.__init__(self, oracle=oracle, hypermodel=hypermodel, **kwargs)

    def save(self):
        if not self._is_worker():  # private: KerasTuner's own test for a worker, which BaseTuner.save makes too
            self.oracle.save()
        # Atomically, as the oracle's files; private: the file name has no public accessor.
        write_json(self._get_tuner_fname(), self.get_state())

    def run_trial(self, trial, *args, **kwargs):
        started = time.time()
        LOG.info("trial %s on %s: %s", trial.trial_id, self.tuner_id, trial.hyperparameters.values)
        results = super().run_trial(trial, *args, **kwargs)
        write_json(Path(self.get_trial_dir(trial.trial_id), RECORD_FILE), {
            "trial_id": trial.trial_id, "worker": self.tuner_id, "host": socket.gethostname(),
            "pid": os.getpid(), "started": started, "seconds": round(time.time() - started, 3)})
        return results

    def on_trial_end(self, trial):
        super().on_trial_end(trial)
        ended = self.oracle.get_trial(trial.trial_id)  # on a worker, only the chief's copy is scored
        LOG.info("trial %s ended: %s, score %s", trial.trial_id, ended.status, ended.score)


class HyperbandTuner(RecordingMixin, keras_tuner.Hyperband):
    """Hyperband's successive halving, with per-trial records."""


class RandomSearchTuner(RecordingMixin, keras_tuner.RandomSearch):
    """Random search, with per-trial records."""


class BayesianOptimizationTuner(RecordingMixin, keras_tuner.BayesianOptimization):
    """Bayesian optimisation, with per-trial records."""


TUNERS = {"hyperband": HyperbandTuner, "random": RandomSearchTuner, "bayesian": BayesianOptimizationTuner}
