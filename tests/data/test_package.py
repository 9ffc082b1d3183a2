"""Tests for the shape of the data package: no kind package imports another.

The project-wide rules (direction, cycles, module sizes) are in tests/test_layering.py.
"""

from data import KINDS
from tests.test_layering import import_graph


def test_no_kind_package_imports_another_kind():
    crossing = sorted(f"{name} -> {target}" for name, targets in import_graph().items() for target in targets
                      for kind in KINDS if target.startswith(f"data.{kind}")
                      and name.startswith("data.") and not name.startswith(f"data.{kind}"))
    assert crossing == []
