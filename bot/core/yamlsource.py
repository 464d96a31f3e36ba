"""Reading YAML content files: plain data fast, and line numbers for the files that need them."""

from __future__ import annotations

from collections.abc import Hashable
from typing import Any

import yaml

try:
    _BaseLoader: type[yaml.SafeLoader] = yaml.CSafeLoader  # type: ignore[assignment]
except AttributeError:  # PyYAML built without libyaml: the same results, only slower
    _BaseLoader = yaml.SafeLoader

Path = tuple[str | int, ...]


class DuplicateKeyError(yaml.MarkedYAMLError):
    pass


_STR = "tag:yaml.org,2002:str"
_TIMESTAMP = "tag:yaml.org,2002:timestamp"
_NUMBERS = ("tag:yaml.org,2002:int", "tag:yaml.org,2002:float")


class ContentLoader(_BaseLoader):  # type: ignore[misc, valid-type]
    """Safe YAML that leaves dates and times as text and refuses duplicate keys.

    Dates stay strings so that a bad one ("2025-13-01") is reported by validation with its line,
    instead of failing inside the YAML library; "09:48" stays a time instead of YAML 1.1's base-60
    number 588; a duplicate key would otherwise silently win.
    """

    def resolve(self, kind: type[yaml.Node], value: Any, implicit: tuple[bool, bool]) -> str:
        tag: str = super().resolve(kind, value, implicit)
        if tag == _TIMESTAMP or (tag in _NUMBERS and ":" in value):
            return _STR
        return tag

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Hashable, Any]:
        mapping: dict[Hashable, Any] = super().construct_mapping(node, deep)
        if len(mapping) != len(node.value):
            seen: set[Hashable] = set()
            for key_node, _ in node.value:
                key = self.construct_object(key_node, deep)
                if key in seen:
                    raise DuplicateKeyError(
                        None, None, f"duplicate key '{key}'", key_node.start_mark
                    )
                seen.add(key)
        return mapping


def parse(text: str) -> Any:
    """Parse one YAML document; raises yaml.YAMLError (with a mark) on bad syntax."""
    return yaml.load(text, Loader=ContentLoader)


def line_map(text: str) -> dict[Path, int]:
    """Map each path in the document (keys and list indices) to its 1-based line."""
    root = yaml.compose(text, Loader=ContentLoader)
    lines: dict[Path, int] = {}
    if root is not None:
        _walk(root, (), lines)
    return lines


def _walk(node: yaml.Node, path: Path, lines: dict[Path, int]) -> None:
    lines.setdefault(path, node.start_mark.line + 1)
    if isinstance(node, yaml.MappingNode):
        for key_node, value_node in node.value:
            child = (*path, str(key_node.value))
            lines[child] = key_node.start_mark.line + 1
            _walk(value_node, child, lines)
    elif isinstance(node, yaml.SequenceNode):
        for index, item in enumerate(node.value):
            _walk(item, (*path, index), lines)


def line_of(lines: dict[Path, int], path: Path) -> int:
    """The line of the deepest part of `path` that exists in the file (a missing key's parent)."""
    for end in range(len(path), -1, -1):
        line = lines.get(path[:end])
        if line is not None:
            return line
    return 1
