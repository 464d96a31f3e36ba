"""What autocomplete offers while an argument is typed: people for /whosaid, time zones for
/subscribe, summaries for /push; over the shipped content unless a test writes its own."""

from __future__ import annotations

import pytest

from bot.core import timing
from bot.core.commands.arguments import ArgError, parse_subscribe
from bot.core.commands.suggestions import LABEL_LIMIT, Suggestion, people, summaries, zones
from bot.core.models import Lang
from bot.core.services import Services
from bot.core.store import Store
from bot.core.text.whosaid import SpeakerFound
from tests.conftest import MINIMAL, WriteContent
from tests.core.commands.conftest import Clock, ask, joined, make_services

# --- people, for /whosaid ---


def values(found: tuple[Suggestion, ...]) -> list[str]:
    return [s.value for s in found]


@pytest.mark.parametrize(
    ("typed", "lang", "first", "label"),
    [
        ("Guterres", "en", "antonio-guterres", "António Guterres — UN Secretary-General"),
        ("guter", "id", "antonio-guterres", "António Guterres — Sekretaris Jenderal PBB"),
        ("Sekjen", "id", "antonio-guterres", "António Guterres — Sekretaris Jenderal PBB"),
        ("Sekjen", "en", "antonio-guterres", "António Guterres — UN Secretary-General"),
        ("Menlu", "id", "marco-rubio", "Marco Rubio — Menteri Luar Negeri AS"),
        (
            "pejabat isr",
            "id",
            "israeli-officials",
            "Pejabat Israel — Tidak disebutkan namanya oleh sumber",
        ),
        ("netanyahu", "en", "benjamin-netanyahu", "Benjamin Netanyahu — Prime Minister of Israel"),
    ],
)
def test_people_by_name_or_alias_in_either_language(
    services: Services, typed: str, lang: Lang, first: str, label: str
) -> None:
    found = people(services, typed, lang, 25)

    assert found[0] == Suggestion(label, first)


def test_nothing_typed_offers_people_up_to_the_limit(services: Services) -> None:
    everyone = services.library.catalog.people

    assert len(people(services, "", "en", 5)) == 5
    assert sorted(values(people(services, "", "en", 100))) == sorted(everyone)
    assert people(services, "", "en", 0) == ()


def test_a_typo_offers_the_nearest_names(services: Services) -> None:
    found = people(services, "guteres", "en", 3)

    assert 1 <= len(found) <= 3
    assert found[0].value == "antonio-guterres"
    assert values(people(services, "netanyau", "en", 3))[0] == "benjamin-netanyahu"


@pytest.mark.parametrize("lang", ["en", "id"])
def test_every_person_offered_is_found_by_whosaid_with_the_value(
    services: Services, lang: Lang
) -> None:
    index = services.library.edition.index
    offered = people(services, "", lang, 100)
    assert offered

    for suggestion in offered:
        assert 1 <= len(suggestion.label) <= LABEL_LIMIT
        answer = index.who_said(suggestion.value)
        assert isinstance(answer, SpeakerFound), suggestion
        assert answer.person.id == suggestion.value
        person = services.library.catalog.people[suggestion.value]
        assert suggestion.label.startswith(person.name.get(lang))


async def test_a_picked_person_is_answered_by_the_whosaid_command(services: Services) -> None:
    [suggestion] = people(services, "Sekjen", "id", 1)

    reply = await ask(services, f"/whosaid {suggestion.value}", lang="id")

    assert "António Guterres" in joined(reply)
    assert not reply.choices and not reply.error


@pytest.fixture
async def long_named(store: Store, clock: Clock, write_content: WriteContent) -> Services:
    """Content whose one person has a very long role, and one summary a very long title."""
    role = "Minister of " + "very " * 30 + "long things"
    title = "A " + "really " * 25 + "long title"
    text = MINIMAL.replace(
        "role: {en: Test minister, id: Menteri uji}", f"role: {{en: {role}, id: Menteri uji}}"
    ).replace(
        "title: {en: First development, id: Perkembangan pertama}",
        f"title: {{en: {title}, id: Perkembangan pertama}}",
    )
    return await make_services(store, write_content({"content.yaml": text}), clock)


def test_a_long_label_is_cut_to_the_limit(long_named: Services) -> None:
    [person] = people(long_named, "ana", "en", 5)
    [summary] = summaries(long_named, "", "en", 5)
    [short] = people(long_named, "ana", "id", 5)

    for cut in (person, summary):
        assert len(cut.label) == LABEL_LIMIT
        assert cut.label.endswith("…")
    assert person.value == "ana-speaker"
    assert person.label.startswith("Ana Speaker — Minister of very")
    assert summary.value == "first"
    assert summary.label.startswith("first — A really")
    assert short.label == "Ana Speaker — Menteri uji"


# --- zones, for /subscribe ---


def test_nothing_typed_offers_the_indonesian_zones_first() -> None:
    found = zones("", 25)

    assert found[:3] == (
        Suggestion("WIB — Asia/Jakarta", "WIB"),
        Suggestion("WITA — Asia/Makassar", "WITA"),
        Suggestion("WIT — Asia/Jayapura", "WIT"),
    )
    assert len(found) == 25


def test_a_city_finds_its_zone_and_its_indonesian_name() -> None:
    found = zones("jakarta", 25)

    assert found == (
        Suggestion("WIB — Asia/Jakarta", "WIB"),
        Suggestion("Asia/Jakarta", "Asia/Jakarta"),
    )
    assert zones("JAKARTA", 25) == found
    assert zones("  Makassar ", 25)[0].value == "WITA"


def test_an_indonesian_zone_by_its_name() -> None:
    assert values(zones("wit", 25))[:2] == ["WITA", "WIT"]
    assert values(zones("WIB", 25))[0] == "WIB"


@pytest.mark.parametrize(("typed", "limit"), [("", 1), ("", 3), ("america", 5), ("a", 10)])
def test_zones_respect_the_limit(typed: str, limit: int) -> None:
    found = zones(typed, limit)

    assert len(found) == limit
    assert all(typed.casefold() in s.label.casefold() for s in found)


def test_nonsense_finds_no_zone() -> None:
    assert zones("qqqq", 25) == ()


def test_every_zone_offered_is_accepted_by_subscribe() -> None:
    offered = zones("", 10_000)
    assert len(offered) > 300

    for suggestion in offered:
        assert len(suggestion.label) <= LABEL_LIMIT
        parsed = parse_subscribe(suggestion.value)
        assert not isinstance(parsed, ArgError), suggestion
        assert parsed.zone == timing.zone_name(suggestion.value) is not None, suggestion


# --- summaries, for /push ---


def test_nothing_typed_offers_the_summaries_newest_first(services: Services) -> None:
    catalog = services.library.catalog

    found = summaries(services, "", "en", 25)

    assert values(found) == [s.id for s in catalog.summaries]
    by_id = {s.id: s.date for s in catalog.summaries}
    dates = [by_id[v] for v in values(found)]
    assert dates == sorted(dates, reverse=True)
    assert len(set(dates)) > 1
    newest = catalog.summaries[0]
    assert found[0].label == f"{newest.id} — {newest.title.en}"


def test_summaries_by_id(services: Services) -> None:
    found = summaries(services, "2025-10-06", "en", 25)

    assert found and all(s.value.startswith("2025-10-06") for s in found)
    assert values(summaries(services, "REACTIONS-TO", "en", 25)) == [
        "2025-10-07-reactions-to-talks"
    ]


def test_summaries_by_title_in_the_language(services: Services) -> None:
    indonesian = summaries(services, "Sekjen", "id", 25)

    assert values(indonesian) == ["2025-10-07-reactions-to-talks"]
    assert indonesian[0].label == (
        "2025-10-07-reactions-to-talks — Sekjen PBB lihat peluang akhiri perang, "
        "Trump desak percepatan"
    )
    assert summaries(services, "Sekjen", "en", 25) == ()  # not in the English titles
    assert values(summaries(services, "un chief", "en", 25)) == ["2025-10-07-reactions-to-talks"]


def test_summaries_respect_the_limit_keeping_the_newest(services: Services) -> None:
    everything = summaries(services, "", "en", 25)
    trump = summaries(services, "trump", "en", 25)

    assert summaries(services, "", "en", 2) == everything[:2]
    assert len(trump) > 1
    assert summaries(services, "trump", "en", 1) == trump[:1]
    assert all(0 < len(s.label) <= LABEL_LIMIT for s in everything)
