"""Examples artifacts: split, sharded, GZIP-compressed TFRecords of tf.Examples.

Layout of an ``Examples`` artifact (example_gen's ``examples`` and transform's
``transformed_examples``): ``Split-<name>/data-*.tfrecord.gz`` per split and, for raw
examples, ``dead_letter/*.jsonl`` with each bad record and its reason. Properties: ``splits``
and ``counts`` (examples per split).
"""

from __future__ import annotations

import json
from pathlib import Path

from components.types import Artifact
from models.input_pipeline import Split

EXAMPLE_FILE_SUFFIX = ".tfrecord.gz"
DEAD_LETTER_DIR = "dead_letter"


def split_prefix(directory: str | Path, split: str) -> str:
    """The shard prefix a writer gives one split inside an examples folder (shards add the suffix)."""
    return str(Path(directory, f"Split-{split}", "data"))


def split_pattern(examples: Artifact, split: str) -> str:
    """The glob of one split's TFRecord shards inside an examples artifact."""
    return str(examples.path(f"Split-{split}", f"*{EXAMPLE_FILE_SUFFIX}"))


def split_count(examples: Artifact, split: str) -> int | None:
    """How many examples a split holds, by the artifact's ``counts`` (None when it has none)."""
    count = examples.properties.get("counts", {}).get(split)
    return None if count is None else int(count)


def split_files(examples: Artifact, split: str) -> Split:
    """One split's files and example count, as the tf.data input reads them."""
    return Split(split_pattern(examples, split), split_count(examples, split))


def read_text_files(pattern: str) -> list[str]:
    """Non-empty lines of every file matching ``pattern``, through Beam's file systems."""
    from apache_beam.io.filesystems import FileSystems

    lines = []
    for match in FileSystems.match([pattern])[0].metadata_list:
        with FileSystems.open(match.path) as handle:
            lines += [line for line in handle.read().decode("utf-8").splitlines() if line.strip()]
    return lines


def dead_letter_prefix(directory: str | Path) -> str:
    """The file prefix the dead letters are written under inside an examples folder."""
    return str(Path(directory, DEAD_LETTER_DIR, "part"))


def read_dead_letters(examples: Artifact) -> list[dict]:
    """Returns every dead letter of an examples artifact."""
    return [json.loads(line) for line in read_text_files(str(examples.path(DEAD_LETTER_DIR, "*.jsonl")))]


def read_records(examples: Artifact, split: str) -> list[bytes]:
    """Every serialized tf.Example of one split, in file order (for evaluation, not training)."""
    import tensorflow as tf

    files = sorted(tf.io.gfile.glob(split_pattern(examples, split)))
    return [record.numpy() for record in tf.data.TFRecordDataset(files, compression_type="GZIP")]
