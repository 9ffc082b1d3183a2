"""Stable hashing for splits and subsets: the same answer on every machine and run."""

import hashlib


def stable_fraction(key: str) -> float:
    """A number in [0, 1) fixed by ``key`` (sha256-based, independent of PYTHONHASHSEED)."""
    return int.from_bytes(hashlib.sha256(key.encode()).digest()[:8], "big") / 2.0 ** 64
