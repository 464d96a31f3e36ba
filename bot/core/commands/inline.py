"""Inline answers: who said what offered in any chat as the user types (Telegram's inline mode,
"@RingkasBot trump"). One result per statement, newest first, a page at a time; an empty query
offers the digest and the newest statements. A query is read as /whosaid reads it.

Answers are kept per content edition: the same query, language and page is worked out once
until the content changes.
"""

from __future__ import annotations

import hashlib
from collections import OrderedDict
from dataclasses import dataclass

from bot.core.content.names import normalize
from bot.core.library import Edition, Library
from bot.core.models import Catalog, Lang, Statement
from bot.core.ports import Format
from bot.core.text.document import Document
from bot.core.text.layout import statement_block
from bot.core.text.render import render, within_limit
from bot.core.text.strings import say
from bot.core.text.whosaid import (
    MAX_QUERY,
    Ambiguous,
    SpeakerFound,
    TopicFound,
    quote_of,
)

PAGE = 20  # results a page: Telegram takes up to 50
# Seconds Telegram may keep an answer for the same query, beyond which a new edition shows: the
# bot keeps its own per edition.
CACHE_SECONDS = 60
ID_LIMIT = 64  # bytes of a result's id, set by Telegram
TITLE_LIMIT = 100  # characters of a title and a description as shown: one line, two
DESCRIPTION_LIMIT = 200
KEPT = 2048  # answers kept for the edition in service


@dataclass(frozen=True, slots=True)
class InlineResult:
    id: str  # unique within the answer
    title: str  # plain text
    description: str  # plain text
    message: str  # what is sent to the chat when it is chosen, in the answer's format


@dataclass(frozen=True, slots=True)
class InlineAnswer:
    results: tuple[InlineResult, ...]
    next_offset: str  # what the platform sends back for the next page; "" at the end
    cache_seconds: int = CACHE_SECONDS


class InlineAnswers:
    """Inline answers over the library's edition in service, kept until the edition changes."""

    def __init__(self, library: Library) -> None:
        self._library = library
        self._edition: Edition | None = None
        self._kept: OrderedDict[tuple[str, Lang, Format, int], InlineAnswer] = OrderedDict()

    def answer(self, query: str, lang: Lang, fmt: Format, offset: str = "") -> InlineAnswer:
        """The page of results at `offset` (as a previous answer gave it; "" for the first)."""
        edition = self._library.edition
        if edition is not self._edition:
            self._edition, self._kept = edition, OrderedDict()
        start = int(offset) if offset.isdigit() else 0
        key = (normalize(query[:MAX_QUERY]), lang, fmt, start)
        found = self._kept.get(key)
        if found is None:
            found = self._kept[key] = self._work_out(edition, query, lang, fmt, start)
            if len(self._kept) > KEPT:
                self._kept.popitem(last=False)
        return found

    def _work_out(
        self, edition: Edition, query: str, lang: Lang, fmt: Format, start: int
    ) -> InlineAnswer:
        catalog = edition.catalog
        statements = _statements(edition, query, start + PAGE + 1)
        page = statements[start : start + PAGE]
        results = tuple(statement_result(catalog, s, lang, fmt) for s in page)
        if not query.strip() and start == 0:
            results = self._digest(catalog, lang, fmt) + results
        more = len(statements) > start + PAGE
        return InlineAnswer(results, str(start + PAGE) if more else "")

    def _digest(self, catalog: Catalog, lang: Lang, fmt: Format) -> tuple[InlineResult, ...]:
        message = self._library.digest(lang, fmt)
        if message is None:
            return ()
        story = catalog.story.title.get(lang)
        return (
            InlineResult(
                "digest", say(lang, "inline_digest"), _cut(story, DESCRIPTION_LIMIT), message
            ),
        )


def _statements(edition: Edition, query: str, limit: int) -> tuple[Statement, ...]:
    """The statements a query finds, newest first, up to `limit`; with no query, the newest.
    Several people matching equally: their statements together."""
    if not query.strip():
        return edition.catalog.statements[:limit]
    answer = edition.index.who_said(query, limit)
    match answer:
        case SpeakerFound(statements=statements) | TopicFound(statements=statements):
            return statements
        case Ambiguous(candidates=candidates):
            return edition.index.statements_by((p.id for p in candidates), limit)
    return ()


def statement_result(
    catalog: Catalog, statement: Statement, lang: Lang, fmt: Format
) -> InlineResult:
    """A statement as a result: speaker, kind and date in the title, its words below; chosen,
    the statement with its source, as /whosaid shows it."""
    quote = quote_of(catalog, statement, lang)
    words = f"“{quote.text}”" if quote.direct else quote.text
    document: Document = (statement_block(catalog, statement, lang),)
    return InlineResult(
        id=_result_id(statement.id),
        title=_cut(f"{quote.speaker}: {quote.attribution}", TITLE_LIMIT),
        description=_cut(words, DESCRIPTION_LIMIT),
        message=render(within_limit(document, fmt), fmt),
    )


def _result_id(statement_id: str) -> str:
    if len(statement_id.encode()) <= ID_LIMIT:
        return statement_id
    return hashlib.blake2b(statement_id.encode(), digest_size=16).hexdigest()


def _cut(text: str, limit: int) -> str:
    """One line of plain text, at most `limit` characters."""
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[: limit - 1].rstrip() + "…"
