"""Dataset kinds: readers, feature specs, preprocessing and serving inputs, one module each.

Besides the functions every kind defines, a kind may declare optional hooks; the components look
them up with ``getattr`` and fall back as noted:

- ``EVALUATION_TASK``: what the evaluator measures (default: ``TASK``);
- ``TUNER_OBJECTIVE``: ``(metric, direction)`` the tuner optimises (default: by ``TASK``);
- ``train_augmentation(data, seed)``: a random batch map for the train split (default: none);
- ``generation_signatures(module, data, tft_output)``: export-only signatures (default: none).
"""

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
