"""Benchmark: character-level text generation (charlm) on a fixed corpus.

By default the shipped config's corpus: ``text/republic.txt`` under ``--data-dir`` (Plato's
*Republic*, Project Gutenberg #1497; the config reads its first ``data.max_chars`` characters, split
by position: 80% train, 10% eval, 10% test). ``--corpus FILE_OR_FOLDER`` measures any other text.
The result names the text it used: each file's path, sha256 and character count.

Prints JSON with, all measured in this one run:
- the trained model's test perplexity (per character; the evaluator's, on the test windows);
- a unigram and an add-one-smoothed bigram model, counted on the train windows' targets and scored
  on the same test windows (the bigram conditions on the character before the target);
- generation speed in characters/s through the exported ``generate`` signature (one prompt, and a
  batch of 16 prompts), after a warm-up call;
- a sample of generated text.

    python benchmarks/charlm.py [--data-dir ../shared/datasets] [--corpus FILE_OR_FOLDER] [--set key=value ...]
"""

from __future__ import annotations

import argparse
import collections
import glob
import math
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import DEFAULT_DATA_DIR, REPO, artifact, file_identity, publish, run_pipeline  # noqa: E402

sys.path.insert(0, str(REPO))

SAMPLE_PROMPT = "Justice is "
START = "<start>"  # the "previous character" of a window at the start of a file


def corpus_files(data_dir: str, data_path: str) -> list[Path]:
    """The files ``data.path`` names under ``data_dir``: a file, every non-hidden file of a folder, or a glob."""
    path = Path(data_path) if Path(data_path).is_absolute() else Path(data_dir) / data_path
    if path.is_dir():
        return sorted(p for p in path.rglob("*") if p.is_file()
                      and not any(part.startswith(".") for part in p.relative_to(path).parts))
    return sorted(Path(p) for p in glob.glob(str(path), recursive=True) if Path(p).is_file())


def corpus_identity(data_dir: str, config: str, overrides: list[str]) -> dict:
    """Which text a run reads: per file its path (relative to ``data_dir``), sha256 and characters."""
    from pipeline.config import load_config

    cfg = load_config(config, overrides).data
    files = []
    for path in corpus_files(data_dir, cfg.path):
        characters = len(path.read_text(encoding="utf-8", errors="replace"))
        identity = file_identity(path)
        identity["path"] = str(path.relative_to(data_dir)) if path.is_relative_to(data_dir) else str(path)
        files.append({**identity, "characters": characters,
                      "characters_read": min(characters, cfg.max_chars or characters)})
    return {"data_path": cfg.path, "max_chars": cfg.max_chars, "files": files,
            "characters_read": sum(f["characters_read"] for f in files)}


def raw_windows(root: Path, split: str) -> list[tuple[str, str]]:
    """``(context, target)`` of every raw example of one split, from example_gen's TFRecords."""
    import tensorflow as tf

    files = glob.glob(str(root / "artifacts" / "example_gen" / "*" / "examples" / f"Split-{split}" / "*.gz"))
    spec = {name: tf.io.FixedLenFeature([], tf.string) for name in ("context", "target")}
    pairs = []
    for batch in tf.data.TFRecordDataset(files, compression_type="GZIP").batch(4096):
        parsed = tf.io.parse_example(batch, spec)
        pairs += [(c.decode("utf-8"), t.decode("utf-8")) for c, t in zip(parsed["context"].numpy(),
                                                                        parsed["target"].numpy())]
    return pairs


def ngram_perplexities(train: list[tuple[str, str]], test: list[tuple[str, str]]) -> dict[str, float]:
    """Test perplexity of a unigram and an add-one bigram model counted on the train windows.

    Both give every character seen in train, plus one "unknown" class, a share of probability,
    so an unseen test character costs what an out-of-vocabulary id costs the model.
    """
    unigrams = collections.Counter(target for _, target in train)
    bigrams = collections.Counter((context[-1:] or START, target) for context, target in train)
    previous = collections.Counter(context[-1:] or START for context, _ in train)
    classes = len(unigrams) + 1
    total = sum(unigrams.values())
    unigram_nats = -sum(math.log((unigrams[t] + 1) / (total + classes)) for _, t in test) / len(test)
    bigram_nats = -sum(math.log((bigrams[(c[-1:] or START, t)] + 1) / (previous[c[-1:] or START] + classes))
                       for c, t in test) / len(test)
    return {"unigram": math.exp(unigram_nats), "bigram_add_one": math.exp(bigram_nats)}


def generation_speed(model_path: str) -> dict:
    """Characters/s of the exported ``generate`` signature, and a sample."""
    import tensorflow as tf

    signature = tf.saved_model.load(model_path).signatures["generate"]

    def call(prompts, length, temperature=0.8, seed=1):
        started = time.perf_counter()
        texts = signature(prompt=tf.constant(prompts), length=tf.constant(length, tf.int32),
                          temperature=tf.constant(temperature, tf.float32), seed=tf.constant(seed, tf.int64))
        return [t.decode("utf-8") for t in texts["generated"].numpy()], time.perf_counter() - started

    call([SAMPLE_PROMPT], 10)  # warm-up: the first call builds the graph's kernels
    _, one_seconds = call([SAMPLE_PROMPT], 500)
    batch = [SAMPLE_PROMPT, "Socrates said ", "And the ", ""] * 4
    _, batch_seconds = call(batch, 200)
    sample, _ = call([SAMPLE_PROMPT], 400, temperature=0.6, seed=7)
    return {"characters_per_second_one_prompt": round(500 / one_seconds, 1),
            "characters_per_second_batch_of_16": round(16 * 200 / batch_seconds, 1),
            "sample": {"prompt": SAMPLE_PROMPT, "temperature": 0.6, "seed": 7, "length": 400,
                       "text": SAMPLE_PROMPT + sample[0]}}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data-dir", default=DEFAULT_DATA_DIR, help="where the config's data.path is read")
    parser.add_argument("--corpus", help="a text file or folder to use instead of the config's data.path")
    parser.add_argument("--config", default=str(REPO / "pipeline" / "configs" / "charlm.yaml"))
    parser.add_argument("--set", dest="overrides", action="append", default=[])
    args = parser.parse_args()
    started = time.perf_counter()
    data_dir = str(Path(args.data_dir).resolve())
    overrides = list(args.overrides)
    if args.corpus:
        corpus = Path(args.corpus).resolve()
        data_dir, overrides = str(corpus.parent), [f"data.path={corpus.name}", *overrides]
    corpus = corpus_identity(data_dir, args.config, overrides)
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp, "root")
        summary = run_pipeline(args.config, root, data_dir, overrides)
        model = artifact(root, "trainer", "model")
        examples = artifact(root, "example_gen", "examples")
        baselines = ngram_perplexities(raw_windows(root, "train"), raw_windows(root, "test"))
        generation = generation_speed(summary["model_path"]) if summary["model_path"] else None
    metrics = summary["metrics"]
    hyperparameters = model["properties"]["hyperparameters"]
    publish("charlm", {
        "benchmark": "charlm",
        "corpus": corpus,
        "windows": examples["properties"]["counts"],
        "overrides": args.overrides,
        "model": hyperparameters["model"],
        "epochs_run": model["properties"]["epochs_run"],
        "train_samples_per_second": model["properties"]["train_samples_per_second"],
        "test_perplexity": round(metrics["perplexity"], 4),
        "test_bits_per_character": round(metrics["bits_per_character"], 4),
        "test_next_character_accuracy": round(metrics["accuracy"], 4),
        "unigram_perplexity": round(baselines["unigram"], 4),
        "bigram_add_one_perplexity": round(baselines["bigram_add_one"], 4),
        "perplexity_vs_bigram": round(metrics["perplexity"] / baselines["bigram_add_one"], 4),
        "blessed": summary["blessed"],
        "generation": generation,
        "wall_seconds_per_component": summary["component_seconds"],
        "wall_seconds_total": round(time.perf_counter() - started, 1),
    })
    return 0


if __name__ == "__main__":
    sys.exit(main())
