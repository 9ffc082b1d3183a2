"""Archives read member by member and checked to their end: tar (plain or compressed) and npz (zip).

Python's tar reader takes a damaged or cut-off member header for the end of the archive and never
reads a gzip trailer in stream mode, so a corrupt archive would be read in part without an error.
:func:`tar_entries` reads the archive as one :class:`~data.compressed.CheckedStream`, refuses such
headers and reads the stream to its end; :func:`read_npz` reads each zip member whole, which checks
its CRC. Every failure is a :class:`~data.errors.DataError` naming the file and the offset or member.
"""

from __future__ import annotations

import io
import tarfile
import zipfile
from dataclasses import dataclass
from typing import Any, BinaryIO, Iterator

from data.compressed import DECOMPRESSION_ERRORS, drain, open_checked
from data.errors import DataError


class _BadHeader(tarfile.TarError):
    """A member header that is damaged or cut short: the archive is corrupt, not at its end."""


class _CheckedTarInfo(tarfile.TarInfo):
    """A tar member header that is read strictly: only the zero block ends the archive."""

    @classmethod
    def fromtarfile(cls, archive: tarfile.TarFile) -> tarfile.TarInfo:
        offset = archive.offset
        try:
            return super().fromtarfile(archive)
        except tarfile.EOFHeaderError:  # undocumented: tarfile's error for the zero block that ends an archive
            raise
        except tarfile.HeaderError as error:  # any other, which tarfile takes for the end after a first member
            raise _BadHeader(f"bad member header at byte {offset} of the unpacked archive ({error})") from error


@dataclass(frozen=True)
class TarEntry:
    """One member of an archive read by :func:`tar_entries`.

    Attributes:
        info: Its header.
        source: The archive's path, for messages.
    """

    info: tarfile.TarInfo
    source: str
    _archive: tarfile.TarFile

    def read(self) -> bytes:
        """The member's bytes; only before the next member is reached.

        Raises:
            DataError: If the archive is damaged or cut short inside the member, naming it.
        """
        try:
            return self._archive.extractfile(self.info).read()
        except DataError as error:
            raise DataError(f"{error}, while reading member {self.info.name!r}") from error
        except (tarfile.TarError, *DECOMPRESSION_ERRORS) as error:
            raise DataError(f"{self.source}: corrupt or unreadable archive: member {self.info.name!r}: "
                            f"{error}") from error


def tar_entries(handle: BinaryIO, name: str) -> Iterator[TarEntry]:
    """The members of a tar archive, plain or gzip, bzip2 or xz compressed, read as one stream.

    After the last member the rest of the file is read, so the archive's end-of-archive marker
    and its compression's integrity checks are all checked before the iteration ends: a consumer
    must treat what it read as valid only once the iteration has finished.

    Args:
        handle: The archive, opened in binary mode at its start (it need not seek); closed at the end.
        name: Its path, for messages.

    Yields:
        One :class:`TarEntry` per member, in archive order.

    Raises:
        DataError: If the file is not a tar archive, or is damaged or truncated, naming the file
            and the offset or the last good member.
    """
    last = None
    with open_checked(handle, name, "archive") as stream:
        try:
            with tarfile.open(fileobj=stream, mode="r|", tarinfo=_CheckedTarInfo) as archive:
                for info in archive:
                    last = info.name
                    yield TarEntry(info, name, archive)
            drain(stream)
        except DataError:
            raise
        except (tarfile.TarError, *DECOMPRESSION_ERRORS) as error:
            after = f" after member {last!r}" if last else ""
            raise DataError(f"{name}: corrupt or unreadable archive{after}: {error}") from error


def read_npz(handle: BinaryIO, name: str, allow_pickle: bool = False, what: str = ".npz") -> dict[str, Any]:
    """Every array of an ``.npz``, each member read whole so that its zip CRC is checked.

    Args:
        handle: The file, opened in binary mode (it must seek, as zip needs).
        name: Its path, for messages.
        allow_pickle: Load object arrays (pickle): only for a trusted file.
        what: What the file is, for messages.

    Returns:
        ``{array name: numpy array}``, the names without ``.npy``.

    Raises:
        DataError: ``not a readable <what>``: the file is not a zip archive, or a member is damaged
            or not an array, naming the file and the member.
    """
    import numpy as np

    if not zipfile.is_zipfile(handle):
        raise DataError(f"{name}: not a readable {what}: not a zip archive, which an .npz is (or its end is cut off)")
    arrays, member = {}, None
    try:
        with zipfile.ZipFile(handle) as archive:
            for member in archive.namelist():
                raw = archive.read(member)
                arrays[member.removesuffix(".npy")] = np.lib.format.read_array(io.BytesIO(raw),
                                                                                allow_pickle=allow_pickle)
    except (zipfile.BadZipFile, NotImplementedError, *DECOMPRESSION_ERRORS) as error:
        where = f"member {member!r}" if member else "its zip directory"
        raise DataError(f"{name}: not a readable {what}: {where}: {error}") from error
    return arrays
