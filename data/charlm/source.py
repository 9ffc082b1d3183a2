"""Finding the corpus files and checking, before any Beam work, that they yield windows."""

from __future__ import annotations

import glob
import os

from data.charlm.config import CharlmData
from data.charlm.decoding import decode_text
from data.charlm.windows import split_pieces, target_positions
from data.errors import DataError
from data.machine import available_memory_bytes, gigabytes
from data.splits import SPLITS

BYTES_PER_CHARACTER = 4
"""A character of a window's context at its widest in UTF-8."""

MEMORY_FACTOR = 3
"""Copies of the windows alive at once: the built contexts, their tf.Examples, Beam's buffers."""


def input_files(cfg: CharlmData) -> list[str]:
    """The corpus files: ``path`` itself, every non-hidden file below a folder, or a glob's files.

    Raises:
        DataError: If nothing matches.
    """
    if os.path.isdir(cfg.path):
        below = [os.path.join(folder, name) for folder, _, names in os.walk(cfg.path) for name in names]
        files = [path for path in below
                 if not any(part.startswith(".") for part in os.path.relpath(path, cfg.path).split(os.sep))]
    else:
        files = [path for path in glob.glob(cfg.path, recursive=True) if os.path.isfile(path)]
    if not files:
        raise DataError(f"no corpus file matches data.path {cfg.path!r}; give a UTF-8 text file, a folder of "
                        f"them or a glob, or pass --data-dir DIR")
    return sorted(files)


def check_input(cfg: CharlmData) -> None:
    """Reads the corpus once before any Beam work and checks it yields windows for train and test.

    Raises:
        DataError: If nothing matches, if the whole corpus is shorter than one window plus the
            character it predicts (naming the files and their sizes), if a split gets no window, or
            if the windows would not fit in the memory available (naming ``data.window`` and the
            largest that fits).
    """
    sizes: dict[str, int] = {}
    windows = dict.fromkeys(SPLITS, 0)
    split_chars = dict.fromkeys(SPLITS, 0)
    for path in input_files(cfg):
        if os.path.getsize(path) > cfg.max_file_bytes:
            continue  # a dead letter when read
        with open(path, "rb") as handle:
            segments, _, _ = decode_text(handle.read(), path, cfg.max_chars)
        sizes[path] = sum(len(text) for _, text in segments)
        for piece in split_pieces(segments, cfg.split):
            windows[piece.split] += len(target_positions(len(piece.text), piece.starts_file, cfg))
            split_chars[piece.split] += len(piece.text)
    total = sum(sizes.values())
    if total < cfg.window + 1:
        listed = ", ".join(f"{path} ({chars} characters)" for path, chars in list(sizes.items())[:5])
        where = listed if len(sizes) == 1 else f"data.path {cfg.path!r}: {len(sizes)} readable files ({listed or 'none'})"
        raise DataError(f"{where}: the corpus has {total} characters, shorter than one window of data.window="
                        f"{cfg.window} characters plus the character it predicts; give a longer text or a "
                        f"smaller data.window")
    for split in ("train", "test"):
        if not windows[split]:
            raise DataError(f"data.path {cfg.path!r}: the {split} split gets no window: its {split_chars[split]} "
                            f"characters (data.split.{split}={getattr(cfg.split, split)} of each file) hold no "
                            f"stretch of data.window + 1 = {cfg.window + 1}; lower data.window or raise "
                            f"data.split.{split}")
    check_windows_memory(sum(windows.values()), cfg, available_memory_bytes())


def check_windows_memory(count: int, cfg: CharlmData, available: int | None) -> None:
    """Checks that ``count`` windows of ``data.window`` characters fit in ``available`` bytes (None: unknown).

    Raises:
        DataError: Naming ``data.window``, the memory needed and available, and the largest window
            that fits.
    """
    per_window = (cfg.window + 1) * BYTES_PER_CHARACTER * MEMORY_FACTOR
    if available is None or count * per_window <= available:
        return
    largest = max(available // (count * BYTES_PER_CHARACTER * MEMORY_FACTOR) - 1, 0)
    raise DataError(f"data.window={cfg.window}: the {count} windows of data.path {cfg.path!r} would take about "
                    f"{gigabytes(count * per_window)} of memory, more than the {gigabytes(available)} available; "
                    f"data.window must be at most {largest} here (or raise data.stride)")
