"""Who said what, when: the statements a timeline picture shows, by day and by lane.

A query is resolved exactly as /whosaid resolves it (a speaker, a speaker and a topic, a topic);
with none, every statement is drawn. Each speaker's lane is their group (content format:
`groups`), or the speaker alone when they have none. Every text the picture shows is worded
here, in the reader's language, so a `Timeline` is the picture's whole content: the same value
always draws the same picture (the drawing caches on it).

Pure: the same catalog, query, language and window always give the same timeline.
"""

from __future__ import annotations

import datetime as dt
import itertools
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

from bot.core.models import Catalog, DateBasis, Kind, Lang, Statement
from bot.core.text import wording
from bot.core.text.compose import Window
from bot.core.text.document import Document, Span, Style, clip_words
from bot.core.text.layout import echo
from bot.core.text.render import printable
from bot.core.text.strings import say
from bot.core.text.whosaid import QuoteIndex, SpeakerFound, TopicFound, WhoSaid, quote_of

# The newest statements, on at most so many days: one picture stays legible, and within
# Telegram's limits for a photo even with every label on a day of its own.
MAX_STATEMENTS = 50
MAX_DAYS = 20
MAX_LANES = 6  # beyond this, the speakers with the fewest statements share an "other" lane
EXCERPT_CHARS = 100  # "a short excerpt": the drawing may shorten it further to fit its lines
MAX_SOURCES = 4  # named under the picture; the rest are counted
KINDS = (Kind.DIRECT, Kind.PARAPHRASE, Kind.REPORTED)  # the legend's order


@dataclass(frozen=True, slots=True)
class Lane:
    name: str  # the group's name, or the speaker's
    order: int  # its place among the catalog's lanes: a lane keeps its colour in every picture


@dataclass(frozen=True, slots=True)
class Entry:
    """One statement as the picture labels it: its own words, shortened, and who said them."""

    statement_id: str
    lanes: tuple[int, ...]  # indexes into Timeline.lanes: each lane its speakers belong to
    kind: Kind  # shown by the mark's shape
    speaker: str  # "Bezalel Smotrich and Itamar Ben-Gvir"
    attribution: str  # who reports it ("reportedly, per BBC News"), for a reported statement
    excerpt: str  # the statement's text, shortened at a word boundary
    direct: bool  # the speaker's own words: in quotation marks
    translated: str  # "(translated)" when the text is not in the source's language, else ""
    note: str  # "date of the report" on a day that mixes both kinds of date, else ""


@dataclass(frozen=True, slots=True)
class Day:
    label: str  # "6 October 2025", with "(date of the report)" when it holds for all below
    entries: tuple[Entry, ...]  # by lane, then as the catalog orders them


@dataclass(frozen=True, slots=True)
class Timeline:
    """A timeline in one language, ready to draw."""

    lang: Lang
    title: str  # the story and the date range
    subject: str  # the person or topic asked about ("" for every statement)
    count: str  # "19 statements", "the newest 50 of 120 statements"
    lanes: tuple[Lane, ...]
    days: tuple[Day, ...]  # oldest first
    kinds: tuple[tuple[Kind, str], ...]  # the legend: each kind drawn, in words
    sources: str  # "Sources: …" of the statements drawn

    @property
    def entries(self) -> tuple[Entry, ...]:
        return tuple(entry for day in self.days for entry in day.entries)

    @property
    def what(self) -> str:
        """ "Donald Trump, President of the United States, 7 statements" """
        what = ", ".join(part for part in (self.subject, self.count) if part)
        return what[:1].upper() + what[1:]


def timeline_of(
    index: QuoteIndex, query: str, lang: Lang, window: Window = Window()
) -> Timeline | WhoSaid | None:
    """The timeline for `query` (every statement when it is blank) within `window`; the
    who-said-what answer when the query finds no statements to draw (nothing matches, several
    people do, a speaker without statements); None when the window holds no statement."""
    catalog = index.catalog
    windowed = window != Window()
    subject = ""
    if query.strip():
        # A window is applied after the search: then every match is needed, not the newest.
        answer = index.who_said(query, len(catalog.statements) if windowed else MAX_STATEMENTS)
        if not isinstance(answer, SpeakerFound | TopicFound) or not answer.statements:
            return answer
        found: Sequence[Statement] = answer.statements
        total = answer.total
        subject = _subject(answer, lang)
    else:
        found, total = catalog.statements, len(catalog.statements)
    if windowed:
        found = [statement for statement in found if statement.date in window]
        total = len(found)
    chosen = _newest(found)
    if not chosen:
        return None
    return _Builder(catalog, lang).build(chosen, total, subject)


def _newest(found: Sequence[Statement]) -> tuple[Statement, ...]:
    """The newest statements (`found` is newest first) within MAX_STATEMENTS and MAX_DAYS."""
    chosen: list[Statement] = []
    days: set[dt.date] = set()
    for statement in itertools.islice(found, MAX_STATEMENTS):
        if statement.date not in days and len(days) == MAX_DAYS:
            break
        days.add(statement.date)
        chosen.append(statement)
    return tuple(chosen)


def nothing_to_draw(catalog: Catalog, window: Window, lang: Lang) -> str:
    """What to say when the window holds no statement."""
    dates = [statement.date for statement in catalog.statements]
    if not dates:
        return say(lang, "timeline_none")
    since, until = window.since or min(dates), window.until or max(dates)
    return say(lang, "timeline_empty", period=wording.period(since, max(since, until), lang))


def caption_document(timeline: Timeline, query: str) -> Document:
    """The words sent with the picture: what it shows, and where its statements are in full."""
    lang = timeline.lang
    hint = say(lang, "timeline_hint")
    asked = echo(query) if query.strip() else f"<{say(lang, 'arg_name_or_topic')}>"
    return (
        ((Span(timeline.title, Style.BOLD),), (Span(f"{timeline.what}."),)),
        ((Span(f"{hint} {asked}"),),),
    )


def _subject(answer: SpeakerFound | TopicFound, lang: Lang) -> str:
    match answer:
        case SpeakerFound(person, _, _, topic):
            name, role = person.name.get(lang), person.role.get(lang)
            if topic:
                topic = printable(echo(topic))
                return say(lang, "timeline_speaker_topic", topic=topic, name=name, role=role)
            return f"{name}, {role}"
        case TopicFound(query, _, _):  # the reader's words, drawn: no control characters
            return say(lang, "timeline_topic", query=printable(echo(query)))


class _Builder:
    def __init__(self, catalog: Catalog, lang: Lang) -> None:
        self.catalog = catalog
        self.lang = lang
        # Every lane the catalog can have, in the curators' order: groups, then ungrouped people.
        people = catalog.people.values()
        self.lane_order = {
            key: order
            for order, key in enumerate(
                [*catalog.groups, *(p.id for p in people if p.group is None)]
            )
        }

    def build(self, chosen: tuple[Statement, ...], total: int, subject: str) -> Timeline:
        lang = self.lang
        lanes, lane_of = self._lanes(chosen)
        rank = {statement.id: position for position, statement in enumerate(chosen)}
        days = []
        for date, group in itertools.groupby(
            sorted(chosen, key=lambda s: s.date), lambda s: s.date
        ):
            statements = list(group)
            by_report = [s.date_basis is DateBasis.SOURCE for s in statements]
            mixed = any(by_report) and not all(by_report)
            entries = sorted(
                (self._entry(s, lane_of, mixed) for s in statements),
                key=lambda e: (e.lanes[0], rank[e.statement_id]),
            )
            days.append(Day(self._day_label(date, all(by_report)), tuple(entries)))
        kinds_drawn = {statement.kind for statement in chosen}
        first, last = chosen[-1].date, chosen[0].date
        story = self.catalog.story.title.get(lang)
        return Timeline(
            lang=lang,
            title=say(
                lang, "timeline_title", story=story, period=wording.period(first, last, lang)
            ),
            subject=subject,
            count=_count(len(chosen), total, lang),
            lanes=lanes,
            days=tuple(days),
            kinds=tuple((kind, _kind_word(kind, lang)) for kind in KINDS if kind in kinds_drawn),
            sources=self._sources(chosen),
        )

    def _lane_key(self, speaker: str) -> str:
        group = self.catalog.people[speaker].group
        return group if group is not None else speaker

    def _lanes(self, chosen: Sequence[Statement]) -> tuple[tuple[Lane, ...], dict[str, int]]:
        """The lanes of the statements drawn, in the catalog's order; past MAX_LANES, those with
        the fewest statements share one lane at the end. Also: each lane key's lane index."""
        counts = Counter(
            key for s in chosen for key in dict.fromkeys(map(self._lane_key, s.speakers))
        )
        keys = sorted(counts, key=lambda key: self.lane_order[key])
        others: list[str] = []
        if len(keys) > MAX_LANES:
            by_size = sorted(keys, key=lambda key: (-counts[key], self.lane_order[key]))
            others = by_size[MAX_LANES - 1 :]
            keys = [key for key in keys if key not in others]
        lanes = [Lane(self._lane_name(key), self.lane_order[key]) for key in keys]
        lane_of = {key: position for position, key in enumerate(keys)}
        if others:
            lane_of.update(dict.fromkeys(others, len(lanes)))
            lanes.append(Lane(say(self.lang, "timeline_others"), len(self.lane_order)))
        return tuple(lanes), lane_of

    def _lane_name(self, key: str) -> str:
        group = self.catalog.groups.get(key)
        named = group if group is not None else self.catalog.people[key]
        return named.name.get(self.lang)

    def _entry(self, statement: Statement, lane_of: dict[str, int], mixed: bool) -> Entry:
        lang = self.lang
        quote = quote_of(self.catalog, statement, lang)
        lanes = sorted({lane_of[self._lane_key(speaker)] for speaker in statement.speakers})
        reported = statement.kind is Kind.REPORTED
        report_dated = mixed and statement.date_basis is DateBasis.SOURCE
        return Entry(
            statement_id=statement.id,
            lanes=tuple(lanes),
            kind=statement.kind,
            speaker=quote.speaker,
            attribution=wording.kind(statement, lang) if reported else "",
            excerpt=clip_words(quote.text, EXCERPT_CHARS),
            direct=quote.direct,
            translated=say(lang, "translated") if quote.translated else "",
            note=say(lang, "timeline_report_date") if report_dated else "",
        )

    def _day_label(self, date: dt.date, by_report: bool) -> str:
        label = wording.day(date, self.lang)
        return f"{label} ({say(self.lang, 'timeline_report_date')})" if by_report else label

    def _sources(self, chosen: Sequence[Statement]) -> str:
        sources = sorted(
            {self.catalog.sources[s.source] for s in chosen},
            key=lambda source: (source.date or dt.date.min, source.id),
        )
        labels = [wording.source_label(source, self.lang) for source in sources[:MAX_SOURCES]]
        if len(sources) > MAX_SOURCES:
            labels.append(say(self.lang, "timeline_more_sources", count=len(sources) - MAX_SOURCES))
        return f"{say(self.lang, 'sources')}: {'; '.join(labels)}."


def _count(shown: int, total: int, lang: Lang) -> str:
    if shown < total:
        return say(lang, "timeline_count_newest", shown=shown, total=total)
    return (
        say(lang, "timeline_count_one") if shown == 1 else say(lang, "timeline_count", shown=shown)
    )


def _kind_word(kind: Kind, lang: Lang) -> str:
    """How the legend names a kind: as /whosaid does, without the reporter's name."""
    return say(lang, "timeline_reported") if kind is Kind.REPORTED else say(lang, f"kind_{kind}")
