"""The processes below this one, and ending them: what an interrupted run does with the Beam
workers that Beam did not stop (its ``multi_processing`` workers are ``/bin/sh -c python ...``
children of the runner's threads, and Beam offers no way to bind them to the parent's life)."""

from __future__ import annotations

import os
import signal
from pathlib import Path

PROC = Path("/proc")


def descendants(pid: int) -> list[int]:
    """The ids of the live (not zombie) processes below ``pid``, children first.

    Read from Linux's ``/proc``; none where there is no ``/proc``.
    """
    children: dict[int, list[int]] = {}
    for entry in PROC.iterdir() if PROC.is_dir() else ():
        if not entry.name.isdigit():
            continue
        try:
            state, parent = (entry / "stat").read_text().rsplit(")", 1)[1].split()[:2]
        except (OSError, ValueError):  # it ended while being read
            continue
        if state != "Z":
            children.setdefault(int(parent), []).append(int(entry.name))
    found, waiting = [], [pid]
    while waiting:
        for child in children.get(waiting.pop(0), ()):
            found.append(child)
            waiting.append(child)
    return found


def end_processes(pids: list[int]) -> list[int]:
    """Sends SIGKILL to each of ``pids``.

    Returns:
        Those that were still there to signal.
    """
    ended = []
    for pid in pids:
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            continue
        ended.append(pid)
    return ended
