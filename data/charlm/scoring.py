"""Batch-generation input (``--format prompts``): prompts one per line or per ``.jsonl`` object."""

from __future__ import annotations

from typing import Any, Iterator, Sequence

from data.text_lines import decoded_text, line_texts


def scoring_prompts(name: str, raw: bytes, text_column: str = "text",
                    max_bytes: int = 1_000_000) -> Iterator[tuple[str, Any]]:
    """Prompts to generate from, out of one input file.

    Args:
        name: The file's path, used in ids and messages.
        raw: Its bytes.
        text_column: The prompt field of ``.jsonl`` objects.
        max_bytes: A prompt larger than this is a dead letter.

    Yields:
        ``("ok", (id, prompt))`` per non-empty line of a text file (id ``<file>:<line>``) or per
        ``.jsonl`` object (its ``id`` when present; its prompt may be empty, which starts a text),
        or ``("dead", {"source", "id", "reason"})``.
    """
    text, dead = decoded_text(name, raw)
    if dead is not None:
        yield "dead", dead
        return
    yield from line_texts(name, text, text_column, max_bytes, keep_blank_lines=True, allow_empty_text=True)


def scoring_tensors(batch: Sequence[str | bytes], input_names: Sequence[str]) -> dict[str, Any]:
    """Prompts from :func:`scoring_prompts` as the ``generate`` signature's ``prompt`` string [n].

    The scorer adds the sampling settings (``length``, ``temperature``, ``seed``). A str from the
    command line may hold undecodable bytes as surrogates: they pass as bytes and the model reads
    them as U+FFFD.
    """
    import tensorflow as tf

    encoded = [p.encode("utf-8", "surrogateescape") if isinstance(p, str) else p for p in batch]
    return {"prompt": tf.constant(encoded, tf.string)}
