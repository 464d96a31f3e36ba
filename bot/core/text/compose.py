"""Catalog → Digest: the newest summaries and their key statements, fitted to a length budget.

Pure: the same catalog, language, window and options always give the same digest.
"""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import Sequence
from dataclasses import dataclass, replace

from bot.core.models import Catalog, Digest, DigestItem, Lang, Quote, Statement, Summary
from bot.core.text import wording
from bot.core.text.document import shorten, visible_length
from bot.core.text.layout import digest_document
from bot.core.text.whosaid import quote_of


@dataclass(frozen=True, slots=True)
class DigestOptions:
    max_chars: int = 1200  # visible characters, markup not counted
    max_items: int = 4
    max_quotes: int = 3


@dataclass(frozen=True, slots=True)
class Window:
    """Inclusive dates; None leaves that end open."""

    since: dt.date | None = None
    until: dt.date | None = None

    def __contains__(self, date: dt.date) -> bool:
        return (self.since is None or date >= self.since) and (
            self.until is None or date <= self.until
        )


def compose_digest(
    catalog: Catalog,
    lang: Lang,
    window: Window = Window(),
    options: DigestOptions = DigestOptions(),
) -> Digest | None:
    """The digest for `window`, or None when it has no summaries."""
    # Summaries are newest first: the first that fall in the window are the ones to show.
    chosen = list(
        itertools.islice((s for s in catalog.summaries if s.date in window), options.max_items)
    )
    if not chosen:
        return None
    return _Fitter(catalog, lang, options.max_chars).fit(
        chosen, _key_statements(catalog, chosen, options.max_quotes)
    )


def _key_statements(catalog: Catalog, chosen: Sequence[Summary], limit: int) -> list[Statement]:
    """Curator-marked key statements first, then the rest; one per speaker before any repeat."""
    ranked = sorted(
        (
            (not statement.key, rank, position, statement)
            for rank, summary in enumerate(chosen)
            for position, statement in enumerate(
                catalog.statements_by_id[i] for i in summary.statements
            )
        ),
        key=lambda entry: entry[:3],
    )
    picked: list[Statement] = []
    heard: set[tuple[str, ...]] = set()
    for *_, statement in ranked:
        if statement.speakers not in heard:
            picked.append(statement)
            heard.add(statement.speakers)
    picked += [entry[3] for entry in ranked if entry[3] not in picked]
    return picked[:limit]


_Entry = tuple[Summary, DigestItem] | tuple[Statement, Quote]


class _Fitter:
    """Adds items and quotes in order of importance while the digest stays within budget."""

    def __init__(self, catalog: Catalog, lang: Lang, budget: int) -> None:
        self.catalog, self.lang, self.budget = catalog, lang, budget

    def fit(self, summaries: list[Summary], statements: list[Statement]) -> Digest:
        # The lead item's title, the lead quote, the lead item's text, then the rest: even a
        # short digest says what happened and who said what.
        lead, *other_items = summaries
        entries: list[_Entry] = [(lead, self._item(lead, with_text=False))]
        remaining = list(statements)
        for statement in statements:  # the first key statement that fits, whole or shortened
            if self._append(entries, statement):
                remaining.remove(statement)
                break
        self._grow(entries, 0, (lead, self._item(lead)))
        rest: list[Summary | Statement] = [*other_items, *remaining]
        for record in rest:
            self._append(entries, record)
        return self._digest(entries)

    def _grow(self, entries: list[_Entry], position: int, entry: _Entry) -> None:
        """Put `entry` at `position` whole, or its leading sentences that fit, or leave it out."""
        record, shown = entry
        entries[position] = entry
        if self._length(entries) <= self.budget:
            return
        entries[position] = (record, replace(shown, text=""))  # type: ignore[assignment]
        room = self.budget - self._length(entries)
        shortened = shorten(shown.text, room) if room > 0 else ""
        if shortened:
            entries[position] = (record, replace(shown, text=shortened))  # type: ignore[assignment]
        elif position > 0:  # the lead item stays, if need be as its title alone
            del entries[position]

    def _append(self, entries: list[_Entry], record: Summary | Statement) -> bool:
        """Add the record after the others if it fits, whole or shortened; True if it did."""
        count = len(entries)
        if isinstance(record, Summary):
            entries.append((record, self._item(record)))
        else:
            entries.append((record, quote_of(self.catalog, record, self.lang)))
        self._grow(entries, count, entries[-1])
        return len(entries) > count

    def _item(self, summary: Summary, with_text: bool = True) -> DigestItem:
        body = summary.text.get(self.lang) if with_text else ""
        return DigestItem(summary.id, summary.title.get(self.lang), body)

    def _length(self, entries: list[_Entry]) -> int:
        return visible_length(digest_document(self._digest(entries)))

    def _digest(self, entries: list[_Entry]) -> Digest:
        lang = self.lang
        items = [(r, shown) for r, shown in entries if isinstance(r, Summary)]
        quotes = [(r, shown) for r, shown in entries if isinstance(r, Statement)]
        dates = [summary.date for summary, _ in items]
        source_ids = dict.fromkeys(
            [
                *(sid for summary, _ in items for sid in summary.sources),
                *(st.source for st, _ in quotes),
            ]
        )
        story = self.catalog.story.title.get(lang)
        return Digest(
            lang=lang,
            title=f"{story}: {wording.period(min(dates), max(dates), lang)}",
            items=tuple(item for _, item in items),  # type: ignore[misc]
            quotes=tuple(quote for _, quote in quotes),  # type: ignore[misc]
            sources=tuple(
                wording.source_label(self.catalog.sources[sid], lang) for sid in source_ids
            ),
        )
