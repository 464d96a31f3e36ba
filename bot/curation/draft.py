"""An article's statements as a content file to finish: a summary holding them, the article as
a source, and the speakers the registry lacks as people to complete.

The draft passes `ringkas check` but for its TODOs: the summary's title and text, each
statement's text in the other language, new speakers' roles in the other language, a reporter
the article does not name, a date it does not give. Comments point at what else needs a
curator's eye: the cue each kind was judged by, a relative date ("last week") that was not
turned into a date, paraphrases that are still the article's own words.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass

from bot.core.models import Catalog, DateBasis, Kind, Lang
from bot.curation import writing
from bot.curation.article import Article
from bot.curation.extract import Extraction, Statement
from bot.curation.speakers import slug
from bot.curation.writing import TRANSLATE, Lines, StatementFields, scalar, todo


class DraftError(Exception):
    """The command line asks for something the content contradicts."""


@dataclass(frozen=True, slots=True)
class Draft:
    text: str  # the YAML document
    counts: Counter[str]  # statements by kind, new speakers, relative dates


def draft(
    article: Article,
    extraction: Extraction,
    catalog: Catalog,
    *,
    source: str | None,
    dated: dt.date | None,
    name: str,
) -> Draft:
    """`source`: the id of the article as a source (an existing one, or a new one's);
    `dated`: the article's date; `name`: the article's file, named in the header."""
    lines = Lines()
    known = catalog.sources.get(source) if source else None
    if known is not None and dated is not None and known.date != dated:
        raise DraftError(f"--date {dated} but source '{source}' is dated {known.date}")
    date = known.date if known is not None else dated or article.dated
    source_id = source or writing.free_id(
        f"report-{article.lang}-{date or 'undated'}", catalog.sources
    )
    counts: Counter[str] = Counter()
    _header(lines, article, name)
    if extraction.new_speakers:
        _people(lines, extraction, article.lang, counts)
    if known is None:
        _source(lines, source_id, article.lang, date, extraction)
    summary_id = writing.free_id(
        "-".join([str(date or "undated"), *slug(article.headline or "draft").split("-")[:6]]),
        (s.id for s in catalog.summaries),
    )
    writing.summary_head(lines, summary_id, date or todo("YYYY-MM-DD"))
    if article.headline:
        lines.comment(4, f"the article's headline: {article.headline}")
    lines.field(4, "sources", f"[{source_id}]")
    if extraction.statements:
        lines.field(4, "statements")
    taken = set(catalog.statements_by_id)
    for statement in extraction.statements:
        fields = _statement(statement, article.lang, date, source_id, taken, counts)
        taken.add(fields.id)
        writing.statement(lines, fields)
    return Draft(lines.text(), counts)


def _header(lines: Lines, article: Article, name: str) -> None:
    lines.comment(
        0,
        f"Draft of the statements in {name} ({article.lang}), by `ringkas draft`. Check each "
        "speaker, kind and date against the article: the rules that found them miss and "
        'mistake some (README, "Writing content"). Direct quotes stay verbatim; paraphrases are '
        "the article's words until you rewrite them. Replace every TODO, then move the file into "
        "the content folder and run `ringkas check`.",
    )
    lines.blank()


def _people(lines: Lines, extraction: Extraction, lang: Lang, counts: Counter[str]) -> None:
    lines.field(0, "people")
    lines.comment(
        2,
        "Speakers the registry lacks, as the article names them: complete them, or use the id "
        "of someone already in `people` where the article means them.",
    )
    other: Lang = "id" if lang == "en" else "en"
    for speaker in extraction.new_speakers:
        counts["new speakers"] += 1
        lines.field(2, "- id", speaker.id)
        lines.field(4, "name", scalar(speaker.name))
        role = speaker.role or todo("the role, as the article gives it")
        lines.localized(4, "role", {lang: role, other: TRANSLATE}, first=lang)
    lines.blank()


def _source(
    lines: Lines, source_id: str, lang: Lang, date: dt.date | None, extraction: Extraction
) -> None:
    cites = sorted({s.reported_by for s in extraction.statements if s.reported_by})
    lines.field(0, "sources")
    lines.field(2, "- id", source_id)
    lines.field(4, "language", lang)
    published = scalar(date) if date else scalar(todo("the article's date, YYYY-MM-DD"))
    lines.field(4, "published", published, "or reports_on: the day it covers, if it has no date")
    lines.field(4, "cites", f"[{', '.join(scalar(c) for c in cites)}]")
    lines.blank()


def _statement(
    statement: Statement,
    lang: Lang,
    date: dt.date | None,
    source_id: str,
    taken: set[str],
    counts: Counter[str],
) -> StatementFields:
    counts[str(statement.kind)] += 1
    words = slug(statement.text).split("-")[:5]
    wanted = "-".join([statement.speakers[0], *words])[:80].strip("-")
    cue = f"cue: {statement.cue}" if statement.cue else "no cue: the speaker of the quote before"
    if statement.kind is Kind.PARAPHRASE:
        cue += "; the article's words: rewrite them"
    other: Lang = "id" if lang == "en" else "en"
    when = statement.when
    if when.said is not None:
        said: str | dt.date = when.said
        basis, note = DateBasis.SAID, ""
    else:
        said = date or todo("the article's date, YYYY-MM-DD")
        basis, note = DateBasis.SOURCE, "the article does not date it"
        if when.relative:
            counts["relative dates"] += 1
            note = f"the article says “{when.relative}”: a relative date, not turned into one"
    reporter = statement.reported_by
    if statement.kind is Kind.REPORTED and reporter is None:
        reporter = todo("who reports it (the article does not say)")
    return StatementFields(
        id=writing.free_id(wanted, taken),
        speakers=statement.speakers,
        kind=str(statement.kind),
        kind_note=cue,
        reported_by=reporter if statement.kind is Kind.REPORTED else None,
        original=lang,
        texts={lang: statement.text, other: TRANSLATE},
        date=said,
        date_basis=str(basis),
        date_note=note,
        source=source_id,
    )
