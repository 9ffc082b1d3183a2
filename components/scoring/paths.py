"""Paths that work locally and on any Beam file system (``gs://``, ``s3://``, ...)."""

from __future__ import annotations

from apache_beam.io.filesystems import FileSystems


def join(base: str, *parts: str) -> str:
    """A path below ``base``, local or on any Beam file system."""
    return FileSystems.join(base.rstrip("/"), *parts)


def split_path(path: str) -> tuple[str, str]:
    """``(parent, name)`` of a local or remote path."""
    parent, _, name = path.rstrip("/").rpartition("/")
    return parent or ".", name


def is_local(path: str) -> bool:
    """Whether ``path`` is on the local file system (where a folder rename is atomic)."""
    return FileSystems.get_scheme(path) in (None, "file")


def files_below(folder: str) -> list[str]:
    """Every file below ``folder``."""
    return sorted(m.path for result in FileSystems.match([join(folder, "**")]) for m in result.metadata_list)


def read_bytes(path: str) -> bytes:
    """The bytes of a local or remote file."""
    with FileSystems.open(path, compression_type="uncompressed") as handle:
        return handle.read()


def write_text(path: str, text: str) -> None:
    """Writes ``text`` (UTF-8) to a local or remote file."""
    with FileSystems.create(path) as handle:
        handle.write(text.encode("utf-8"))
