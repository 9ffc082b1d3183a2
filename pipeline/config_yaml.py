"""Reading a config's YAML: the file's text and the values of ``--set``.

PyYAML's safe loader keeps the last of two equal keys in a mapping, so a second ``trainer:``
section would silently replace the first; here it is an error naming both lines. A file that is
not UTF-8 is an error naming the byte and its offset, and a ``--set`` value that is not YAML
names the option and the key (``{SPAN}`` starts a YAML mapping, so such values need quotes).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from pipeline.config_validation import ConfigError

SET_QUOTING = "quote it, e.g. --set 'data.path=\"{SPAN}/series.csv\"'"


class DuplicateKeyError(yaml.YAMLError):
    """A mapping holds the same key twice.

    Attributes:
        key: The dotted key.
        lines: The 1-based lines of its first and second occurrence.
    """

    def __init__(self, key: str, lines: tuple[int, int]):
        super().__init__(f"key {key!r} appears twice, on lines {lines[0]} and {lines[1]}")
        self.key, self.lines = key, lines


def check_unique_keys(loader: yaml.SafeLoader, node: yaml.Node, where: str = "",
                      visited: set[int] | None = None) -> None:
    """Raises :class:`DuplicateKeyError` for the first key that a mapping below ``node`` repeats.

    Keys are compared as the loader constructs them (``1`` and ``"1"`` differ, ``true`` and
    ``True`` do not). Merge keys (``<<``) are left to the loader: the keys they bring in may be
    overridden on purpose. A node reached again through an alias is checked once.
    """
    visited = set() if visited is None else visited
    if id(node) in visited:
        return
    visited.add(id(node))
    if isinstance(node, yaml.MappingNode):
        seen: dict[Any, int] = {}
        for key_node, value_node in node.value:
            if key_node.tag == "tag:yaml.org,2002:merge":
                continue
            key = loader.construct_object(key_node, deep=True)
            dotted = f"{where}.{key}" if where else str(key)
            line = key_node.start_mark.line + 1
            try:
                if key in seen:
                    raise DuplicateKeyError(dotted, (seen[key], line))
                seen[key] = line
            except TypeError:  # a mapping or a list as a key: refused later, as not a string
                pass
            check_unique_keys(loader, value_node, dotted, visited)
    elif isinstance(node, yaml.SequenceNode):
        for index, item in enumerate(node.value):
            check_unique_keys(loader, item, f"{where}[{index}]", visited)


def safe_load_unique(text: str) -> Any:
    """``yaml.safe_load(text)``, refusing repeated mapping keys.

    Raises:
        yaml.YAMLError: On bad YAML; :class:`DuplicateKeyError` on a repeated key.
    """
    loader = yaml.SafeLoader(text)
    try:
        node = loader.get_single_node()
        if node is None:
            return None
        check_unique_keys(loader, node)
        return loader.construct_document(node)
    finally:
        loader.dispose()


def read_config_yaml(path: str | Path) -> dict:
    """The top-level mapping of a YAML config file (empty for an empty file).

    Raises:
        ConfigError: If the file is missing or unreadable, is not UTF-8, is not valid YAML,
            repeats a key, or does not hold a mapping; naming the file.
    """
    source = str(path)
    try:
        raw_bytes = Path(path).read_bytes()
    except FileNotFoundError:
        raise ConfigError(f"config file {source} does not exist") from None
    except OSError as error:
        raise ConfigError(f"config file {source} cannot be read: {error}") from None
    try:
        text = raw_bytes.decode("utf-8")
    except UnicodeDecodeError as error:
        raise ConfigError(f"config file {source} is not UTF-8 text: byte 0x{raw_bytes[error.start]:02x} at "
                          f"offset {error.start}; save it as UTF-8") from None
    try:
        raw = safe_load_unique(text) or {}
    except DuplicateKeyError as error:
        raise ConfigError(f"config file {source}: {error}; keep one") from None
    except yaml.YAMLError as error:
        raise ConfigError(f"config file {source} is not valid YAML: {error}") from None
    if not isinstance(raw, dict):
        raise ConfigError(f"config file {source}: expected a mapping at the top level")
    return raw


def parse_set_value(option: str, key: str, value: str) -> Any:
    """The YAML value of ``--set KEY=VALUE`` (``1``, ``true``, ``[a, b]``; None when empty).

    Args:
        option: The whole option text, for messages.
        key: Its dotted key, for messages.
        value: The text after ``=``.

    Raises:
        ConfigError: If the value is not valid YAML or repeats a key, naming the option and the key.
    """
    if not value.strip():
        return None
    try:
        return safe_load_unique(value)
    except yaml.YAMLError as error:
        problem = " ".join(str(error.problem if isinstance(error, yaml.MarkedYAMLError) else error).split())
        raise ConfigError(f"--set {option!r}: the value of {key} is not valid YAML ({problem}); "
                          f"{SET_QUOTING}") from None
