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


def npz_bytes(**arrays) -> bytes:
    buffer = io.BytesIO()
    np.savez(buffer, **arrays)
    return buffer.getvalue()


def png_bytes(image: np.ndarray) -> bytes:
    from PIL import Image

    buffer = io.BytesIO()
    Image.fromarray(image).save(buffer, format="PNG")
    return buffer.getvalue()


def scored(items) -> dict:
    """The ok images by id, and the dead letters' reasons by id."""
    items = list(items)
    images = {item[1][0]: item[1][1] for item in items if item[0] == "ok"}
    reasons = {item[1]["id"]: item[1]["reason"] for item in items if item[0] == "dead"}
    return {"ok": images, "dead": reasons}


def test_float_images_in_0_1_or_0_255_are_converted_explicitly_per_file():
    from data.mnist.scoring import scoring_images

    images, _ = synthetic_digits(5)
    unit = scored(scoring_images("unit.npz", npz_bytes(x=images.astype(np.float32) / 255)))
    wide = scored(scoring_images("wide.npz", npz_bytes(x=images.astype(np.float64))))
    assert not unit["dead"] and not wide["dead"]
    for index in range(5):
        assert unit["ok"][f"unit.npz:{index}"].dtype == np.uint8
        assert np.array_equal(unit["ok"][f"unit.npz:{index}"], images[index])
        assert np.array_equal(wide["ok"][f"wide.npz:{index}"], images[index])
    half = scored(scoring_images("half.npz", npz_bytes(x=np.full((1, 28, 28), 0.5, np.float32))))
    assert np.all(half["ok"]["half.npz:0"] == 128)  # 127.5, rounded half to even


def test_integer_images_that_fit_0_255_are_kept_and_others_are_dead_letters_naming_the_range():
    from data.mnist.scoring import scoring_images

    images, _ = synthetic_digits(3)
    wide = images.astype(np.int64)
    wide[1, 0, 0] = 300
    wide[2, 5, 5] = -1
    result = scored(scoring_images("ints.npz", npz_bytes(images=wide)))
    assert np.array_equal(result["ok"]["ints.npz:0"], images[0]) and list(result["ok"]) == ["ints.npz:0"]
    assert result["dead"] == {
        "ints.npz:1": "ints.npz: image 1 of array 'images' (int64) has pixel values in [0, 300], outside 0..255",
        "ints.npz:2": "ints.npz: image 2 of array 'images' (int64) has pixel values in [-1, 255], outside 0..255"}


def test_float_images_with_nan_negative_or_over_255_values_are_dead_letters_with_the_reason():
    from data.mnist.scoring import scoring_images

    images = np.full((4, 28, 28), 0.25, np.float32)
    images[1, 3, 3] = np.nan
    images[2, 0, 0] = -0.5
    images[3, 0, 0] = np.inf
    result = scored(scoring_images("f.npz", npz_bytes(x=images)))
    assert list(result["ok"]) == ["f.npz:0"] and np.all(result["ok"]["f.npz:0"] == 64)
    assert result["dead"] == {
        "f.npz:1": "f.npz: image 1 of array 'x' (float32) holds NaN or infinite pixel values",
        "f.npz:2": "f.npz: image 2 of array 'x' (float32) has pixel values in [-0.5, 0.25], outside [0, 1]",
        "f.npz:3": "f.npz: image 3 of array 'x' (float32) holds NaN or infinite pixel values"}
    over = np.full((2, 28, 28), 10.0)
    over[1, 0, 0] = 256.0
    result = scored(scoring_images("o.npz", npz_bytes(x=over)))
    assert list(result["ok"]) == ["o.npz:0"]
    assert result["dead"] == {"o.npz:1": "o.npz: image 1 of array 'x' (float64) has pixel values in [10, 256], "
                                         "outside [0, 255]"}


def test_a_float_file_read_as_0_255_refuses_its_images_that_look_like_0_1():
    from data.mnist.scoring import scoring_images

    images = np.full((3, 28, 28), 0.4, np.float32)  # [0, 1] images ...
    images[2] = 200.0  # ... and one glitch that makes the file [0, 255]
    images[1] = 0.0  # all black: the same either way
    result = scored(scoring_images("mixed.npz", npz_bytes(x=images)))
    assert sorted(result["ok"]) == ["mixed.npz:1", "mixed.npz:2"]
    assert result["dead"] == {"mixed.npz:0": "mixed.npz: image 0 of array 'x' (float32) has pixel values in "
                                             "[0.4, 0.4], which look like [0, 1], while the file's largest "
                                             "value is 200, so it is read as [0, 255]"}


def test_images_of_other_dtypes_are_one_dead_letter_for_the_file():
    from data.mnist.scoring import scoring_images

    for array, dtype in ((np.ones((2, 28, 28), bool), "bool"), (np.ones((2, 28, 28), np.complex64), "complex64")):
        result = scored(scoring_images("b.npz", npz_bytes(x=array)))
        assert result == {"ok": {}, "dead": {
            "b.npz": f"b.npz: array 'x' holds {dtype} pixels; expected uint8, integers in 0..255, or floats "
                     f"in [0, 1] or [0, 255]"}}


def test_a_16_bit_png_is_scaled_to_8_bits_not_clipped():
    from data.mnist.scoring import scoring_images

    images, _ = synthetic_digits(1)
    sixteen = images[0].astype(np.uint16) * 257  # 0..255 spread over 0..65535
    result = scored(scoring_images("d16.png", png_bytes(sixteen)))
    assert np.array_equal(result["ok"]["d16.png"], images[0])
    ramp = np.linspace(0, 65535, 28 * 28).round().astype(np.uint16).reshape(28, 28)
    decoded = scored(scoring_images("ramp.png", png_bytes(ramp)))["ok"]["ramp.png"]
    assert np.array_equal(decoded, np.rint(ramp / 257).astype(np.uint8)) and len(np.unique(decoded)) == 256
