"""One text per line of a ``.jsonl`` file: a JSON object with a text field and an optional id."""

from __future__ import annotations

import json


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
