"""The Beam steps that read corpus files into window examples."""

from __future__ import annotations

import os
from typing import Any, Iterator

import apache_beam as beam

from data.beam_outputs import encode_records, tagged
from data.charlm.config import CharlmData
from data.charlm.decoding import decode_text
from data.charlm.records import encode_example
from data.charlm.source import input_files
from data.charlm.windows import build_windows


def read_corpus_file(path: str, cfg: CharlmData) -> Iterator[tuple[str, Any]]:
    """One corpus file to windows, dead letters and its count of good lines.

    Yields:
        ``("window", (split, features))``, ``("dead", letter)`` and one ``("lines", n)``.
    """
    from apache_beam.io.filesystems import FileSystems

    size = FileSystems.match([path])[0].metadata_list[0].size_in_bytes
    if size > cfg.max_file_bytes:
        yield "dead", {"source": path, "line": None,
                       "reason": f"file of {size} bytes is over data.max_file_bytes ({cfg.max_file_bytes})"}
        return
    with FileSystems.open(path, compression_type="uncompressed") as handle:
        segments, dead, lines = decode_text(handle.read(), path, cfg.max_chars)
    for letter in dead:
        yield "dead", letter
    yield "lines", lines
    for item in build_windows(segments, cfg, os.path.basename(path)):
        yield "window", item


class ReadCorpusFile(beam.DoFn):
    """One corpus path to windows (main), dead letters (``dead``) and good-line counts (``lines``)."""

    def __init__(self, cfg: CharlmData):
        super().__init__()
        self.cfg = cfg

    def process(self, path: str):
        for kind, item in read_corpus_file(path, self.cfg):
            yield tagged(kind, item, main="window")


def read_examples(pipeline, cfg: CharlmData):
    """Adds the reading steps to a Beam pipeline.

    Returns:
        ``(examples, dead_letters, lines_read)``: ``(split, serialized tf.Example)`` pairs,
        dead-letter dicts, and a one-element PCollection with the number of good lines.
    """
    parsed = (pipeline
              | "CorpusFiles" >> beam.Create(input_files(cfg))
              | "ReadCorpus" >> beam.ParDo(ReadCorpusFile(cfg)).with_outputs("dead", "lines", main="window"))
    lines = parsed.lines | "CountLines" >> beam.CombineGlobally(sum)
    examples = encode_records(parsed.window, encode_example)
    return examples, parsed.dead, lines
