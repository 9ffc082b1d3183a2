"""The ``rnnpipe`` command line: parses arguments, calls :mod:`pipeline.api`, prints.

Modules: :mod:`~pipeline.cli.parser` (the commands and options), :mod:`~pipeline.cli.commands`
(one handler per command), :mod:`~pipeline.cli.output` (what is printed), :mod:`~pipeline.cli.logs`
(quiet by default), :mod:`~pipeline.cli.reference` (docs/cli.md).
"""

from __future__ import annotations

import logging
import sys
from collections.abc import Sequence

from pipeline.cli.commands import FAILED, HANDLERS, USES_TENSORFLOW
from pipeline.cli.logs import configure_logging, quiet_tensorflow_startup
from pipeline.cli.output import format_run, print_failure, print_interrupted, print_summary
from pipeline.cli.parser import build_parser
from pipeline.exit_codes import ExitCode, failure_for
from pipeline.interrupts import as_interrupted, during, signals_interrupt

__all__ = ["build_parser", "format_run", "main", "print_summary", "split_beam_args"]


def split_beam_args(argv: Sequence[str]) -> tuple[list[str], list[str]]:
    """Splits the command line at ``--``: rnnpipe's arguments, then Beam's."""
    argv = list(argv)
    if "--" in argv:
        index = argv.index("--")
        return argv[:index], argv[index + 1:]
    return argv, []


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``rnnpipe`` console script. Returns the exit code."""
    own, beam_args = split_beam_args(sys.argv[1:] if argv is None else argv)
    parser = build_parser()
    try:
        args = parser.parse_args(own)
    except SystemExit as exit_:
        return int(exit_.code or 0) and ExitCode.USAGE
    if args.command is None:
        parser.print_help()
        return ExitCode.USAGE
    configure_logging(args.log_format, args.verbose)
    try:
        with signals_interrupt(), during(args.command):
            if args.command in USES_TENSORFLOW and not args.verbose:
                quiet_tensorflow_startup()
            return HANDLERS[args.command](args, beam_args)
    except KeyboardInterrupt as error:  # SIGINT or SIGTERM, after the step's cleanup: one line, 130 or 143
        interrupted = as_interrupted(error)
        code = failure_for(interrupted).code
        print_interrupted(interrupted, int(code), args.json)
        return code
    except Exception as error:  # every failure leaves here: one line and its code; the run store has details
        failure = failure_for(error)
        if not failure.expected:
            logging.getLogger("rnnpipe").exception(FAILED[args.command])
        print_failure(failure.label, error, int(failure.code), args.json)
        return failure.code
