"""Downloads into a cache directory, verified by sha256, written atomically."""

from __future__ import annotations

import hashlib
import os
import urllib.error
import urllib.request
from pathlib import Path

from data.errors import DataError

CHUNK = 1 << 20


def sha256_of(path: str | os.PathLike) -> str:
    """The hex sha256 of a file."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(CHUNK), b""):
            digest.update(block)
    return digest.hexdigest()


def fetch(url: str, sha256: str, cache_dir: str | os.PathLike, filename: str | None = None,
          timeout: float = 60.0) -> Path:
    """Returns a verified local copy of ``url``, downloading it into ``cache_dir`` if needed.

    The download goes to a temporary file that is renamed into place only once complete and
    verified, so an interrupted or corrupt transfer never leaves a file that looks cached.

    Args:
        url: ``http(s)://`` or ``file://`` address.
        sha256: Expected hex digest of the file.
        cache_dir: Where cached files live.
        filename: Name in the cache (default: the URL's last path part).
        timeout: Socket timeout in seconds.

    Returns:
        The path of the verified file.

    Raises:
        DataError: On a network failure (saying how to pass --data-dir instead), a truncated
            transfer, or a checksum mismatch.
    """
    cache = Path(cache_dir)
    cache.mkdir(parents=True, exist_ok=True)
    target = cache / (filename or url.rstrip("/").rsplit("/", 1)[-1])
    if target.exists() and sha256_of(target) == sha256:
        return target
    tmp = target.with_name(f".{target.name}.part-{os.getpid()}")
    try:
        received, expected = _download(url, tmp, timeout)
        if expected is not None and received != expected:
            raise DataError(f"download of {url} was interrupted: got {received} of {expected} bytes")
        actual = sha256_of(tmp)
        if actual != sha256:
            raise DataError(f"checksum mismatch for {url}: expected sha256 {sha256}, got {actual}")
        os.replace(tmp, target)
    finally:
        tmp.unlink(missing_ok=True)
    return target


def locate_or_fetch(path: str, download: bool, url: str, sha256: str, cache_dir: str, filename: str,
                    what: str) -> Path:
    """``path`` if it exists; else the verified download of ``url`` when ``download`` is on.

    Raises:
        DataError: If the path is missing and downloading is off (saying how to fix it) or fails.
    """
    local = Path(path).expanduser()
    if local.exists():
        return local
    if not download:
        raise DataError(f"{what} data not found at {local}; pass --data-dir DIR holding it, set data.path, "
                        f"or set data.download=true to fetch {url}")
    return fetch(url, sha256, Path(cache_dir).expanduser(), filename=filename)


def _download(url: str, path: Path, timeout: float) -> tuple[int, int | None]:
    received = 0
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response, open(path, "wb") as out:
            length = response.headers.get("Content-Length")
            expected = int(length) if length is not None else None
            while True:
                try:
                    block = response.read(CHUNK)
                except (ConnectionError, TimeoutError, OSError) as error:
                    raise DataError(f"download of {url} was interrupted after {received} bytes: {error}") from error
                if not block:
                    break
                out.write(block)
                received += len(block)
    except urllib.error.URLError as error:
        raise DataError(f"cannot download {url}: {error.reason}. Offline? Put the file in a folder and pass "
                        f"--data-dir DIR (or set data.path to it).") from error
    except http_client_errors() as error:
        raise DataError(f"download of {url} was interrupted after {received} bytes: {error!r}") from error
    return received, expected


def http_client_errors() -> tuple[type[Exception], ...]:
    """Errors ``http.client`` raises for a connection cut mid-body."""
    import http.client

    return (http.client.IncompleteRead, http.client.HTTPException)
