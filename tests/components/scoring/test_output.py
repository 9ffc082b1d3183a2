"""Tests for scoring.output: rows, and CSV lines whose columns follow the signature's outputs."""

import csv
import io

import numpy as np
from apache_beam.ml.inference.base import PredictionResult

from components.scoring import output


def test_a_row_rounds_floats_decodes_strings_names_the_class_and_echoes_the_prompt():
    result = PredictionResult("the cat ", {"probabilities": np.array([0.1234567, 0.8765433], np.float32),
                                           "class_ids": np.int64(1), "generated": np.array(b"sat")})
    row = output.prediction_row(("p:1", result), "digits", 3, ["no", "yes"], output.PROMPT_COLUMN)
    assert row == {"id": "p:1", "model": "digits", "version": 3, "prompt": "the cat ", "class_ids": 1,
                   "generated": "sat", "probabilities": [0.123457, 0.876543], "class_name": "yes"}
    assert output.json_line(row).startswith('{"class_ids": 1, "class_name": "yes", "generated": "sat"')


def test_csv_columns_spread_vector_outputs_and_a_line_quotes_newlines():
    columns = output.csv_columns({"class_ids": 0, "probabilities": 2}, ["a", "b"])
    assert columns == ["id", "model", "version", "class_ids", "probabilities_0", "probabilities_1", "class_name"]
    line = output.csv_line({"id": "x", "model": "m", "version": 1, "class_ids": 0, "probabilities": [0.5, 0.5],
                            "class_name": "a"}, columns)
    assert line == "x,m,1,0,0.5,0.5,a"
    text = output.csv_line({"id": "p", "generated": "two\nlines"}, ["id", "generated"])
    assert next(csv.reader(io.StringIO(text))) == ["p", "two\nlines"]
