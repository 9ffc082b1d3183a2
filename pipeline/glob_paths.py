"""Input paths that are glob patterns, joined to folders whose names are literal.

A kind whose ``data.path`` is a pattern declares it on the field: ``metadata={"glob": True}``
(the time-series CSV path). When such a path is relative, the ``--data-dir`` (or the demo's
folder under the root) it resolves against is a literal folder, so its glob characters are
escaped: a root named ``root[1]`` is that folder, not ``root1``.
"""

from __future__ import annotations

import dataclasses
import glob
import os

ESCAPED = "*?["  # what glob.escape wraps in brackets


def path_is_pattern(data_config) -> bool:
    """Whether the ``path`` field of a kind's config dataclass is declared a glob pattern."""
    return any(f.name == "path" and f.metadata.get("glob", False) for f in dataclasses.fields(data_config))


def below_literal_folder(folder: str | os.PathLike, pattern: str) -> str:
    """``pattern`` below ``folder``, the folder's own glob characters escaped."""
    return os.path.join(glob.escape(os.fspath(folder)), pattern)


def literal_path(pattern: str) -> str | None:
    """The one path ``pattern`` names when it has no wildcard (``[[]`` read back as ``[``), else None."""
    path, i = "", 0
    while i < len(pattern):
        if pattern.startswith("[", i) and pattern[i + 1:i + 2] in tuple(ESCAPED) and pattern[i + 2:i + 3] == "]":
            path, i = path + pattern[i + 1], i + 3
        elif pattern[i] in ESCAPED:
            return None
        else:
            path, i = path + pattern[i], i + 1
    return path
