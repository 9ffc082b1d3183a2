"""docs/cli.md, the command-line reference, generated from the argument parser.

Run ``python -m pipeline.cli.reference > docs/cli.md`` after changing a command or an option;
``tests/pipeline/cli/test_reference.py`` fails while the file is stale.
"""

from __future__ import annotations

import argparse
import os
import sys
from unittest import mock

from pipeline.cli.parser import DEFAULT_ROOT, build_parser

HEADER = """\
# rnnpipe command-line reference

Generated from the argument parser by `python -m pipeline.cli.reference > docs/cli.md`; do not edit
by hand. Every command also prints its part with `--help`. Exit codes: `0` success, `1` other error,
`2` usage or config error, `3` data error, `4` model not blessed, `5` pipeline root locked, `130`
interrupted by SIGINT, `143` by SIGTERM (see `rnnpipe --help` for each command's meaning of them).
Beam pipeline options go after `--`.
"""


def subcommands(parser: argparse.ArgumentParser) -> dict[str, argparse.ArgumentParser]:
    """The sub-command parsers of ``parser``, in the order they were added."""
    # argparse has no public accessor for its sub-parsers; the _SubParsersAction is where they are.
    actions = [action for action in parser._actions if isinstance(action, argparse._SubParsersAction)]
    return dict(actions[0].choices) if actions else {}


def help_text(parser: argparse.ArgumentParser) -> str:
    """The ``--help`` of ``parser`` at a fixed width, whatever the terminal."""
    with mock.patch.dict(os.environ, {"COLUMNS": "100"}):
        return parser.format_help()


def reference() -> str:
    """The whole reference as Markdown: ``rnnpipe --help``, then each command's ``--help``."""
    with mock.patch.dict(os.environ, {"RNNPIPE_ROOT": DEFAULT_ROOT}):  # the documented default, not this shell's
        parser = build_parser()
    parts = [HEADER, "## rnnpipe\n", "```text\n" + help_text(parser).rstrip() + "\n```\n"]
    for name, sub in subcommands(parser).items():
        parts += [f"## rnnpipe {name}\n", "```text\n" + help_text(sub).rstrip() + "\n```\n"]
    return "\n".join(parts)


if __name__ == "__main__":
    sys.stdout.write(reference())
