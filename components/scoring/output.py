"""What a scoring job writes per record: a row, as a JSON line or a CSV line."""

from __future__ import annotations

import csv
import io
import json
from typing import Any, Mapping, Sequence

import numpy as np
from apache_beam.ml.inference.base import PredictionResult

DIGITS = 6  # decimals kept in written predictions
PROMPT_COLUMN = "prompt"  # where a text-generation job writes each prompt, before its generated text


def prediction_row(keyed: tuple[str, PredictionResult], model_name: str, version: int,
                   class_names: Sequence[str] | None, echo_input_as: str | None = None) -> dict[str, Any]:
    """One output row: id, model, version and each prediction (floats rounded to DIGITS decimals,
    strings decoded); with ``echo_input_as``, the record itself under that name (the prompt)."""
    record_id, result = keyed
    row: dict[str, Any] = {"id": record_id, "model": model_name, "version": version}
    if echo_input_as:
        row[echo_input_as] = result.example
    for name, value in sorted(result.inference.items()):
        value = np.asarray(value)
        if value.dtype.kind == "f":
            value = np.round(value.astype(np.float64), DIGITS)
        row[name] = value.item().decode("utf-8", "replace") if value.dtype.kind in "SO" else value.tolist()
    if class_names and "class_ids" in row:
        row["class_name"] = class_names[int(row["class_ids"])]
    return row


def csv_columns(outputs: Mapping[str, int | None], class_names: Sequence[str] | None,
                echo_input_as: str | None = None) -> list[str]:
    """The CSV header: vector outputs become one column per element (``probabilities_0`` ...).

    Args:
        outputs: The signature's outputs: name -> per-record width (0 for a scalar).
        class_names: The model's class names, which add a ``class_name`` column to ``class_ids``.
        echo_input_as: The column of the record itself (the prompt), if written.
    """
    columns = ["id", "model", "version", *([echo_input_as] if echo_input_as else [])]
    for name, width in outputs.items():
        columns += [name] if not width else [f"{name}_{i}" for i in range(width)]
    return columns + (["class_name"] if class_names and "class_ids" in outputs else [])


def csv_line(row: Mapping[str, Any], columns: Sequence[str]) -> str:
    """A row as one CSV line in ``columns`` order."""
    flat = {}
    for name, value in row.items():
        if isinstance(value, list):
            flat.update({f"{name}_{i}": item for i, item in enumerate(value)})
            flat.setdefault(name, json.dumps(value))
        else:
            flat[name] = value
    buffer = io.StringIO()
    # With "\r\n" as the terminator, a field holding \r or \n (generated text) is quoted.
    csv.writer(buffer, lineterminator="\r\n").writerow([flat.get(column, "") for column in columns])
    return buffer.getvalue().removesuffix("\r\n")


def json_line(row: Mapping[str, Any]) -> str:
    """A row (or a dead letter) as one JSON line, keys sorted."""
    return json.dumps(row, sort_keys=True)
