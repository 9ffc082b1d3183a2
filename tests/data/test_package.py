"""Tests for the shape of the data package: its layering, import graph and module sizes."""

import ast
from pathlib import Path

DATA = Path(__file__).resolve().parents[2] / "data"
MAX_LINES = 450


def module_name(path: Path) -> str:
    parts = path.relative_to(DATA.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


PATHS = {module_name(path): path for path in sorted(DATA.rglob("*.py"))}


def imports_of(path: Path) -> set[str]:
    """Every module an import anywhere in the file names (also inside functions); ``from package
    import module`` names the module, ``from module import name`` the module."""
    names = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            submodules = {f"{node.module}.{alias.name}" for alias in node.names} & set(PATHS)
            names.update(submodules or {node.module})
    return names


MODULES = {module: imports_of(path) for module, path in PATHS.items()}


def test_data_imports_nothing_from_components_or_pipeline():
    upward = {module: sorted(name for name in names if name.split(".")[0] in ("components", "pipeline"))
              for module, names in MODULES.items()}
    assert {module: names for module, names in upward.items() if names} == {}


def test_no_two_data_modules_import_each_other_directly_or_through_others():
    graph = {module: {name for name in names if name in MODULES and name != module} for module, names in MODULES.items()}

    def cycle_from(start):
        stack, seen = [(start, [start])], set()
        while stack:
            module, path = stack.pop()
            for name in graph[module]:
                if name == start:
                    return path + [name]
                if name not in seen:
                    seen.add(name)
                    stack.append((name, path + [name]))
        return None

    assert [cycle for cycle in map(cycle_from, graph) if cycle] == []


def test_no_kind_package_imports_another_kind():
    kinds = ("timeseries", "imdb", "mnist", "charlm")
    crossing = {module: sorted(name for name in names for other in kinds
                               if name.startswith(f"data.{other}") and not module.startswith(f"data.{other}"))
                for module, names in MODULES.items()}
    assert {module: names for module, names in crossing.items() if names} == {}


def test_every_module_is_small():
    sizes = {str(path.relative_to(DATA.parent)): len(path.read_text().splitlines()) for path in DATA.rglob("*.py")}
    assert {path: lines for path, lines in sizes.items() if lines > MAX_LINES} == {}
