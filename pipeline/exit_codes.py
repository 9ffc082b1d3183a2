"""The documented exit codes, and the one mapping from an exception to its code.

Every entry point of the command line leaves through :func:`failure_for`, so an error type
gets the same code (and the same label in its one-line message) whichever command raised it.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass


class ExitCode(enum.IntEnum):
    """The exit codes of ``rnnpipe``, as ``rnnpipe --help`` documents them."""

    OK = 0
    ERROR = 1  # any other error
    USAGE = 2  # a usage or config error; nothing ran
    DATA = 3  # missing input, bad records over the budget, or data validation failed
    NOT_BLESSED = 4  # the model was not blessed: nothing was pushed
    LOCKED = 5  # another run holds the pipeline root


@dataclass(frozen=True)
class Failure:
    """How one error leaves the command line.

    Attributes:
        code: The exit code.
        label: Names the kind of error in the one-line message (``rnnpipe: LABEL: message``);
            empty when the message stands alone.
        expected: False for an error that no check foresaw: its traceback is logged.
    """

    code: ExitCode
    label: str
    expected: bool = True


UNEXPECTED = Failure(ExitCode.ERROR, "error", expected=False)


def failure_rules() -> dict[type, Failure]:
    """Each error type the entry points raise on purpose, and how it leaves.

    A subclass matches before its bases (see :func:`failure_for`).
    """
    # Imported here, not at the top: these modules load Beam and TensorFlow, which `rnnpipe runs`
    # and `--help` never need, and they are only read once something has failed.
    from components.scoring import ScoringError
    from data.errors import DataError
    from pipeline.config import ConfigError
    from pipeline.errors import ChiefTimeoutError, RunLookupError, UsageError
    from pipeline.lock import LockedError
    from pipeline.scoring_jobs import GenerationError

    return {
        ConfigError: Failure(ExitCode.USAGE, "config error"),
        UsageError: Failure(ExitCode.USAGE, "usage error"),
        RunLookupError: Failure(ExitCode.USAGE, ""),
        ScoringError: Failure(ExitCode.USAGE, "scoring error"),
        GenerationError: Failure(ExitCode.USAGE, "generate error"),
        DataError: Failure(ExitCode.DATA, "data error"),
        FileNotFoundError: Failure(ExitCode.DATA, "missing file"),
        LockedError: Failure(ExitCode.LOCKED, "locked"),
        ChiefTimeoutError: Failure(ExitCode.ERROR, "timeout"),
    }


def failure_for(error: BaseException) -> Failure:
    """How ``error`` leaves the command line: the rule of its most specific known type.

    Args:
        error: What an entry point raised.

    Returns:
        Its failure; :data:`UNEXPECTED` (exit 1, traceback logged) for any other error.
    """
    rules = failure_rules()
    for cls in type(error).__mro__:
        if cls in rules:
            return rules[cls]
    return UNEXPECTED


def exit_code_for(error: BaseException) -> ExitCode:
    """The exit code for ``error`` (see :func:`failure_for`)."""
    return failure_for(error).code
