"""Batch-scoring input of reviews (``--format reviews``): whole files, lines, ``.jsonl`` or ``.csv``."""

from __future__ import annotations

import os
from typing import Any, Iterator, Sequence

from data.quoting import quoted_names
from data.text_lines import decoded_text, line_texts


def scoring_reviews(name: str, raw: bytes, whole_file: bool, text_column: str = "text",
                    max_bytes: int = 1_000_000) -> Iterator[tuple[str, Any]]:
    """Reviews to score from one input file.

    Args:
        name: The file's path, used in ids and messages.
        raw: Its bytes.
        whole_file: The file is one review (a folder of ``.txt`` files); otherwise ``.jsonl`` has a
            JSON object per line, ``.csv`` a header with ``text_column``, anything else a review per line.
        text_column: The text field of ``.jsonl`` objects and ``.csv`` rows.
        max_bytes: A review (file or line) larger than this is a dead letter.

    Yields:
        ``("ok", (id, text))``, or ``("dead", {"source", "id", "reason"})``. Ids are the file name,
        ``<file>:<line>``, or a JSON object's ``id`` field.
    """
    base = os.path.basename(name)
    if whole_file and len(raw) > max_bytes:
        yield "dead", {"source": name, "id": base, "reason": f"review of {len(raw)} bytes is over the {max_bytes}-byte limit"}
        return
    text, dead = decoded_text(name, raw)
    if dead is not None:
        yield "dead", dead
        return
    if whole_file:
        yield ("ok", (base, text)) if text.strip() else ("dead", {"source": name, "id": base, "reason": "empty review"})
        return
    if name.endswith(".csv"):
        yield from _csv_reviews(name, text, text_column, max_bytes)
        return
    yield from line_texts(name, text, text_column, max_bytes)


def _csv_reviews(name: str, text: str, text_column: str, max_bytes: int) -> Iterator[tuple[str, Any]]:
    import csv
    import io

    reader = csv.reader(io.StringIO(text))
    base = os.path.basename(name)
    try:
        header = [cell.strip() for cell in next(reader, [])]
        if text_column not in header:
            yield "dead", {"source": name, "id": base,
                           "reason": f"no column {text_column!r} in CSV header {quoted_names(header)} (use --text-column)"}
            return
        index = header.index(text_column)
        id_index = header.index("id") if "id" in header else None
        for row in reader:
            review_id = f"{base}:{reader.line_num}"
            if not row:
                continue
            if len(row) != len(header):
                yield "dead", {"source": name, "id": review_id,
                               "reason": f"expected {len(header)} columns, found {len(row)}"}
                continue
            if id_index is not None and row[id_index].strip():
                review_id = row[id_index].strip()
            size = len(row[index].encode("utf-8"))
            if not row[index].strip() or size > max_bytes:
                reason = "empty review" if size <= max_bytes else f"review of {size} bytes is over the {max_bytes}-byte limit"
                yield "dead", {"source": name, "id": review_id, "reason": reason}
                continue
            yield "ok", (review_id, row[index])
    except csv.Error as error:  # e.g. a field over the csv module's own size limit: the rest is unreadable
        yield "dead", {"source": name, "id": f"{base}:{reader.line_num}", "reason": f"unreadable CSV: {error}"}


def scoring_tensors(batch: Sequence[str], input_names: Sequence[str]) -> dict[str, Any]:
    """Reviews from :func:`scoring_reviews` as ``serving_raw`` arguments: ``text`` string [n]."""
    import tensorflow as tf

    return {"text": tf.constant(list(batch), tf.string)}
