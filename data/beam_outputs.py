"""Beam plumbing every kind's reader shares: routing tagged items and encoding records."""

from __future__ import annotations

from typing import Any, Callable

import apache_beam as beam


def tagged(status: str, item: Any, main: str):
    """``item`` on the main output when ``status`` is ``main``, else tagged ``status`` (``dead``, ...)."""
    return item if status == main else beam.pvalue.TaggedOutput(status, item)


def encode_records(records, encode: Callable[[dict[str, Any]], bytes]):
    """``(split, features)`` records to ``(split, serialized tf.Example)`` pairs (step ``Encode``)."""
    return records | "Encode" >> beam.MapTuple(lambda split, features: (split, encode(features)))
