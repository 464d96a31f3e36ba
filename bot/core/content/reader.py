"""Reading YAML content files: plain data fast, and line numbers for the files that need them.

Data comes from yaml-rs, a YAML 1.2 parser written in Rust: five times faster than PyYAML on a
large catalog, and free of YAML 1.1's surprises ("yes" as true, "09:48" as a base-60 number).
Line numbers come from PyYAML's node marks, computed only for files that have problems, and
PyYAML words a syntax error when both parsers refuse a file.
"""

from __future__ import annotations

import contextlib
import re
from collections.abc import Hashable, Iterator
from typing import Any

import yaml
import yaml_rs

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


class YamlSyntaxError(Exception):
    def __init__(self, line: int, problem: str) -> None:
        self.line = line  # 1-based; 0 when unknown
        self.problem = problem
        super().__init__(f"line {line}: {problem}")


def parse(text: str, *, strict: bool = False) -> Any:
    """Parse one YAML document into plain data; raises YamlSyntaxError on bad syntax.

    `strict` also refuses what PyYAML refuses and yaml-rs reads: a tab as indentation, a
    control character, an indicator opening a plain scalar in a flow ("[|x]"), a directive,
    text after the document's end... PyYAML's parser runs over the whole file first, which
    costs twice yaml-rs's time: `ringkas check` pays it, the bot's loads do not.
    """
    # A byte order mark opens files saved by some editors; yaml-rs would make it part of the
    # first key ("\ufeffstory").
    text = text.removeprefix("\ufeff")
    if "\x00" in text or _has_tag(text):
        # yaml-rs stops reading at a NUL byte as if the file ended there, and drops tags it does
        # not know, keeping the value; PyYAML's safe loader refuses both, with a line.
        return _pyyaml(text)
    if strict:
        _pyyaml_events(text)
    try:
        return yaml_rs.loads(text, parse_datetime=False)
    except (yaml_rs.YAMLDecodeError, TypeError) as exc:  # TypeError: a mapping as a key
        raise _syntax_error(text, str(exc)) from None


# A regex that starts with a literal scans fast; the character before "!" is checked after.
_BANG = re.compile(r"!\S")


def _has_tag(text: str) -> bool:
    """Whether a "!" may open a node (a tag); a false alarm ("Hey !you") only costs speed."""
    return any(
        match.start() == 0 or text[match.start() - 1] in " \t\r\n[{,"
        for match in _BANG.finditer(text)
    )


_FAST_LINE = re.compile(r"at line (\d+)")


def _pyyaml(text: str) -> Any:
    with _refusals(text):
        return yaml.load(text, Loader=ContentLoader)  # a SafeLoader: no tag runs code


def _pyyaml_events(text: str) -> None:
    """PyYAML's verdict on the syntax, without building its data (a third of the cost). Its
    composer's one refusal that yaml-rs does not share, an anchor defined twice, is checked on
    the events as the composer would."""

    def line(event: yaml.Event) -> int:  # as an editor counts them, like `_refusals`
        mark = event.start_mark
        return text.count("\n", 0, mark.index) + 1 if mark else 0

    anchors: dict[str, int] = {}  # the line each anchor was defined on
    with _refusals(text):
        for event in yaml.parse(text, Loader=ContentLoader):
            anchor = getattr(event, "anchor", None)
            if anchor is None or isinstance(event, yaml.AliasEvent):
                continue
            if anchor in anchors:
                problem = f"the anchor &{anchor} is defined again (first on line {anchors[anchor]})"
                raise YamlSyntaxError(line(event), problem)
            anchors[anchor] = line(event)


@contextlib.contextmanager
def _refusals(text: str) -> Iterator[None]:
    """PyYAML's refusal of `text` as a YamlSyntaxError with the line an editor shows."""
    try:
        yield
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        problem = exc.problem or exc.context or "unreadable YAML"
        # Lines as an editor counts them: PyYAML also breaks lines at U+0085, U+2028 and U+2029.
        line = text.count("\n", 0, mark.index) + 1 if mark else 0
        raise YamlSyntaxError(line, problem) from None
    except yaml.reader.ReaderError as exc:
        line = text.count("\n", 0, exc.position) + 1
        raise YamlSyntaxError(line, f"character U+{exc.character:04X} is not allowed") from None
    except yaml.YAMLError as exc:
        raise YamlSyntaxError(0, str(exc)) from None


def _syntax_error(text: str, fast_message: str) -> YamlSyntaxError:
    """PyYAML's wording and line when it refuses the text too; else yaml-rs's own."""
    try:
        _pyyaml(text)
    except YamlSyntaxError as error:
        return error
    found = _FAST_LINE.search(fast_message)
    return YamlSyntaxError(int(found.group(1)) if found else 0, fast_message.splitlines()[-1])


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
