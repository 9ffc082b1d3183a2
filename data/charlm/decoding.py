"""Decoding a corpus file into stretches of good UTF-8 text; undecodable lines are dead letters."""

from __future__ import annotations

import codecs

from data.charlm.config import NUL
from data.compressed import sniff


def decode_text(raw: bytes, source: str, max_chars: int | None = None) -> tuple[list[tuple[int, str]], list[dict], int]:
    """Decodes one file into stretches of good text.

    A line that is not UTF-8 is a dead letter and breaks the text: no window spans it. A file
    holding NUL bytes (binary, or UTF-16) or compressed (gzip, bzip2, xz) is one dead letter.
    ``\\r\\n`` becomes ``\\n`` and a leading byte-order mark is dropped.

    Args:
        raw: The file's bytes.
        source: The file's path, for dead letters.
        max_chars: Keep only the first N characters of good text.

    Returns:
        ``(segments, dead_letters, good_lines)``: segments are ``(offset, text)`` with offsets
        counted in good characters from the start of the file; dead letters are
        ``{"source", "line", "reason"}``.
    """
    compressed = sniff(raw)
    if compressed and not is_utf8(raw):
        return [], [{"source": source, "line": None,
                     "reason": f"not UTF-8 text: {compressed}-compressed data (decompress it first)"}], 0
    if NUL in raw:
        return [], [{"source": source, "line": None,
                     "reason": f"not UTF-8 text: NUL byte at offset {raw.index(NUL)} (binary, or UTF-16)"}], 0
    raw = raw.removeprefix(codecs.BOM_UTF8)
    lines = raw.splitlines(keepends=True)
    try:
        stretches, dead = [raw.decode("utf-8")], []
    except UnicodeDecodeError:
        stretches, dead = decode_lines(lines, source)
    segments, offset = [], 0
    for stretch in stretches:
        text = stretch.replace("\r\n", "\n")
        if text:
            segments.append((offset, text))
            offset += len(text)
    if max_chars is not None:
        segments = truncate(segments, max_chars)
    return segments, dead, len(lines) - len(dead)


def is_utf8(raw: bytes) -> bool:
    """Whether ``raw`` decodes as UTF-8."""
    try:
        raw.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def decode_lines(lines: list[bytes], source: str) -> tuple[list[str], list[dict]]:
    """Decodes line by line: runs of UTF-8 lines, and a dead letter for each line that is not."""
    stretches: list[str] = []
    dead: list[dict] = []
    current: list[str] = []
    for number, line in enumerate(lines, start=1):
        try:
            current.append(line.decode("utf-8"))
        except UnicodeDecodeError as error:
            stretches.append("".join(current))
            current = []
            dead.append({"source": source, "line": number, "reason": f"not UTF-8: {error}"})
    stretches.append("".join(current))
    return stretches, dead


def truncate(segments: list[tuple[int, str]], max_chars: int) -> list[tuple[int, str]]:
    """The segments cut after ``max_chars`` characters of text."""
    kept = []
    for offset, text in segments:
        if offset >= max_chars:
            break
        kept.append((offset, text[:max_chars - offset]))
    return kept
