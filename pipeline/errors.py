"""Errors that the pipeline's entry points raise on top of the components' own."""

from __future__ import annotations


class UsageError(ValueError):
    """A command was asked for something that does not fit, e.g. a folder that is not a pipeline root."""


class RunLookupError(UsageError):
    """The run store, or a run in it, is not there. Its message stands alone, without a label."""


class ChiefTimeoutError(TimeoutError):
    """A tuning worker waited longer than allowed for the chief's run to reach the tuner."""


class DamagedStoreError(Exception):
    """The run store's SQLite file is damaged (truncated, overwritten, not a database).

    Attributes:
        path: The damaged file.
    """

    def __init__(self, path, reason: str):
        super().__init__(f"run store {path} is damaged ({reason}); `rnnpipe store recover --root {path.parent}` "
                         f"moves it aside and re-indexes the artifacts on disk (docs/operations.md, "
                         f"'Damaged run store')")
        self.path = path
