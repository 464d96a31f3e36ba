"""Who said what over the real catalog: names, aliases, roles, typos, topics and suggestions."""

from __future__ import annotations

import pytest

from bot.core.models import Catalog, Person, Statement
from bot.core.text.whosaid import (
    Ambiguous,
    NothingFound,
    QuoteIndex,
    SpeakerFound,
    TopicFound,
    WhoSaid,
    normalize,
)


def speaker_of(answer: WhoSaid) -> str:
    assert isinstance(answer, SpeakerFound), answer
    return answer.person.id


def assert_newest_first(catalog: Catalog, statements: tuple[Statement, ...]) -> None:
    """In the catalog's own order: newest first, then by the summary's rank."""
    ranks = [catalog.statements.index(s) for s in statements]
    assert ranks == sorted(ranks)
    dates = [s.date for s in statements]
    assert dates == sorted(dates, reverse=True)


def mentions(statement: Statement, word: str) -> bool:
    words = normalize(f"{statement.text.en} {statement.text.id}").split()
    return any(w.startswith(normalize(word)) for w in words)


@pytest.mark.parametrize(
    ("query", "person"),
    [
        # names, with and without diacritics, and the English and Indonesian roles
        ("Sekjen PBB", "antonio-guterres"),
        ("Sekretaris Jenderal PBB", "antonio-guterres"),
        ("UN Secretary-General", "antonio-guterres"),
        ("guterres", "antonio-guterres"),
        ("Antonio Guterres", "antonio-guterres"),
        ("António Guterres", "antonio-guterres"),
        ("PM Israel", "benjamin-netanyahu"),
        ("Presiden Mesir", "abdel-fattah-el-sisi"),
        ("Menlu AS", "marco-rubio"),
        # hyphens, spaces and case do not matter
        ("El Sisi", "abdel-fattah-el-sisi"),
        ("el-sisi", "abdel-fattah-el-sisi"),
        ("ELSISI", "abdel-fattah-el-sisi"),
        ("Ben Gvir", "itamar-ben-gvir"),
        ("bengvir", "itamar-ben-gvir"),
        # typos
        ("guteres", "antonio-guterres"),
        ("netanyau", "benjamin-netanyahu"),
        ("smotrik", "bezalel-smotrich"),
        # a part of a name
        ("Benjamin", "benjamin-netanyahu"),
    ],
)
def test_a_name_alias_role_or_typo_finds_the_speaker(
    quote_index: QuoteIndex, query: str, person: str
) -> None:
    assert speaker_of(quote_index.who_said(query)) == person


@pytest.mark.parametrize("query", ["guterres", "trump", "smotrich", "ben gvir"])
def test_a_speaker_answer_lists_their_own_statements_newest_first(
    catalog: Catalog, quote_index: QuoteIndex, query: str
) -> None:
    answer = quote_index.who_said(query, limit=20)
    assert isinstance(answer, SpeakerFound)
    assert answer.statements
    assert all(answer.person.id in s.speakers for s in answer.statements)
    assert answer.total == sum(answer.person.id in s.speakers for s in catalog.statements)
    assert len(answer.statements) == answer.total
    assert_newest_first(catalog, answer.statements)


@pytest.mark.parametrize("limit", [1, 2, 3])
def test_a_speaker_answer_is_limited_but_counts_them_all(
    quote_index: QuoteIndex, limit: int
) -> None:
    full = quote_index.who_said("trump", limit=20)
    short = quote_index.who_said("trump", limit=limit)
    assert isinstance(full, SpeakerFound)
    assert isinstance(short, SpeakerFound)
    assert full.total > limit
    assert short.statements == full.statements[:limit]
    assert short.total == full.total


@pytest.mark.parametrize(("query", "word"), [("hostages", "hostage"), ("sandera", "sandera")])
def test_a_topic_finds_the_statements_that_mention_it_newest_first(
    catalog: Catalog, quote_index: QuoteIndex, query: str, word: str
) -> None:
    answer = quote_index.who_said(query, limit=20)
    assert isinstance(answer, TopicFound)
    assert answer.query == query
    assert answer.statements
    assert all(mentions(s, word) for s in answer.statements)
    assert answer.total == len(answer.statements)
    assert_newest_first(catalog, answer.statements)


def test_a_topic_answer_is_limited_to_the_newest(quote_index: QuoteIndex) -> None:
    full = quote_index.who_said("gaza", limit=20)
    short = quote_index.who_said("gaza", limit=2)
    assert isinstance(full, TopicFound)
    assert isinstance(short, TopicFound)
    assert full.total > 2
    assert short.statements == full.statements[:2]
    assert short.total == full.total


@pytest.mark.parametrize("query", ["trump hostages", "hostages trump"])
def test_a_speaker_and_a_topic_find_that_speakers_statements_on_it(
    catalog: Catalog, quote_index: QuoteIndex, query: str
) -> None:
    answer = quote_index.who_said(query, limit=20)
    assert isinstance(answer, SpeakerFound)
    assert answer.person.id == "donald-trump"
    assert answer.topic == "hostages"
    assert answer.statements
    assert all("donald-trump" in s.speakers and mentions(s, "hostage") for s in answer.statements)
    everything = quote_index.who_said("trump", limit=20)
    assert isinstance(everything, SpeakerFound)
    assert answer.total < everything.total
    assert_newest_first(catalog, answer.statements)


def test_a_word_shared_by_several_groups_asks_which_one(quote_index: QuoteIndex) -> None:
    answer = quote_index.who_said("officials")
    assert isinstance(answer, Ambiguous)
    assert {p.id for p in answer.candidates} == {
        "israeli-officials",
        "hamas-officials",
        "egyptian-officials",
    }


@pytest.mark.parametrize("query", ["xqzzyv", "blorptang"])
def test_nonsense_finds_nothing_but_suggests_the_closest_names(
    catalog: Catalog, quote_index: QuoteIndex, query: str
) -> None:
    answer = quote_index.who_said(query)
    assert isinstance(answer, NothingFound)
    assert answer.query == query
    assert 1 <= len(answer.closest) <= 3
    assert len({p.id for p in answer.closest}) == len(answer.closest)
    assert all(catalog.people[p.id] == p for p in answer.closest)


@pytest.mark.parametrize("query", ["", "   ", "—!?"])
def test_an_empty_query_finds_nothing_and_suggests_no_one(
    quote_index: QuoteIndex, query: str
) -> None:
    assert quote_index.who_said(query) == NothingFound(query, ())


def test_the_answer_does_not_depend_on_case_or_diacritics(quote_index: QuoteIndex) -> None:
    answers = [quote_index.who_said(q) for q in ("HOSTAGES", "hostages", "Hóstages")]
    assert all(isinstance(a, TopicFound) for a in answers)
    assert len({a.statements for a in answers if isinstance(a, TopicFound)}) == 1


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("António Guterres", "antonio guterres"),
        ("El-Sisi", "el sisi"),
        ("  BEN-gvir  ", "ben gvir"),
        ("Sekjen   PBB", "sekjen pbb"),
        ("Izz al-Din al-Haddad", "izz al din al haddad"),
        ("“Hostages!”", "hostages"),
        ("Ñandú Çağlar", "nandu caglar"),
        ("Straße", "strasse"),
        ("", ""),
    ],
)
def test_normalize_drops_case_diacritics_hyphens_and_punctuation(text: str, expected: str) -> None:
    assert normalize(text) == expected


# --- suggest: the list shown while a name is typed ---


def ids(people: tuple[Person, ...]) -> list[str]:
    return [person.id for person in people]


def test_suggest_ranks_a_prefix_then_a_word_prefix_then_a_substring(
    quote_index: QuoteIndex,
) -> None:
    # "ne": Netanyahu's name begins with it, a word of Rubio's "Menteri Luar Negeri AS" does,
    # and Guterres's "Secretary-General" only contains it.
    assert ids(quote_index.suggest("ne", 10)) == [
        "benjamin-netanyahu",
        "marco-rubio",
        "antonio-guterres",
    ]


def test_suggest_puts_names_that_begin_with_the_text_before_words_that_do(
    quote_index: QuoteIndex,
) -> None:
    # "sec": "Secretary of State", "Secretary-General …" begin with it; Ben-Gvir's
    # "Israeli National Security Minister" has a word that does.
    assert ids(quote_index.suggest("sec", 10)) == [
        "antonio-guterres",
        "marco-rubio",
        "itamar-ben-gvir",
    ]


def test_suggest_orders_equal_ranks_by_english_name(quote_index: QuoteIndex) -> None:
    found = quote_index.suggest("isr", 10)

    assert ids(found) == [
        "benjamin-netanyahu",
        "bezalel-smotrich",
        "israeli-officials",
        "itamar-ben-gvir",
        "yair-lapid",
    ]
    assert [p.name.en for p in found] == sorted(p.name.en for p in found)


@pytest.mark.parametrize("typed", ["antonio", "António", "ANTONIO", "  antónio ", "Antó"])
def test_suggest_ignores_case_diacritics_and_spaces(quote_index: QuoteIndex, typed: str) -> None:
    assert ids(quote_index.suggest(typed, 5)) == ["antonio-guterres"]


def test_suggest_finds_indonesian_aliases(quote_index: QuoteIndex) -> None:
    assert ids(quote_index.suggest("Sekjen", 5)) == ["antonio-guterres"]
    assert ids(quote_index.suggest("menkeu", 5)) == ["bezalel-smotrich"]
    assert ids(quote_index.suggest("menteri", 10)) == [
        "bezalel-smotrich",
        "itamar-ben-gvir",
        "marco-rubio",
        "benjamin-netanyahu",  # only a word of "Perdana Menteri Israel"
    ]


@pytest.mark.parametrize("limit", [0, 1, 2, 5])
def test_suggest_keeps_the_best_up_to_the_limit(quote_index: QuoteIndex, limit: int) -> None:
    assert quote_index.suggest("is", limit) == quote_index.suggest("is", 100)[:limit]
    assert len(quote_index.suggest("", limit)) == limit


def test_suggest_with_nothing_typed_offers_everyone_by_name(
    catalog: Catalog, quote_index: QuoteIndex
) -> None:
    everyone = quote_index.suggest("", 100)

    assert sorted(ids(everyone)) == sorted(catalog.people)
    assert [p.name.en for p in everyone] == sorted(p.name.en for p in catalog.people.values())


def test_suggest_falls_back_to_the_nearest_names_for_a_typo(quote_index: QuoteIndex) -> None:
    found = quote_index.suggest("guteres", 3)

    assert found and len(found) <= 3
    assert found[0].id == "antonio-guterres"
    assert ids(quote_index.suggest("smotrik", 1)) == ["bezalel-smotrich"]
