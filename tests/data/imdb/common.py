"""What the IMDB tests share: writing a tarball of chosen members."""

import io
import tarfile


def tar_with(path, members):
    """Writes a tar.gz holding ``(name, bytes)`` members (and links given as ``(name, None, target)``)."""
    with tarfile.open(path, "w:gz") as archive:
        for name, data, *link in members:
            info = tarfile.TarInfo(name)
            if link:
                info.type, info.linkname = tarfile.SYMTYPE, link[0]
                archive.addfile(info)
            else:
                info.size = len(data)
                archive.addfile(info, io.BytesIO(data))
    return path
