"""Inline answers over the shipped content: a name, a typo, a topic and an empty query in both
languages, a page at a time, kept per edition."""

from __future__ import annotations

import datetime as dt

import pytest

from bot.core.commands import inline
from bot.core.commands.inline import InlineAnswers
from bot.core.library import Library
from bot.core.models import LANGS, Lang
from bot.core.ports import Format
from bot.core.text.compose import DigestOptions
from bot.core.text.render import fits
from tests.conftest import CONTENT
from tests.core.text.test_render import telegram_text

NOW = dt.datetime(2025, 10, 8, tzinfo=dt.UTC)


@pytest.fixture
async def library() -> Library:
    return await Library.load(CONTENT, DigestOptions(), NOW)


@pytest.fixture
def answers(library: Library) -> InlineAnswers:
    return InlineAnswers(library)


def speakers(library: Library, ids: list[str]) -> set[tuple[str, ...]]:
    statements = library.catalog.statements_by_id
    return {statements[i].speakers for i in ids}


@pytest.mark.parametrize("lang", LANGS)
@pytest.mark.parametrize("query", ["trump", "donlad trump", "Presiden AS"])
def test_a_name_or_a_typo_offers_that_persons_statements_newest_first(
    answers: InlineAnswers, library: Library, lang: Lang, query: str
) -> None:
    answer = answers.answer(query, lang, Format.TELEGRAM)
    ids = [r.id for r in answer.results]
    assert ids and speakers(library, ids) <= {("donald-trump",)}
    order = [s.id for s in library.catalog.statements if s.id in ids]
    assert ids == order  # the catalog keeps statements newest first
    name = "Donald Trump"
    for result in answer.results:
        assert result.title.startswith(f"{name}: ")
        shown = telegram_text(result.message)  # valid Telegram HTML
        assert shown.startswith(f"• {name}, ")
        assert ("Source: " if lang == "en" else "Sumber: ") in shown
        assert fits(result.message, Format.TELEGRAM)
    assert answer.next_offset == ""


@pytest.mark.parametrize(("query", "lang"), [("hostages", "en"), ("sandera", "id")])
def test_a_topic_offers_the_statements_on_it(
    answers: InlineAnswers, library: Library, query: str, lang: Lang
) -> None:
    answer = answers.answer(query, lang, Format.TELEGRAM)
    assert answer.results
    for result in answer.results:
        statement = library.catalog.statements_by_id[result.id]
        assert query[:6] in statement.text.get(lang).casefold()
        assert result.description  # the words, on one line
        assert "\n" not in result.title + result.description


@pytest.mark.parametrize("lang", LANGS)
def test_an_empty_query_offers_the_digest_then_the_newest_statements(
    answers: InlineAnswers, library: Library, lang: Lang, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(inline, "PAGE", 5)
    first = answers.answer("", lang, Format.TELEGRAM)
    digest, *statements = first.results
    assert (digest.id, digest.message) == ("digest", library.digest(lang, Format.TELEGRAM))
    assert digest.title == ("The digest, now" if lang == "en" else "Ringkasan terkini")
    newest = library.catalog.statements
    assert [r.id for r in statements] == [s.id for s in newest[: inline.PAGE]]
    assert first.next_offset == str(inline.PAGE)
    rest = answers.answer("", lang, Format.TELEGRAM, first.next_offset)
    assert [r.id for r in rest.results] == [s.id for s in newest[inline.PAGE : 2 * inline.PAGE]]
    assert rest.next_offset == ("" if len(newest) <= 2 * inline.PAGE else str(2 * inline.PAGE))


def test_pages_follow_one_another_without_repeats(
    answers: InlineAnswers, library: Library, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(inline, "PAGE", 3)
    seen: list[str] = []
    offset = ""
    while True:
        answer = answers.answer("", "en", Format.TELEGRAM, offset)
        seen += [r.id for r in answer.results if r.id != "digest"]
        if not answer.next_offset:
            break
        offset = answer.next_offset
    assert len(seen) == len(set(seen)) == len(library.catalog.statements)


def test_several_people_matching_offer_all_their_statements(answers: InlineAnswers) -> None:
    answer = answers.answer("minister", "en", Format.TELEGRAM)
    assert len({r.title.split(":")[0] for r in answer.results}) > 1


def test_nothing_found_offers_nothing(answers: InlineAnswers) -> None:
    assert answers.answer("qxzqxz zzqx", "en", Format.TELEGRAM).results == ()


def test_answers_are_kept_per_edition(answers: InlineAnswers, library: Library) -> None:
    first = answers.answer("trump", "en", Format.TELEGRAM)
    assert answers.answer("  TRUMP ", "en", Format.TELEGRAM) is first  # the same query
    assert answers.answer("trump", "id", Format.TELEGRAM) is not first
    library._edition = library.edition.__class__(
        **{f: getattr(library.edition, f) for f in library.edition.__dataclass_fields__}
    )  # the same content as a new edition, as a reload makes it
    again = answers.answer("trump", "en", Format.TELEGRAM)
    assert again is not first and again == first
