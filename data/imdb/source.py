"""Locating and checking the IMDB source: an aclImdb folder, its tarball or a Keras ``imdb.npz``."""

from __future__ import annotations

import re
import tarfile
from pathlib import Path, PurePosixPath

from data.archives import tar_entries
from data.download import locate_or_fetch, sha256_of
from data.errors import DataError
from data.imdb.config import KERAS_NPZ_SHA256, MEMBER, ImdbData


def locate(cfg: ImdbData) -> Path:
    """The local source, downloading the canonical archive when allowed.

    Raises:
        DataError: If the path is missing and downloading is off or fails.
    """
    return locate_or_fetch(cfg.path, cfg.download, cfg.url, cfg.sha256, cfg.cache_dir, Path(cfg.path).name, "IMDB")


def source_kind(path: Path) -> str:
    """``folder``, ``tarball`` or ``npz``."""
    if path.is_dir():
        return "folder"
    if path.suffix == ".npz":
        return "npz"
    return "tarball"


def check_member(member: tarfile.TarInfo, archive: str) -> None:
    """Refuses archive members that could write outside a target or point elsewhere.

    Raises:
        DataError: For absolute paths, ``..`` components, links and device files.
    """
    name = member.name
    if name.startswith("/") or PurePosixPath(name).is_absolute() or re.match(r"^[A-Za-z]:", name):
        raise DataError(f"{archive}: unsafe archive member {name!r} (absolute path); refusing the archive")
    if ".." in PurePosixPath(name).parts:
        raise DataError(f"{archive}: unsafe archive member {name!r} ('..' in path); refusing the archive")
    if member.issym() or member.islnk() or member.isdev():
        raise DataError(f"{archive}: unsafe archive member {name!r} (link or device); refusing the archive")


def check_input(cfg: ImdbData) -> None:
    """Checks the source before any work: archives are safe, npz files are trusted.

    Raises:
        DataError: On an unsafe, corrupt or truncated archive (read to its end), or an untrusted npz.
    """
    path = locate(cfg)
    kind = source_kind(path)
    if kind == "tarball":
        for entry in tar_entries(open(path, "rb"), str(path)):
            check_member(entry.info, str(path))
    elif kind == "npz" and not cfg.trust_npz and sha256_of(path) != KERAS_NPZ_SHA256:
        raise DataError(f"{path}: unknown imdb.npz (sha256 differs from Keras's); its object arrays need "
                        f"pickle, so it is only loaded with data.trust_npz=true")
    elif kind == "folder" and not any(path.glob("*/*/*.txt")) and not any(path.glob("aclImdb/*/*/*.txt")):
        raise DataError(f"{path}: no reviews found; expected {{train,test}}/{{pos,neg}}/<id>_<rating>.txt")


def input_files(cfg: ImdbData) -> list[Path]:
    """The files whose bytes define the input (for the cache key)."""
    path = locate(cfg)
    if path.is_dir():
        return sorted(p for p in path.rglob("*.txt") if MEMBER.search(p.as_posix()))
    return [path] + ([Path(cfg.word_index)] if cfg.word_index else [])
