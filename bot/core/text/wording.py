"""Localised wording built from the string table: dates, date ranges, kinds, source labels.

Terms follow the project glossary (shared/GLOSSARY.md): one word for one idea in both languages.
"""

from __future__ import annotations

import datetime as dt
from functools import cache
from typing import Final

from babel import Locale
from babel.dates import format_date

from bot.core.models import DateBasis, Lang, Source, Statement
from bot.core.text.strings import say

_DAY: Final = "d MMMM y"  # "7 October 2025" / "7 Oktober 2025"


@cache  # Babel's formatting is slow next to the rest of composition, and dates repeat
def day(date: dt.date, lang: Lang) -> str:
    return str(format_date(date, _DAY, locale=lang))


def period(start: dt.date, end: dt.date, lang: Lang) -> str:
    """A date range as a reader writes it: "6–7 October 2025", "30 September – 7 October 2025"."""
    if start == end:
        return day(start, lang)
    if (start.year, start.month) == (end.year, end.month):
        return f"{start.day}–{day(end, lang)}"
    start_pattern = "d MMMM" if start.year == end.year else _DAY
    return f"{format_date(start, start_pattern, locale=lang)} – {day(end, lang)}"


def no_news(since: dt.date | None, until: dt.date | None, lang: Lang) -> str:
    """ "No summaries for 6–7 October 2025." and its kin for open-ended windows."""
    if since and until:
        return say(lang, "no_news", period=period(since, until, lang))
    if since:
        return say(lang, "no_news_since", date=day(since, lang))
    if until:
        return say(lang, "no_news_until", date=day(until, lang))
    return say(lang, "no_news_yet")


def kind(statement: Statement, lang: Lang) -> str:
    """ "said" / "paraphrased" / "reportedly, per BBC News", in the reader's language."""
    return say(lang, f"kind_{statement.kind}", by=statement.reported_by)


def statement_date(statement: Statement, source: Source, lang: Lang) -> str:
    """The statement's date, or, when its source does not date it, the date of that report."""
    date = day(statement.date, lang)
    if statement.date_basis is DateBasis.SAID:
        return date
    key = "undated_published" if source.published else "undated_reports_on"
    return say(lang, key, date=date)


@cache
def source_label(source: Source, lang: Lang) -> str:
    """A source described by what it shows, never by an outlet or address it does not carry."""
    language = Locale(lang).languages[source.language]
    if source.published is not None:
        label = say(lang, "source_published", language=language, date=day(source.published, lang))
    else:
        assert source.reports_on is not None  # the schema requires one of the two
        label = say(lang, "source_reports_on", language=language, date=day(source.reports_on, lang))
    if source.cites:
        label += ", " + say(lang, "source_cites", names=", ".join(source.cites))
    return label
