"""Errors that the pipeline's entry points raise on top of the components' own."""

from __future__ import annotations


class UsageError(ValueError):
    """A command was asked for something that does not fit, e.g. a folder that is not a pipeline root."""


class RunLookupError(UsageError):
    """The run store, or a run in it, is not there. Its message stands alone, without a label."""


class ChiefTimeoutError(TimeoutError):
    """A tuning worker waited longer than allowed for the chief's run to reach the tuner."""
