"""What a scoring job is asked to do: its parameters, the sampling settings, and its error."""

from __future__ import annotations

import math
from dataclasses import dataclass

from components.scoring.formats import InputFormat, generation_formats, input_format

OUTPUT_FORMATS = ("jsonl", "csv")
MAX_GENERATED = 100_000  # most characters generated per prompt
MAX_BATCH_SIZE = 65_536  # most records per model call: every call is padded to the full batch
MAX_SHARDS = 10_000  # most output shards


class ScoringError(ValueError):
    """The job cannot start: a model folder, format or output that does not fit."""


def check_integer(option: str, value: object, low: int, high: int | None = None) -> None:
    """Refuses ``value`` unless it is an int (not a bool) within ``[low, high]``.

    Raises:
        ScoringError: Naming ``option``, its bounds and the value.
    """
    if isinstance(value, bool) or not isinstance(value, int) or value < low or (high is not None and value > high):
        bounds = f">= {low}" if high is None else f"within [{low}, {high}]"
        raise ScoringError(f"{option} must be an integer {bounds}, got {value!r}")


@dataclass(frozen=True)
class GenerationSettings:
    """How a charlm model's ``generate`` signature samples.

    Attributes:
        length: Characters generated after each prompt.
        temperature: Divides the logits: below 1 more conservative, above 1 more varied.
        seed: Seeds the sampling; the same prompt, settings and seed give the same text.
    """

    length: int = 200
    temperature: float = 1.0
    seed: int = 0

    def __post_init__(self):
        if not 1 <= self.length <= MAX_GENERATED:
            raise ScoringError(f"the length to generate must lie within [1, {MAX_GENERATED}], got {self.length}")
        if not (math.isfinite(self.temperature) and self.temperature > 0):
            raise ScoringError(f"the temperature must be a number > 0, got {self.temperature}")
        if not -2 ** 63 <= self.seed < 2 ** 63:
            raise ScoringError(f"the seed must fit in 64 bits, got {self.seed}")


@dataclass(frozen=True)
class BulkInferrerParams:
    """Parameters of a scoring job.

    Attributes:
        model: ``SERVING_DIR/NAME`` (the newest version) or ``SERVING_DIR/NAME/VERSION``.
        input: A file, a glob, or a folder (of ``.txt`` reviews, ``.png`` images, ``.csv``
            series, TFRecord files or ``.txt`` prompts).
        output: The folder to create; it must not exist yet (or be empty).
        format: ``reviews``, ``images``, ``series``, ``examples`` or ``prompts`` (the formats of
            :func:`components.scoring.formats.input_formats`).
        output_format: ``jsonl`` or ``csv``.
        text_column: The review (or prompt) field of ``.jsonl`` and ``.csv`` inputs.
        batch_size: Most records per model call.
        max_error_rate: Fail when more than this fraction of records are dead letters.
        num_shards: Output shards (0: the runner decides).
        beam_args: Beam pipeline options.
        max_record_bytes: A review, prompt or serialized tf.Example larger than this is a dead letter.
        generation: ``prompts`` only: characters generated per prompt, sampling temperature and seed.
    """

    model: str
    input: str
    output: str
    format: str
    output_format: str = "jsonl"
    text_column: str = "text"
    batch_size: int = 256
    max_error_rate: float = 0.0
    num_shards: int = 0
    beam_args: tuple[str, ...] = ()
    max_record_bytes: int = 1_000_000
    generation: GenerationSettings | None = None

    def __post_init__(self):
        fmt = self.input_format  # raises for an unknown format
        if self.output_format not in OUTPUT_FORMATS:
            raise ScoringError(f"--output-format must be one of {OUTPUT_FORMATS}, got {self.output_format!r}")
        check_integer("--batch-size", self.batch_size, 1, MAX_BATCH_SIZE)
        check_integer("--num-shards", self.num_shards, 0, MAX_SHARDS)
        check_integer("--max-record-bytes", self.max_record_bytes, 1)
        rate = self.max_error_rate
        if isinstance(rate, bool) or not isinstance(rate, (int, float)) or not 0.0 <= rate <= 1.0:
            raise ScoringError(f"--max-error-rate must lie within [0, 1], got {rate!r}")
        if self.generation is not None and not fmt.generates:
            raise ScoringError(f"--gen-length, --temperature and --seed apply to --format "
                               f"{' or '.join(sorted(f.name for f in generation_formats()))}, not {self.format}")

    @property
    def input_format(self) -> InputFormat:
        """The input format ``format`` names.

        Raises:
            ScoringError: If no format has that name.
        """
        try:
            return input_format(self.format)
        except ValueError as error:
            raise ScoringError(str(error)) from None

    @property
    def sampling(self) -> GenerationSettings | None:
        """The generation settings of a ``prompts`` job (defaults when none were given)."""
        if not self.input_format.generates:
            return None
        return self.generation or GenerationSettings()
