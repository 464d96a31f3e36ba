"""Frozen value objects shared by the whole core: the catalog's records and the digest model."""

from __future__ import annotations

import datetime as dt
import enum
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Literal, get_args

Lang = Literal["en", "id"]
LANGS: tuple[Lang, ...] = get_args(Lang)


@dataclass(frozen=True, slots=True)
class Localized:
    """One text in both languages; the curators write both."""

    en: str
    id: str

    def get(self, lang: Lang) -> str:
        return self.en if lang == "en" else self.id


class Kind(enum.StrEnum):
    """How close a statement's text is to the speaker's own words."""

    DIRECT = "direct"  # the speaker's exact words
    PARAPHRASE = "paraphrase"  # the source restates them
    REPORTED = "reported"  # a named third party reports them


class DateBasis(enum.StrEnum):
    """Whether a statement's date is when it was said or only when its source reported it."""

    SAID = "said"
    SOURCE = "source"


@dataclass(frozen=True, slots=True)
class Group:
    """A side speakers belong to (a government, an organisation): one lane of a timeline."""

    id: str
    name: Localized


@dataclass(frozen=True, slots=True)
class Person:
    """A speaker: a person, or a body such as "Israeli officials" when the source names no one."""

    id: str
    name: Localized
    role: Localized
    aliases: tuple[str, ...] = ()
    group: str | None = None  # a Group's id


@dataclass(frozen=True, slots=True)
class Source:
    """A source document, described only by what it shows: language, dates, whom it cites."""

    id: str
    language: Lang
    published: dt.date | None
    published_time: str | None
    reports_on: dt.date | None
    cites: tuple[str, ...] = ()

    @property
    def date(self) -> dt.date | None:
        return self.published or self.reports_on


@dataclass(frozen=True, slots=True)
class Statement:
    id: str
    speakers: tuple[str, ...]
    kind: Kind
    text: Localized
    original: Lang
    date: dt.date
    date_basis: DateBasis
    source: str
    summary: str
    reported_by: str | None = None
    venue: Localized | None = None
    key: bool = False


@dataclass(frozen=True, slots=True)
class Summary:
    """One development of the story, written by the curators in both languages."""

    id: str
    date: dt.date
    priority: int
    title: Localized
    text: Localized
    sources: tuple[str, ...]
    statements: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Story:
    """The running story all summaries belong to."""

    title: Localized


@dataclass(frozen=True, slots=True)
class Catalog:
    """An immutable snapshot of validated content, built once per load.

    Summaries and statements are kept newest first; every reference between records has been
    checked, so lookups by id never fail for ids taken from the catalog itself.
    """

    story: Story
    people: Mapping[str, Person]
    sources: Mapping[str, Source]
    summaries: tuple[Summary, ...]
    statements: tuple[Statement, ...]
    statements_by_id: Mapping[str, Statement] = field(repr=False)
    groups: Mapping[str, Group] = field(default_factory=dict)  # in the curators' order

    @property
    def newest_date(self) -> dt.date | None:
        return max((s.date for s in self.summaries), default=None)


# --- the digest model: platform-neutral, language-specific, plain text (renderers add markup) ---


@dataclass(frozen=True, slots=True)
class DigestItem:
    summary_id: str
    title: str
    text: str


@dataclass(frozen=True, slots=True)
class Quote:
    """A statement as a reader sees it: who, how and when, then the words in the reader's tongue."""

    statement_id: str
    speaker: str  # "Donald Trump"
    attribution: str  # "said, Truth Social, report of 6 October 2025"
    text: str
    direct: bool  # the speaker's own words: shown in quotation marks
    translated: bool  # the text is our translation of the source's language


@dataclass(frozen=True, slots=True)
class Digest:
    """A digest in one language, before any platform's markup."""

    lang: Lang
    title: str  # the story and the localised date range it covers
    items: tuple[DigestItem, ...]
    quotes: tuple[Quote, ...]
    sources: tuple[str, ...]  # labels of the sources the items and quotes come from
