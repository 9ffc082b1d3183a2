"""Streaming review records out of an aclImdb tarball or a Keras ``imdb.npz``."""

from __future__ import annotations

import json
from typing import Any, Iterator

from apache_beam.io.filesystems import FileSystems

from data.archives import read_npz as read_npz_arrays
from data.archives import tar_entries
from data.imdb.config import MEMBER
from data.imdb.records import make_record, oversized
from data.imdb.source import check_member


def read_tarball(path: str, eval_fraction: float, max_bytes: int = 1_000_000) -> Iterator[tuple[str, Any]]:
    """Streams review records out of an aclImdb tarball, without extracting it.

    A member over ``max_bytes`` is a dead letter and is skipped unread. The archive is checked to
    its end as it is read, so a corrupt one raises after its last member (and before this ends).

    Raises:
        DataError: On an unsafe member, or a damaged or truncated archive (naming the offset or member).
    """
    for entry in tar_entries(FileSystems.open(path, compression_type="uncompressed"), path):
        member = entry.info
        check_member(member, path)
        if member.isfile() and MEMBER.search(member.name):
            if member.size > max_bytes:
                yield oversized(member.name, member.size, max_bytes, path)
            else:
                yield make_record(member.name, entry.read(), path, eval_fraction)


def read_npz(path: str, word_index_path: str, eval_fraction: float, seed: int = 113) -> Iterator[tuple[str, Any]]:
    """Review records from a (trusted) Keras ``imdb.npz``, decoded back to words.

    Keras stores ids offset by 3 (0 padding, 1 start, 2 OOV); without a word index the text is
    the ids themselves, which still trains (each id is a token).
    """
    words = {}
    if word_index_path:
        with open(word_index_path, encoding="utf-8") as handle:
            words = {index + 3: word for word, index in json.load(handle).items()}
    with open(path, "rb") as handle:
        arrays = read_npz_arrays(handle, path, allow_pickle=True)
    for split in ("train", "test"):
        for number, (ids, label) in enumerate(zip(arrays[f"x_{split}"], arrays[f"y_{split}"])):
            text = " ".join(words.get(int(i), f"#{int(i)}") for i in ids if int(i) > 2)
            name = f"{split}/{'pos' if label else 'neg'}/{number}_0.txt"
            yield make_record(name, text.encode("utf-8"), path, eval_fraction)
