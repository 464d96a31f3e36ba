"""The words of Ringkas in both languages: dates, periods, kinds, source labels, messages."""

from __future__ import annotations

import datetime as dt
import re
import string

import pytest

from bot.core.models import LANGS, Catalog, DateBasis, Kind, Lang, Localized, Source, Statement
from bot.core.text import wording
from bot.core.text.strings import STRINGS, say

D = dt.date
OCT_6 = D(2025, 10, 6)


def _source(
    language: Lang = "en",
    published: dt.date | None = OCT_6,
    reports_on: dt.date | None = None,
    cites: tuple[str, ...] = (),
) -> Source:
    return Source("src", language, published, None, reports_on, cites)


def _statement(
    kind: Kind = Kind.DIRECT,
    reported_by: str | None = None,
    date_basis: DateBasis = DateBasis.SAID,
) -> Statement:
    return Statement(
        id="st",
        speakers=("someone",),
        kind=kind,
        text=Localized("Words.", "Kata-kata."),
        original="en",
        date=D(2025, 10, 7),
        date_basis=date_basis,
        source="src",
        summary="sum",
        reported_by=reported_by,
    )


@pytest.mark.parametrize(
    ("date", "lang", "expected"),
    [
        (D(2025, 10, 7), "en", "7 October 2025"),
        (D(2025, 10, 7), "id", "7 Oktober 2025"),
        (D(2026, 1, 1), "en", "1 January 2026"),
        (D(2026, 1, 1), "id", "1 Januari 2026"),
        (D(2025, 8, 17), "id", "17 Agustus 2025"),
    ],
)
def test_day_is_day_month_name_year(date: dt.date, lang: Lang, expected: str) -> None:
    assert wording.day(date, lang) == expected


@pytest.mark.parametrize(
    ("start", "end", "lang", "expected"),
    [
        (D(2025, 10, 7), D(2025, 10, 7), "en", "7 October 2025"),
        (D(2025, 10, 6), D(2025, 10, 7), "en", "6–7 October 2025"),
        (D(2025, 10, 6), D(2025, 10, 7), "id", "6–7 Oktober 2025"),
        (D(2025, 9, 30), D(2025, 10, 7), "en", "30 September – 7 October 2025"),
        (D(2025, 9, 30), D(2025, 10, 7), "id", "30 September – 7 Oktober 2025"),
        (D(2025, 12, 30), D(2026, 1, 2), "en", "30 December 2025 – 2 January 2026"),
        (D(2025, 12, 30), D(2026, 1, 2), "id", "30 Desember 2025 – 2 Januari 2026"),
        (D(2024, 10, 6), D(2025, 10, 7), "en", "6 October 2024 – 7 October 2025"),
    ],
)
def test_period_names_shared_month_and_year_once(
    start: dt.date, end: dt.date, lang: Lang, expected: str
) -> None:
    assert wording.period(start, end, lang) == expected


@pytest.mark.parametrize(
    ("since", "until", "lang", "expected"),
    [
        (None, None, "en", "No summaries yet."),
        (None, None, "id", "Belum ada ringkasan."),
        (D(2025, 10, 6), None, "en", "No summaries since 6 October 2025."),
        (D(2025, 10, 6), None, "id", "Tidak ada ringkasan sejak 6 Oktober 2025."),
        (None, D(2025, 10, 6), "en", "No summaries up to 6 October 2025."),
        (None, D(2025, 10, 6), "id", "Tidak ada ringkasan hingga 6 Oktober 2025."),
        (D(2025, 10, 6), D(2025, 10, 7), "id", "Tidak ada ringkasan untuk 6–7 Oktober 2025."),
    ],
)
def test_no_news_words_each_kind_of_window(
    since: dt.date | None, until: dt.date | None, lang: Lang, expected: str
) -> None:
    assert wording.no_news(since, until, lang) == expected


@pytest.mark.parametrize(
    ("statement", "lang", "expected"),
    [
        (_statement(Kind.DIRECT), "en", "said"),
        (_statement(Kind.DIRECT), "id", "mengatakan"),
        (_statement(Kind.PARAPHRASE), "en", "paraphrased"),
        (_statement(Kind.PARAPHRASE), "id", "menyatakan (parafrase)"),
        (_statement(Kind.REPORTED, "BBC News"), "en", "reportedly, per BBC News"),
        (_statement(Kind.REPORTED, "BBC News"), "id", "dilaporkan, menurut BBC News"),
    ],
)
def test_kind_says_how_close_the_words_are_to_the_speaker(
    statement: Statement, lang: Lang, expected: str
) -> None:
    assert wording.kind(statement, lang) == expected


@pytest.mark.parametrize(
    ("basis", "source", "expected"),
    [
        (DateBasis.SAID, _source(), "7 October 2025"),
        (DateBasis.SOURCE, _source(), "report of 7 October 2025"),
        (
            DateBasis.SOURCE,
            _source(published=None, reports_on=D(2025, 10, 7)),
            "report on the events of 7 October 2025",
        ),
    ],
)
def test_statement_date_says_when_only_the_report_dates_it(
    basis: DateBasis, source: Source, expected: str
) -> None:
    assert wording.statement_date(_statement(date_basis=basis), source, "en") == expected


@pytest.mark.parametrize(
    ("source", "lang", "expected"),
    [
        (_source(cites=("BBC News",)), "en", "English-language report of 6 October 2025"),
        (_source(cites=("BBC News",)), "id", "laporan berbahasa Inggris, 6 Oktober 2025"),
        (
            _source("id", published=None, reports_on=D(2025, 10, 7)),
            "en",
            "Indonesian-language report on the events of 7 October 2025",
        ),
        (
            _source("id", published=None, reports_on=D(2025, 10, 7)),
            "id",
            "laporan berbahasa Indonesia tentang peristiwa 7 Oktober 2025",
        ),
    ],
)
def test_source_label_describes_language_and_date(
    source: Source, lang: Lang, expected: str
) -> None:
    assert wording.source_label(source, lang).startswith(expected)


@pytest.mark.parametrize(("lang", "verb"), [("en", "citing"), ("id", "mengutip")])
def test_source_label_names_whom_the_source_cites(lang: Lang, verb: str) -> None:
    label = wording.source_label(_source(cites=("BBC News", "Reuters")), lang)
    assert label.endswith(f", {verb} BBC News, Reuters")
    assert verb not in wording.source_label(_source(), lang)


_URL = re.compile(r"://|\bwww\.|\.(com|org|net|id|co\.uk)\b", re.IGNORECASE)


@pytest.mark.parametrize("lang", LANGS)
def test_source_labels_of_the_catalog_carry_no_address(catalog: Catalog, lang: Lang) -> None:
    verb = {"en": "citing", "id": "mengutip"}[lang]
    for source in catalog.sources.values():
        label = wording.source_label(source, lang)
        assert not _URL.search(label), label
        assert (verb in label) == bool(source.cites), label
        assert source.date is not None
        assert wording.day(source.date, lang) in label


def _placeholders(template: str) -> set[str]:
    return {field for _, field, _, _ in string.Formatter().parse(template) if field is not None}


@pytest.mark.parametrize("key", sorted(STRINGS))
def test_every_message_has_both_languages_with_the_same_placeholders(key: str) -> None:
    message = STRINGS[key]
    assert message.en.strip()
    assert message.id.strip()
    assert message.en != message.id or not any(c.isalpha() for c in message.en)
    assert _placeholders(message.en) == _placeholders(message.id)


def test_text_fills_placeholders_in_the_readers_language() -> None:
    assert say("id", "no_news_since", date="6 Oktober 2025") == (
        "Tidak ada ringkasan sejak 6 Oktober 2025."
    )
    assert say("id", "translated") == "(terjemahan)"
