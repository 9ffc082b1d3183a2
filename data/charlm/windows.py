"""Cutting a file's text at its split boundaries into next-character windows."""

from __future__ import annotations

from typing import Iterator, NamedTuple

from data.charlm.config import CharlmData, SplitFractions


class Piece(NamedTuple):
    """A stretch of one file's text inside one split."""

    split: str
    offset: int
    text: str
    starts_file: bool


def split_pieces(segments: list[tuple[int, str]], fractions: SplitFractions) -> list[Piece]:
    """Cuts a file's segments at its split boundaries: train first, then eval, then test.

    The boundaries are at ``train`` and ``train + eval`` of the file's good characters.
    """
    total = sum(len(text) for _, text in segments)
    first_eval, first_test = fractions.boundaries(total)
    bounds = {"train": (0, first_eval), "eval": (first_eval, first_test), "test": (first_test, total)}
    pieces = []
    for offset, text in segments:
        for split, (low, high) in bounds.items():
            start, end = max(offset, low), min(offset + len(text), high)
            if start < end:
                pieces.append(Piece(split, start, text[start - offset:end - offset], start == 0))
    return pieces


def target_positions(length: int, starts_file: bool, cfg: CharlmData) -> range:
    """Positions of the targets in a piece of ``length`` characters.

    Every ``stride``-th position with a full window of context before it in the same piece; with
    ``pad_start``, from position 0 in a piece that starts its file (its windows are left-padded).
    """
    return range(0 if cfg.pad_start and starts_file else cfg.window, length, cfg.stride)


def build_windows(segments: list[tuple[int, str]], cfg: CharlmData, name: str) -> Iterator[tuple[str, dict[str, str]]]:
    """Cuts one file's text into next-character windows and assigns each to its split.

    Args:
        segments: ``(offset, text)`` stretches from :func:`decode_text`.
        cfg: Window, stride and split.
        name: File name used in example ids.

    Yields:
        ``(split, {"context", "target", "id"})``: up to ``window`` characters before the target,
        the target character, and ``<name>:<offset of the target>``.
    """
    for piece in split_pieces(segments, cfg.split):
        text = piece.text
        for position in target_positions(len(text), piece.starts_file, cfg):
            yield piece.split, {"context": text[max(0, position - cfg.window):position], "target": text[position],
                                "id": f"{name}:{piece.offset + position}"}
