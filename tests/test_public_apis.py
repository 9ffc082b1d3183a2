"""Library internals are used only where no public API exists, each with its reason at the line."""

from __future__ import annotations

import re

from tests.test_layering import project_modules

# Private modules and members this project replaced with public ones; none may come back.
REPLACED = (r"keras_tuner\.src\b", r"\b_flatten_layers\b", r"\bkeras\.src\b", r"\btf\.keras\b")
# A library's private member (``obj._name``) on a line of ours: it must say why, on that line or the one above.
PRIVATE_MEMBER = re.compile(r"(?<!self)(?<!cls)\.(_[a-z]\w*)")


def test_no_replaced_private_api_is_used():
    found = [f"{name}: {pattern}" for name, path in project_modules().items()
             for pattern in REPLACED if re.search(pattern, path.read_text(encoding="utf-8"))]
    assert found == []


def test_every_private_member_of_a_library_carries_its_reason():
    bare = []
    for name, path in project_modules().items():
        lines = path.read_text(encoding="utf-8").splitlines()
        for number, line in enumerate(lines):
            code = line.split("#", 1)[0]
            if PRIVATE_MEMBER.search(code) and "#" not in line and "#" not in lines[number - 1]:
                bare.append(f"{name}:{number + 1}: {line.strip()}")
    assert bare == []
