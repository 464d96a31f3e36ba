"""Content records written as YAML a curator edits: the fields in the format's order, comments
where a field needs the curator's eye, and TODO for every text still to write."""

from __future__ import annotations

import datetime as dt
import json
import textwrap
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from bot.core.content.schema import TODO
from bot.core.models import LANGS, Lang, Source

TRANSLATE = f"{TODO}: translate"


def scalar(value: str | dt.date) -> str:
    """A YAML scalar: a date as it is, text in double quotes (JSON's escapes are YAML's)."""
    if isinstance(value, dt.date):
        return value.isoformat()
    return json.dumps(value, ensure_ascii=False)


def todo(what: str) -> str:
    return f"{TODO}: {what}"


class Lines:
    """A YAML document built line by line, with comments after values."""

    def __init__(self) -> None:
        self.lines: list[str] = []

    def comment(self, indent: int, text: str) -> None:
        """`text` as comment lines, wrapped to the project's line length."""
        for line in textwrap.wrap(text, 98 - indent, break_long_words=False):
            self.lines.append(f"{' ' * indent}# {line}")

    def field(self, indent: int, key: str, value: str | None = None, note: str = "") -> None:
        line = f"{' ' * indent}{key}:" + (f" {value}" if value is not None else "")
        self.lines.append(f"{line}  # {note}" if note else line)

    def item(self, indent: int, value: str) -> None:
        self.lines.append(f"{' ' * indent}- {value}")

    def localized(self, indent: int, key: str, texts: dict[Lang, str], first: Lang = "en") -> None:
        """`key:` with the text in each language, `first` first."""
        self.field(indent, key)
        for lang in sorted(LANGS, key=lambda lang: lang != first):
            self.field(indent + 2, lang, scalar(texts[lang]))

    def blank(self) -> None:
        self.lines.append("")

    def text(self) -> str:
        return "\n".join(self.lines) + "\n"


def summary_head(lines: Lines, summary_id: str, date: dt.date | str) -> None:
    """A summary's id, date, priority, and its title and text in both languages to write."""
    lines.field(0, "summaries")
    lines.field(2, "- id", summary_id, "rename as you like: the date and a few words")
    lines.field(4, "date", scalar(date))
    lines.field(4, "priority", "3", "1–5, 5 = lead")
    lines.localized(4, "title", {lang: todo("a title in our own words") for lang in LANGS})
    text = todo("2–4 sentences, every claim attributed")
    lines.localized(4, "text", {lang: text for lang in LANGS})


def free_id(wanted: str, taken: Iterable[str]) -> str:
    """`wanted`, or `wanted-2`, `-3`… when another record has it already."""
    used = set(taken)
    candidate, number = wanted, 2
    while candidate in used:
        candidate = f"{wanted}-{number}"
        number += 1
    return candidate


@dataclass(frozen=True, slots=True)
class StatementFields:
    """What a statement record holds, ready to write."""

    id: str
    speakers: Sequence[str]
    kind: str
    kind_note: str
    reported_by: str | None
    original: Lang
    texts: dict[Lang, str]
    date: str | dt.date
    date_basis: str
    date_note: str
    source: str


def statement(lines: Lines, fields: StatementFields) -> None:
    lines.field(6, "- id", fields.id)
    speakers = fields.speakers
    if len(speakers) == 1:
        lines.field(8, "speaker", speakers[0])
    else:
        lines.field(8, "speaker")
        for speaker in speakers:
            lines.item(10, speaker)
    lines.field(8, "kind", fields.kind, fields.kind_note)
    if fields.reported_by is not None:
        lines.field(8, "reported_by", scalar(fields.reported_by))
    lines.field(8, "original", fields.original)
    lines.localized(8, "text", fields.texts, first=fields.original)
    date = fields.date if isinstance(fields.date, dt.date) else scalar(fields.date)
    lines.field(8, "date", scalar(date) if isinstance(date, dt.date) else date)
    lines.field(8, "date_basis", fields.date_basis, fields.date_note)
    lines.field(8, "source", fields.source)


def source_choices(lines: Lines, sources: Iterable[Source], indent: int) -> None:
    """The sources to choose from, as comments: id, language and date."""
    for source in sorted(sources, key=lambda s: (s.date or dt.date.min, s.id)):
        lines.comment(indent, f"{source.id}  ({source.language}, {source.date}, cites: "
                              f"{', '.join(source.cites) or 'no one'})")  # fmt: skip
