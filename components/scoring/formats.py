"""Input formats of a scoring job: the kind-agnostic ``examples`` plus each dataset kind's own.

A dataset kind that can be scored from its raw files declares a :class:`data.contract.ScoringInput`
(its ``--format`` name, the signature it calls, what a folder of its files holds) and reads those
files itself (``kind.scoring_records``). Raw tf.Examples (``examples``) fit every kind's
``serving_default``; scoring reads them itself, from TFRecord files (:mod:`components.scoring.tfrecords`).
"""

from __future__ import annotations

import os
from dataclasses import dataclass

from apache_beam.io.filesystems import FileSystems

from components.scoring.paths import is_local
from data import kinds
from data.contract import DatasetKind, ScoringInput
from data.errors import DataError

GENERATE_SIGNATURE = "generate"  # the signature of text generation (a prompts job, ``rnnpipe generate``)
EXAMPLES = ScoringInput(format="examples", signature="serving_default", input_names=("examples",),
                        folder_pattern="*", one_record_per_file=False, needs_data_config=False)


@dataclass(frozen=True)
class InputFormat:
    """One ``--format``: how its files are read and which models score it.

    Attributes:
        input: What the format reads and the signature it calls.
        kind: The dataset kind whose models it needs and whose reader reads it; None for raw
            tf.Examples, which any kind's model scores.
    """

    input: ScoringInput
    kind: DatasetKind | None = None

    @property
    def name(self) -> str:
        """The ``--format`` name."""
        return self.input.format

    @property
    def generates(self) -> bool:
        """Whether the format is text generation (prompts to a ``generate`` signature)."""
        return self.input.signature == GENERATE_SIGNATURE


def input_formats() -> dict[str, InputFormat]:
    """Every input format by name: ``examples`` then each kind's, in registration order."""
    table = {EXAMPLES.format: InputFormat(EXAMPLES)}
    for kind in kinds():
        if kind.scoring_input is not None:
            table[kind.scoring_input.format] = InputFormat(kind.scoring_input, kind)
    return table


def input_format(name: str) -> InputFormat:
    """The input format called ``name``.

    Raises:
        ValueError: If no format has that name, listing those that exist.
    """
    table = input_formats()
    if name not in table:
        raise ValueError(f"--format must be one of {sorted(table)}, got {name!r}")
    return table[name]


def generation_formats() -> list[InputFormat]:
    """The text-generation formats (prompts to a ``generate`` signature), in registration order."""
    return [fmt for fmt in input_formats().values() if fmt.generates]


def match_inputs(pattern: str, fmt: InputFormat) -> tuple[list[str], bool]:
    """The input files, and whether each file is one record (a folder of reviews).

    Args:
        pattern: ``--input``: a file, a glob, or a folder (local, or remote ending in ``/``).
        fmt: The input format, which says what a folder holds.

    Raises:
        DataError: If nothing matches.
    """
    folder = os.path.isdir(pattern) if is_local(pattern) else pattern.endswith("/")
    glob = os.path.join(pattern, fmt.input.folder_pattern) if folder else pattern
    files = sorted(m.path for result in FileSystems.match([glob]) for m in result.metadata_list
                   if not os.path.isdir(m.path))
    if not files:
        raise DataError(f"--input {pattern}: no files match {glob}")
    return files, folder and fmt.input.one_record_per_file
