"""The tf.data input of training and tuning: sharded GZIP TFRecords to batches of model inputs.

Trainer and tuner both read their data through here. A split whose example count is known
gets that many batches declared as its cardinality, so Keras knows where each epoch ends
instead of running the first one until the data runs out (which it reports with its "Your
input ran out of data" warning).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Callable, Mapping, Sequence

PREFETCH_BATCHES = 2


@dataclass(frozen=True)
class Split:
    """One split's record files.

    Attributes:
        pattern: Glob of its GZIP TFRecord shards.
        examples: How many examples they hold, when known (None: unknown).
    """

    pattern: str
    examples: int | None = None


@dataclass(frozen=True)
class InputSettings:
    """How the input is read (the trainer's settings of the same names).

    Attributes:
        shuffle_buffer: Examples held by the training shuffle buffer (0: keep file order).
        seed: Seed of the shuffle and of the kind's augmentation.
        cache_max_mb: Keep a split's parsed examples in memory when its files total at most
            this many MB (0: never).
        autotune: Keep tf.data's autotuner on.
    """

    shuffle_buffer: int = 0
    seed: int = 0
    cache_max_mb: int = 0
    autotune: bool = False


@dataclass(frozen=True)
class DevicePlan:
    """How training uses the visible accelerators."""

    strategy: str  # "default" or "mirrored"
    mixed_precision: bool
    gpus: int


def plan_devices(gpu_names: Sequence[str], mixed_precision: str) -> DevicePlan:
    """Chooses the distribution strategy and precision for the visible GPUs.

    MirroredStrategy when more than one GPU is visible; ``mixed_float16`` on GPU unless
    disabled (``off``), or forced with ``on``.
    """
    gpus = len(gpu_names)
    mixed = mixed_precision == "on" or (mixed_precision == "auto" and gpus > 0)
    return DevicePlan("mirrored" if gpus > 1 else "default", mixed, gpus)


def load_dataset(split: Split, feature_spec: Mapping, batch_size: int, shuffle_buffer: int = 0, seed: int = 0,
                 model_io: Callable | None = None, augment: Callable | None = None, cache_max_mb: int = 0,
                 autotune: bool = False):
    """A ``tf.data`` pipeline over one split: read GZIP shards, shuffle, batch, parse, prefetch.

    Args:
        split: The split's files (and example count, which fixes the number of batches).
        feature_spec: ``tf.io`` parsing spec.
        batch_size: Examples per batch.
        shuffle_buffer: Shuffle buffer size (0: keep file order).
        seed: Shuffle seed.
        model_io: Optional function mapping parsed features to ``(inputs, labels)``.
        augment: Optional random ``(inputs, labels)`` batch map (training data only).
        cache_max_mb: Parse once and keep the examples in memory when the split's files total at
            most this many MB (0: never). The shuffle then runs over the parsed examples, in the
            same order as without the cache.
        autotune: Keep tf.data's autotuner on (see ``TrainerParams.data_autotune``).
    """
    import tensorflow as tf

    files = sorted(tf.io.gfile.glob(split.pattern))
    cached = cache_max_mb > 0 and sum(tf.io.gfile.stat(f).length for f in files) <= cache_max_mb * 2**20

    def parsed(records):
        batches = records.batch(batch_size).map(lambda batch: tf.io.parse_example(batch, feature_spec),
                                                num_parallel_calls=tf.data.AUTOTUNE)
        return batches if model_io is None else batches.map(model_io, num_parallel_calls=tf.data.AUTOTUNE)

    dataset = tf.data.TFRecordDataset(files, compression_type="GZIP", num_parallel_reads=tf.data.AUTOTUNE)
    if cached and shuffle_buffer:
        dataset = parsed(dataset).unbatch().cache()
        dataset = dataset.shuffle(shuffle_buffer, seed=seed, reshuffle_each_iteration=True).batch(batch_size)
    elif cached:
        dataset = parsed(dataset).cache()
    else:
        if shuffle_buffer:
            dataset = dataset.shuffle(shuffle_buffer, seed=seed, reshuffle_each_iteration=True)
        dataset = parsed(dataset)
    if split.examples is not None:
        # TFRecord files do not know their length; the count does (and is checked as it is read).
        dataset = dataset.apply(tf.data.experimental.assert_cardinality(math.ceil(split.examples / batch_size)))
    if augment is not None:
        dataset = dataset.map(augment, num_parallel_calls=tf.data.AUTOTUNE)
    if autotune:
        return dataset.prefetch(tf.data.AUTOTUNE)
    # Without the autotuner, AUTOTUNE parallelism takes tf.data's fixed default, sized by the cores.
    options = tf.data.Options()
    options.autotune.enabled = False
    return dataset.prefetch(PREFETCH_BATCHES).with_options(options)


def training_data(split: Split, feature_spec: Mapping, batch_size: int, settings: InputSettings,
                  model_io: Callable | None = None, augment: Callable | None = None):
    """The shuffled train split, with the kind's random augmentation when it has one configured.

    Args:
        split: The train split's files.
        feature_spec: ``tf.io`` parsing spec of the transformed examples.
        batch_size: Examples per batch.
        settings: Shuffle, seed, cache and autotune settings.
        model_io: The kind's map from parsed features to ``(inputs, labels)``.
        augment: The kind's random batch map, or None.
    """
    return load_dataset(split, feature_spec, batch_size, settings.shuffle_buffer, settings.seed, model_io, augment,
                        settings.cache_max_mb, settings.autotune)


def eval_data(split: Split, feature_spec: Mapping, batch_size: int, settings: InputSettings,
              model_io: Callable | None = None):
    """The eval split in file order (no shuffle, no augmentation)."""
    return load_dataset(split, feature_spec, batch_size, model_io=model_io, cache_max_mb=settings.cache_max_mb,
                        autotune=settings.autotune)


def kind_datasets(kind: Any, data_cfg: Any, train: Split, evaluation: Split | None, feature_spec: Mapping,
                  batch_size: int, settings: InputSettings):
    """The train and eval datasets of a dataset kind: its ``model_io`` and train augmentation applied.

    Args:
        kind: The dataset kind (its ``model_io`` and ``train_augmentation``).
        data_cfg: The kind's dataset config.
        train: The train split's files.
        evaluation: The eval split's files, or None for no eval data.
        feature_spec: ``tf.io`` parsing spec of the transformed examples.
        batch_size: Examples per batch.
        settings: How the input is read.

    Returns:
        ``(train, eval)``; eval is None when ``evaluation`` is.
    """
    augment = kind.train_augmentation(data_cfg, settings.seed)
    train_data = training_data(train, feature_spec, batch_size, settings, kind.model_io, augment)
    if evaluation is None:
        return train_data, None
    return train_data, eval_data(evaluation, feature_spec, batch_size, settings, kind.model_io)
