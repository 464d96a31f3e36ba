"""The curators' content format, as pydantic models: one model per record.

Every file under the content folder has the same shape: any of the top-level sections `story`
(a mapping), `people`, `sources` and `summaries` (lists). Unknown fields are errors, so a typo
never goes unnoticed.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Annotated, Any

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StringConstraints,
    model_validator,
)

from bot.core.models import DateBasis, Kind, Lang

_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


def _parse_date(value: Any) -> dt.date:
    if isinstance(value, dt.date):
        return value
    if isinstance(value, str) and _ISO_DATE.fullmatch(value):
        try:
            return dt.date.fromisoformat(value)
        except ValueError:
            pass
    raise ValueError(f"bad date {value!r}: expected a real date as YYYY-MM-DD")


IsoDate = Annotated[dt.date, BeforeValidator(_parse_date)]

# Marks what a curator still has to write (`ringkas draft` and `ringkas new summary` leave it):
# a value that starts with it is a problem in any field, so an unfinished file never loads.
TODO = "TODO"


def _finished(value: str) -> str:
    if value.startswith(TODO):
        raise ValueError(f"{TODO} left")
    return value


# Text is anything printable: control characters (but tab and newline) are typos or corruption,
# and some platforms refuse messages that carry them.
CONTROL_CHARACTERS = r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]"
Text = Annotated[
    str,
    StringConstraints(
        strip_whitespace=True, min_length=1, pattern=rf"^[^{CONTROL_CHARACTERS[1:]}*$"
    ),
    AfterValidator(_finished),
]
Id = Annotated[str, StringConstraints(pattern=r"^[a-z0-9][a-z0-9-]*$", max_length=80)]
Time = Annotated[str, StringConstraints(pattern=r"^([01]\d|2[0-3]):[0-5]\d$")]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class LocalizedText(_Strict):
    """A text in both languages: `{en: ..., id: ...}`."""

    en: Text
    id: Text


def _same_in_both(value: Any) -> Any:
    # Proper names such as "Truth Social" read the same in both languages: one string will do.
    return {"en": value, "id": value} if isinstance(value, str) else value


class StoryEntry(_Strict):
    title: LocalizedText


class GroupEntry(_Strict):
    """A side speakers belong to, such as a government: one lane of a timeline picture."""

    id: Id
    name: Annotated[LocalizedText, BeforeValidator(_same_in_both)]


class PersonEntry(_Strict):
    id: Id
    # A person's name reads the same in both languages; a body's ("Israeli officials") does not.
    name: Annotated[LocalizedText, BeforeValidator(_same_in_both)]
    role: LocalizedText
    aliases: tuple[Text, ...] = ()
    group: Id | None = None


class SourceEntry(_Strict):
    id: Id
    language: Lang
    published: IsoDate | None = None
    published_time: Time | None = None
    reports_on: IsoDate | None = None
    cites: tuple[Text, ...] = ()

    @model_validator(mode="after")
    def _has_a_date(self) -> SourceEntry:
        if self.published is None and self.reports_on is None:
            raise ValueError("a source needs 'published' or 'reports_on'")
        if self.published_time is not None and self.published is None:
            raise ValueError("'published_time' needs 'published'")
        return self


def _one_or_many(value: Any) -> Any:
    return (value,) if isinstance(value, str) else value


class StatementEntry(_Strict):
    id: Id
    speaker: Annotated[tuple[Id, ...], BeforeValidator(_one_or_many), Field(min_length=1)]
    kind: Kind
    reported_by: Text | None = None
    original: Lang
    text: LocalizedText
    date: IsoDate
    date_basis: DateBasis = DateBasis.SAID
    venue: Annotated[LocalizedText | None, BeforeValidator(_same_in_both)] = None
    source: Id
    key: bool = False

    @model_validator(mode="after")
    def _reported_names_its_reporter(self) -> StatementEntry:
        if self.kind is Kind.REPORTED and self.reported_by is None:
            raise ValueError("a 'reported' statement needs 'reported_by' (who reports it)")
        if self.kind is not Kind.REPORTED and self.reported_by is not None:
            raise ValueError("'reported_by' goes only with kind 'reported'")
        return self


class SummaryEntry(_Strict):
    id: Id
    date: IsoDate
    priority: Annotated[int, Field(ge=1, le=5)] = 3
    title: LocalizedText
    text: LocalizedText
    sources: Annotated[tuple[Id, ...], Field(min_length=1)]
    # Each item is validated on its own as a StatementEntry, so that one bad statement (or a bad
    # summary field) does not hide the problems of the others.
    statements: list[Any] = []


# The list sections a file may have, besides the single `story` mapping.
SECTIONS = ("groups", "people", "sources", "summaries")
