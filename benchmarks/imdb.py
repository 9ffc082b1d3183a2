"""Benchmark: IMDB sentiment on the full real data (25k train, 25k test).

Prints JSON with, all measured in this one run:
- the configured model through rnnpipe: test accuracy, train samples/s, wall time per component,
  ingest rate (reviews/s through example_gen);
- the trainer's throughput divided by a plain Keras ``fit`` of the same model on in-memory NumPy
  arrays of the same transformed data, over the same first epochs;
- the tutorial's architecture (2 x SimpleRNN(64), Embedding(100), maxlen 80, vocab 10k, 4 epochs,
  batch 128) through rnnpipe, beside the tutorial's hand-stepped ``SimpleRNNCell`` loop trained on
  the same token ids: accuracy and samples/s.

    python benchmarks/imdb.py [--data-dir ../shared/datasets] [--skip-tutorial | --only-tutorial]
                              [--tutorial-seeds 5] [--set key=value ...]
"""

from __future__ import annotations

import argparse
import glob
import json
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import DEFAULT_DATA_DIR, REPO, artifact, run_pipeline  # noqa: E402

sys.path.insert(0, str(REPO))

TUTORIAL = ["data.max_len=80", "data.top_k=10000", "model.cell=simple_rnn", "model.units=[64,64]",
            "model.embedding_dim=100", "model.bidirectional=false", "model.pooling=last", "model.dropout=0.0",
            "model.embedding_dropout=0.5", "model.token_dropout=0.0", "data.truncation=start", "data.padding=start",
            "model.mask_padding=false", "trainer.clipnorm=null",
            "trainer.epochs=4", "trainer.batch_size=128", "trainer.early_stopping_patience=0",
            "trainer.checkpoint_ensemble=1",
            "evaluator.lower_bounds={}"]
FIT_RATIO_EPOCHS = 2


def load_arrays(root: Path, split: str):
    """Transformed token ids and labels of one split, as NumPy arrays."""
    import numpy as np
    import tensorflow as tf
    import tensorflow_transform as tft

    graph = glob.glob(str(root / "artifacts" / "transform" / "*" / "transform_graph"))[0]
    spec = tft.TFTransformOutput(graph).transformed_feature_spec()
    files = glob.glob(str(root / "artifacts" / "transform" / "*" / "transformed_examples" / f"Split-{split}" / "*.gz"))
    tokens, labels = [], []
    for batch in tf.data.TFRecordDataset(files, compression_type="GZIP").batch(4096):
        parsed = tf.io.parse_example(batch, spec)
        tokens.append(parsed["tokens"].numpy())
        labels.append(parsed["label"].numpy())
    return np.concatenate(tokens), np.concatenate(labels).astype("float32")


def plain_fit_throughput(root: Path, model_json: dict, epochs: int = 1) -> float:
    """Samples/s of ``model.fit`` on in-memory arrays, same model and hyperparameters as the trainer."""
    import keras

    from models.callbacks import TrainingClock
    from models.rnn import ModelSpec, build_model, compile_model

    hp = model_json["properties"]["hyperparameters"]
    spec = ModelSpec(**{**hp["model"], "units": tuple(hp["model"]["units"])})
    x, y = load_arrays(root, "train")
    x_eval, y_eval = load_arrays(root, "eval")
    vocab = int(max(x.max(), x_eval.max())) + 2
    keras.utils.set_random_seed(0)
    model = compile_model(build_model(spec, [x.shape[1]], "binary", 1, vocab_size=vocab), "binary",
                          hp["learning_rate"], hp["clipnorm"], hp["steps_per_execution"])
    clock = TrainingClock()  # training passes only, as the trainer counts them
    model.fit(x, y, batch_size=hp["batch_size"], epochs=epochs, validation_data=(x_eval, y_eval), verbose=0,
              callbacks=[clock])
    return len(x) * epochs / clock.seconds


def hand_stepped_loop(arrays: tuple, seed: int, epochs: int = 4) -> dict:
    """The tutorial: two SimpleRNNCells stepped by a Python loop over ``tf.unstack``, on the
    token ids of the tutorial run (the last 80 tokens, padded at the start, unmasked).

    Args:
        arrays: ``(x, y, x_test, y_test)`` from :func:`load_arrays`.
        seed: Seed of the weights and of the training order.
        epochs: Passes over the training ids.
    """
    import keras
    import numpy as np
    import tensorflow as tf

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


def epoch_rates(samples: int, epoch_seconds: list) -> dict:
    """Samples/s over all epochs, and over the epochs after the first, which traces the graph
    (and, in rnnpipe, fills the in-memory cache)."""
    later = epoch_seconds[1:]
    return {"train_samples_per_second": round(samples * len(epoch_seconds) / sum(epoch_seconds), 1),
            "after_first_epoch_samples_per_second": round(samples * len(later) / sum(later), 1) if later else None}


def best_config(root: Path, args: argparse.Namespace) -> dict:
    """The configured model through rnnpipe, and a plain ``fit`` of it in the same run.

    The ``fit`` ratio compares like with like: the trainer's first ``FIT_RATIO_EPOCHS`` epochs
    against as many epochs of the plain ``fit``, each starting from fresh weights and a cold trace.
    """
    summary = run_pipeline(REPO / "pipeline/configs/imdb.yaml", root, args.data_dir, args.overrides)
    model = artifact(root, "trainer", "model")
    examples = artifact(root, "example_gen", "examples")
    compared = model["properties"]["epoch_training_pass_seconds"][:FIT_RATIO_EPOCHS]
    rnnpipe_rate = epoch_rates(examples["properties"]["counts"]["train"], compared)["train_samples_per_second"]
    plain_rate = plain_fit_throughput(root, model, epochs=len(compared))
    return {
        "overrides": args.overrides,
        "hyperparameters": model["properties"]["hyperparameters"],
        "test_metrics": {k: round(v, 4) for k, v in summary["metrics"].items()},
        "epochs_run": model["properties"]["epochs_run"],
        "train_samples_per_second": model["properties"]["train_samples_per_second"],
        "epoch_training_pass_seconds": model["properties"]["epoch_training_pass_seconds"],
        "fit_ratio_epochs": len(compared),
        "train_samples_per_second_in_those_epochs": round(rnnpipe_rate, 1),
        "plain_keras_fit_samples_per_second": round(plain_rate, 1),
        "fit_ratio": round(rnnpipe_rate / plain_rate, 3),
        "ingest_reviews_per_second": round(examples["properties"]["rows_read"]
                                           / summary["component_seconds"]["example_gen"], 1),
        "wall_seconds_per_component": summary["component_seconds"],
    }


def tutorial_comparison(root: Path, data_dir: str, seeds: int) -> dict:
    """The tutorial's architecture through rnnpipe beside its hand-stepped loop, same data, for
    each seed in ``range(seeds)`` (one seed moves test accuracy by up to 0.03, so the means compare)."""
    runs: dict[str, list] = {"rnnpipe": [], "hand_stepped_loop": []}
    arrays = None
    for seed in range(seeds):
        summary = run_pipeline(REPO / "pipeline/configs/imdb.yaml", root, data_dir, TUTORIAL + [f"trainer.seed={seed}"])
        model = artifact(root, "trainer", "model")  # example_gen and transform are cached after the first seed
        train_count = artifact(root, "example_gen", "examples")["properties"]["counts"]["train"]
        runs["rnnpipe"].append({"test_accuracy": round(summary["metrics"]["accuracy"], 4),
                                **epoch_rates(train_count, model["properties"]["epoch_training_pass_seconds"])})
        arrays = arrays or (*load_arrays(root, "train"), *load_arrays(root, "test"))  # the same ids every seed
        runs["hand_stepped_loop"].append(hand_stepped_loop(arrays, seed))
    means = {name: {key: round(sum(run[key] for run in results) / seeds, 4) for key in results[0]}
             for name, results in runs.items()}
    return {"seeds": seeds, "runs": runs, "means": means,
            "rnnpipe_over_loop": {key: round(means["rnnpipe"][key] / means["hand_stepped_loop"][key], 3)
                                  for key in means["rnnpipe"]}}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data-dir", default=DEFAULT_DATA_DIR)
    parser.add_argument("--set", dest="overrides", action="append", default=[])
    parser.add_argument("--skip-tutorial", action="store_true")
    parser.add_argument("--only-tutorial", action="store_true")
    parser.add_argument("--tutorial-seeds", type=int, default=5, help="seeds of the tutorial comparison")
    args = parser.parse_args()
    report: dict = {"benchmark": "imdb"}
    with tempfile.TemporaryDirectory() as tmp:
        if not args.only_tutorial:
            report["best_config"] = best_config(Path(tmp, "best"), args)
        if not args.skip_tutorial:
            report["tutorial_architecture"] = tutorial_comparison(Path(tmp, "tutorial"), args.data_dir,
                                                                        args.tutorial_seeds)
    print(json.dumps(report, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
