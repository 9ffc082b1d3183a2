"""The documented exit codes, and the one mapping from an exception to its code.

Every entry point of the command line leaves through :func:`failure_for`, so an error type
gets the same code (and the same label in its one-line message) whichever command raised it.
"""

from __future__ import annotations

import enum
import signal
import sys
from dataclasses import dataclass

from pipeline.interrupts import as_interrupted


class ExitCode(enum.IntEnum):
    """The exit codes of ``rnnpipe``, as ``rnnpipe --help`` documents them."""

    OK = 0
    ERROR = 1  # any other error
    USAGE = 2  # a usage or config error; nothing ran
    DATA = 3  # missing input, bad records over the budget, or data validation failed
    NOT_BLESSED = 4  # the model was not blessed: nothing was pushed
    LOCKED = 5  # another run holds the pipeline root
    INTERRUPTED = 130  # SIGINT (Ctrl-C): the step ended cleanly, the run is marked interrupted (128 + 2)
    TERMINATED = 143  # SIGTERM (systemd, Airflow, kill): likewise (128 + 15)


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
# SIGINT and SIGTERM arrive as a KeyboardInterrupt (pipeline.interrupts.Interrupted); by signal.
INTERRUPTIONS = {signal.SIGINT: Failure(ExitCode.INTERRUPTED, "interrupted"),
                 signal.SIGTERM: Failure(ExitCode.TERMINATED, "interrupted")}


# Each error type the entry points raise on purpose, by the module that exports it, and how it leaves.
# Looked up among the modules already loaded rather than imported: an error's class is loaded once
# it is raised, whereas importing these here would load Beam and TensorFlow into `rnnpipe runs` and
# `--help`, which never need them. tests/pipeline/test_exit_codes.py raises each one.
RULES = (
    ("pipeline.config_validation", "ConfigError", Failure(ExitCode.USAGE, "config error")),
    ("pipeline.errors", "UsageError", Failure(ExitCode.USAGE, "usage error")),
    ("pipeline.errors", "RunLookupError", Failure(ExitCode.USAGE, "")),
    ("components.scoring", "ScoringError", Failure(ExitCode.USAGE, "scoring error")),
    ("pipeline.scoring_jobs", "GenerationError", Failure(ExitCode.USAGE, "generate error")),
    ("data.errors", "DataError", Failure(ExitCode.DATA, "data error")),
    ("builtins", "FileNotFoundError", Failure(ExitCode.DATA, "missing file")),
    ("pipeline.lock", "LockedError", Failure(ExitCode.LOCKED, "locked")),
    ("pipeline.errors", "ChiefTimeoutError", Failure(ExitCode.ERROR, "timeout")),
    ("pipeline.errors", "DamagedStoreError", Failure(ExitCode.DATA, "damaged run store")),  # a damaged file
)


def loaded_rules() -> dict[type, Failure]:
    """The rules of :data:`RULES` whose module is loaded, by class (an error of another module's
    class cannot have been raised)."""
    rules = {}
    for module_name, class_name, failure in RULES:
        module = sys.modules.get(module_name)
        if module is not None:
            rules[getattr(module, class_name)] = failure
    return rules


def failure_for(error: BaseException) -> Failure:
    """How ``error`` leaves the command line: the rule of its most specific known type.

    A subclass of a known error gets its own rule when it has one, else its nearest base's.

    Args:
        error: What an entry point raised.

    Returns:
        Its failure; that of its signal (:data:`INTERRUPTIONS`) for a KeyboardInterrupt;
        :data:`UNEXPECTED` (exit 1, traceback logged) for any other error.
    """
    if isinstance(error, KeyboardInterrupt):
        return INTERRUPTIONS[as_interrupted(error).signum]
    rules = loaded_rules()
    for cls in type(error).__mro__:
        if cls in rules:
            return rules[cls]
    return UNEXPECTED


def exit_code_for(error: BaseException) -> ExitCode:
    """The exit code for ``error`` (see :func:`failure_for`)."""
    return failure_for(error).code
