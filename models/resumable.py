"""Callbacks whose state a resumed fit needs, and the interface through which the checkpoint keeps it.

Keras resets ``EarlyStopping`` and ``ReduceLROnPlateau`` when a fit begins, so a fit resumed from
a checkpoint after a kill would count its patience from zero, forget the best value and the best
epoch's weights, and train on past the epoch where the uninterrupted fit stopped. The subclasses
here report their state as JSON-able values and arrays, which
:class:`~models.callbacks.AtomicBackupAndRestore` writes with each epoch checkpoint and hands
back when the fit resumes.
"""

from __future__ import annotations

import keras
import numpy as np


class Resumable:
    """A callback with state that must survive a kill: saved with each epoch checkpoint."""

    def resume_state(self) -> tuple[dict, list[np.ndarray]]:
        """The state at the end of the epoch just run: JSON-able values and arrays."""
        raise NotImplementedError

    def resume_from(self, values: dict, arrays: list[np.ndarray]) -> None:
        """Takes back a state that :meth:`resume_state` gave, after Keras reset it for the new fit."""
        raise NotImplementedError

    def stopped(self) -> bool:
        """Whether the saved state had decided to stop training (then the resumed fit runs no epoch)."""
        return False


def as_number(value) -> float | None:
    """A monitored best value as a JSON number (None before the first epoch)."""
    return None if value is None else float(value)


STARTING_POINT = -1
"""``ResumableEarlyStopping.best_epoch`` when no epoch beat the starting point: its weights are restored."""


class ResumableEarlyStopping(keras.callbacks.EarlyStopping, Resumable):
    """``EarlyStopping`` whose wait counter, best value, best epoch and best weights survive a kill.

    :meth:`start_from` makes the weights before the first epoch a candidate: an epoch must beat
    their monitored value to be the best, and when none does they are restored
    (``best_epoch`` is :data:`STARTING_POINT`). The trainer gives it a model that starts at a fitted
    linear forecast, so training never ships a model worse than that start on the eval windows.
    """

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.starting_point: tuple[float, list[np.ndarray]] | None = None

    def start_from(self, value: float, weights: list[np.ndarray]) -> None:
        """Sets the monitored value and the weights of the model before training."""
        self.starting_point = (float(value), [np.array(w) for w in weights])

    def on_train_begin(self, logs=None):
        super().on_train_begin(logs)
        if self.starting_point is not None:
            self.best, weights = self.starting_point
            self.best_epoch = STARTING_POINT
            self.best_weights = list(weights) if self.restore_best_weights else None

    def resume_state(self) -> tuple[dict, list[np.ndarray]]:
        values = {"wait": self.wait, "stopped_epoch": self.stopped_epoch, "best": as_number(self.best),
                  "best_epoch": self.best_epoch, "has_best_weights": self.best_weights is not None}
        return values, list(self.best_weights or [])

    def resume_from(self, values: dict, arrays: list[np.ndarray]) -> None:
        self.wait, self.stopped_epoch = values["wait"], values["stopped_epoch"]
        self.best, self.best_epoch = values["best"], values["best_epoch"]
        self.best_weights = list(arrays) if values["has_best_weights"] else None

    def stopped(self) -> bool:
        return self.stopped_epoch > 0


class ResumableReduceLROnPlateau(keras.callbacks.ReduceLROnPlateau, Resumable):
    """``ReduceLROnPlateau`` whose wait, cooldown and best value survive a kill (the learning rate
    itself is an optimizer variable, in the checkpoint's weights)."""

    def resume_state(self) -> tuple[dict, list[np.ndarray]]:
        return {"wait": self.wait, "cooldown_counter": self.cooldown_counter, "best": as_number(self.best)}, []

    def resume_from(self, values: dict, arrays: list[np.ndarray]) -> None:
        self.wait, self.cooldown_counter, self.best = values["wait"], values["cooldown_counter"], values["best"]
