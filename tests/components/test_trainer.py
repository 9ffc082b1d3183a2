"""Tests for trainer."""

import json
import os
import signal
import subprocess
import sys

import pytest

from components import trainer
from components.artifacts.examples import split_files
from components.artifacts.model import load_model
from components.trainer import TrainerParams
from models.resumable import STARTING_POINT
from data.timeseries import TimeseriesData
from models.input_pipeline import load_dataset
from tests.conftest import REPO


def test_trains_saves_model_history_curves_and_tensorboard_logs(trained, tiny):
    model = trained["model"]
    assert model.path("model.keras").exists() and model.path("learning_curve.png").stat().st_size > 1000
    history = json.loads(model.path("history.json").read_text())
    assert len(history["loss"]) == model.properties["epochs_run"] == 3
    assert "val_loss" in history
    assert model.properties["cudnn_eligible"] == {"lstm_0": True}
    assert list(trained["logs"].uri.rglob("events.out.tfevents.*"))
    restored = load_model(model)
    assert restored.input_shape == (None, 10, tiny["data"].n_channels)
    best = min(range(3), key=history["val_loss"].__getitem__)  # early stopping restored that epoch's weights
    [shipped] = model.properties["shipped_weights"]
    if shipped["epochs"] == [0]:  # or none beat the warm start (the highway's linear fit) on the eval windows
        assert shipped["metrics"]["val_loss"] <= history["val_loss"][best]
    else:
        assert shipped == {"epochs": [best + 1], "metrics": {name: values[best] for name, values in history.items()}}


def test_shipped_weights_name_the_restored_epoch_the_last_one_or_the_averaged_snapshots():
    history = {"loss": [0.9, 0.5, 0.4], "val_loss": [0.8, 0.3, 0.6]}
    resumed = [3, 4, 5]  # a fit resumed after epoch 3 of a killed run
    restored = trainer.shipped_weights(history, resumed, 4, [])
    assert restored == {"epochs": [5], "metrics": {"loss": 0.5, "val_loss": 0.3}}
    last = trainer.shipped_weights(history, resumed, None, [])
    assert last == {"epochs": [6], "metrics": {"loss": 0.4, "val_loss": 0.6}}
    snapshots = ["/s/epoch_0005.weights.h5", "/s/epoch_0006.weights.h5"]
    assert trainer.shipped_weights(history, resumed, None, snapshots) == {"epochs": [5, 6], "metrics": None}
    assert trainer.shipped_weights({}, [], None, []) == {"epochs": [], "metrics": None}
    assert trainer.shipped_weights(history, resumed, STARTING_POINT, [], 0.25) == {"epochs": [0],
                                                                                  "metrics": {"val_loss": 0.25}}


RESUMABLE_TRAINING = """
import json, logging, sys
logging.basicConfig(level=logging.INFO)
from pathlib import Path
from components import trainer
from components.types import Artifact, OutputDir
from data.timeseries import TimeseriesData
spec = json.loads(sys.argv[1])
inputs = {name: Artifact("Examples", Path(uri), props) for name, (uri, props) in spec["inputs"].items()}
params = trainer.TrainerParams(TimeseriesData(window=10, calendar_features=True), epochs=8,
                               batch_size=16, early_stopping_patience=0, checkpoint_ensemble=8)
model = trainer.run(inputs, params, OutputDir(Path(spec["staging"]), Path(spec["scratch"])))["model"]
print(json.dumps(model.properties["epochs_run"]))
"""


@pytest.mark.slow
def test_resumes_from_the_epoch_checkpoint_after_sigkill(tiny, tmp_path):
    """A trainer killed after epoch 2 restarts past it instead of from epoch 1, and keeps the
    weight snapshots of the epochs before the kill."""
    spec = json.dumps({"inputs": {name: [str(tiny[name].uri), dict(tiny[name].properties)]
                                  for name in ("transformed_examples", "transform_graph")},
                       "staging": str(tmp_path / "staging"), "scratch": str(tmp_path / "scratch")})
    command = [sys.executable, "-c", RESUMABLE_TRAINING, spec]
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    first = subprocess.Popen(command, env=env, stderr=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    for line in first.stderr:
        if "epoch 2/8" in line:
            first.send_signal(signal.SIGKILL)
            break
    first.wait(timeout=60)
    assert first.returncode == -signal.SIGKILL
    assert (tmp_path / "scratch" / "backup").exists()
    second = subprocess.run(command, env=env, capture_output=True, text=True, timeout=300)
    assert second.returncode == 0, second.stderr[-2000:]
    assert json.loads(second.stdout.strip().splitlines()[-1]) == 8  # the history spans the kill
    trained_after_restart = [epoch for epoch in range(1, 9) if f"epoch {epoch}/8 " in second.stderr]
    assert trained_after_restart and trained_after_restart[0] >= 2  # epoch 1 was not repeated
    snapshots = sorted(path.name for path in (tmp_path / "scratch" / "snapshots_0").iterdir())
    assert snapshots == [f"epoch_{epoch:04d}.weights.h5" for epoch in range(1, 9)]
    assert "checkpoint ensemble of 8 epoch snapshot(s)" in second.stderr


EARLY_STOPPING_TRAINING = """
import json, logging, os, signal, sys
logging.basicConfig(level=logging.INFO)
from pathlib import Path
spec = json.loads(sys.argv[1])
if spec["kill_at_save"]:  # SIGKILL just before the checkpoint of that epoch is committed
    saves = []
    def kill(event, args):
        if event == "os.rename" and args and str(args[0]).endswith("/training_metadata.json.pending"):
            saves.append(args[0])
            if len(saves) == spec["kill_at_save"]:
                os.kill(os.getpid(), signal.SIGKILL)
    sys.addaudithook(kill)
from components import trainer
from components.types import Artifact, OutputDir
from data.timeseries import TimeseriesData
from models.spec import ModelSpec
inputs = {name: Artifact("Examples", Path(uri), props) for name, (uri, props) in spec["inputs"].items()}
params = trainer.TrainerParams(TimeseriesData(window=10, calendar_features=True), ModelSpec(units=(8,)), epochs=25,
                               batch_size=16, learning_rate=0.05, early_stopping_patience=3, reduce_lr_patience=1,
                               shuffle_buffer=0)
model = trainer.run(inputs, params, OutputDir(Path(spec["staging"]), Path(spec["scratch"])))["model"]
history = json.loads(model.path("history.json").read_text())
print(json.dumps({"shipped": model.properties["shipped_weights"], "val_loss": history["val_loss"]}))
"""


@pytest.mark.slow
def test_a_trainer_killed_mid_training_stops_and_ships_as_the_uninterrupted_one(tiny, tmp_path):
    """Early stopping's patience, best value and best weights, and the plateau's wait, survive SIGKILL."""
    def train(folder: str, kill_at_save: int = 0) -> subprocess.CompletedProcess:
        spec = json.dumps({"inputs": {name: [str(tiny[name].uri), dict(tiny[name].properties)]
                                      for name in ("transformed_examples", "transform_graph")},
                           "staging": str(tmp_path / folder / "staging"), "scratch": str(tmp_path / folder / "scratch"),
                           "kill_at_save": kill_at_save})
        return subprocess.run([sys.executable, "-c", EARLY_STOPPING_TRAINING, spec], capture_output=True, text=True,
                              env={**os.environ, "PYTHONPATH": str(REPO)}, timeout=600)

    whole = train("whole")
    assert whole.returncode == 0, whole.stderr[-2000:]
    expected = json.loads(whole.stdout.strip().splitlines()[-1])
    epochs_run = len(expected["val_loss"])
    assert epochs_run >= 4  # past the epoch the kill follows (a patience of 3 runs at least 4 epochs)
    killed = train("killed", kill_at_save=4)  # its weights are written, not committed: resumes after epoch 3
    assert killed.returncode == -signal.SIGKILL, killed.stderr[-2000:]
    resumed = train("killed")
    assert resumed.returncode == 0, resumed.stderr[-2000:]
    got = json.loads(resumed.stdout.strip().splitlines()[-1])
    assert "epoch 3/25" not in resumed.stderr and "epoch 4/25" in resumed.stderr
    assert len(got["val_loss"]) == epochs_run  # stopped at the same epoch
    assert got["shipped"][0]["epochs"] == expected["shipped"][0]["epochs"]  # shipped the same epoch's weights
    assert got["val_loss"] == pytest.approx(expected["val_loss"], rel=1e-4)


def test_params_reject_bad_values():
    with pytest.raises(ValueError, match="mixed_precision"):
        TrainerParams(TimeseriesData(), mixed_precision="maybe")
    with pytest.raises(ValueError, match="clipnorm"):
        TrainerParams(TimeseriesData(), clipnorm=0)
    with pytest.raises(ValueError, match="reduce_lr_patience"):
        TrainerParams(TimeseriesData(), reduce_lr_patience=-1)
    with pytest.raises(ValueError, match="cache_max_mb"):
        TrainerParams(TimeseriesData(), cache_max_mb=-1)
    with pytest.raises(ValueError, match="steps_per_execution"):
        TrainerParams(TimeseriesData(), steps_per_execution=33)
    with pytest.raises(ValueError, match="checkpoint_ensemble"):
        TrainerParams(TimeseriesData(), checkpoint_ensemble=0)
    with pytest.raises(ValueError, match="early_stopping_patience: 0"):
        TrainerParams(TimeseriesData(), checkpoint_ensemble=2, early_stopping_patience=3)


@pytest.mark.parametrize("split, shuffle_buffer", [("train", 50), ("eval", 0)])
def test_cached_splits_give_the_same_batches_in_the_same_order_without_rereading(tiny, tmp_path, split,
                                                                                   shuffle_buffer):
    import shutil

    import numpy as np
    import tensorflow_transform as tft

    from components.types import Artifact
    from data import get_kind

    spec = tft.TFTransformOutput(str(tiny["transform_graph"].uri)).transformed_feature_spec()
    copy = Artifact("Examples", tmp_path / "examples")
    shutil.copytree(tiny["transformed_examples"].path(f"Split-{split}"), copy.path(f"Split-{split}"))

    def dataset(examples, cache_max_mb):
        return load_dataset(split_files(examples, split), spec, 16, shuffle_buffer, seed=3,
                                    model_io=get_kind("timeseries").model_io, cache_max_mb=cache_max_mb)

    def labels(data):
        return np.concatenate([batch_labels.numpy() for _, batch_labels in data])

    uncached, cached = dataset(tiny["transformed_examples"], 0), dataset(copy, 1)
    first = labels(cached)
    np.testing.assert_array_equal(first, labels(uncached))
    shutil.rmtree(copy.uri)  # later epochs come from memory
    second = labels(cached)
    np.testing.assert_array_equal(second, labels(uncached))
    assert first.size > 16 and np.array_equal(first, second) != bool(shuffle_buffer)  # train reshuffles
    assert cached.options().autotune.enabled is False and uncached.options().autotune.enabled is False
    tuned = load_dataset(split_files(tiny["transformed_examples"], split), spec, 16, cache_max_mb=1, autotune=True)
    assert tuned.options().autotune.enabled is not False


def test_a_split_over_the_cache_limit_is_read_from_its_files_every_epoch(tiny, tmp_path):
    import shutil

    import tensorflow as tf
    import tensorflow_transform as tft

    from components.types import Artifact

    spec = tft.TFTransformOutput(str(tiny["transform_graph"].uri)).transformed_feature_spec()
    copy = Artifact("Examples", tmp_path / "examples")
    shutil.copytree(tiny["transformed_examples"].path("Split-train"), copy.path("Split-train"))
    record = next(iter(tf.data.TFRecordDataset(sorted(map(str, copy.path("Split-train").iterdir())),
                                                compression_type="GZIP"))).numpy()
    example = tf.train.Example.FromString(record)  # one more real example, with 2 MB of incompressible ballast
    example.features.feature["ballast"].bytes_list.value.append(os.urandom(2 << 20))
    with tf.io.TFRecordWriter(str(copy.path("Split-train", "ballast.tfrecord.gz")), "GZIP") as writer:
        writer.write(example.SerializeToString())
    dataset = load_dataset(split_files(copy, "train"), spec, 16, cache_max_mb=1)
    assert sum(1 for _ in dataset) > 1
    shutil.rmtree(copy.uri)
    with pytest.raises(tf.errors.NotFoundError):
        sum(1 for _ in dataset)


def test_the_learning_rate_is_halved_on_an_eval_plateau(tmp_path):
    import keras

    from tests.components.conftest import out_dir

    params = TrainerParams(TimeseriesData(), learning_rate=0.01, reduce_lr_patience=2, early_stopping_patience=5)
    callbacks = trainer.member_callbacks(params, out_dir(tmp_path, "lr"), tmp_path / "logs", 0, has_eval=True)
    plateau = next(c for c in callbacks if isinstance(c, keras.callbacks.ReduceLROnPlateau))
    assert (plateau.monitor, plateau.patience, plateau.factor) == ("val_loss", 2, 0.5)
    model = keras.Sequential([keras.Input((1,)), keras.layers.Dense(1)])
    model.compile(keras.optimizers.Adam(0.01), "mse")
    model.fit(keras.ops.zeros((4, 1)), keras.ops.zeros((4, 1)), epochs=4, verbose=0, callbacks=[plateau],
              validation_data=(keras.ops.ones((4, 1)), keras.ops.ones((4, 1)) * 1e6))  # eval loss never moves
    assert float(model.optimizer.learning_rate) < 0.01


def test_pretrained_embeddings_are_aligned_to_the_vocabulary_and_frozen(tiny_imdb, tmp_path):
    import numpy as np
    import tensorflow_transform as tft

    from models.rnn import ModelSpec
    from tests.components.conftest import out_dir

    glove = tmp_path / "glove.txt"
    glove.write_text("great 0.1 0.2 0.3 0.4\nawful -0.1 -0.2 -0.3 -0.4\n")
    params = TrainerParams(tiny_imdb["data"], ModelSpec(units=(4,)), epochs=1, batch_size=16,
                           pretrained_embeddings=str(glove), train_embedding=False)
    inputs = {"transformed_examples": tiny_imdb["transformed_examples"], "transform_graph": tiny_imdb["transform_graph"]}
    model = load_model(trainer.run(inputs, params, out_dir(tmp_path, "glove"))["model"])
    vocabulary = [w.decode() for w in tft.TFTransformOutput(str(tiny_imdb["transform_graph"].uri)).vocabulary_by_name("vocab")]
    weights = model.get_layer("embedding").embeddings.numpy()
    assert weights.shape[1] == 4 and not model.get_layer("embedding").trainable
    np.testing.assert_allclose(weights[vocabulary.index("great") + 1], [0.1, 0.2, 0.3, 0.4], atol=1e-6)
    np.testing.assert_allclose(weights[0], 0.0)


def test_ensemble_averages_its_members(tiny, tmp_path):
    import numpy as np

    from models.rnn import ModelSpec
    from tests.components.conftest import out_dir

    params = TrainerParams(tiny["data"], ModelSpec(units=(4,)), epochs=1, batch_size=32, ensemble_size=2)
    inputs = {"transformed_examples": tiny["transformed_examples"], "transform_graph": tiny["transform_graph"]}
    produced = trainer.run(inputs, params, out_dir(tmp_path, "ensemble"))["model"]
    model = load_model(produced)
    members = [model.get_layer("member_0"), model.get_layer("member_1")]
    x = np.random.default_rng(0).standard_normal((5, 10, tiny["data"].n_channels)).astype("float32")
    np.testing.assert_allclose(model(x), (members[0](x) + members[1](x)) / 2, atol=1e-6)
    assert not np.allclose(members[0](x), members[1](x))  # different seeds
    assert produced.properties["epochs_run"] == 2 and produced.properties["hyperparameters"]["ensemble_size"] == 2
    timed = produced.properties["epoch_training_pass_seconds"]
    assert len(timed) == 2 and abs(sum(timed) - produced.properties["training_pass_seconds"]) < 0.01


def test_checkpoint_ensemble_averages_the_snapshots_of_the_last_epochs(tiny, tmp_path):
    import numpy as np

    from models.callbacks import snapshot_files
    from models.rnn import ModelSpec, build_model
    from tests.components.conftest import out_dir

    params = TrainerParams(tiny["data"], ModelSpec(units=(4,)), epochs=3, batch_size=32,
                           early_stopping_patience=0, checkpoint_ensemble=2)
    inputs = {"transformed_examples": tiny["transformed_examples"], "transform_graph": tiny["transform_graph"]}
    out = out_dir(tmp_path, "checkpoints")
    produced = trainer.run(inputs, params, out)["model"]
    files = snapshot_files(str(trainer.snapshot_folder(out, 0)))
    assert [f.rsplit("/", 1)[1] for f in files] == ["epoch_0002.weights.h5", "epoch_0003.weights.h5"]
    model = load_model(produced)
    x = np.random.default_rng(0).standard_normal((5, 10, tiny["data"].n_channels)).astype("float32")
    snapshots = [model.get_layer("epoch_2"), model.get_layer("epoch_3")]
    np.testing.assert_allclose(model(x), (snapshots[0](x) + snapshots[1](x)) / 2, atol=1e-6)
    assert not np.allclose(snapshots[0](x), snapshots[1](x))  # one more epoch of updates
    from_file = build_model(ModelSpec(units=(4,)), [10, tiny["data"].n_channels], "regression", 1,
                            highway=params.kind.highway_inputs(tiny["data"]))
    from_file.load_weights(files[0])
    np.testing.assert_allclose(from_file(x), snapshots[0](x), atol=1e-6)
    assert produced.properties["hyperparameters"]["checkpoint_ensemble"] == 2
    assert produced.properties["shipped_weights"] == [{"epochs": [2, 3], "metrics": None}]


def test_checkpoint_ensemble_of_a_single_epoch_is_the_plain_model(tiny, tmp_path):
    from models.rnn import ModelSpec
    from tests.components.conftest import out_dir

    params = TrainerParams(tiny["data"], ModelSpec(units=(4,)), epochs=1, batch_size=32,
                           early_stopping_patience=0, checkpoint_ensemble=3)
    inputs = {"transformed_examples": tiny["transformed_examples"], "transform_graph": tiny["transform_graph"]}
    model = load_model(trainer.run(inputs, params, out_dir(tmp_path, "one"))["model"])
    assert model.name == "rnnpipe_lstm"
