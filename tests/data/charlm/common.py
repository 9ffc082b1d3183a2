"""What the charlm tests share: an alphabet, cutting a text into windows, a window's offset."""

from data.charlm.config import CharlmData
from data.charlm.windows import build_windows

ALPHABET = "abcdefghijklmnopqrstuvwxyz"


def windows_of(text: str, **settings) -> list[tuple[str, dict]]:
    cfg = CharlmData(**settings)
    return list(build_windows([(0, text)], cfg, "corpus.txt"))


def offset_of(window: dict) -> int:
    return int(window["id"].rsplit(":", 1)[1])
