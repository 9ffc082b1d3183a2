"""Facts about the machine that bound the size of the work: its physical memory and the memory available now."""

from __future__ import annotations

import os

MEMINFO = "/proc/meminfo"


def available_memory_bytes() -> int | None:
    """The memory available to a new allocation without swapping, in bytes.

    Reads ``MemAvailable`` from ``/proc/meminfo`` (Linux), else the free physical pages
    (``os.sysconf``).

    Returns:
        The bytes, or None when the machine does not say.
    """
    try:
        with open(MEMINFO, encoding="ascii") as handle:
            for line in handle:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        pass
    try:
        return os.sysconf("SC_AVPHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
    except (ValueError, OSError, AttributeError):
        return None


def physical_memory_bytes() -> int | None:
    """This machine's physical memory in bytes, or None where the system does not tell."""
    try:
        return os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    except (ValueError, OSError, AttributeError):
        return None


def gigabytes(size: int) -> str:
    """A size in bytes as decimal gigabytes, e.g. ``1.1 GB``."""
    return f"{size / 1e9:.1f} GB"
