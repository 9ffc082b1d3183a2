"""A fit killed after an epoch and resumed from its checkpoint ends as the uninterrupted fit ends:
early stopping's patience, best value and best weights, and the plateau's wait, survive the kill."""

import keras
import numpy as np
import pytest

from models.callbacks import AtomicBackupAndRestore
from models.resumable import STARTING_POINT, ResumableEarlyStopping, ResumableReduceLROnPlateau

EPOCHS = 30


class Killed(Exception):
    """Stands for SIGKILL: the fit ends without its on_train_end, its checkpoint left behind."""


class KillAfterEpoch(keras.callbacks.Callback):
    """Raises :class:`Killed` at the end of epoch ``epoch`` (0-based), after the checkpoint was saved."""

    def __init__(self, epoch: int):
        super().__init__()
        self.epoch = epoch

    def on_epoch_end(self, epoch, logs=None):
        if epoch == self.epoch:
            raise Killed(epoch)


def noisy_line(seed: int) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((64, 4)).astype("float32")
    return x, (x[:, :1] + 0.5 * rng.standard_normal((64, 1))).astype("float32")


def seeded_model() -> keras.Model:
    keras.utils.set_random_seed(3)
    model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(32, activation="relu"),
                              keras.layers.Dense(32, activation="relu"), keras.layers.Dense(1)])
    model.compile(keras.optimizers.Adam(0.03), "mse")
    return model


def fit(backup_dir, kill_after: int | None = None):
    """One training process: a fresh model and fresh callbacks, as a restarted trainer has them."""
    model = seeded_model()
    stopper = ResumableEarlyStopping(monitor="val_loss", patience=3, restore_best_weights=True)
    plateau = ResumableReduceLROnPlateau(monitor="val_loss", factor=0.5, patience=1, min_lr=1e-4)
    backup = AtomicBackupAndRestore(str(backup_dir), resumables=[plateau, stopper])
    callbacks = [plateau, stopper, backup] + ([KillAfterEpoch(kill_after)] if kill_after is not None else [])
    x, y = noisy_line(0)
    model.fit(x, y, validation_data=noisy_line(1), epochs=EPOCHS, batch_size=16, shuffle=False, verbose=0,
              callbacks=callbacks)
    return model, stopper, backup


@pytest.fixture(scope="module")
def uninterrupted(tmp_path_factory):
    model, stopper, backup = fit(tmp_path_factory.mktemp("uninterrupted") / "backup")
    assert 0 < stopper.stopped_epoch < EPOCHS - 1 and stopper.best_epoch < stopper.stopped_epoch  # it stopped early
    return model, stopper, backup


@pytest.mark.parametrize("kill_after", [1, 3, 5])  # before, at and after the best epoch of the uninterrupted fit
def test_a_fit_killed_after_an_epoch_stops_and_ships_as_the_uninterrupted_one(uninterrupted, tmp_path, kill_after):
    model, stopper, backup = uninterrupted
    with pytest.raises(Killed):
        fit(tmp_path / "backup", kill_after)
    resumed_model, resumed_stopper, resumed_backup = fit(tmp_path / "backup")
    assert resumed_backup.epochs == backup.epochs  # the same epochs in all, each run once
    assert resumed_stopper.best_epoch == stopper.best_epoch
    assert resumed_stopper.stopped_epoch == stopper.stopped_epoch
    np.testing.assert_allclose(resumed_backup.history["val_loss"], backup.history["val_loss"], rtol=1e-5)
    np.testing.assert_allclose(resumed_backup.history["learning_rate"], backup.history["learning_rate"])
    for resumed, shipped in zip(resumed_model.get_weights(), model.get_weights()):
        np.testing.assert_allclose(resumed, shipped, rtol=1e-5, atol=1e-6)  # the best epoch's weights


def test_a_fit_killed_after_it_decided_to_stop_runs_no_further_epoch(uninterrupted, tmp_path):
    model, stopper, backup = uninterrupted
    with pytest.raises(Killed):
        fit(tmp_path / "backup", stopper.stopped_epoch)  # killed between the last checkpoint and training's end
    resumed_model, resumed_stopper, resumed_backup = fit(tmp_path / "backup")
    assert resumed_backup.epochs == backup.epochs and resumed_stopper.best_epoch == stopper.best_epoch
    for resumed, shipped in zip(resumed_model.get_weights(), model.get_weights()):
        np.testing.assert_allclose(resumed, shipped, rtol=1e-5, atol=1e-6)


def test_plain_keras_callbacks_forget_their_state_on_resume(uninterrupted, tmp_path):
    """Why the resumable callbacks exist: Keras's own reset when the resumed fit begins."""
    _, stopper, backup = uninterrupted

    def plain_fit(kill_after=None):
        model = seeded_model()
        plain = keras.callbacks.EarlyStopping(monitor="val_loss", patience=3, restore_best_weights=True)
        plateau = keras.callbacks.ReduceLROnPlateau(monitor="val_loss", factor=0.5, patience=1, min_lr=1e-4)
        plain_backup = AtomicBackupAndRestore(str(tmp_path / "backup"))
        x, y = noisy_line(0)
        callbacks = [plateau, plain, plain_backup] + ([KillAfterEpoch(kill_after)] if kill_after is not None else [])
        model.fit(x, y, validation_data=noisy_line(1), epochs=EPOCHS, batch_size=16, shuffle=False, verbose=0,
                  callbacks=callbacks)
        return plain, plain_backup

    with pytest.raises(Killed):
        plain_fit(stopper.best_epoch + 1)
    plain, _ = plain_fit()
    assert plain.stopped_epoch != stopper.stopped_epoch or plain.best_epoch != stopper.best_epoch


def test_a_checkpoint_without_callback_state_resumes_them_afresh(tmp_path, caplog):
    """A checkpoint written before the state was kept (or with other callbacks) still resumes the weights."""
    x, y = noisy_line(0)
    model = seeded_model()
    with pytest.raises(Killed):
        model.fit(x, y, epochs=EPOCHS, verbose=0, shuffle=False,
                  callbacks=[AtomicBackupAndRestore(str(tmp_path / "backup")), KillAfterEpoch(1)])
    stopper = ResumableEarlyStopping(monitor="loss", patience=2)
    resumed = AtomicBackupAndRestore(str(tmp_path / "backup"), resumables=[stopper])
    with caplog.at_level("WARNING", logger="rnnpipe.trainer"):
        history = seeded_model().fit(x, y, epochs=3, verbose=0, shuffle=False, callbacks=[stopper, resumed])
    assert history.epoch == [2] and resumed.epochs[:2] == [0, 1]
    assert "keeps no state for these callbacks" in caplog.text


def test_a_starting_point_no_epoch_beats_is_restored_and_one_they_beat_is_not(tmp_path):
    x, y = noisy_line(0)
    held = noisy_line(1)
    model = seeded_model()
    start = [w.copy() for w in model.get_weights()]
    stopper = ResumableEarlyStopping(monitor="val_loss", patience=2, restore_best_weights=True)
    stopper.start_from(0.0, start)  # a loss no epoch can beat
    model.fit(x, y, validation_data=held, epochs=5, batch_size=16, shuffle=False, verbose=0, callbacks=[stopper])
    assert stopper.best_epoch == STARTING_POINT and stopper.stopped_epoch == 1  # patience counts from the start
    for restored, initial in zip(model.get_weights(), start):
        np.testing.assert_array_equal(restored, initial)

    model = seeded_model()
    beaten = ResumableEarlyStopping(monitor="val_loss", patience=2, restore_best_weights=True)
    beaten.start_from(1e9, model.get_weights())  # any epoch beats it
    model.fit(x, y, validation_data=held, epochs=5, batch_size=16, shuffle=False, verbose=0, callbacks=[beaten])
    assert beaten.best_epoch >= 0 and beaten.best < 1e9
