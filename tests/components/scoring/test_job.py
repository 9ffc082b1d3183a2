"""Tests for scoring.job: every input format scored end to end on Beam, with real exported models."""

import csv
import gzip
import json
import random
from pathlib import Path

import numpy as np
import pytest
import tensorflow as tf

from components.scoring import BulkInferrerParams, GenerationSettings, ScoringError
from tests.components.scoring.conftest import dead_of, png_bytes, rows_of, score, signature
from tests.conftest import last_json, review_text, rnnpipe, synthetic_digits


def test_reviews_from_a_folder_jsonl_and_csv_match_the_signature_and_dead_letter_bad_files(imdb_run, tmp_path):
    _, summary = imdb_run
    serving = Path(summary["serving_dir"])
    rng = random.Random(3)
    reviews = [review_text(rng, positive=i % 2 == 0) for i in range(5)]
    folder = tmp_path / "reviews"
    folder.mkdir()
    for i, text in enumerate(reviews):
        (folder / f"r{i}.txt").write_text(text)
    (folder / "latin1.txt").write_bytes("Caf\xe9 cr\xe8me, superb".encode("latin-1"))
    (folder / "blank.txt").write_text("  \n")

    result = score(serving, folder, tmp_path / "out", "reviews", max_error_rate=0.5)
    assert (result["scored"], result["dead_letters"], result["model_version"]) == (5, 2, 1)
    rows = rows_of(tmp_path / "out")
    assert [row["id"] for row in rows] == [f"r{i}.txt" for i in range(5)]
    expected = signature(summary["model_path"])(text=tf.constant(reviews))["probabilities"].numpy()
    np.testing.assert_allclose([row["probabilities"] for row in rows], expected, atol=1e-5)
    assert all(row["model"] == summary["pipeline"] and row["version"] == 1 for row in rows)
    assert all(row["class_ids"] == int(row["probabilities"] > 0.5) for row in rows)
    dead = dead_of(tmp_path / "out")
    assert dead["latin1.txt"].startswith("not UTF-8") and dead["blank.txt"] == "empty review"
    assert (tmp_path / "out" / "_SUCCESS").exists()
    assert json.loads((tmp_path / "out" / "summary.json").read_text())["dead_letters"] == 2

    lines = tmp_path / "reviews.jsonl"
    lines.write_text(json.dumps({"id": "a", "text": reviews[0]}) + "\n{broken\n" + json.dumps({"text": reviews[1]}) + "\n")
    score(serving, lines, tmp_path / "from_jsonl", "reviews", max_error_rate=0.5)
    assert [row["id"] for row in rows_of(tmp_path / "from_jsonl")] == ["a", "reviews.jsonl:3"]
    assert "not a JSON object" in dead_of(tmp_path / "from_jsonl")["reviews.jsonl:2"]

    table = tmp_path / "reviews.csv"
    with open(table, "w", newline="") as handle:
        csv.writer(handle).writerows([["id", "review"], ["x1", reviews[2]], ["x2", ""]])
    score(serving, table, tmp_path / "from_csv", "reviews", text_column="review", output_format="csv",
          max_error_rate=0.5)
    scored = rows_of(tmp_path / "from_csv", "csv")
    assert [row["id"] for row in scored] == ["x1"]
    assert float(scored[0]["probabilities"]) == pytest.approx(float(expected[2]), abs=1e-5)
    assert dead_of(tmp_path / "from_csv") == {"x2": "empty review"}


def test_images_from_npz_idx_and_pngs_with_wrong_sizes_in_the_dead_letters(mnist_run, tmp_path):
    _, summary = mnist_run
    images, _ = synthetic_digits(7, seed=5)
    expected = signature(summary["model_path"])(images=tf.constant(images))["probabilities"].numpy()

    np.savez(tmp_path / "digits.npz", x_test=images)
    result = score(summary["serving_dir"], tmp_path / "digits.npz", tmp_path / "npz", "images", output_format="csv")
    rows = rows_of(tmp_path / "npz", "csv")
    assert result["scored"] == 7 and [row["id"] for row in rows] == sorted(f"digits.npz:{i}" for i in range(7))
    by_index = {int(row["id"].split(":")[1]): row for row in rows}
    for index, row in by_index.items():
        np.testing.assert_allclose([float(row[f"probabilities_{k}"]) for k in range(10)], expected[index], atol=1e-5)
        assert row["class_name"] == str(int(row["class_ids"]))

    pngs = tmp_path / "pngs"
    pngs.mkdir()
    for i in range(3):
        (pngs / f"d{i}.png").write_bytes(png_bytes(images[i]))
    (pngs / "small.png").write_bytes(png_bytes(np.zeros((20, 20), np.uint8)))
    (pngs / "junk.png").write_bytes(b"not a png at all")
    score(summary["serving_dir"], pngs, tmp_path / "png_out", "images", max_error_rate=0.5)
    rows = rows_of(tmp_path / "png_out")
    assert [row["id"] for row in rows] == ["d0.png", "d1.png", "d2.png"]
    np.testing.assert_allclose([row["probabilities"] for row in rows], expected[:3], atol=1e-5)
    dead = dead_of(tmp_path / "png_out")
    assert dead["small.png"] == "wrong image size 20x20, expected 28x28"
    assert dead["junk.png"].startswith("undecodable image")

    idx = tmp_path / "idx"
    idx.mkdir()
    header = (0x0803).to_bytes(4, "big") + b"".join(d.to_bytes(4, "big") for d in images.shape)
    (idx / "new-images-idx3-ubyte.gz").write_bytes(gzip.compress(header + images.tobytes()))
    score(summary["serving_dir"], idx / "*.gz", tmp_path / "idx_out", "images")
    assert len(rows_of(tmp_path / "idx_out")) == 7


def test_series_are_scored_as_rolling_windows_and_bad_rows_break_them(demo_run, tmp_path):
    root, summary = demo_run
    source = (root / "demo_data" / "sine.csv").read_text().splitlines()
    window = json.loads((Path(summary["model_path"]) / "model.json").read_text())["data"]["window"]
    good = source[:window + 4]  # header + window + 3 rows: 4 windows
    bad = [f"{source[window + 4].split(',')[0]},n/a"]
    tail = source[window + 5:window + 10]  # 5 rows after the bad one: shorter than the window
    (tmp_path / "a.csv").write_text("\n".join(good + bad + tail) + "\n")
    result = score(summary["serving_dir"], tmp_path / "a.csv", tmp_path / "out", "series", max_error_rate=0.5)
    rows = rows_of(tmp_path / "out")
    assert result["scored"] == 4 and all(len(row["predictions"]) == 1 for row in rows)
    assert rows[0]["id"].startswith("a.csv@") and rows[0]["id"].endswith("T00:00:00+00:00")
    dead = dead_of(tmp_path / "out")
    assert any("non-numeric value 'n/a'" in reason for reason in dead.values())
    assert any(f"5 rows from" in reason and f"shorter than the window ({window})" in reason for reason in dead.values())


def test_raw_examples_go_through_serving_default_keyed_by_their_id(demo_run, tmp_path):
    root, _ = demo_run
    files = sorted(root.glob("artifacts/example_gen/*/examples/Split-test/*.gz"))
    result = score(root / "serving" / "sine", files[0].parent / "*.gz", tmp_path / "out", "examples")
    rows = rows_of(tmp_path / "out")
    ids = [tf.train.Example.FromString(record.numpy()).features.feature["id"].bytes_list.value[0].decode()
           for record in tf.data.TFRecordDataset([str(f) for f in files], compression_type="GZIP")]
    assert result["signature"] == "serving_default" and sorted(ids) == [row["id"] for row in rows]


def test_scoring_is_deterministic_and_the_same_under_multi_processing(mnist_run, tmp_path):
    _, summary = mnist_run
    images, _ = synthetic_digits(40, seed=9)
    np.savez(tmp_path / "digits.npz", images=images)
    first = score(summary["serving_dir"], tmp_path / "digits.npz", tmp_path / "first", "images", batch_size=16)
    again = score(summary["serving_dir"], tmp_path / "digits.npz", tmp_path / "again", "images", batch_size=16)
    assert rows_of(tmp_path / "first") == rows_of(tmp_path / "again") and first["scored"] == 40

    result = rnnpipe("score", "--model", summary["serving_dir"], "--input", str(tmp_path / "digits.npz"),
                     "--output", str(tmp_path / "multi"), "--format", "images", "--batch-size", "16", "--json",
                     "--", "--runner=DirectRunner", "--direct_running_mode=multi_processing")
    assert result.returncode == 0, result.stderr[-3000:]
    assert last_json(result.stdout)["scored"] == 40
    assert rows_of(tmp_path / "multi") == rows_of(tmp_path / "first")


def test_cli_exit_codes_and_nothing_published_past_the_error_budget(mnist_run, tmp_path):
    _, summary = mnist_run
    pngs = tmp_path / "pngs"
    pngs.mkdir()
    (pngs / "small.png").write_bytes(png_bytes(np.zeros((20, 20), np.uint8)))
    (pngs / "ok.png").write_bytes(png_bytes(synthetic_digits(1)[0][0]))
    over = rnnpipe("score", "--model", summary["serving_dir"], "--input", str(pngs), "--output",
                   str(tmp_path / "out"), "--format", "images", "--max-error-rate", "0.1", "--json")
    assert over.returncode == 3, over.stderr[-2000:]
    assert "1 of 2 records (50.00%) are dead letters, over --max-error-rate 0.1" in over.stderr
    assert not (tmp_path / "out").exists()
    staged = next(tmp_path.glob(".out.staging-*"))
    assert not (staged / "_SUCCESS").exists() and dead_of(staged) == {"small.png": "wrong image size 20x20, expected 28x28"}

    (tmp_path / "taken").mkdir()
    (tmp_path / "taken" / "keep.txt").write_text("earlier results")
    taken = rnnpipe("score", "--model", summary["serving_dir"], "--input", str(pngs), "--output",
                    str(tmp_path / "taken"), "--format", "images")
    assert taken.returncode == 2 and "already exists and is not empty" in taken.stderr
    assert (tmp_path / "taken" / "keep.txt").read_text() == "earlier results"


def test_prompts_get_generated_text_with_the_job_settings_in_jsonl_and_csv(charlm_run, tmp_path):
    _, summary = charlm_run
    prompts = ["the cat ", "a dog ran to the", "my friend walked past the house.\nthe old man "]
    (tmp_path / "prompts.txt").write_text("\n".join(p.replace("\n", " ") for p in prompts) + "\n")
    settings = GenerationSettings(length=30, temperature=0.8, seed=5)
    result = score(summary["serving_dir"], tmp_path / "prompts.txt", tmp_path / "out", "prompts", generation=settings)
    rows = rows_of(tmp_path / "out")
    assert (result["signature"], result["scored"], result["generation"]) == ("generate", 3, {"length": 30,
                                                                                             "temperature": 0.8,
                                                                                             "seed": 5})
    assert [row["id"] for row in rows] == ["prompts.txt:1", "prompts.txt:2", "prompts.txt:3"]
    assert all(set(row) == {"id", "model", "version", "prompt", "generated"} and len(row["generated"]) == 30
               for row in rows)
    lines = [p.replace("\n", " ") for p in prompts]
    assert [row["prompt"] for row in rows] == lines
    direct = signature(summary["model_path"], "generate")(
        prompt=tf.constant(lines), length=tf.constant(30), temperature=tf.constant(0.8),
        seed=tf.constant(5, tf.int64))["generated"].numpy()
    assert [row["generated"] for row in rows] == [text.decode("utf-8") for text in direct]

    score(summary["serving_dir"], tmp_path / "prompts.txt", tmp_path / "csv", "prompts", generation=settings,
          output_format="csv")
    assert rows_of(tmp_path / "csv", "csv") == [{**row, "version": "1"} for row in rows]  # newlines quoted
    with pytest.raises(ScoringError, match="apply to --format prompts, not reviews"):
        BulkInferrerParams(summary["serving_dir"], "in", "out", "reviews", generation=settings)


def test_a_repeated_id_is_scored_once_and_each_repeat_is_a_dead_letter_naming_both_records(imdb_run, tmp_path):
    _, summary = imdb_run
    rng = random.Random(4)
    texts = [review_text(rng, positive=i % 2 == 0) for i in range(4)]
    first, second = tmp_path / "in" / "a.jsonl", tmp_path / "in" / "b.jsonl"
    first.parent.mkdir()
    first.write_text("".join(json.dumps({"id": record_id, "text": text}) + "\n"
                             for record_id, text in (("x", texts[0]), ("y", texts[1]), ("x", texts[2]))))
    second.write_text(json.dumps({"id": "y", "text": texts[3]}) + "\n" + json.dumps({"text": texts[3]}) + "\n")

    result = score(summary["serving_dir"], tmp_path / "in" / "*.jsonl", tmp_path / "out", "reviews",
                   max_error_rate=0.5)
    assert (result["scored"], result["dead_letters"]) == (3, 2)
    rows = rows_of(tmp_path / "out")
    assert [row["id"] for row in rows] == ["b.jsonl:2", "x", "y"]
    expected = signature(summary["model_path"])(text=tf.constant(texts[:2]))["probabilities"].numpy()
    np.testing.assert_allclose([rows[1]["probabilities"], rows[2]["probabilities"]], expected, atol=1e-5)
    letters = [json.loads(line) for path in (tmp_path / "out" / "dead_letter").glob("part*")
               for line in path.read_text().splitlines()]
    assert sorted(letters, key=lambda letter: letter["id"]) == [
        {"source": str(first), "id": "x",
         "reason": f"duplicate id 'x': record 3 of {first} repeats record 1 of {first}, which is the one scored"},
        {"source": str(second), "id": "y",
         "reason": f"duplicate id 'y': record 1 of {second} repeats record 2 of {first}, which is the one scored"}]
