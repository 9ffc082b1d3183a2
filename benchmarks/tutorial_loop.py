"""The Keras tutorial's hand-stepped SimpleRNN loop, trained in a process of its own.

``benchmarks/imdb.py`` runs it beside the same architecture through rnnpipe, each side in a fresh
process, so that neither side starts with a runtime the other has warmed up.

    python benchmarks/tutorial_loop.py --root PIPELINE_ROOT --seed 0 [--epochs 4]

Reads the token ids of the tutorial run's transform in ``PIPELINE_ROOT`` and prints one JSON line:
test accuracy, training samples/s, and samples/s after the first epoch.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import REPO  # noqa: E402

sys.path.insert(0, str(REPO))


def hand_stepped_loop(arrays: tuple, seed: int, epochs: int = 4) -> dict:
    """The tutorial: two SimpleRNNCells stepped by a Python loop over ``tf.unstack``, on the
    token ids of the tutorial run (the last 80 tokens, padded at the start, unmasked).

    Args:
        arrays: ``(x, y, x_test, y_test)`` from :func:`imdb.load_arrays`.
        seed: Seed of the weights and of the training order.
        epochs: Passes over the training ids.
    """
    import keras
    import numpy as np
    import tensorflow as tf

    from imdb import epoch_rates
    from models.callbacks import TrainingClock

    x, y, x_test, y_test = arrays
    vocab = int(max(x.max(), x_test.max())) + 1

    class HandSteppedRNN(keras.Model):
        def __init__(self):
            super().__init__()
            self.embedding = keras.layers.Embedding(vocab, 100)
            self.cell_0 = keras.layers.SimpleRNNCell(64)
            self.cell_1 = keras.layers.SimpleRNNCell(64)
            self.dropout = keras.layers.Dropout(0.5)
            self.out = keras.layers.Dense(1, activation="sigmoid")

        def call(self, inputs, training=False):
            state_0 = [tf.zeros([tf.shape(inputs)[0], 64])]
            state_1 = [tf.zeros([tf.shape(inputs)[0], 64])]
            embedded = self.dropout(self.embedding(inputs), training=training)
            for step in tf.unstack(embedded, axis=1):
                output_0, state_0 = self.cell_0(step, state_0, training=training)
                output_1, state_1 = self.cell_1(output_0, state_1, training=training)
            return self.out(output_1)

    keras.utils.set_random_seed(seed)
    model = HandSteppedRNN()
    model.compile(optimizer=keras.optimizers.Adam(1e-3), loss="binary_crossentropy", metrics=["accuracy"])
    order = np.random.default_rng(seed).permutation(len(x))
    clock = TrainingClock()
    model.fit(x[order], y[order], batch_size=128, epochs=epochs, verbose=0, callbacks=[clock])
    accuracy = float(model.evaluate(x_test, y_test, batch_size=512, verbose=0)[1])
    return {"test_accuracy": round(accuracy, 4), **epoch_rates(len(x), clock.epoch_seconds)}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--root", type=Path, required=True, help="pipeline root of the tutorial run")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--epochs", type=int, default=4)
    args = parser.parse_args()
    from imdb import load_arrays

    arrays = (*load_arrays(args.root, "train"), *load_arrays(args.root, "test"))
    print(json.dumps(hand_stepped_loop(arrays, args.seed, args.epochs)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
