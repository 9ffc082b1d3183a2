"""The scheduling recipes call the CLI with options it really has."""

import ast
import re
import shlex

import pytest

from pipeline.cli import build_parser
from tests.conftest import REPO

SCHEDULES = REPO / "pipeline" / "schedules"


def commands_in(text: str) -> list[list[str]]:
    """Every ``rnnpipe ...`` command line in a recipe, Jinja placeholders filled with a dummy."""
    text = re.sub(r"\{\{[^}]*\}\}", "X", text.replace('"\n', " ").replace('"', " "))
    found = []
    for match in re.finditer(r"(?:\.venv/bin/|/)?rnnpipe (--log-format json )?(run|gc|score|demo)\b[^\n;>]*", text):
        found.append(shlex.split(match.group(0))[1:])
    return found


@pytest.mark.parametrize("name", ["airflow_rnnpipe.py", "rnnpipe-nightly.service", "crontab.example"])
def test_every_recipe_command_parses(name):
    text = (SCHEDULES / name).read_text()
    if name.endswith(".py"):
        ast.parse(text)  # the DAG file is valid Python
        text = "\n".join(node.value for node in ast.walk(ast.parse(text))
                         if isinstance(node, ast.Constant) and str(node.value).startswith("rnnpipe "))
    commands = commands_in(text)
    assert {command[command.index("--log-format") + 2 if "--log-format" in command else 0] for command in commands} \
        == {"run", "gc"}
    for command in commands:
        build_parser().parse_args(command)  # exits (SystemExit) on an unknown option
