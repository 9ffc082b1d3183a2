"""Compressed files read once and checked to their end: gzip, bzip2 and xz streams, or plain bytes.

Damage in a compressed file shows only at some point of the stream, often only at its trailer (the
CRC and length of gzip), so a reader that stops early (a tar reader at the end-of-archive marker)
would never see it. :class:`CheckedStream` decompresses as it is read and, on reaching the end of
the file, has checked every stream's own integrity check; every failure is a
:class:`~data.errors.DataError` naming the file and the compressed byte offset.
"""

from __future__ import annotations

import bz2
import io
import lzma
import os
import zlib
from typing import BinaryIO

from data.errors import DataError

CHUNK = 1 << 16  # compressed bytes read from the file at a time
FEED = 1 << 12  # compressed bytes given to the decompressor at a time: an error's offset is known to within this
MAGIC = {"gzip": b"\x1f\x8b", "bzip2": b"BZh", "xz": b"\xfd7zXZ\x00"}
SUFFIXES = {".gz": "gzip", ".tgz": "gzip", ".bz2": "bzip2", ".tbz": "bzip2", ".tbz2": "bzip2",
            ".xz": "xz", ".txz": "xz"}
DECOMPRESSION_ERRORS = (zlib.error, lzma.LZMAError, OSError, EOFError, ValueError)


def sniff(head: bytes) -> str | None:
    """The compression whose magic bytes start ``head`` (``gzip``, ``bzip2``, ``xz``), or None."""
    return next((kind for kind, magic in MAGIC.items() if head.startswith(magic)), None)


def compression_of(name: str, head: bytes) -> str | None:
    """The compression of a file, from its first bytes: ``gzip``, ``bzip2``, ``xz``, or None (plain).

    Args:
        name: The file's path; a suffix such as ``.gz`` promises that compression.
        head: Its first bytes (at least 6).

    Raises:
        DataError: If the suffix promises a compression the bytes do not have.
    """
    found = sniff(head)
    promised = SUFFIXES.get(os.path.splitext(name)[1].lower())
    if promised and found != promised:
        what = "is empty" if not head else f"starts with {head[:8]!r}"
        raise DataError(f"{name}: not {promised} data, as its suffix says: the file {what}")
    return found


class _GzipDecompressor:
    """zlib's gzip decompressor (which checks the CRC and length trailer) behind bz2's interface."""

    def __init__(self):
        self._zlib = zlib.decompressobj(16 + zlib.MAX_WBITS)
        self._tail = b""

    def decompress(self, data: bytes, max_length: int) -> bytes:
        out = self._zlib.decompress(self._tail + data if self._tail else data, max_length)
        self._tail = self._zlib.unconsumed_tail
        return out

    @property
    def eof(self) -> bool:
        return self._zlib.eof

    @property
    def unused_data(self) -> bytes:
        return self._zlib.unused_data

    @property
    def needs_input(self) -> bool:
        return not self._tail


DECOMPRESSORS = {"gzip": _GzipDecompressor, "bzip2": bz2.BZ2Decompressor, "xz": lzma.LZMADecompressor}


class CheckedStream(io.RawIOBase):
    """The decompressed bytes of one file; reading to its end checks every stream's trailer.

    A file may hold several streams one after another (as ``gzip`` and ``cat`` make them), with
    zero bytes between them. A stream cut short, bytes that fail to decompress, a failed integrity
    check and any other bytes after the last stream are a :class:`DataError` naming the file and
    the compressed byte offset.

    Args:
        handle: The file, opened in binary mode; closed with the stream.
        name: The file's path, for messages.
        compression: ``gzip``, ``bzip2``, ``xz`` or None (plain bytes, passed through).
        head: The file's first bytes, when they were already read from ``handle``.
        what: What the file is, for messages (default ``<compression> file``).
    """

    def __init__(self, handle: BinaryIO, name: str, compression: str | None, head: bytes = b"",
                 what: str | None = None):
        super().__init__()
        self._handle, self._name, self.compression = handle, name, compression
        self._what = what or f"{compression} file"
        self._decompressor = DECOMPRESSORS[compression]() if compression else None
        self._read_to = len(head)  # compressed bytes read from the file
        self._good_to = 0  # compressed bytes known to decompress: errors lie after this
        self._pending = head  # bytes read and not yet decompressed (or, when plain, not yet returned)
        self._done = False

    @property
    def name(self) -> str:
        return self._name

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        with memoryview(buffer) as view, view.cast("B") as target:
            data = self.read(len(target))
            target[:len(data)] = data
        return len(data)

    def readall(self) -> bytes:
        parts = []
        while part := self.read(CHUNK * 16):
            parts.append(part)
        return b"".join(parts)

    def read(self, size: int = -1) -> bytes:
        if size is None or size < 0:
            return self.readall()
        if not size or self._done:
            return b""
        if self._decompressor is None:
            if self._pending:
                data, self._pending = self._pending[:size], self._pending[size:]
                return data
            data = self._handle.read(size)
            self._done = not data
            return data
        while True:
            if self._decompressor.eof and not self._next_stream():
                self._done = True
                return b""
            if self._decompressor.needs_input and not self._pending:
                self._pending = self._next_chunk()
                if not self._pending:
                    return self._last_output(size)
            data = self._decompress(size)
            if data:
                return data

    def close(self) -> None:
        if not self.closed:
            self._handle.close()
        super().close()

    def _next_chunk(self) -> bytes:
        chunk = self._handle.read(CHUNK)
        self._read_to += len(chunk)
        return chunk

    def _decompress(self, size: int) -> bytes:
        data, self._pending = self._pending[:FEED], self._pending[FEED:]
        try:
            out = self._decompressor.decompress(data, size)
        except DECOMPRESSION_ERRORS as error:
            raise self._error(error) from error
        if self._decompressor.needs_input:
            self._good_to = self._fed_to() - len(self._decompressor.unused_data)
        return out

    def _fed_to(self) -> int:
        """The end of the compressed bytes given to the decompressor so far."""
        return self._read_to - len(self._pending)

    def _last_output(self, size: int) -> bytes:
        """What the decompressor still holds once the file has ended; an error if the stream has not."""
        data = self._decompress(size)
        if data or self._decompressor.eof:
            return data
        raise self._corrupt(f"truncated: the file ends at byte {self._read_to}, inside its {self.compression} "
                            f"stream")

    def _next_stream(self) -> bool:
        """Starts the stream after the one that just ended; False at a clean end of the file."""
        rest, self._pending = self._decompressor.unused_data + self._pending, b""
        end = self._read_to - len(rest)
        while not rest.strip(b"\0"):
            rest = self._next_chunk()
            if not rest:
                return False
        rest = rest.lstrip(b"\0")
        magic = MAGIC[self.compression]
        if not magic.startswith(rest[:len(magic)]):
            raise self._corrupt(f"unexpected bytes after the {self.compression} stream that ends at byte {end}")
        self._decompressor = DECOMPRESSORS[self.compression]()
        self._pending = rest
        return True

    def _error(self, error: Exception) -> DataError:
        reason = str(error)
        if "incorrect data check" in reason or "incorrect length check" in reason:
            return self._corrupt(f"the CRC or length check at the end of the {self.compression} stream failed "
                                 f"(at or before byte {self._fed_to()}): bytes before it were changed ({reason})")
        return self._corrupt(f"bad {self.compression} data found in bytes {self._good_to}..{self._fed_to()} "
                             f"({reason})")

    def _corrupt(self, detail: str) -> DataError:
        return DataError(f"{self._name}: corrupt or unreadable {self._what}: {detail}")


def open_checked(handle: BinaryIO, name: str, what: str | None = None) -> io.BufferedReader:
    """A buffered :class:`CheckedStream` of an open binary file, its compression found from its bytes.

    Args:
        handle: The file, opened in binary mode at its start (it need not seek); closed with the reader.
        name: The file's path, for messages and for the suffix check of :func:`compression_of`.
        what: What the file is, for messages (default ``<compression> file``).

    Raises:
        DataError: If the suffix promises a compression the bytes do not have.
    """
    head = handle.read(max(len(magic) for magic in MAGIC.values()))
    try:
        compression = compression_of(name, head)
    except DataError:
        handle.close()
        raise
    return io.BufferedReader(CheckedStream(handle, name, compression, head, what), CHUNK * 4)


def read_checked(path: str | os.PathLike) -> bytes:
    """All the decompressed bytes of a local file, checked to its end.

    Raises:
        DataError: If the file is damaged, truncated or not what its suffix says, naming it and
            the offset.
        OSError: If it cannot be opened.
    """
    with open_checked(open(path, "rb"), str(path)) as stream:
        return stream.read()


def decompress_checked(raw: bytes, name: str) -> bytes:
    """The decompressed bytes of a file already in memory (plain bytes as they are), checked to the end.

    Raises:
        DataError: If they are damaged, truncated or not what the suffix of ``name`` says, naming
            ``name`` and the offset.
    """
    with open_checked(io.BytesIO(raw), name) as stream:
        return stream.read()


def drain(stream: BinaryIO) -> None:
    """Reads ``stream`` to its end, which checks the trailers of a :class:`CheckedStream`."""
    while stream.read(CHUNK * 4):
        pass

