"""The one mapping from an exception to the documented exit code and message label."""

import signal

import pytest

from components.scoring import ScoringError
from data.errors import DataError
from pipeline.config import ConfigError
from pipeline.errors import ChiefTimeoutError, RunLookupError, UsageError
from pipeline.exit_codes import UNEXPECTED, ExitCode, Failure, exit_code_for, failure_for
from pipeline.interrupts import Interrupted
from pipeline.lock import LockedError
from pipeline.scoring_jobs import GenerationError


def test_the_codes_are_the_documented_ones():
    assert [(code.name, int(code)) for code in ExitCode] == [
        ("OK", 0), ("ERROR", 1), ("USAGE", 2), ("DATA", 3), ("NOT_BLESSED", 4), ("LOCKED", 5),
        ("INTERRUPTED", 130), ("TERMINATED", 143)]


@pytest.mark.parametrize("error,code,label", [
    (ConfigError("x.yaml: unknown key 'trainer.epoch'"), ExitCode.USAGE, "config error"),
    (UsageError("--worker-id must be >= 0"), ExitCode.USAGE, "usage error"),
    (RunLookupError("no run 'nope' in root"), ExitCode.USAGE, ""),
    (ScoringError("no version"), ExitCode.USAGE, "scoring error"),
    (GenerationError("no generate signature"), ExitCode.USAGE, "generate error"),
    (DataError("no input file matches data.path"), ExitCode.DATA, "data error"),
    (FileNotFoundError("schema.json"), ExitCode.DATA, "missing file"),
    (LockedError("pipeline root r is locked by another run"), ExitCode.LOCKED, "locked"),
    (ChiefTimeoutError("the chief's run did not reach the tuner"), ExitCode.ERROR, "timeout"),
])
def test_each_error_type_gets_its_code_and_label(error, code, label):
    assert failure_for(error) == Failure(code, label)
    assert exit_code_for(error) == code


@pytest.mark.parametrize("error", [RuntimeError("boom"), ValueError("bad"), TimeoutError("slow"), KeyError("k")])
def test_any_other_error_is_unexpected_exit_1_with_its_traceback_logged(error):
    assert failure_for(error) is UNEXPECTED
    assert UNEXPECTED.code == ExitCode.ERROR and not UNEXPECTED.expected


def test_a_subclass_of_a_known_error_gets_its_base_rule():
    class SchemaDrift(DataError):
        pass

    assert failure_for(SchemaDrift("drift")) == Failure(ExitCode.DATA, "data error")


@pytest.mark.parametrize("error,code", [(Interrupted(signal.SIGTERM), ExitCode.TERMINATED),
                                        (Interrupted(signal.SIGINT), ExitCode.INTERRUPTED),
                                        (KeyboardInterrupt(), ExitCode.INTERRUPTED)])
def test_an_interruption_exits_128_plus_its_signal(error, code):
    assert failure_for(error) == Failure(code, "interrupted")
    assert int(exit_code_for(error)) == 128 + (error.signum if isinstance(error, Interrupted) else signal.SIGINT)
