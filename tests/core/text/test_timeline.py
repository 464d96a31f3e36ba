"""What a timeline shows: the statements /whosaid finds (or all), by day and by lane, each
labelled with its own words and speakers, in English and Indonesian."""

from __future__ import annotations

import datetime as dt

import pytest

from bot.core.content.loading import load_catalog
from bot.core.models import LANGS, Catalog, Kind, Lang
from bot.core.text import wording
from bot.core.text.compose import Window
from bot.core.text.document import ELLIPSIS, plain
from bot.core.text.timeline import (
    MAX_DAYS,
    MAX_LANES,
    MAX_STATEMENTS,
    Timeline,
    caption_document,
    nothing_to_draw,
    timeline_of,
)
from bot.core.text.whosaid import Ambiguous, NothingFound, QuoteIndex, SpeakerFound, quote_of
from tests.conftest import WriteContent
from tests.made_up import made_up_content

OCT_6, OCT_7 = dt.date(2025, 10, 6), dt.date(2025, 10, 7)


def drawn(index: QuoteIndex, query: str = "", lang: Lang = "en", **window: dt.date) -> Timeline:
    found = timeline_of(index, query, lang, Window(**window))
    assert isinstance(found, Timeline), found
    return found


def made_up(write_content: WriteContent, *args: int, **kwargs: int) -> QuoteIndex:
    return QuoteIndex(load_catalog(write_content({"c.yaml": made_up_content(*args, **kwargs)})))


# --- the shipped content ---


@pytest.mark.parametrize("lang", LANGS)
def test_every_statement_is_drawn_once_under_its_day_oldest_day_first(
    quote_index: QuoteIndex, catalog: Catalog, lang: Lang
) -> None:
    timeline = drawn(quote_index, lang=lang)

    assert sorted(e.statement_id for e in timeline.entries) == sorted(
        s.id for s in catalog.statements
    )
    assert [day.label for day in timeline.days] == [
        f"{wording.day(date, lang)} ({'date of the report' if lang == 'en' else 'tanggal laporan'})"
        for date in (OCT_6, OCT_7)
    ]  # every shipped statement is dated by its report
    assert (
        timeline.title
        == {
            "en": "Israel–Hamas negotiations: who said what, 6–7 October 2025",
            "id": "Negosiasi Israel–Hamas: siapa mengatakan apa, 6–7 Oktober 2025",
        }[lang]
    )
    assert timeline.count == {"en": "19 statements", "id": "19 pernyataan"}[lang]


@pytest.mark.parametrize("lang", LANGS)
def test_labels_are_the_statements_own_speakers_and_words(
    quote_index: QuoteIndex, catalog: Catalog, lang: Lang
) -> None:
    for entry in drawn(quote_index, lang=lang).entries:
        statement = catalog.statements_by_id[entry.statement_id]
        quote = quote_of(catalog, statement, lang)
        assert entry.speaker == quote.speaker
        assert entry.kind is statement.kind
        assert entry.direct == (statement.kind is Kind.DIRECT)
        words = statement.text.get(lang)
        assert entry.excerpt == words or (
            entry.excerpt.endswith(ELLIPSIS) and words.startswith(entry.excerpt[:-1])
        )
        assert bool(entry.translated) == (statement.original != lang)
        if statement.kind is Kind.REPORTED:
            assert entry.attribution == wording.kind(statement, lang)  # "reportedly, per BBC"


def test_lanes_are_the_speakers_groups_in_the_curators_order(quote_index: QuoteIndex) -> None:
    timeline = drawn(quote_index, lang="id")

    assert [lane.name for lane in timeline.lanes] == [
        "Amerika Serikat", "Israel", "Hamas", "Mesir", "PBB",
    ]  # fmt: skip
    [joint] = [e for e in timeline.entries if e.statement_id == "hamas-egypt-officials-talks-aim"]
    assert joint.lanes == (2, 3)  # a joint statement is on each of its speakers' lanes
    for day in timeline.days:  # within a day, by lane
        assert [e.lanes[0] for e in day.entries] == sorted(e.lanes[0] for e in day.entries)


def test_a_person_is_found_as_whosaid_finds_them(quote_index: QuoteIndex) -> None:
    timeline = drawn(quote_index, "Presiden Trump", "id")
    answer = quote_index.who_said("Presiden Trump", 50)

    assert isinstance(answer, SpeakerFound)
    assert {e.statement_id for e in timeline.entries} == {s.id for s in answer.statements}
    assert timeline.subject == "Donald Trump, Presiden Amerika Serikat"
    assert [lane.name for lane in timeline.lanes] == ["Amerika Serikat"]
    assert drawn(quote_index, "trump", "id") == timeline  # one picture, however the name is typed


def test_a_topic_is_found_as_whosaid_finds_it(quote_index: QuoteIndex) -> None:
    timeline = drawn(quote_index, "hostages")

    assert timeline.subject == "About “hostages”"
    assert {e.statement_id for e in timeline.entries} == {
        s.id
        for s in quote_index.who_said("hostages", 50).statements  # type: ignore[union-attr]
    }


@pytest.mark.parametrize(("query", "answer"), [("minister", Ambiguous), ("zzqx", NothingFound)])
def test_a_query_with_nothing_to_draw_gets_the_whosaid_answer(
    quote_index: QuoteIndex, query: str, answer: type
) -> None:
    found = timeline_of(quote_index, query, "en")

    assert isinstance(found, answer)
    assert found == quote_index.who_said(query, MAX_STATEMENTS)


def test_a_window_keeps_its_days_and_an_empty_one_gives_none(
    quote_index: QuoteIndex, catalog: Catalog
) -> None:
    timeline = drawn(quote_index, "trump", since=OCT_7)

    assert len(timeline.days) == 1 and timeline.title.endswith("7 October 2025")
    assert timeline.count == "2 statements"
    assert timeline_of(quote_index, "", "en", Window(since=dt.date(2025, 10, 9))) is None
    assert (
        nothing_to_draw(catalog, Window(since=dt.date(2025, 10, 9)), "id")
        == "Tidak ada pernyataan untuk 9 Oktober 2025."
    )


@pytest.mark.parametrize("lang", LANGS)
def test_the_caption_names_what_is_drawn_and_where_the_statements_are_in_full(
    quote_index: QuoteIndex, lang: Lang
) -> None:
    timeline = drawn(quote_index, "trump", lang)

    caption = plain(caption_document(timeline, "trump"))

    assert caption.startswith(timeline.title)
    assert "Donald Trump" in caption and "/whosaid trump" in caption
    assert len(caption) <= 1024  # a Telegram caption


def test_the_legend_names_the_kinds_drawn_as_whosaid_does(quote_index: QuoteIndex) -> None:
    assert drawn(quote_index, lang="id").kinds == (
        (Kind.DIRECT, "mengatakan"),
        (Kind.PARAPHRASE, "menyatakan (parafrase)"),
        (Kind.REPORTED, "dilaporkan"),
    )
    assert [kind for kind, _ in drawn(quote_index, "rubio").kinds] == [Kind.DIRECT]


# --- made-up content ---


def test_past_the_limit_the_newest_statements_are_drawn_and_counted(
    write_content: WriteContent,
) -> None:
    index = made_up(write_content, 80, 4, 10, groups=2)

    timeline = drawn(index)

    assert len(timeline.entries) == MAX_STATEMENTS
    assert timeline.count == f"the newest {MAX_STATEMENTS} of 80 statements"
    newest = {s.id for s in index.catalog.statements[:MAX_STATEMENTS]}
    assert {e.statement_id for e in timeline.entries} == newest


def test_statements_on_more_days_than_the_limit_give_the_newest_days(
    write_content: WriteContent,
) -> None:
    index = made_up(write_content, 30, 3, MAX_DAYS + 10)

    timeline = drawn(index)

    assert len(timeline.days) == MAX_DAYS
    assert timeline.count == f"the newest {MAX_DAYS} of 30 statements"
    assert timeline.days[-1].label == "30 October 2025"


def test_beyond_the_lane_limit_the_smallest_lanes_share_one(write_content: WriteContent) -> None:
    index = made_up(write_content, 30, 10, 3)  # ten speakers, no groups: ten lanes wanted

    timeline = drawn(index)

    assert len(timeline.lanes) == MAX_LANES
    assert timeline.lanes[-1].name == "Other speakers"
    assert {lane for e in timeline.entries for lane in e.lanes} == set(range(MAX_LANES))


def test_a_day_mixing_both_kinds_of_date_marks_the_statements_dated_by_their_report(
    write_content: WriteContent,
) -> None:
    content = made_up_content(2, 1, 1).replace(
        "        date: 2025-10-01\n        source: report\n",
        "        date: 2025-10-01\n        date_basis: source\n        source: report\n",
        1,
    )
    catalog = load_catalog(write_content({"c.yaml": content}))

    [day] = drawn(QuoteIndex(catalog)).days

    assert day.label == "1 October 2025"
    notes = {e.statement_id: e.note for e in day.entries}
    assert notes == {"statement-0": "date of the report", "statement-1": ""}
