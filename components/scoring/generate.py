"""One prompt, one text: ``rnnpipe generate`` with a charlm version's ``generate`` signature."""

from __future__ import annotations

import time
from dataclasses import asdict
from typing import Any

from components.scoring.formats import generation_formats
from components.scoring.model import load_checked
from components.scoring.params import GenerationSettings, ScoringError
from components.scoring.tensors import batch_tensors


def generate(model_spec: str, prompt: str, generation: GenerationSettings) -> dict[str, Any]:
    """Generates text after one prompt with a charlm version's ``generate`` signature.

    Args:
        model_spec: ``SERVING_DIR/NAME`` (the newest version) or ``SERVING_DIR/NAME/VERSION``.
        prompt: The text to continue (may be empty: the model starts a text).
        generation: Length, temperature and seed.

    Returns:
        ``model``, ``version``, ``model_path``, ``prompt``, ``generated``, the settings, and the
        seconds and characters/s of the call (the model load excluded).

    Raises:
        ScoringError: If the folder holds no version, is not an rnnpipe SavedModel, or is not a
            charlm model with a ``generate`` signature.
    """
    formats = generation_formats()
    if not formats:
        raise ScoringError("no dataset kind generates text (none declares a generate signature)")
    model, loaded = load_checked(model_spec, formats[0])
    function = loaded.signatures[model.signature]
    tensors = batch_tensors(formats[0], [prompt], model.inputs, generation)  # the kind encodes the prompt
    started = time.perf_counter()
    generated = function(**tensors)["generated"].numpy()[0]
    seconds = time.perf_counter() - started
    readable_prompt = prompt.encode("utf-8", "surrogateescape").decode("utf-8", "replace")
    return {"model": model.name, "version": model.version, "model_path": model.path, "prompt": readable_prompt,
            "generated": generated.decode("utf-8", "replace"), **asdict(generation),
            "seconds": round(seconds, 3), "characters_per_second": round(generation.length / seconds, 1)}
