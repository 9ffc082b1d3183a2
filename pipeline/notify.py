"""Telling people of a run's end: the ``notify:`` hooks, each a command or an ``http(s)://`` URL.

A command is split into words as a POSIX shell would (:func:`shlex.split`) and run directly,
without a shell, with the JSON summary on its standard input. So its words are passed as written:
no pipes, redirections, ``$VARIABLES`` or globs. A command that needs them names its shell
(``sh -c '... | mail ...'``); a hook whose words hold an unquoted shell operator is refused when the
config loads, saying so. The command runs in a session of its own, and on timeout its whole process
group is killed. A URL is POSTed the same JSON (``Content-Type: application/json``).

Each hook also gets ``"event"`` (``failure``, ``not_blessed``, ``push`` or ``success``) in its JSON,
and a command the environment variables ``RNNPIPE_EVENT``, ``RNNPIPE_RUN_ID`` and ``RNNPIPE_STATUS``.
A hook that fails, cannot start or outlives ``notify.timeout_seconds`` is logged (its key, what it
is, why) and changes nothing else: not the run's record, not its exit code.
"""

from __future__ import annotations

import json
import logging
import os
import shlex
import signal
import subprocess
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from pipeline.exit_codes import exit_code_for
from pipeline.interrupts import Interrupted

LOG = logging.getLogger("rnnpipe.notify")
EVENTS = ("failure", "not_blessed", "push", "success")  # in the order their hooks are called
URL_SCHEMES = ("http", "https")
SHELL_OPERATORS = set("|&;<>()")
OUTPUT_SHOWN = 500  # characters of a failed command's standard error that the log shows


@dataclass(frozen=True)
class HookOutcome:
    """What one hook did.

    Attributes:
        event: The event it was called for.
        key: Its config key, e.g. ``notify.on_failure``.
        target: What it is, for the log: the program's name, or the URL's scheme and host.
        ok: Whether it succeeded.
        detail: How it ended (``exit 0``, ``HTTP 200``) or why it failed.
    """

    event: str
    key: str
    target: str
    ok: bool
    detail: str


def is_url(hook: str) -> bool:
    """Whether a hook value is a URL (``scheme://...``) rather than a command."""
    return "://" in hook.split(None, 1)[0] if hook.strip() else False


def check_hook(key: str, hook: str) -> None:
    """Checks one hook value of the config; the empty string means no hook.

    Raises:
        ValueError: Naming ``key``: a URL whose scheme is not http or https or that has no host, a
            command that cannot be split (an unclosed quote), that is only blanks, or that has an
            unquoted shell operator (hooks run without a shell).
    """
    if not hook:
        return
    if is_url(hook):
        url = urllib.parse.urlsplit(hook.strip())
        if url.scheme.lower() not in URL_SCHEMES:
            raise ValueError(f"{key}: {hook!r} is a {url.scheme or 'schemeless'}:// URL; a hook is an http:// or "
                             f"https:// URL or a command")
        if not url.hostname:
            raise ValueError(f"{key}: URL {hook!r} has no host")
        return
    try:
        words = shlex.split(hook)
    except ValueError as error:  # e.g. "No closing quotation"
        raise ValueError(f"{key}: command {hook!r} cannot be split into words: {error}") from None
    if not words:
        raise ValueError(f"{key}: command {hook!r} is empty; leave the key unset for no hook")
    lexer = shlex.shlex(hook, posix=False, punctuation_chars=True)  # keeps quotes: a quoted '|' is no operator
    lexer.whitespace_split = True
    operators = [word for word in lexer if set(word) <= SHELL_OPERATORS]
    if operators:
        raise ValueError(f"{key}: command {hook!r} uses the shell operator {operators[0]!r}, but hooks run without "
                         f"a shell; write the shell out, e.g. sh -c '...'")


def run_events(summary) -> tuple[str, ...]:
    """The events of a completed run: ``success`` always, ``not_blessed`` when no model is blessed or
    served by it (exit code 4), ``push`` when it published a new version.

    Args:
        summary: The run's :class:`~pipeline.summary.RunSummary`.
    """
    return (*(("not_blessed",) if summary.not_blessed else ()),
            *(("push",) if summary.pushed_version is not None else ()), "success")


def failure_summary(run_id: str, pipeline: str, error: BaseException, status: str) -> dict[str, Any]:
    """What the ``failure`` hook gets for a run that ``error`` ended: its id and pipeline, its
    ``status`` as recorded (``failed`` or ``interrupted``), the error, the exit code it gives and, for
    an interruption, the signal and the component it stopped."""
    summary = {"run_id": run_id, "pipeline": pipeline, "status": status,
               "error": error.describe() if isinstance(error, Interrupted) else f"{type(error).__name__}: {error}",
               "exit_code": int(exit_code_for(error))}
    if isinstance(error, Interrupted):
        summary.update(signal=error.signal_name, component=error.component)
    return summary


def hooks(settings) -> dict[str, str]:
    """The hook of each event (``""`` for none), by event, from the config's ``notify`` section."""
    return {"failure": settings.on_failure, "not_blessed": settings.on_not_blessed, "push": settings.on_push,
            "success": settings.on_success}


def notify(settings, summary: Mapping[str, Any], events: Iterable[str]) -> list[HookOutcome]:
    """Calls the hook of each event that has one, in the order of :data:`EVENTS`. Never raises.

    Args:
        settings: The config's :class:`~pipeline.config.NotifySettings`.
        summary: The run's JSON summary (:meth:`RunSummary.to_dict`, or :func:`failure_summary`).
        events: Some of ``failure``, ``not_blessed``, ``push``, ``success``.

    Returns:
        What each hook called did; each is logged too (a failure as a warning).
    """
    wanted = set(events)
    outcomes = []
    for event, hook in hooks(settings).items():
        if event in wanted and hook:
            key = f"notify.on_{event}"
            try:
                outcome = call_hook(key, hook, event, summary, settings.timeout_seconds)
            except Exception as error:  # a hook must not fail the run; what went wrong is its outcome
                outcome = HookOutcome(event, key, "hook", False, f"{type(error).__name__}: {error}")
            (LOG.info if outcome.ok else LOG.warning)("%s (%s, %s): %s%s", outcome.key, outcome.target, event,
                                                      "" if outcome.ok else "hook failed: ", outcome.detail)
            outcomes.append(outcome)
    return outcomes


def call_hook(key: str, hook: str, event: str, summary: Mapping[str, Any], timeout: float) -> HookOutcome:
    """Calls one hook with ``{"event": event, **summary}``; any failure is its outcome, not raised."""
    payload = json.dumps({"event": event, **summary}, default=str).encode()
    if is_url(hook):
        target = redacted(hook)
        ok, detail = post(hook.strip(), payload, timeout)
    else:
        words = shlex.split(hook)
        target = f"command {os.path.basename(words[0])!r}"
        environment = {**os.environ, "RNNPIPE_EVENT": event, "RNNPIPE_RUN_ID": str(summary.get("run_id", "")),
                       "RNNPIPE_STATUS": str(summary.get("status", ""))}
        ok, detail = run_command(words, payload, timeout, environment)
    return HookOutcome(event, key, target, ok, detail)


def redacted(url: str) -> str:
    """A URL's scheme and host only: webhook URLs often carry a secret token in their path."""
    parts = urllib.parse.urlsplit(url.strip())
    return f"{parts.scheme}://{parts.netloc.rpartition('@')[2]}/..."


def post(url: str, payload: bytes, timeout: float) -> tuple[bool, str]:
    """POSTs ``payload`` as JSON; ``(ok, detail)``. ``timeout`` bounds the connection and each read."""
    request = urllib.request.Request(url, data=payload, method="POST",
                                     headers={"Content-Type": "application/json", "User-Agent": "rnnpipe"})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return True, f"HTTP {response.status}"
    except urllib.error.HTTPError as error:
        return False, f"HTTP {error.code} {error.reason}"
    except urllib.error.URLError as error:
        return False, f"cannot reach it: {error.reason}"
    except (OSError, ValueError) as error:  # a timeout while reading, a reset connection, a bad URL
        return False, f"{type(error).__name__}: {error}"


def run_command(words: list[str], payload: bytes, timeout: float, environment: dict[str, str]) -> tuple[bool, str]:
    """Runs a command with ``payload`` on its standard input, in its own session; ``(ok, detail)``.

    Its output is kept from rnnpipe's own (whose last line may be ``--json``'s): its standard output is
    logged at debug level, the end of its standard error in the failure's detail. On timeout, or when
    rnnpipe itself is interrupted meanwhile, its whole process group is killed.
    """
    started = time.monotonic()
    try:
        process = subprocess.Popen(words, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                   start_new_session=True, env=environment)
    except OSError as error:  # not found, not executable
        return False, f"cannot start {words[0]!r}: {error.strerror or error}"
    try:
        out, err = process.communicate(payload, timeout=timeout)
    except subprocess.TimeoutExpired:
        kill_group(process)
        return False, f"timed out after {timeout:g}s (notify.timeout_seconds); its process group was killed"
    finally:
        if process.poll() is None:  # interrupted while it ran
            kill_group(process)
    LOG.debug("%s printed: %s", words[0], out.decode(errors="replace")[-OUTPUT_SHOWN:])
    if process.returncode != 0:
        said = err.decode(errors="replace").strip()[-OUTPUT_SHOWN:]
        return False, f"exit {process.returncode}" + (f": {said}" if said else "")
    return True, f"exit 0 in {time.monotonic() - started:.1f}s"


def kill_group(process: subprocess.Popen) -> None:
    """Kills a hook's process group (it leads its own session) and reaps it."""
    try:
        os.killpg(process.pid, signal.SIGKILL)
    except ProcessLookupError:  # it ended meanwhile
        pass
    try:
        process.communicate(timeout=5)  # what it left in the pipes; bounded, as a stray process may hold them
    except subprocess.TimeoutExpired:
        pass
