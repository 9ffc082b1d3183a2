"""Dataset kinds: readers, feature specs, preprocessing and serving inputs, one module each."""

import importlib
from types import ModuleType

KINDS = ("timeseries", "imdb", "mnist", "charlm")


def get_kind(name: str) -> ModuleType:
    """Returns the module that implements dataset kind ``name``.

    Raises:
        ValueError: If ``name`` is not a known kind.
    """
    if name not in KINDS:
        raise ValueError(f"unknown dataset kind {name!r}; expected one of {', '.join(KINDS)}")
    return importlib.import_module(f"data.{name}")
