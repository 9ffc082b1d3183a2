"""Tests for GloVe-format embeddings."""

import numpy as np
import pytest

from models.embeddings import glove_matrix


def test_vectors_align_to_vocabulary_ids_and_missing_words_get_small_random_vectors(tmp_path):
    path = tmp_path / "glove.txt"
    path.write_text("film 1 2 3\nthe 0.5 0.5 0.5\ngreat -1 0 1\n")
    matrix = glove_matrix(str(path), ["the", "great", "unseen"], size=5, seed=1)
    assert matrix.shape == (5, 3)
    np.testing.assert_array_equal(matrix[0], 0.0)  # padding
    np.testing.assert_array_equal(matrix[1], [0.5, 0.5, 0.5])
    np.testing.assert_array_equal(matrix[2], [-1, 0, 1])
    assert 0 < np.abs(matrix[3]).max() < 0.5 and 0 < np.abs(matrix[4]).max() < 0.5  # unseen word, OOV


def test_ragged_file_names_the_line(tmp_path):
    path = tmp_path / "glove.txt"
    path.write_text("a 1 2\nb 1 2 3\n")
    with pytest.raises(ValueError, match="glove.txt:2: expected 2 values, found 3"):
        glove_matrix(str(path), ["a"], size=3)
