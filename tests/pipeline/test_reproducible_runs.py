"""Two runs of the demo config in fresh roots: byte-identical records and, on CPU, the same weights."""

import glob
import hashlib
from pathlib import Path

import numpy as np
import pytest

from pipeline.demo import run_demo

MULTI_PROCESSING = ("--direct_running_mode=multi_processing", "--direct_num_workers=2")
TINY = ("trainer.epochs=2",)


def artifact_dir(root: Path, component: str, name: str) -> Path:
    (found,) = glob.glob(str(root / "artifacts" / component / "*" / name))
    return Path(found)


def digests(folder: Path) -> dict[str, str]:
    return {str(path.relative_to(folder)): hashlib.sha256(path.read_bytes()).hexdigest()
            for path in sorted(folder.rglob("*.tfrecord.gz"))}


@pytest.mark.slow
def test_two_demo_runs_write_the_same_records_and_train_the_same_weights(tmp_path):
    import keras

    roots = [tmp_path / "first", tmp_path / "second"]
    for root in roots:
        run_demo(root, data_dir=tmp_path / "data", until="trainer", sets=TINY)
    for component, name in (("example_gen", "examples"), ("transform", "transformed_examples")):
        first, second = (digests(artifact_dir(root, component, name)) for root in roots)
        assert len(first) == 3 * 2 and first == second, component
    weights = [keras.saving.load_model(str(artifact_dir(root, "trainer", "model") / "model.keras"),
                                       compile=False).get_weights() for root in roots]
    assert len(weights[0]) == len(weights[1]) > 0
    for first, second in zip(*weights):
        np.testing.assert_array_equal(first, second)
    multi = tmp_path / "multi"
    run_demo(multi, data_dir=tmp_path / "data", until="example_gen", beam_args=MULTI_PROCESSING)
    assert digests(artifact_dir(multi, "example_gen", "examples")) == digests(
        artifact_dir(roots[0], "example_gen", "examples"))
