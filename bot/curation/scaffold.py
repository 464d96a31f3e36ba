"""A new summary file to fill in: a date, a free id, the sources and people to choose from, and a
TODO in every field of both languages (`ringkas check` refuses the file until none is left)."""

from __future__ import annotations

import datetime as dt

from bot.core.models import Catalog
from bot.curation import writing
from bot.curation.writing import Lines, StatementFields, todo


def new_summary(catalog: Catalog, date: dt.date, wanted: str | None = None) -> tuple[str, str]:
    """The summary's id and the file's text."""
    summary_id = writing.free_id(wanted or f"{date}-new", (s.id for s in catalog.summaries))
    lines = Lines()
    lines.comment(
        0,
        "A new summary, by `ringkas new summary`. Replace every TODO (`ringkas check` lists those "
        'left); see README, "The content format" and "Writing content".',
    )
    writing.summary_head(lines, summary_id, date)
    lines.comment(4, "Sources to choose from (a new one goes in `sources`, in any file):")
    writing.source_choices(lines, catalog.sources.values(), 4)
    lines.field(4, "sources", f"[{writing.scalar(todo('a source id from the list above'))}]")
    lines.field(4, "statements", note="delete the statement below if the summary quotes no one")
    lines.comment(6, "Speakers to choose from (a new one goes in `people`, in any file):")
    for person in sorted(catalog.people.values(), key=lambda p: p.id):
        lines.comment(6, f"{person.id}  ({person.name.en}: {person.role.en})")
    writing.statement(
        lines,
        StatementFields(
            id=writing.scalar(todo("an id: the speaker and a few words")),
            speakers=[writing.scalar(todo("a speaker id from the list above"))],
            kind=writing.scalar(todo("direct, paraphrase or reported")),
            kind_note="reported needs reported_by: who reports it",
            reported_by=None,
            original="en",
            texts={"en": todo("the statement"), "id": todo("pernyataannya")},
            date=todo("YYYY-MM-DD"),
            date_basis="said",
            date_note="or source: when the source does not date it",
            source=writing.scalar(todo("one of the summary's sources")),
        ),
    )
    return summary_id, lines.text()
