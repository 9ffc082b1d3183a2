"""The output folder of a scoring job: its layout, and the publish of a finished staging folder.

The folder appears whole or not at all: the job writes a hidden staging sibling
(:mod:`components.scoring.staging`) and moves it into place after ``summary.json`` and ``_SUCCESS``.
"""

from __future__ import annotations

import csv
import io
import os
import shutil
from pathlib import Path

from apache_beam.io.filesystems import FileSystems

from components.scoring.paths import files_below, is_local, join, split_path

PREDICTIONS, DEAD_LETTER, SUMMARY, SUCCESS = "predictions", "dead_letter", "summary.json", "_SUCCESS"


def count_lines(folder: str, header: bool) -> int:
    """Records written to a folder of text shards (less one header line per shard).

    With a header the shards are CSV, counted by record: a quoted field may hold newlines
    (generated text does).
    """
    total = 0
    for path in FileSystems.match([join(folder, "part*")])[0].metadata_list:
        with FileSystems.open(path.path, compression_type="uncompressed") as handle:
            if header:
                total += sum(1 for _ in csv.reader(io.TextIOWrapper(handle, encoding="utf-8", newline=""))) - 1
            else:
                total += sum(1 for _ in handle)
    return total


def output_taken(output: str) -> bool:
    """Whether ``output`` exists with something in it (or is a file)."""
    if is_local(output):
        local = Path(output)
        return local.exists() and (not local.is_dir() or any(local.iterdir()))
    return bool(files_below(output))


def publish(staging: str, output: str, atomic_rename: bool | None = None) -> None:
    """Moves a finished staging folder to ``output``.

    Locally one atomic rename (an empty ``output`` folder is replaced). Elsewhere (object stores
    have no folder rename) each file is moved and ``_SUCCESS`` last, so a reader that waits for
    ``_SUCCESS`` never sees a partial output.

    Args:
        staging: The finished folder.
        output: Where it goes.
        atomic_rename: Rename the folder at once (default: when both are local).
    """
    if atomic_rename if atomic_rename is not None else (is_local(staging) and is_local(output)):
        os.rename(staging, output)
        return
    sources = [path for path in files_below(staging) if split_path(path)[1] != SUCCESS]
    sources.append(join(staging, SUCCESS))
    targets = [join(output, path[len(staging.rstrip("/")) + 1:]) for path in sources]
    for folder in sorted({split_path(target)[0] for target in targets}):
        if not FileSystems.exists(folder):
            FileSystems.mkdirs(folder)  # object stores have no folders; this is for file systems
    for source, target in zip(sources, targets):
        FileSystems.rename([source], [target])
    remove(staging)


def remove(folder: str) -> None:
    """Deletes a staging folder, local or remote; absent is fine."""
    if is_local(folder):
        shutil.rmtree(folder, ignore_errors=True)
    elif files_below(folder):
        FileSystems.delete([folder])
