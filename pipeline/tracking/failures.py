"""How a tracking failure is told: one line, short enough for a summary."""

from __future__ import annotations

MAX_LENGTH = 500


def describe(error: BaseException) -> str:
    """``Type: message``, its first line only, cut to :data:`MAX_LENGTH` characters."""
    lines = str(error).strip().splitlines()
    text = f"{type(error).__name__}: {lines[0] if lines else ''}".rstrip(": ")
    return text if len(text) <= MAX_LENGTH else text[:MAX_LENGTH - 3] + "..."
