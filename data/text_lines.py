"""Texts to score, one per line: plain lines, or ``.jsonl`` objects with a text field and an optional id."""

from __future__ import annotations

import json
import os
from typing import Any, Iterator


def decoded_text(name: str, raw: bytes) -> tuple[str | None, dict[str, Any] | None]:
    """A file's bytes as text (UTF-8, a leading byte-order mark dropped), or its dead letter.

    Args:
        name: The file's path, used in the dead letter.
        raw: Its bytes.

    Returns:
        ``(text, None)``, or ``(None, {"source", "id", "reason"})`` with the file name as id when
        the bytes are not UTF-8.
    """
    try:
        return raw.decode("utf-8-sig"), None
    except UnicodeDecodeError as error:
        return None, {"source": name, "id": os.path.basename(name), "reason": f"not UTF-8: {error}"}


def json_line_text(line: str, text_column: str, default_id: str) -> tuple[str, str]:
    """The ``(id, text)`` of one JSON line.

    Args:
        line: The line.
        text_column: The field that holds the text.
        default_id: The id when the object has no ``id`` field.

    Raises:
        ValueError: Saying what is wrong: not a JSON object, no such field, or not a string.
    """
    try:
        record = json.loads(line)
        text, record_id = record[text_column], str(record.get("id", default_id))
    except (ValueError, KeyError, TypeError, AttributeError) as error:
        raise ValueError(f"not a JSON object with a {text_column!r} string: {error}") from None
    if not isinstance(text, str):
        raise ValueError(f"{text_column!r} is empty or not a string")
    return record_id, text


def line_texts(name: str, text: str, text_column: str, max_bytes: int, keep_blank_lines: bool = False,
               allow_empty_text: bool = False) -> Iterator[tuple[str, Any]]:
    """The texts of a decoded file: one per line, or one per JSON object when ``name`` ends in ``.jsonl``.

    Args:
        name: The file's path, used in ids and messages.
        text: Its decoded contents.
        text_column: The text field of ``.jsonl`` objects.
        max_bytes: A line larger than this is a dead letter.
        keep_blank_lines: Keep plain lines of only whitespace (empty lines are always skipped).
        allow_empty_text: Accept a ``.jsonl`` object whose text is empty or only whitespace.

    Yields:
        ``("ok", (id, text))`` with id ``<file>:<line>`` (or the object's ``id``), or
        ``("dead", {"source", "id", "reason"})``.
    """
    base = os.path.basename(name)
    is_json = name.endswith(".jsonl")
    for number, line in enumerate(text.splitlines(), start=1):
        line_id = f"{base}:{number}"
        if not line or (not line.strip() and (is_json or not keep_blank_lines)):
            continue
        size = len(line.encode("utf-8"))
        if size > max_bytes:
            yield "dead", {"source": name, "id": line_id, "reason": f"line of {size} bytes is over the "
                                                                    f"{max_bytes}-byte limit"}
            continue
        if not is_json:
            yield "ok", (line_id, line)
            continue
        try:
            record_id, record_text = json_line_text(line, text_column, line_id)
        except ValueError as error:
            yield "dead", {"source": name, "id": line_id, "reason": str(error)}
            continue
        if allow_empty_text or record_text.strip():
            yield "ok", (record_id, record_text)
        else:
            yield "dead", {"source": name, "id": record_id, "reason": f"{text_column!r} is empty or not a string"}
