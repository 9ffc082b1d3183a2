"""Tests for checking a config section against its dataclass."""

from dataclasses import dataclass, field
from typing import Any, Mapping

import pytest

from pipeline.config_validation import ConfigError, build


@dataclass(frozen=True)
class Inner:
    """Nested."""

    depth: tuple[int, ...] = (1, 2)

    def __post_init__(self):
        if len(self.depth) != 2:
            raise ValueError(f"outer.inner.depth must be [min, max], got {list(self.depth)}")


@dataclass(frozen=True)
class Outer:
    """A section."""

    kind: str
    data: Any
    count: int = 1
    rate: float = 0.5
    flag: bool = False
    limit: float | None = 1.0
    first: int | str | None = None
    names: tuple[str, ...] = ()
    bounds: Mapping[str, float] = field(default_factory=dict)
    inner: Inner = field(default_factory=Inner)
    role: str = "local"


def make(raw, **provided):
    return build(Outer, raw, "outer", "cfg.yaml", {"kind": "k", "data": None, **provided}, hidden={"role"})


def test_values_are_checked_and_converted():
    data = object()
    built = make({"count": 3, "rate": 1, "flag": True, "limit": None, "first": "2026-11-23", "names": ["a"],
                  "bounds": {"rmse": 2}, "inner": {"depth": [1, 3]}}, data=data)
    assert (built.count, built.rate, built.flag, built.limit, built.first) == (3, 1.0, True, None, "2026-11-23")
    assert isinstance(built.rate, float) and built.names == ("a",) and built.inner == Inner((1, 3))
    assert built.bounds == {"rmse": 2.0} and built.data is data and built.role == "local"
    assert make({"first": 7}).first == 7


@pytest.mark.parametrize("raw,message", [
    ({"flag": "maybe"}, "key 'outer.flag' must be true or false, got 'maybe' (str)"),
    ({"flag": 1}, "key 'outer.flag' must be true or false, got 1 (int)"),
    ({"count": "3"}, "key 'outer.count' must be an integer, got '3' (str)"),
    ({"count": 3.0}, "key 'outer.count' must be an integer, got 3.0 (float)"),
    ({"count": True}, "key 'outer.count' must be an integer, got True (bool)"),
    ({"rate": True}, "key 'outer.rate' must be a number, got True (bool)"),
    ({"limit": "x"}, "key 'outer.limit' must be a number, got 'x' (str)"),
    ({"first": 2.5}, "key 'outer.first' must be an integer, got 2.5 (float)"),
    ({"names": "a"}, "key 'outer.names' must be a list, got 'a' (str)"),
    ({"names": ["a", 2]}, "key 'outer.names[1]' must be a string, got 2 (int)"),
    ({"bounds": [1]}, "key 'outer.bounds' must be a mapping, got [1] (list)"),
    ({"bounds": {"rmse": "x"}}, "key 'outer.bounds.rmse' must be a number, got 'x' (str)"),
    ({"inner": 3}, "key 'outer.inner' must be a mapping, got int"),
    ({"inner": {"depth": [1, "a"]}}, "key 'outer.inner.depth[1]' must be an integer, got 'a' (str)"),
    ({"inner": {"depth": [1]}}, "outer.inner: outer.inner.depth must be [min, max], got [1]"),
    ({"cuont": 1}, "unknown key 'outer.cuont' (did you mean 'count'?)"),
    ({"inner": {"dept": [1, 2]}}, "unknown key 'outer.inner.dept' (did you mean 'depth'?)"),
    ({"kind": "x"}, "unknown key 'outer.kind'; known keys: bounds, count, "),
    ({"role": "chief"}, "unknown key 'outer.role'"),
])
def test_bad_values_name_the_file_and_the_dotted_key(raw, message):
    with pytest.raises(ConfigError) as raised:
        make(raw)
    assert str(raised.value).startswith(f"cfg.yaml: {message}")


def test_a_section_must_be_a_mapping():
    with pytest.raises(ConfigError, match="cfg.yaml: key 'outer' must be a mapping, got list"):
        make([1])
