"""Composing a digest: which summaries and statements, in what order, fitted to a budget."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace
from typing import Any

import pytest
import yaml

from bot.core.content.loading import load_catalog
from bot.core.models import LANGS, Catalog, Digest, Kind, Lang
from bot.core.text import wording
from bot.core.text.compose import DigestOptions, Window, compose_digest
from bot.core.text.document import sentences, visible_length
from bot.core.text.layout import digest_document
from tests.conftest import CONTENT, WriteContent

D = dt.date
OCT_5, OCT_6, OCT_7 = D(2025, 10, 5), D(2025, 10, 6), D(2025, 10, 7)
ROOMY = DigestOptions(max_chars=3000, max_items=10, max_quotes=3)
BUDGETS = range(300, 3001, 150)
SENTENCE_END = ".!?…\"”’')]"


# --- small catalogs, written as YAML from plain data ---


def _person(pid: str, name: str) -> dict[str, Any]:
    return {"id": pid, "name": name, "role": {"en": f"Role of {name}", "id": f"Peran {name}"}}


def statement(
    sid: str,
    speaker: str | list[str] = "ana",
    *,
    kind: str = "paraphrase",
    original: str = "en",
    key: bool = False,
    date: dt.date = OCT_6,
) -> dict[str, Any]:
    return {
        "id": sid,
        "speaker": speaker,
        "kind": kind,
        "original": original,
        "text": {"en": f"Words of {sid}.", "id": f"Kata-kata {sid}."},
        "date": date.isoformat(),
        "source": "report-en",
        "key": key,
    }


def summary(
    sid: str,
    date: dt.date,
    priority: int = 3,
    statements: list[dict[str, Any]] | None = None,
    text: str = "One sentence here. Another one there.",
) -> dict[str, Any]:
    return {
        "id": sid,
        "date": date.isoformat(),
        "priority": priority,
        "title": {"en": f"Title {sid}", "id": f"Judul {sid}"},
        "text": {"en": text, "id": text},
        "sources": ["report-en"],
        "statements": statements or [],
    }


def build(write_content: WriteContent, summaries: list[dict[str, Any]]) -> Catalog:
    content = {
        "story": {"title": {"en": "Test story", "id": "Cerita uji"}},
        "people": [_person("ana", "Ana Speaker"), _person("bob", "Bob Talker")],
        "sources": [{"id": "report-en", "language": "en", "published": "2025-10-06"}],
        "summaries": summaries,
    }
    return load_catalog(write_content(**{"content.yaml": yaml.safe_dump(content)}))


def compose(
    catalog: Catalog, lang: Lang = "en", window: Window = Window(), **options: int
) -> Digest:
    """The digest, which must exist; options default to a roomy budget."""
    digest = compose_digest(catalog, lang, window, replace(ROOMY, **options))
    assert digest is not None
    return digest


def item_ids(digest: Digest) -> list[str]:
    return [item.summary_id for item in digest.items]


def quote_ids(digest: Digest) -> list[str]:
    return [quote.statement_id for quote in digest.quotes]


@pytest.fixture
def three_days(write_content: WriteContent) -> Catalog:
    return build(
        write_content,
        [summary("oct-5", OCT_5), summary("oct-6", OCT_6), summary("oct-7", OCT_7)],
    )


# --- the window ---


@pytest.mark.parametrize(
    "window",
    [Window(D(2025, 10, 8)), Window(until=D(2025, 10, 4)), Window(D(2025, 10, 7), D(2025, 10, 5))],
)
def test_a_window_without_summaries_gives_no_digest(three_days: Catalog, window: Window) -> None:
    assert compose_digest(three_days, "en", window, ROOMY) is None


@pytest.mark.parametrize(
    ("window", "expected"),
    [
        (Window(), ["oct-7", "oct-6", "oct-5"]),
        (Window(since=OCT_6), ["oct-7", "oct-6"]),
        (Window(until=OCT_6), ["oct-6", "oct-5"]),
        (Window(OCT_6, OCT_6), ["oct-6"]),
        (Window(OCT_5, OCT_7), ["oct-7", "oct-6", "oct-5"]),
    ],
)
def test_the_window_keeps_summaries_dated_within_it_both_ends_included(
    three_days: Catalog, window: Window, expected: list[str]
) -> None:
    assert item_ids(compose(three_days, window=window)) == expected


def test_items_are_newest_first_then_by_priority(write_content: WriteContent) -> None:
    catalog = build(
        write_content,
        [
            summary("old-urgent", OCT_5, priority=5),
            summary("new-minor", OCT_7, priority=1),
            summary("new-major", OCT_7, priority=5),
            summary("mid", OCT_6, priority=3),
        ],
    )
    assert item_ids(compose(catalog)) == ["new-major", "new-minor", "mid", "old-urgent"]


def test_max_items_keeps_the_newest(three_days: Catalog) -> None:
    assert item_ids(compose(three_days, max_items=2)) == ["oct-7", "oct-6"]


# --- the quotes ---


def test_curators_key_statements_come_first_one_per_speaker_before_any_repeat(
    write_content: WriteContent,
) -> None:
    catalog = build(
        write_content,
        [
            summary(
                "talks",
                OCT_6,
                statements=[
                    statement("ana-plain"),
                    statement("ana-key-1", key=True),
                    statement("ana-key-2", key=True),
                    statement("bob-key", "bob", key=True),
                ],
            )
        ],
    )
    assert quote_ids(compose(catalog)) == ["ana-key-1", "bob-key", "ana-key-2"]


def test_statements_of_the_newer_summary_come_first_among_equals(
    write_content: WriteContent,
) -> None:
    catalog = build(
        write_content,
        [
            summary("older", OCT_6, statements=[statement("ana-old", key=True)]),
            summary("newer", OCT_7, statements=[statement("bob-new", "bob", key=True)]),
        ],
    )
    assert quote_ids(compose(catalog)) == ["bob-new", "ana-old"]


@pytest.mark.parametrize("max_quotes", [1, 2, 3])
def test_max_quotes_limits_the_quotes(write_content: WriteContent, max_quotes: int) -> None:
    many = [statement(f"st-{n}", ["ana", "bob"][n % 2], key=True) for n in range(5)]
    catalog = build(write_content, [summary("talks", OCT_6, statements=many)])
    assert len(compose(catalog, max_quotes=max_quotes).quotes) == max_quotes


@pytest.mark.parametrize("lang", LANGS)
def test_the_real_digest_shows_one_to_three_quotes_by_distinct_speakers_key_first(
    catalog: Catalog, lang: Lang
) -> None:
    digest = compose(catalog, lang, max_items=4)
    assert 1 <= len(digest.quotes) <= 3
    shown = [catalog.statements_by_id[sid] for sid in quote_ids(digest)]
    assert shown[0].key
    assert len({s.speakers for s in shown}) == len(shown)


@pytest.mark.parametrize(
    ("kind", "original", "lang", "direct", "translated"),
    [
        ("direct", "en", "en", True, False),
        ("direct", "en", "id", True, True),
        ("paraphrase", "id", "en", False, True),
        ("paraphrase", "id", "id", False, False),
    ],
)
def test_quotes_mark_direct_words_and_our_translations(
    write_content: WriteContent,
    kind: str,
    original: str,
    lang: Lang,
    direct: bool,
    translated: bool,
) -> None:
    said = statement("said", kind=kind, original=original, key=True)
    catalog = build(write_content, [summary("talks", OCT_6, statements=[said])])
    (quote,) = compose(catalog, lang).quotes
    assert (quote.direct, quote.translated) == (direct, translated)
    assert quote.text == catalog.statements_by_id["said"].text.get(lang)


@pytest.mark.parametrize("lang", LANGS)
def test_real_quotes_are_marked_by_kind_and_original_language(catalog: Catalog, lang: Lang) -> None:
    for quote in compose(catalog, lang).quotes:
        statement = catalog.statements_by_id[quote.statement_id]
        assert quote.direct == (statement.kind is Kind.DIRECT)
        assert quote.translated == (statement.original != lang)


# --- the budget ---


@pytest.mark.parametrize("lang", LANGS)
@pytest.mark.parametrize("budget", BUDGETS)
def test_the_real_digest_stays_within_the_visible_budget(
    catalog: Catalog, lang: Lang, budget: int
) -> None:
    digest = compose(catalog, lang, max_chars=budget, max_items=4)
    assert visible_length(digest_document(digest)) <= budget
    assert digest.items, "the lead item stays, if need be as its title alone"


@pytest.mark.parametrize("lang", LANGS)
@pytest.mark.parametrize("budget", BUDGETS)
def test_shortened_texts_are_leading_whole_sentences(
    catalog: Catalog, lang: Lang, budget: int
) -> None:
    digest = compose(catalog, lang, max_chars=budget, max_items=4)
    shown = [
        (item.text, next(s for s in catalog.summaries if s.id == item.summary_id).text.get(lang))
        for item in digest.items
    ] + [
        (quote.text, catalog.statements_by_id[quote.statement_id].text.get(lang))
        for quote in digest.quotes
    ]
    for text, full in shown:
        if text != full:
            kept = sentences(text)
            assert kept == sentences(full)[: len(kept)]
            assert not text or text[-1] in SENTENCE_END


# --- title and sources ---


@pytest.mark.parametrize("lang", LANGS)
@pytest.mark.parametrize("budget", [300, 1200, 3000])
def test_the_title_names_the_story_and_the_dates_of_the_items_shown(
    catalog: Catalog, lang: Lang, budget: int
) -> None:
    digest = compose(catalog, lang, max_chars=budget, max_items=4)
    dates = [s.date for s in catalog.summaries if s.id in item_ids(digest)]
    period = wording.period(min(dates), max(dates), lang)
    assert digest.title == f"{catalog.story.title.get(lang)}: {period}"


def test_the_title_spans_days_when_items_do(three_days: Catalog) -> None:
    assert compose(three_days, "id").title == "Cerita uji: 5–7 Oktober 2025"
    assert compose(three_days, window=Window(OCT_6, OCT_6)).title == "Test story: 6 October 2025"


@pytest.mark.parametrize("lang", LANGS)
@pytest.mark.parametrize("budget", [300, 1200, 3000])
def test_sources_are_exactly_those_of_the_items_and_quotes_shown(
    catalog: Catalog, lang: Lang, budget: int
) -> None:
    digest = compose(catalog, lang, max_chars=budget, max_items=4)
    used = {sid for s in catalog.summaries if s.id in item_ids(digest) for sid in s.sources}
    used |= {catalog.statements_by_id[sid].source for sid in quote_ids(digest)}
    expected = {wording.source_label(catalog.sources[sid], lang) for sid in used}
    assert set(digest.sources) == expected
    assert len(digest.sources) == len(expected)


# --- purity ---


@pytest.mark.parametrize("lang", LANGS)
@pytest.mark.parametrize("budget", [300, 1500])
def test_the_same_content_gives_the_same_digest(catalog: Catalog, lang: Lang, budget: int) -> None:
    reloaded = load_catalog(CONTENT)
    assert reloaded is not catalog
    first = compose(catalog, lang, max_chars=budget)
    assert compose(catalog, lang, max_chars=budget) == first
    assert compose(reloaded, lang, max_chars=budget) == first
