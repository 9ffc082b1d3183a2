"""Cache keys: what an execution's results depend on, hashed.

A key covers the component's name, its code, its params (less those that choose only where or how
work runs), its inputs' fingerprints, the raw files it reads and the served baseline it compares
with. Its code is the source of the component's module and of the project modules it imports,
transitively (imports inside functions too), plus the package of the dataset kind it runs on;
not the whole tree, so editing scoring code or another dataset kind keeps a pipeline cached.
"""

from __future__ import annotations

import ast
import dataclasses
import hashlib
import json
from pathlib import Path
from typing import Any, Iterable, Mapping, Sequence

import components
from components.types import Artifact
from data.contract import DataConfig
from data.registry import REGISTERED
from pipeline.dag import Node

# The packages whose modules count as a component's code; imports of anything else are not followed.
PROJECT_PACKAGES = ("components", "models", "data")
SOURCE_ROOT = Path(components.__file__).resolve().parent.parent
# Params that choose where or how work runs, not what it computes: left out of cache keys.
NOT_IN_CACHE_KEY = ("beam_args", "role", "chief_address")


def module_file(module: str, root: Path = SOURCE_ROOT) -> Path | None:
    """The source file of a project module below ``root`` (a package's ``__init__.py``), or None."""
    if module.split(".")[0] not in PROJECT_PACKAGES:
        return None
    base = root.joinpath(*module.split("."))
    for path in (base.with_suffix(".py"), base / "__init__.py"):
        if path.is_file():
            return path
    return None


def imported_modules(path: Path, module: str, source: bytes | None = None) -> set[str]:
    """The modules one source file imports, anywhere in it, with the packages that contain them.

    ``from package import name`` counts ``package.name`` too: it may be a module.

    Args:
        path: The module's source file.
        module: The module's name.
        source: The file's bytes, when already read.
    """
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    named: set[str] = set()
    source = path.read_bytes() if source is None else source
    for node in ast.walk(ast.parse(source, filename=str(path))):
        if isinstance(node, ast.Import):
            named.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parent = package.split(".")[:len(package.split(".")) - node.level + 1]
                base = ".".join([*parent, *([base] if base else [])])
            named.add(base)
            named.update(f"{base}.{alias.name}" for alias in node.names if alias.name != "*")
    parents = {".".join(name.split(".")[:end]) for name in named for end in range(1, name.count(".") + 1)}
    return {name for name in named | parents if name}


class SourceTree:
    """The project's source below one root, each file read and parsed at most once.

    One instance serves one pass over a DAG (a run, or a tuning worker's look-up), so that nodes
    importing the same modules do not read them again, and an edit between passes is still seen.
    """

    def __init__(self, root: Path = SOURCE_ROOT):
        self.root = root
        self._sources: dict[Path, bytes] = {}
        self._imports: dict[str, set[str]] = {}
        self._kinds: dict[str, list[str]] = {}

    def source(self, path: Path) -> bytes:
        """The bytes of one source file."""
        if path not in self._sources:
            self._sources[path] = path.read_bytes()
        return self._sources[path]

    def imports(self, path: Path, module: str) -> set[str]:
        """What one module imports (see :func:`imported_modules`)."""
        if module not in self._imports:
            self._imports[module] = imported_modules(path, module, self.source(path))
        return self._imports[module]

    def kind_modules(self, kind: str) -> list[str]:
        """See :func:`kind_modules`."""
        if kind not in self._kinds:
            self._kinds[kind] = kind_modules(kind, self.root)
        return self._kinds[kind]

    def files(self, modules: Iterable[str]) -> list[Path]:
        """See :func:`source_files`."""
        found: dict[str, Path] = {}
        pending = list(modules)
        while pending:
            module = pending.pop()
            path = None if module in found else module_file(module, self.root)
            if path is not None:
                found[module] = path
                pending.extend(self.imports(path, module))
        return sorted(set(found.values()))

    def fingerprint(self, node: Node) -> str:
        """See :func:`code_fingerprint`."""
        own = self.kind_modules(node.kind) if node.kind else []
        digest = hashlib.sha256()
        for path in self.files([node.spec.module, *own]):
            digest.update(path.relative_to(self.root).as_posix().encode() + b"\0")
            digest.update(self.source(path))
        return digest.hexdigest()


def source_files(modules: Iterable[str], root: Path = SOURCE_ROOT) -> list[Path]:
    """The project source files of ``modules`` and of every project module they import, transitively.

    Args:
        modules: Module names to start from.
        root: The source tree (the folder holding ``components/``).

    Returns:
        The files, sorted.
    """
    return SourceTree(root).files(modules)


def kind_package(kind: str) -> str:
    """The package (or, for a one-module kind, the module) a dataset kind is registered as."""
    packages = dict(REGISTERED)
    if kind not in packages:
        raise ValueError(f"unknown dataset kind {kind!r}; expected one of {', '.join(packages)}")
    return packages[kind]


def kind_modules(kind: str, root: Path = SOURCE_ROOT) -> list[str]:
    """Every module of a dataset kind's package (or its one module) below ``root``."""
    package = kind_package(kind)
    path = module_file(package, root)
    if path is None or path.name != "__init__.py":
        return [package]
    return sorted(".".join((package, *file.relative_to(path.parent).with_suffix("").parts)).removesuffix(".__init__")
                  for file in path.parent.rglob("*.py"))


def code_fingerprint(node: Node, root: Path = SOURCE_ROOT) -> str:
    """Hash of a node's code: its component's module, its dataset kind's package, and what they import.

    The registry finds a kind's package by name at run time, so other kinds are not part of it.
    For several nodes, :meth:`SourceTree.fingerprint` of one tree reads each file once.
    """
    return SourceTree(root).fingerprint(node)


def key_data(value: Any) -> Any:
    """A params value as JSON-able data that is the same in every process.

    Dataclasses become mappings of their fields, as with ``dataclasses.asdict``; a dataset config
    (:class:`~data.contract.DataConfig`) also names its kind under ``KIND``, so the configs of two
    kinds never hash alike. Tuples become lists, as JSON has them.
    """
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        attributes = vars(value)  # a (non-slots) dataclass keeps its fields as instance attributes
        fields = {f.name: key_data(attributes[f.name]) for f in dataclasses.fields(value)}
        return {"KIND": value.KIND, **fields} if isinstance(value, DataConfig) else fields
    if isinstance(value, Mapping):
        return {key: key_data(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [key_data(item) for item in value]
    return value


def params_for_key(params: Any, gate_params: Sequence[str] = ()) -> Any:
    """The params as JSON-able data (see :func:`key_data`), without fields that do not change results."""
    as_dict = key_data(params)
    for name in (*NOT_IN_CACHE_KEY, *gate_params):
        as_dict.pop(name, None)
    return as_dict


def baseline_of(node: Node, inputs: Mapping[str, Artifact]) -> str | None:
    """The identity of the served version the node compares with (``"none"`` for none), or None
    when its component compares with no served version."""
    return node.spec.baseline(node.params, inputs) if node.spec.baseline is not None else None


def cache_key(node: Node, inputs: Mapping[str, Artifact], code: str, baseline: str | None = None) -> str:
    """Hash of the component name, its code, params, input fingerprints, raw inputs and baseline.

    Args:
        node: The DAG node.
        inputs: Its input artifacts.
        code: Its :func:`code_fingerprint`.
        baseline: Its :func:`baseline_of`.
    """
    payload = {
        "component": node.name,
        "code": code,
        "params": params_for_key(node.params, node.spec.gate_params),
        "inputs": {name: artifact.fingerprint for name, artifact in sorted(inputs.items())},
    }
    if node.spec.input_fingerprint is not None:
        payload["external"] = node.spec.input_fingerprint(node.params)
    if baseline is not None:
        payload["baseline"] = baseline
    return hashlib.sha256(json.dumps(payload, sort_keys=True, default=str).encode()).hexdigest()
