"""The user docs: a short README whose test command is the one CI runs, and links that resolve."""

from __future__ import annotations

import re
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
USER_DOCS = [REPO / "README.md", REPO / "CHANGELOG.md", REPO / "benchmarks" / "README.md",
             *sorted((REPO / "docs").glob("*.md"))]
LINK = re.compile(r"\]\(([^)\s]+)\)")


def test_the_readme_fits_on_a_few_screens():
    lines = (REPO / "README.md").read_text(encoding="utf-8").splitlines()
    assert len(lines) <= 300, f"README.md has {len(lines)} lines; move reference material to docs/"
    long = [number for number, line in enumerate(lines, 1) if len(line) > 200]
    assert not long, f"README.md lines over 200 characters: {long}"


def test_the_readme_test_command_is_the_one_ci_runs():
    ci = (REPO / ".ci" / "run").read_text(encoding="utf-8")
    command = re.search(r"(\.venv/bin/python -m pytest[^\n]*)", ci).group(1).strip()
    assert command in (REPO / "README.md").read_text(encoding="utf-8")


def test_every_relative_link_in_the_user_docs_resolves():
    broken = []
    for page in USER_DOCS:
        for target in LINK.findall(page.read_text(encoding="utf-8")):
            if re.match(r"[a-z]+://|mailto:|#", target):
                continue
            path = target.split("#", 1)[0]
            if not (page.parent / path).exists():
                broken.append(f"{page.relative_to(REPO)}: {target}")
    assert not broken, f"links to nothing: {broken}"
