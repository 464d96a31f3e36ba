"""Problems in a YAML file, as `path:line: message` that a curator or operator can act on."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic_core import ErrorDetails

from bot.core.content import reader
from bot.core.content.schema import CONTROL_CHARACTERS, TODO


@dataclass(frozen=True, slots=True, order=True)
class ContentError:
    path: str
    line: int  # 0 when the problem belongs to no line (a missing folder, an unreadable file)
    message: str

    def __str__(self) -> str:
        where = f"{self.path}:{self.line}" if self.line else self.path
        return f"{where}: {self.message}"


class ContentWarning(ContentError):
    """Something in valid content that may be a mistake; `ringkas check --strict` fails on it."""

    __slots__ = ()

    def __str__(self) -> str:
        where = f"{self.path}:{self.line}" if self.line else self.path
        return f"{where}: warning: {self.message}"


_CONTROL = re.compile(CONTROL_CHARACTERS)


def read_yaml(path: Path, *, strict: bool = False) -> tuple[str, Any] | ContentError:
    """A YAML file's text and data, or why it cannot be read as YAML (`strict`: as PyYAML)."""
    name = str(path)
    try:
        text = path.read_text(encoding="utf-8")
        return text, reader.parse(text, strict=strict)
    except UnicodeDecodeError as exc:
        return ContentError(name, 0, f"not UTF-8 text ({exc.reason})")
    except reader.YamlSyntaxError as exc:
        return ContentError(name, exc.line, f"YAML syntax: {exc.problem}")
    except OSError as exc:
        return ContentError(name, 0, exc.strerror or "cannot read")


# Fields holding `{en: ..., id: ...}`: a missing or extra key there is a language, not a field.
_LOCALIZED_FIELDS = frozenset({"title", "text", "role", "venue", "name"})
# pydantic puts the union member or validator it tried into `loc`; those are not fields.
_TYPE_TAGS = frozenset({"str", "tuple", "function-before", "function-after", "LocalizedText"})


def describe(error: ErrorDetails, full_loc: reader.Path) -> str:
    """A readable message for one pydantic error, after the field's dotted path."""
    loc = [p for p in full_loc if not (isinstance(p, str) and ("[" in p or p in _TYPE_TAGS))]
    field_name = str(loc[-1]) if loc else ""
    noun = "language" if len(loc) > 1 and loc[-2] in _LOCALIZED_FIELDS else "field"
    kind, value = error["type"], error.get("input")
    if isinstance(value, str) and value.startswith(TODO):
        message = f"{TODO} left: {_shortened(value)}"
    elif kind == "missing":
        message, loc = f"missing {noun} '{field_name}'", loc[:-1]
    elif kind == "extra_forbidden":
        message, loc = f"unknown {noun} '{field_name}'", loc[:-1]
    elif kind == "string_too_short":
        message = "empty text"
    elif kind == "string_pattern_mismatch" and (control := _CONTROL.search(str(value))):
        message = f"control character U+{ord(control.group()):04X} in text"
    elif kind == "string_pattern_mismatch" and field_name == "published_time":
        message = f"bad time {value!r}: expected HH:MM"
    elif kind == "string_pattern_mismatch":
        message = f"bad id {value!r}: use lowercase letters, digits and hyphens"
    elif kind == "literal_error" and field_name in {"language", "original"}:
        message = f"unknown language {value!r}: expected 'en' or 'id'"
    elif kind == "value_error" and "ctx" in error:
        message = str(error["ctx"]["error"])
    else:
        message = error["msg"][:1].lower() + error["msg"][1:]
    where = dotted(loc)
    return f"{where}: {message}" if where else message


def _shortened(text: str, limit: int = 60) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def dotted(loc: Iterable[int | str]) -> str:
    """A path in a file as curators read it: `summaries[0].statements[1].text`."""
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else part)
    return out
