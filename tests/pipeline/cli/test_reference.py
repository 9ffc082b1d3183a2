"""docs/cli.md is the parser's reference, regenerated whenever a command or option changes."""

from pipeline.cli.parser import build_parser
from pipeline.cli.reference import reference, subcommands
from tests.conftest import REPO


def test_docs_cli_md_is_up_to_date():
    assert (REPO / "docs" / "cli.md").read_text(encoding="utf-8") == reference(), \
        "docs/cli.md is stale: run  python -m pipeline.cli.reference > docs/cli.md"


def test_the_reference_has_every_command_with_its_help():
    text = reference()
    commands = subcommands(build_parser())
    assert list(commands) == ["run", "demo", "tune-worker", "score", "generate", "gc", "runs", "versions", "rollback",
                             "store", "init"]
    for name in commands:
        assert f"## rnnpipe {name}\n\n```text\nusage: rnnpipe {name} " in text
