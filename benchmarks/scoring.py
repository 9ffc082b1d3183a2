"""Benchmark: batch scoring of the 25,000 real IMDB test reviews, as text files, on DirectRunner.

Trains and exports an IMDB model (the shipped config's architecture, 1 epoch on a 2,000-review
subset: accuracy is not the point here), writes the canonical test reviews as one ``.txt`` file
each, then measures in this one run:
- ``rnnpipe score`` (Beam RunInference) records/s, from its own summary (pipeline time);
- the same SavedModel's ``serving_raw`` signature called in-process on the same reviews in
  batches of 256 (reading the files included);
- their ratio (target: at least 0.5).

    python benchmarks/scoring.py [--data-dir ../shared/datasets] [--limit N] [-- beam options]
"""

from __future__ import annotations

import argparse
import re
import subprocess
import sys
import tarfile
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import DEFAULT_DATA_DIR, REPO, publish, run_pipeline, summary_of  # noqa: E402

TEST_REVIEW = re.compile(r"(?:^|/)test/(pos|neg)/(\d+_\d+)\.txt$")


def write_test_reviews(archive: Path, folder: Path, limit: int | None) -> int:
    """Extracts the canonical test reviews to ``folder/<pos|neg>_<id>.txt``; returns how many."""
    folder.mkdir(parents=True)
    count = 0
    with tarfile.open(archive, "r|*") as members:
        for member in members:
            match = TEST_REVIEW.search(member.name)
            if member.isfile() and match:
                (folder / f"{match.group(1)}_{match.group(2)}.txt").write_bytes(members.extractfile(member).read())
                count += 1
                if limit and count >= limit:
                    break
    return count


def in_process_rate(model_path: str, folder: Path, batch_size: int = 256) -> float:
    """Reviews/s of the SavedModel's raw signature called directly, files read in the same loop."""
    import tensorflow as tf

    signature = tf.saved_model.load(model_path).signatures["serving_raw"]
    files = sorted(folder.glob("*.txt"))
    signature(text=tf.constant([files[0].read_text(encoding="utf-8")]))  # trace and warm up outside the clock
    started = time.perf_counter()
    for start in range(0, len(files), batch_size):
        texts = [path.read_text(encoding="utf-8") for path in files[start:start + batch_size]]
        signature(text=tf.constant(texts))["probabilities"].numpy()
    return len(files) / (time.perf_counter() - started)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data-dir", default=DEFAULT_DATA_DIR)
    parser.add_argument("--limit", type=int, default=None, help="score only this many reviews (default: all 25,000)")
    argv = sys.argv[1:]
    beam_args = argv[argv.index("--") + 1:] if "--" in argv else []
    args = parser.parse_args(argv[:argv.index("--")] if "--" in argv else argv)
    with tempfile.TemporaryDirectory() as workdir:
        work = Path(workdir)
        summary = run_pipeline(REPO / "pipeline" / "configs" / "imdb.yaml", work / "root", args.data_dir,
                               ["data.max_examples=2000", "trainer.epochs=1", "evaluator.lower_bounds={}"])
        reviews = write_test_reviews(Path(args.data_dir) / "imdb" / "aclImdb_labeled.tar.gz", work / "reviews",
                                     args.limit)
        command = [sys.executable, "-m", "pipeline.cli", "score", "--model", summary["serving_dir"], "--input",
                   str(work / "reviews"), "--output", str(work / "scored"), "--format", "reviews", "--json"]
        result = subprocess.run(command + (["--", *beam_args] if beam_args else []), capture_output=True,
                                text=True, cwd=REPO)
        scored = summary_of(result.returncode, result.stdout, result.stderr, accepted=(0,))
        direct = in_process_rate(summary["model_path"], work / "reviews")
    publish("scoring", {
        "benchmark": "scoring",
        "reviews": reviews,
        "beam_args": beam_args or ["--runner=DirectRunner"],
        "scored": scored["scored"],
        "dead_letters": scored["dead_letters"],
        "rnnpipe_score_records_per_second": scored["records_per_second"],
        "rnnpipe_score_seconds": scored["seconds"],
        "in_process_records_per_second": round(direct, 1),
        "ratio_to_in_process": round(scored["records_per_second"] / direct, 3),
        "target_ratio": 0.5,
    })
    return 0


if __name__ == "__main__":
    sys.exit(main())
