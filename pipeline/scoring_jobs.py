"""Batch scoring and text generation with a served model, from Python: ``rnnpipe score`` and ``generate``."""

from __future__ import annotations

import secrets

from components.scoring import BulkInferrerParams, GenerationSettings, ScoringError, generate, run
from components.scoring.formats import input_format
from data.errors import DataError
from pipeline.defaults import DEFAULT_BATCH_SIZE, GENERATED_DEFAULT_LENGTH, PROMPTS_BATCH_SIZE


class GenerationError(ScoringError):
    """``generate`` cannot start: a bad setting, or a model without a ``generate`` signature."""


def default_batch_size(fmt: str) -> int:
    """The most records per model call for input format ``fmt`` when none is asked for."""
    return PROMPTS_BATCH_SIZE if input_format(fmt).generates else DEFAULT_BATCH_SIZE


def score(params: BulkInferrerParams) -> dict:
    """Scores new records with a served version and publishes the output whole.

    Returns:
        The job's summary (also written to ``OUTPUT/summary.json``).

    Raises:
        ScoringError: If the model, format or output folder does not fit (nothing ran).
        DataError: If there is no input, or dead letters exceed the budget (nothing published).
    """
    try:
        return run(params)
    except FileNotFoundError as error:  # a missing input is bad data here, not a missing pipeline file
        raise DataError(str(error)) from error


def generate_text(model: str, prompt: str, *, length: int = GENERATED_DEFAULT_LENGTH, temperature: float = 1.0,
                  seed: int | None = None) -> dict:
    """Continues ``prompt`` with a charlm version's ``generate`` signature.

    Args:
        model: ``SERVING_DIR/NAME`` (its newest version) or ``SERVING_DIR/NAME/VERSION``.
        prompt: The text to continue; may be empty.
        length: Characters to generate.
        temperature: Divides the logits (> 0).
        seed: Seeds the sampling; None draws one (it is in the result's ``seed``).

    Returns:
        model, version, model_path, prompt, generated, length, temperature, seed, seconds,
        characters_per_second.

    Raises:
        GenerationError: On a bad setting, or a model that cannot generate.
    """
    drawn = seed if seed is not None else secrets.randbelow(2 ** 31)
    try:
        return generate(model, prompt, GenerationSettings(length, temperature, drawn))
    except ScoringError as error:
        raise GenerationError(str(error)) from error
