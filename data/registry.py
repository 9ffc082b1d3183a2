"""The registered dataset kinds: their names, in order, and how to find one.

Each kind is a package ``data/<kind>/`` exposing ``KIND``, an instance of
:class:`data.contract.DatasetKind`. A package is imported only when its kind is asked for, so
loading a config does not import the readers of every other kind.
"""

from __future__ import annotations

import importlib

from data.contract import DataConfig, DatasetKind

REGISTERED = (
    ("timeseries", "data.timeseries"),
    ("imdb", "data.imdb"),
    ("mnist", "data.mnist"),
    ("charlm", "data.charlm"),
)
"""``(name, package)`` of every kind, in registration order. A new kind adds one line here."""

KINDS = tuple(name for name, _ in REGISTERED)
"""The names of the registered kinds, in registration order."""


def get_kind(name: str) -> DatasetKind:
    """The kind object registered as ``name``.

    Raises:
        ValueError: If ``name`` is not a known kind.
    """
    packages = dict(REGISTERED)
    if name not in packages:
        raise ValueError(f"unknown dataset kind {name!r}; expected one of {', '.join(KINDS)}")
    kind = importlib.import_module(packages[name]).KIND
    if not isinstance(kind, DatasetKind) or kind.name != name:
        raise TypeError(f"{packages[name]}.KIND is not the DatasetKind {name!r}: {kind!r}")
    return kind


def kind_of(config: DataConfig) -> DatasetKind:
    """The kind object a dataset config is for: the kind registered as its ``KIND``.

    Raises:
        TypeError: If ``config`` is not a :class:`~data.contract.DataConfig` instance, or is not
            an instance of its kind's ``DATA_CONFIG``.
        ValueError: If its ``KIND`` names no registered kind.
    """
    if not isinstance(config, DataConfig):
        raise TypeError(f"expected a dataset config (a data.contract.DataConfig, e.g. TimeseriesData), "
                        f"got {type(config).__name__}")
    if not config.KIND:
        raise ValueError(f"{type(config).__name__} names no dataset kind: set its KIND to one of {', '.join(KINDS)}")
    kind = get_kind(config.KIND)
    if not isinstance(config, kind.DATA_CONFIG):
        raise TypeError(f"{type(config).__name__} says its kind is {config.KIND!r}, but that kind's config "
                        f"is {kind.DATA_CONFIG.__name__}")
    return kind


def kinds() -> tuple[DatasetKind, ...]:
    """Every registered kind object, in registration order."""
    return tuple(get_kind(name) for name in KINDS)


def scoring_formats() -> tuple[str, ...]:
    """The ``--format`` names the kinds read, in registration order (``examples`` is the scorer's own)."""
    return tuple(kind.scoring_input.format for kind in kinds() if kind.scoring_input is not None)


def kind_for_scoring_format(fmt: str) -> DatasetKind:
    """The kind whose ``scoring_input`` reads batch-scoring format ``fmt``.

    Raises:
        ValueError: If no registered kind reads ``fmt``, naming the formats they do read.
    """
    for kind in kinds():
        if kind.scoring_input is not None and kind.scoring_input.format == fmt:
            return kind
    raise ValueError(f"no dataset kind reads scoring format {fmt!r}; the kinds read "
                     f"{', '.join(scoring_formats())}")
