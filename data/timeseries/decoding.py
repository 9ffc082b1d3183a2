"""A CSV file's bytes as lines of text: decoded line by line, so one bad byte costs one line.

A file that is not text at all (a NUL byte near its start: an archive, an image, UTF-16) is
refused whole, named plainly, and never quoted.
"""

from __future__ import annotations

import codecs

from data.errors import DataError
from data.quoting import bounded

NUL = b"\x00"

SNIFF_BYTES = 8192
"""How far into a file a NUL byte makes it binary (as ``git`` and ``file`` judge)."""

SIGNATURES = (
    (0, b"\x1f\x8b", "gzip data"),
    (0, b"PK\x03\x04", "a zip archive (or .npz)"),
    (0, b"BZh", "bzip2 data"),
    (0, b"\xfd7zXZ\x00", "xz data"),
    (0, b"\x93NUMPY", "a NumPy .npy array"),
    (0, b"\x89PNG", "a PNG image"),
    (0, codecs.BOM_UTF16_LE, "UTF-16 text; save it as UTF-8"),
    (0, codecs.BOM_UTF16_BE, "UTF-16 text; save it as UTF-8"),
    (257, b"ustar", "a tar archive"),
)
"""``(offset, magic bytes, what the file is)`` of the binary formats a CSV path is most often pointed at."""


def binary_reason(head: bytes) -> str | None:
    """Why the bytes at the start of a file are not CSV text, or None when they may be.

    Args:
        head: The file's first bytes (:data:`SNIFF_BYTES` of them suffice).

    Returns:
        ``not a CSV text file: NUL byte at offset N (it looks like <format>)``, or None.
    """
    position = head.find(NUL, 0, SNIFF_BYTES)
    if position < 0:
        return None
    what = next((name for offset, magic, name in SIGNATURES if head[offset:offset + len(magic)] == magic),
                "binary data")
    return f"not a CSV text file: NUL byte at offset {position} (it looks like {what})"


def check_text(head: bytes, source: str) -> None:
    """Refuses a file whose first bytes are binary.

    Raises:
        DataError: ``<source>: not a CSV text file: ...; data.path must name CSV files``.
    """
    reason = binary_reason(head)
    if reason:
        raise DataError(f"{source}: {reason}; data.path must name CSV text files")


def encoding_name(encoding: str) -> str:
    """How messages name an encoding: ``UTF-8`` for UTF-8, else the codec's own name."""
    name = codecs.lookup(encoding).name
    return "UTF-8" if name == "utf-8" else name


def decode_lines(raw: bytes, source: str, encoding: str = "utf-8") -> tuple[list[str], dict[int, tuple[str, str]]]:
    """Decodes a CSV file line by line (a leading UTF-8 byte-order mark dropped).

    Args:
        raw: The file's bytes.
        source: The file's path, for messages.
        encoding: The text encoding (``data.encoding``): one that keeps ``\\n`` a single byte.

    Returns:
        ``(lines, undecodable)``: every line with its line end, an undecodable one as an empty
        line (so line numbers stay those of the file), and ``{line number: (reason, line shown
        with backslash escapes, cut)}`` of those: lines not in the encoding or holding a NUL byte.

    Raises:
        DataError: If the file is binary (see :func:`check_text`).
    """
    check_text(raw[:SNIFF_BYTES], source)
    pieces = raw.removeprefix(codecs.BOM_UTF8).split(b"\n")
    lines, undecodable = [], {}
    shown_encoding = encoding_name(encoding)
    for number, piece in enumerate(pieces, start=1):
        ending = "\n" if number < len(pieces) else ""
        try:
            if NUL in piece:  # past the sniffed start: one bad line, not a binary file
                raise ValueError(f"NUL byte at position {piece.index(NUL)}")
            lines.append(piece.decode(encoding) + ending)
        except UnicodeDecodeError as error:
            undecodable[number] = (f"not {shown_encoding}: {error}", bounded(piece.decode("utf-8", "backslashreplace")))
            lines.append(ending)
        except ValueError as error:
            undecodable[number] = (f"not CSV text: {error}", bounded(piece.decode("utf-8", "backslashreplace")))
            lines.append(ending)
    return lines, undecodable
