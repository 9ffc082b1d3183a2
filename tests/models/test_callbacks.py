"""Tests for the trainer's callbacks."""

import os
import time

import keras
import numpy as np
import pytest

from models.callbacks import AtomicBackupAndRestore, TrainingClock, snapshot_files


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


def tiny_model() -> keras.Model:
    model = keras.Sequential([keras.Input((1,)), keras.layers.Dense(1)])
    model.compile(optimizer="adam", loss="mse")
    return model


class SnapshotIsTheCheckpoint(keras.callbacks.Callback):
    """Records, at each epoch's end, whether the epoch's snapshot is the checkpoint file itself."""

    def __init__(self, backup: AtomicBackupAndRestore):
        super().__init__()
        self.backup = backup
        self.same_file: list[bool] = []

    def on_epoch_end(self, epoch, logs=None):
        snapshot = os.path.join(self.backup.snapshot_folder, f"epoch_{epoch + 1:04d}.weights.h5")
        self.same_file.append(os.path.samefile(snapshot, self.backup._weights_path))


def test_snapshots_link_the_epoch_checkpoints_and_keep_the_newest(tmp_path):
    x = np.random.default_rng(0).standard_normal((32, 1)).astype("float32")
    model, folder = tiny_model(), tmp_path / "snapshots"
    backup = AtomicBackupAndRestore(str(tmp_path / "backup"), str(folder), keep_snapshots=2)
    probe = SnapshotIsTheCheckpoint(backup)
    model.fit(x, 2 * x, epochs=4, verbose=0, callbacks=[backup, probe])
    assert probe.same_file == [True] * 4  # linked, not written a second time
    assert [os.path.basename(p) for p in snapshot_files(str(folder))] == ["epoch_0003.weights.h5",
                                                                          "epoch_0004.weights.h5"]
    assert not (tmp_path / "backup").exists()  # the checkpoint goes when training ends; the snapshots stay
    last = tiny_model()
    last.load_weights(snapshot_files(str(folder))[-1])
    np.testing.assert_allclose(last.predict(x, verbose=0), model.predict(x, verbose=0), atol=1e-6)


def test_snapshots_of_an_abandoned_fit_are_dropped_when_a_fit_starts_over(tmp_path):
    folder = tmp_path / "snapshots"
    folder.mkdir()
    for epoch in (2, 3):  # left by a fit that finished, then was killed before its model was saved
        (folder / f"epoch_{epoch:04d}.weights.h5").write_bytes(b"stale")
    tiny_model().fit(np.zeros((4, 1)), np.zeros((4, 1)), epochs=1, verbose=0,
                     callbacks=[AtomicBackupAndRestore(str(tmp_path / "backup"), str(folder), keep_snapshots=3)])
    assert [os.path.basename(p) for p in snapshot_files(str(folder))] == ["epoch_0001.weights.h5"]


def test_snapshots_need_a_folder(tmp_path):
    with pytest.raises(ValueError, match="snapshot_folder"):
        AtomicBackupAndRestore(str(tmp_path / "backup"), keep_snapshots=2)
