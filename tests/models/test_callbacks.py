"""Tests for the trainer's callbacks."""

import time

import keras
import numpy as np

from models.callbacks import TrainingClock


class SlowValidationAndCheckpoint(keras.callbacks.Callback):
    """Spends ``pause`` seconds in each validation pass and at each epoch's end."""

    def __init__(self, pause: float):
        super().__init__()
        self.pause = pause

    def on_test_end(self, logs=None):
        time.sleep(self.pause)

    def on_epoch_end(self, epoch, logs=None):
        time.sleep(self.pause)


def test_training_clock_counts_the_training_passes_but_not_validation_or_epoch_end_work():
    x = np.random.default_rng(0).standard_normal((64, 3)).astype("float32")
    model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(1)])
    model.compile("sgd", "mse")
    clock, pause, epochs = TrainingClock(), 0.4, 3
    started = time.perf_counter()
    model.fit(x, x[:, :1], validation_data=(x, x[:, :1]), epochs=epochs, verbose=0,
              callbacks=[clock, SlowValidationAndCheckpoint(pause)])
    wall = time.perf_counter() - started
    assert 0 < clock.seconds <= wall - 2 * pause * epochs
    assert len(clock.epoch_seconds) == epochs and clock.seconds == sum(clock.epoch_seconds)
