"""Benchmark: IMDB sentiment on the full real data (25k train, 25k test).

Prints JSON with, all measured in this one run:
- the configured model through rnnpipe: test accuracy, train samples/s, wall time per component,
  ingest rate (reviews/s through example_gen);
- the trainer's throughput divided by a plain Keras ``fit`` of the same model on in-memory NumPy
  arrays of the same transformed data, over the same first epochs;
- the tutorial's architecture (2 x SimpleRNN(64), Embedding(100), maxlen 80, vocab 10k, 4 epochs,
  batch 128) through rnnpipe, beside the tutorial's hand-stepped ``SimpleRNNCell`` loop trained on
  the same token ids (``tutorial_loop.py``), each in a fresh process: accuracy and samples/s.

    python benchmarks/imdb.py [--data-dir ../shared/datasets] [--skip-tutorial | --only-tutorial]
                              [--tutorial-seeds 6] [--tf-threads N] [--set key=value ...]
"""

from __future__ import annotations

import argparse
import glob
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import DEFAULT_DATA_DIR, REPO, artifact, publish, run_pipeline, summary_of  # noqa: E402

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
    return epoch_rates(len(x), clock.epoch_seconds)["train_samples_per_second"]


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
        "train_samples_per_second_in_those_epochs": rnnpipe_rate,
        "plain_keras_fit_samples_per_second": plain_rate,
        "fit_ratio": round(rnnpipe_rate / plain_rate, 3),
        "ingest_reviews_per_second": round(examples["properties"]["rows_read"]
                                           / summary["component_seconds"]["example_gen"], 1),
        "wall_seconds_per_component": summary["component_seconds"],
    }


def tutorial_comparison(root: Path, data_dir: str, seeds: int, overrides: list[str]) -> dict:
    """The tutorial's architecture through rnnpipe beside its hand-stepped loop, same data, for
    each seed in ``range(seeds)`` (a SimpleRNN sometimes stalls, on either side, which moves one
    seed's test accuracy by up to 0.12, so the means and the per-seed ratios compare).

    Each side trains in a fresh process, so neither starts with a runtime the other has warmed
    up, and the side that goes first alternates by seed, so neither always meets the same part of
    a drifting host. Seed 0 runs rnnpipe first: its transform writes the ids the loop reads.
    ``overrides`` apply to rnnpipe's side after the tutorial's own settings.
    """
    def through_rnnpipe(seed: int) -> dict:
        summary = run_pipeline(REPO / "pipeline/configs/imdb.yaml", root, data_dir,
                               TUTORIAL + overrides + [f"trainer.seed={seed}"])
        model = artifact(root, "trainer", "model")  # example_gen and transform are cached after the first seed
        train_count = artifact(root, "example_gen", "examples")["properties"]["counts"]["train"]
        return {"test_accuracy": round(summary["metrics"]["accuracy"], 4),
                **epoch_rates(train_count, model["properties"]["epoch_training_pass_seconds"])}

    def hand_stepped_loop(seed: int) -> dict:
        command = [sys.executable, str(REPO / "benchmarks" / "tutorial_loop.py"), "--root", str(root), "--seed", str(seed)]
        result = subprocess.run(command, capture_output=True, text=True, cwd=REPO)
        return summary_of(result.returncode, result.stdout, result.stderr, accepted=(0,))

    sides = {"rnnpipe": through_rnnpipe, "hand_stepped_loop": hand_stepped_loop}
    runs: dict[str, list] = {name: [] for name in sides}
    for seed in range(seeds):
        for name in (list(sides) if seed % 2 == 0 else list(reversed(sides))):
            runs[name].append(sides[name](seed))
    means = {name: {key: round(sum(run[key] for run in results) / seeds, 4) for key in results[0]}
             for name, results in runs.items()}
    per_seed = {key: [round(mine[key] / loop[key], 3) for mine, loop in zip(runs["rnnpipe"], runs["hand_stepped_loop"])]
                for key in means["rnnpipe"]}
    return {"seeds": seeds, "overrides": overrides, "tf_threads": os.environ.get("TF_NUM_INTRAOP_THREADS", "default"),
            "runs": runs, "means": means,
            "rnnpipe_over_loop": {key: round(means["rnnpipe"][key] / means["hand_stepped_loop"][key], 3)
                                  for key in means["rnnpipe"]},
            "rnnpipe_over_loop_per_seed": per_seed,
            "rnnpipe_over_loop_median_of_seeds": {key: statistics.median(ratios) for key, ratios in per_seed.items()}}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data-dir", default=DEFAULT_DATA_DIR)
    parser.add_argument("--set", dest="overrides", action="append", default=[],
                        help="config override for the best configuration (KEY=VALUE, repeatable)")
    parser.add_argument("--tutorial-set", dest="tutorial_overrides", action="append", default=[],
                        help="config override for rnnpipe's side of the tutorial comparison, after the tutorial's "
                             "own, e.g. trainer.cache_max_mb=0 to stream the splits from their files")
    parser.add_argument("--skip-tutorial", action="store_true")
    parser.add_argument("--only-tutorial", action="store_true")
    parser.add_argument("--tutorial-seeds", type=int, default=6,
                        help="seeds of the tutorial comparison (even: each side goes first as often)")
    parser.add_argument("--tf-threads", type=int, default=None,
                        help="pin TensorFlow's intra- and inter-op thread pools to N threads in every process of "
                             "the run (default: TensorFlow's own choice); 1 removes thread-scheduling noise")
    args = parser.parse_args()
    if args.tf_threads:  # read by TensorFlow when it starts, here and in each child process
        os.environ["TF_NUM_INTRAOP_THREADS"] = os.environ["TF_NUM_INTEROP_THREADS"] = str(args.tf_threads)
    report: dict = {"benchmark": "imdb"}
    with tempfile.TemporaryDirectory() as tmp:
        if not args.only_tutorial:
            report["best_config"] = best_config(Path(tmp, "best"), args)
        if not args.skip_tutorial:
            report["tutorial_architecture"] = tutorial_comparison(Path(tmp, "tutorial"), args.data_dir,
                                                                  args.tutorial_seeds, args.tutorial_overrides)
    publish("imdb", report)
    return 0


if __name__ == "__main__":
    sys.exit(main())
