"""SIGTERM and SIGINT as an exception that unwinds through a run's cleanup.

systemd, Airflow and ``kill`` send SIGTERM; Ctrl-C sends SIGINT. Within :func:`signals_interrupt`
(which the command line enters around each command) either one raises :class:`Interrupted` in the
main thread. It unwinds like any failure: the runner removes the step's staging folder, Beam stops
its workers, the run store marks the execution and the run ``interrupted``, and the command line
prints one line and exits 130 (SIGINT) or 143 (SIGTERM). A second signal ends the process at once,
as a kill does; the next run then cleans up after it.
"""

from __future__ import annotations

import logging
import os
import signal
import threading
from collections.abc import Iterator
from contextlib import contextmanager

from pipeline.children import descendants, end_processes

LOG = logging.getLogger("rnnpipe.interrupts")
SIGNALS = (signal.SIGTERM, signal.SIGINT)
# How long an interrupted step's child processes get to stop with it (Beam stops its workers in
# about a second) before they are killed, so that a shutdown that waits on one cannot hang.
CHILDREN_GRACE_SECONDS = 10.0


class Interrupted(KeyboardInterrupt):
    """The process was sent SIGTERM or SIGINT, and the current step ends.

    A :class:`KeyboardInterrupt`, so that code that lets Ctrl-C through (``except Exception``)
    lets SIGTERM through too.

    Attributes:
        signum: The signal received.
        component: The step that was running (a component, or the command when no component ran);
            None until :func:`during` names it.
        run_id: The run it interrupted; None when no run was recorded.
    """

    def __init__(self, signum: int):
        super().__init__(signal.Signals(signum).name)
        self.signum = signum
        self.component: str | None = None
        self.run_id: str | None = None

    @property
    def signal_name(self) -> str:
        """``SIGTERM`` or ``SIGINT``."""
        return signal.Signals(self.signum).name

    def describe(self) -> str:
        """What happened, in one line: the signal, the step and, for a run, what became of it."""
        what = f"interrupted by {self.signal_name}" + (f" during {self.component}" if self.component else "")
        if self.run_id is None:
            return what
        return (f"{what}; run {self.run_id} is marked interrupted and the step's partial outputs were removed "
                f"(the next run reuses the steps that finished)")


def as_interrupted(error: KeyboardInterrupt) -> Interrupted:
    """``error`` as an :class:`Interrupted`: a plain KeyboardInterrupt is SIGINT's (Python's own
    Ctrl-C, outside :func:`signals_interrupt`)."""
    if isinstance(error, Interrupted):
        return error
    interrupted = Interrupted(signal.SIGINT)
    interrupted.__cause__ = error
    return interrupted


@contextmanager
def during(step: str) -> Iterator[None]:
    """Names ``step`` in an interruption that passes through, unless a step inside named itself.

    Raises:
        Interrupted: On SIGTERM or SIGINT (a plain KeyboardInterrupt becomes one).
    """
    try:
        yield
    except KeyboardInterrupt as error:
        interrupted = as_interrupted(error)
        if interrupted.component is None:
            interrupted.component = step
        if interrupted is error:
            raise
        raise interrupted from error


@contextmanager
def signals_interrupt() -> Iterator[None]:
    """Within, SIGTERM and SIGINT raise :class:`Interrupted` in the main thread; the handlers that
    were installed before are restored after.

    The first signal restores the default action of both, so that a second one ends the process at
    once (a cleanup that hangs can still be stopped), and from then on a thread that fails (as Beam's
    do when their worker process got the signal too) is logged at debug level rather than printed.
    Child processes still running :data:`CHILDREN_GRACE_SECONDS` after the signal, or when the
    block is left, are killed: Beam's shutdown can wait forever on a worker that the signal reached
    before it connected. Outside the main thread, where Python cannot install handlers, nothing
    changes.
    """
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = {signum: signal.getsignal(signum) for signum in SIGNALS}
    previous_excepthook = threading.excepthook
    older = frozenset(descendants(os.getpid()))  # not this block's to end
    signalled = threading.Event()
    reaper = threading.Timer(CHILDREN_GRACE_SECONDS, end_children_left, (older, "did not stop"))
    reaper.daemon = True

    def interrupt(signum: int, frame) -> None:
        for each in SIGNALS:
            signal.signal(each, signal.SIG_DFL)
        threading.excepthook = log_quietly
        signalled.set()
        reaper.start()
        raise Interrupted(signum)

    for signum in SIGNALS:
        signal.signal(signum, interrupt)
    try:
        yield
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)
        if signalled.is_set():  # no child started within outlives the interrupted command
            reaper.cancel()
            end_children_left(older, "outlived the cleanup")
        threading.excepthook = previous_excepthook


def end_children_left(older: frozenset[int], why: str) -> None:
    """Kills the processes below this one that are not in ``older`` (Beam's workers, when Beam's
    shutdown waits on one that never connected, or leaves the grandchild of a shell it stopped)."""
    ended = end_processes([pid for pid in descendants(os.getpid()) if pid not in older])
    if ended:
        LOG.warning("interrupted: %d child process(es) %s; ended them (pids %s)", len(ended), why,
                    ", ".join(map(str, ended)))


def log_quietly(args: threading.ExceptHookArgs) -> None:
    """Logs, at debug level, the failure of a thread that the interruption stopped (e.g. Beam's
    ``run_worker``, whose worker process got the signal too), instead of printing its traceback."""
    LOG.debug("thread %s ended by the interruption", args.thread.name if args.thread else "?",
              exc_info=(args.exc_type, args.exc_value, args.exc_traceback))
