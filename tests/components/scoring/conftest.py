"""Helpers of the scoring tests: run a job, read its rows and dead letters, call a signature directly."""

import csv
import io
import json
from pathlib import Path

import numpy as np
import tensorflow as tf
from PIL import Image

from components import scoring
from components.scoring import BulkInferrerParams


def score(model, input_path, output, input_format, **kwargs):
    return scoring.run(BulkInferrerParams(str(model), str(input_path), str(output), input_format, **kwargs))


def rows_of(output: Path, suffix: str = "jsonl") -> list[dict]:
    rows = []
    for path in sorted((output / "predictions").glob(f"part*.{suffix}")):
        if suffix == "csv":
            with open(path, newline="") as handle:
                rows += list(csv.DictReader(handle))
        else:
            rows += [json.loads(line) for line in path.read_text().splitlines()]
    return sorted(rows, key=lambda row: row["id"])


def dead_of(output: Path) -> dict[str, str]:
    letters = [json.loads(line) for path in (output / "dead_letter").glob("part*") for line in path.read_text().splitlines()]
    return {letter["id"]: letter["reason"] for letter in letters}


def signature(model_path: str, name: str = "serving_raw"):
    return tf.saved_model.load(model_path).signatures[name]


def png_bytes(image: np.ndarray) -> bytes:
    buffer = io.BytesIO()
    Image.fromarray(image).save(buffer, format="PNG")
    return buffer.getvalue()
