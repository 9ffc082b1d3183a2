"""Quoting input in messages and dead letters: a bounded prefix, never a whole line or file."""

from __future__ import annotations

from typing import Sequence

QUOTE_CHARACTERS = 80
"""The longest text quoted whole; longer text is cut to this many characters."""

QUOTE_ITEMS = 10
"""The most items of a list (a CSV header's names) quoted."""


def quoted(text: str, limit: int = QUOTE_CHARACTERS) -> str:
    """``text`` as a Python literal (``'abc'``), cut to its first ``limit`` characters when longer.

    A cut text ends with ``... (N characters)``, its whole length.
    """
    if len(text) <= limit:
        return repr(text)
    return f"{text[:limit]!r}... ({len(text)} characters)"


def bounded(text: str, limit: int = 2 * QUOTE_CHARACTERS) -> str:
    """``text`` itself (for a dead letter's ``raw`` field), cut like :func:`quoted` when longer."""
    if len(text) <= limit:
        return text
    return f"{text[:limit]}... ({len(text)} characters)"


def quoted_names(names: Sequence[str], limit: int = QUOTE_ITEMS) -> str:
    """A list of names as ``['a', 'b']``: each quoted with :func:`quoted`, at most ``limit`` of them.

    A cut list ends with ``... (N columns)]``.
    """
    shown = ", ".join(quoted(name, 40) for name in names[:limit])
    if len(names) <= limit:
        return f"[{shown}]"
    return f"[{shown}, ... ({len(names)} columns)]"
