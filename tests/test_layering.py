"""The import rules of the project's layers, checked on the source with ``ast``.

- The direction is pipeline -> components -> (models, data): ``models/`` and ``data/`` import
  neither each other nor anything from ``components/`` or ``pipeline/``, and ``components/``
  nothing from ``pipeline/``.
- No module is over 450 lines.
- No component imports another component: a component module imports only the shared modules
  below (artifact layouts and helpers), and modules of its own sub-package.
- No two project modules import each other, directly or through others (imports inside
  functions count too).
"""

from __future__ import annotations

import ast
from pathlib import Path

from tests.conftest import REPO

PACKAGES = ("pipeline", "components", "models", "data")
MAX_LINES = 450
# Modules of components/ that are not DAG components: artifact layouts and helpers every component may use.
SHARED_COMPONENT_MODULES = (
    "components",  # the package itself
    "components.artifacts",  # and every module below it: one per artifact type
    "components.beam_options",
    "components.contract",
    "components.plots",
    "components.serving",
    "components.types",
)


def module_name(path: Path) -> str:
    parts = path.relative_to(REPO).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def project_modules() -> dict[str, Path]:
    """Every module of the project's packages, by dotted name."""
    return {module_name(path): path for package in PACKAGES for path in sorted((REPO / package).rglob("*.py"))}


def imports_of(name: str, path: Path, modules: dict[str, Path]) -> set[str]:
    """The project modules ``name`` imports, anywhere in its source."""
    is_package = path.name == "__init__.py"
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = name.split(".")
                anchor = anchor[:len(anchor) - node.level + (1 if is_package else 0)]
                base = ".".join([*anchor, *([base] if base else [])])
            targets = [f"{base}.{alias.name}" if f"{base}.{alias.name}" in modules else base for alias in node.names]
        else:
            continue
        for target in targets:
            while target and target not in modules:  # "import a.b.c" of a name inside a module
                target = target.rpartition(".")[0]
            if target and target != name:
                found.add(target)
    return found


def import_graph() -> dict[str, set[str]]:
    modules = project_modules()
    return {name: imports_of(name, path, modules) for name, path in modules.items()}


def top(name: str) -> str:
    return name.split(".")[0]


def is_shared(name: str) -> bool:
    return any(name == shared or name.startswith(shared + ".") and shared != "components"
               for shared in SHARED_COMPONENT_MODULES)


def test_the_graph_sees_the_projects_imports():
    graph = import_graph()
    assert "components.artifacts.serving" in graph["pipeline.gc"]
    assert "models.input_pipeline" in graph["components.trainer"]
    assert len(graph) > 30


def test_lower_layers_import_nothing_above_them():
    above = {"models": {"components", "pipeline", "data"}, "data": {"components", "pipeline", "models"},
             "components": {"pipeline"}}
    wrong = sorted(f"{name} -> {target}" for name, targets in import_graph().items() for target in targets
                   if top(target) in above.get(top(name), set()))
    assert wrong == []


def test_no_component_imports_another_component():
    wrong, modules = [], project_modules()
    for name, targets in import_graph().items():
        if top(name) != "components" or is_shared(name):
            continue
        package = name if modules[name].name == "__init__.py" else name.rpartition(".")[0]
        for target in targets:
            own_package = package != "components" and (target == package or target.startswith(package + "."))
            if top(target) == "components" and not is_shared(target) and not own_package:
                wrong.append(f"{name} -> {target}")
    assert sorted(wrong) == []


def test_no_import_cycles():
    graph = import_graph()
    index, low, stack, on_stack, cycles = {}, {}, [], set(), []

    def visit(node):  # Tarjan's strongly connected components
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for target in sorted(graph.get(node, ())):
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in on_stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                cycles.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    assert cycles == []


def test_every_module_is_small():
    sizes = {name: len(path.read_text(encoding="utf-8").splitlines()) for name, path in project_modules().items()}
    assert {name: lines for name, lines in sizes.items() if lines > MAX_LINES} == {}
