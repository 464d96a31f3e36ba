"""The English and Indonesian words of Ringkas: message strings, dates, kinds, source labels.

Terms follow the project glossary (shared/GLOSSARY.md): one word for one idea in both languages.
"""

from __future__ import annotations

import datetime as dt
from functools import cache
from typing import Final

from babel import Locale
from babel.dates import format_date

from bot.core.models import DateBasis, Kind, Lang, Localized, Source, Statement

_DAY: Final = "d MMMM y"  # "7 October 2025" / "7 Oktober 2025"

MESSAGES: Final[dict[str, Localized]] = {
    "sources": Localized("Sources", "Sumber"),
    "source": Localized("Source", "Sumber"),
    "key_statements": Localized("Key statements", "Pernyataan kunci"),
    "translated": Localized("(translated)", "(terjemahan)"),
    "no_news": Localized("No summaries for {period}.", "Tidak ada ringkasan untuk {period}."),
    "no_news_since": Localized("No summaries since {date}.", "Tidak ada ringkasan sejak {date}."),
    "no_news_until": Localized("No summaries up to {date}.", "Tidak ada ringkasan hingga {date}."),
    "no_news_yet": Localized("No summaries yet.", "Belum ada ringkasan."),
    "whosaid_speaker": Localized(
        "Who said what: {name}, {role} ({shown} of {total}, newest first)",
        "Siapa mengatakan apa: {name}, {role} ({shown} dari {total}, terbaru dulu)",
    ),
    "whosaid_speaker_topic": Localized(
        "Who said what: {name}, {role}, about “{topic}” ({shown} of {total}, newest first)",
        "Siapa mengatakan apa: {name}, {role}, tentang “{topic}” "
        "({shown} dari {total}, terbaru dulu)",
    ),
    "whosaid_topic": Localized(
        "Who said what about “{query}” ({shown} of {total}, newest first)",
        "Siapa mengatakan apa tentang “{query}” ({shown} dari {total}, terbaru dulu)",
    ),
    "whosaid_ambiguous": Localized(
        "“{query}” could be more than one person. Which one?",
        "“{query}” bisa merujuk ke lebih dari satu orang. Yang mana?",
    ),
    "whosaid_nothing": Localized(
        "No speaker or statement matches “{query}”.",
        "Tidak ada pembicara atau pernyataan yang cocok dengan “{query}”.",
    ),
    "whosaid_closest": Localized("Closest names: {names}.", "Nama terdekat: {names}."),
    "whosaid_no_statements": Localized(
        "No statements from {name} yet.",
        "Belum ada pernyataan dari {name}.",
    ),
    "whosaid_empty_query": Localized(
        "Name a person or a topic, e.g. “Guterres” or “hostages”.",
        "Sebutkan nama orang atau topik, misalnya “Guterres” atau “sandera”.",
    ),
    "undated_published": Localized("report of {date}", "laporan {date}"),
    "undated_reports_on": Localized(
        "report on the events of {date}", "laporan tentang peristiwa {date}"
    ),
}

_KIND: Final[dict[Kind, Localized]] = {
    Kind.DIRECT: Localized("said", "mengatakan"),
    Kind.PARAPHRASE: Localized("paraphrased", "menyatakan (parafrase)"),
    Kind.REPORTED: Localized("reportedly, per {by}", "dilaporkan, menurut {by}"),
}


def text(lang: Lang, key: str, **values: object) -> str:
    template = MESSAGES[key].get(lang)
    return template.format(**values) if values else template


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
        return text(lang, "no_news", period=period(since, until, lang))
    if since:
        return text(lang, "no_news_since", date=day(since, lang))
    if until:
        return text(lang, "no_news_until", date=day(until, lang))
    return text(lang, "no_news_yet")


def kind(statement: Statement, lang: Lang) -> str:
    """ "said" / "paraphrased" / "reportedly, per BBC News", in the reader's language."""
    return _KIND[statement.kind].get(lang).format(by=statement.reported_by)


def statement_date(statement: Statement, source: Source, lang: Lang) -> str:
    """The statement's date, or, when its source does not date it, the date of that report."""
    date = day(statement.date, lang)
    if statement.date_basis is DateBasis.SAID:
        return date
    key = "undated_published" if source.published else "undated_reports_on"
    return text(lang, key, date=date)


_SOURCE_LABEL: Final = {
    "published": Localized(
        "{language}-language report of {date}", "laporan berbahasa {language}, {date}"
    ),
    "reports_on": Localized(
        "{language}-language report on the events of {date}",
        "laporan berbahasa {language} tentang peristiwa {date}",
    ),
    "cites": Localized("citing {names}", "mengutip {names}"),
}


@cache
def source_label(source: Source, lang: Lang) -> str:
    """A source described by what it shows, never by an outlet or address it does not carry."""
    language = Locale(lang).languages[source.language]
    if source.published is not None:
        label = (
            _SOURCE_LABEL["published"]
            .get(lang)
            .format(language=language, date=day(source.published, lang))
        )
    else:
        assert source.reports_on is not None  # the schema requires one of the two
        label = (
            _SOURCE_LABEL["reports_on"]
            .get(lang)
            .format(language=language, date=day(source.reports_on, lang))
        )
    if source.cites:
        label += ", " + _SOURCE_LABEL["cites"].get(lang).format(names=", ".join(source.cites))
    return label
