"""Tests for the MNIST batch-scoring input: PNG, IDX and npz files."""

import io

import numpy as np

from tests.conftest import synthetic_digits, write_idx


def test_scoring_images_reject_bad_files_with_the_reason(tmp_path):
    from data.mnist.scoring import scoring_images

    images, _ = synthetic_digits(3)
    buffer = io.BytesIO()
    np.savez(buffer, x=np.zeros((2, 20, 20), np.uint8))
    dead = list(scoring_images("small.npz", buffer.getvalue()))
    assert dead == [("dead", {"source": "small.npz", "id": "small.npz",
                              "reason": "small.npz: wrong image size: array 'x' has shape (2, 20, 20), expected [n, 28, 28]"})]
    labels_file = write_idx(tmp_path / "labels.gz", np.zeros(10, np.uint8))
    wrong = list(scoring_images(str(labels_file), labels_file.read_bytes()))
    assert "wrong magic number 0x00000801" in wrong[0][1]["reason"]
    good = list(scoring_images("x-idx3-ubyte.gz", write_idx(tmp_path / "x.gz", images).read_bytes()))
    assert [item[1][0] for item in good] == ["x-idx3-ubyte.gz:0", "x-idx3-ubyte.gz:1", "x-idx3-ubyte.gz:2"]
    assert np.array_equal(good[2][1][1], images[2])
