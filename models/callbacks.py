"""Keras callbacks of the trainer: atomic epoch checkpoints that keep the state of the stateful
callbacks, weight snapshots for a checkpoint ensemble, one progress line per epoch, and a clock of
the training passes."""

from __future__ import annotations

import json
import logging
import os
import shutil
import time
from typing import Sequence

import keras
import numpy as np

from models.resumable import Resumable

LOG = logging.getLogger("rnnpipe.trainer")


class AtomicBackupAndRestore(keras.callbacks.BackupAndRestore):
    """``BackupAndRestore`` whose checkpoint is replaced atomically, and which can keep the
    checkpoints of the last epochs as snapshots.

    Keras writes the weights in place, so a run killed mid-save leaves a truncated file that
    the restart cannot read. Here each save writes the epoch's files under their own names and
    commits them by renaming the metadata that names them over the last: a kill at any point
    leaves one whole checkpoint, whose weights, epoch and callback state agree.

    With ``keep_snapshots`` set, each epoch's checkpoint is also linked (copied where a hard link
    is not possible) to ``epoch_<n>.weights.h5`` in ``snapshot_folder``, the newest
    ``keep_snapshots`` of which are kept. A killed run keeps whole snapshots, and its restart adds
    to them. Snapshots of epochs at or after the one a fit starts from belong to an earlier,
    abandoned fit and are removed.

    Each checkpoint also keeps the state of the ``resumables`` (early stopping's patience and best
    weights, the plateau's wait) and the logs of every epoch so far, which a resumed fit takes
    back: it stops at the epoch the uninterrupted fit stops at and restores the same best
    weights. Put this callback after the resumables in the callback list: it saves, at its epoch
    end, the state that theirs left, and restores it after their ``on_train_begin`` reset it.

    Args:
        backup_dir: Where the checkpoint lives while training runs.
        snapshot_folder: Where the epoch snapshots go; they outlive training.
        keep_snapshots: How many of the newest snapshots to keep (0: none).
        resumables: Callbacks whose state the checkpoint keeps.

    Attributes:
        epochs: The 0-based index of each epoch run, those before a kill included.
        history: Each logged metric per epoch of :attr:`epochs` (like ``History.history``).
    """

    def __init__(self, backup_dir: str, snapshot_folder: str | None = None, keep_snapshots: int = 0,
                 resumables: Sequence[Resumable] = ()):
        super().__init__(backup_dir)
        if keep_snapshots and not snapshot_folder:
            raise ValueError("keep_snapshots needs a snapshot_folder")
        self.snapshot_folder = snapshot_folder
        self.keep_snapshots = keep_snapshots
        self.resumables = list(resumables)
        self.epochs: list[int] = []
        self.history: dict[str, list[float]] = {}
        self._checked = False

    def on_train_begin(self, logs=None):
        metadata = self._committed_metadata()
        if "weights" in metadata:  # the epoch's weights file that the metadata names
            self._weights_path = os.path.join(self.backup_dir, metadata["weights"])
        super().on_train_begin(logs)  # restores the weights and the epoch to resume from
        self.epochs, self.history = metadata.get("epochs", []), metadata.get("history", {})
        saved = metadata.get("callbacks", [])
        if not metadata or not self.resumables:
            return
        if len(saved) != len(self.resumables):  # written by another version, or with other callbacks
            LOG.warning("checkpoint %s keeps no state for these callbacks; they start afresh", self.backup_dir)
            return
        with np.load(os.path.join(self.backup_dir, metadata["arrays"])) as arrays:
            for index, (resumable, values) in enumerate(zip(self.resumables, saved)):
                count = sum(1 for key in arrays.files if key.startswith(f"{index}_"))
                resumable.resume_from(values, [arrays[f"{index}_{n}"] for n in range(count)])
        if any(resumable.stopped() for resumable in self.resumables):
            # Private: the epoch a fit starts from, which Keras's own restore sets; past the last one,
            # the resumed fit runs no epoch and ends as the uninterrupted one ended.
            self.model._initial_epoch = self.params["epochs"]

    def _committed_metadata(self) -> dict:
        """The metadata of the last whole checkpoint ({} for none)."""
        if not os.path.exists(self._training_metadata_path):
            return {}
        with open(self._training_metadata_path, encoding="utf-8") as handle:
            return json.load(handle)

    def on_epoch_end(self, epoch, logs=None):
        self.epochs.append(epoch)
        for name, value in (logs or {}).items():
            if isinstance(value, (int, float, np.floating)):
                self.history.setdefault(name, []).append(float(value))
        super().on_epoch_end(epoch, logs)  # saves the checkpoint

    def on_epoch_begin(self, epoch, logs=None):
        super().on_epoch_begin(epoch, logs)
        if self.keep_snapshots and not self._checked:  # the restore has set the epoch to resume from
            for path in snapshot_files(self.snapshot_folder):
                if snapshot_epoch(path) > epoch:
                    os.remove(path)
            self._checked = True

    # Private: Keras's only save hook (on_epoch_end calls it); no public one makes the write atomic, and the
    # checkpoint paths below (_weights_path, _training_metadata_path) are the ones its restore reads.
    def _save_model(self):
        """Writes the epoch's weights and callback state to files named by the epoch, then commits
        them by replacing the metadata that names them: a kill at any point leaves the last whole
        checkpoint, whose files are removed only after the next one is committed."""
        os.makedirs(self.backup_dir, exist_ok=True)
        weights_name = f"epoch_{self._current_epoch:04d}.weights.h5"
        arrays_name = f"callbacks_{self._current_epoch:04d}.npz"
        pending_weights = os.path.join(self.backup_dir, "pending.weights.h5")
        pending_arrays = os.path.join(self.backup_dir, "pending.npz")
        pending_metadata = self._training_metadata_path + ".pending"
        states = [resumable.resume_state() for resumable in self.resumables]
        self.model.save_weights(pending_weights, overwrite=True)  # the optimizer's state (learning rate too)
        np.savez(pending_arrays, **{f"{index}_{n}": array for index, (_, arrays) in enumerate(states)
                                    for n, array in enumerate(arrays)})
        with open(pending_metadata, "w", encoding="utf-8") as handle:
            json.dump({"epoch": self._current_epoch, "batch": self._last_batch_seen, "weights": weights_name,
                       "arrays": arrays_name, "callbacks": [values for values, _ in states], "epochs": self.epochs,
                       "history": self.history}, handle)
        os.replace(pending_weights, os.path.join(self.backup_dir, weights_name))
        os.replace(pending_arrays, os.path.join(self.backup_dir, arrays_name))
        os.replace(pending_metadata, self._training_metadata_path)  # the commit
        self._weights_path = os.path.join(self.backup_dir, weights_name)
        for name in os.listdir(self.backup_dir):
            if name.endswith((".weights.h5", ".npz")) and name not in (weights_name, arrays_name):
                os.remove(os.path.join(self.backup_dir, name))
        if self.keep_snapshots:
            self._keep_snapshot()

    def _keep_snapshot(self):
        """Links the checkpoint just written as this epoch's snapshot: the next save removes the
        checkpoint's name, never its contents, so the snapshot costs no second write."""
        os.makedirs(self.snapshot_folder, exist_ok=True)
        pending = os.path.join(self.snapshot_folder, "pending.weights.h5")
        if os.path.exists(pending):  # left by a run killed at this very step
            os.remove(pending)
        try:
            os.link(self._weights_path, pending)
        except OSError:  # another file system, or one without hard links
            shutil.copyfile(self._weights_path, pending)
        os.replace(pending, os.path.join(self.snapshot_folder, f"epoch_{self._current_epoch:04d}.weights.h5"))
        for stale in snapshot_files(self.snapshot_folder)[:-self.keep_snapshots]:
            os.remove(stale)


def snapshot_files(folder: str) -> list[str]:
    """The epoch snapshots in ``folder``, oldest first.

    Args:
        folder: A snapshot folder of :class:`AtomicBackupAndRestore` (it may not exist yet).

    Returns:
        Their paths.
    """
    if not os.path.isdir(folder):
        return []
    names = sorted(name for name in os.listdir(folder) if name.startswith("epoch_") and name.endswith(".weights.h5"))
    return [os.path.join(folder, name) for name in names]


def snapshot_epoch(path: str) -> int:
    """The 1-based epoch of a snapshot file ``epoch_<n>.weights.h5``."""
    return int(os.path.basename(path).removeprefix("epoch_").split(".")[0])


class EpochProgress(keras.callbacks.Callback):
    """Logs one line per epoch with every metric."""

    def __init__(self, epochs: int, prefix: str = ""):
        super().__init__()
        self.epochs = epochs
        self.prefix = prefix

    def on_epoch_end(self, epoch, logs=None):
        metrics = " ".join(f"{k}={v:.4f}" for k, v in sorted((logs or {}).items()) if isinstance(v, (int, float)))
        LOG.info("%sepoch %d/%d %s", self.prefix, epoch + 1, self.epochs, metrics)


class TrainingClock(keras.callbacks.Callback):
    """Times the training passes only: from each epoch's start to its validation pass (or its
    end), so that validation and checkpoints are not counted.

    Attributes:
        epoch_seconds: The training-pass seconds of each epoch, in the order they ran (across
            fits, when one clock is passed to several).
    """

    def __init__(self):
        super().__init__()
        self.epoch_seconds: list[float] = []
        self._started = None

    @property
    def seconds(self) -> float:
        """The training-pass seconds of all epochs."""
        return sum(self.epoch_seconds)

    def on_epoch_begin(self, epoch, logs=None):
        self._started = time.perf_counter()

    def on_test_begin(self, logs=None):
        self._stop()

    def on_epoch_end(self, epoch, logs=None):
        self._stop()

    def _stop(self):
        if self._started is not None:
            self.epoch_seconds.append(time.perf_counter() - self._started)
            self._started = None
