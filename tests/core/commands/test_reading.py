"""/start, /help, /digest and /whosaid: what any member of a chat may ask."""

from __future__ import annotations

import pytest

from bot.core.picture import draw
from bot.core.ports import Format
from bot.core.services import Services
from bot.core.store import Store
from bot.core.text.render import fits
from bot.core.text.whosaid import Ambiguous
from tests.conftest import WriteContent
from tests.core.commands.conftest import (
    CHAT,
    Clock,
    ask,
    ask_admin,
    joined,
    make_services,
    subscribe,
)
from tests.pngs import read_png

EMPTY_CONTENT = """\
story:
  title: {en: Test story, id: Cerita uji}
people: []
sources: []
summaries: []
"""

# --- /start and /help ---


async def test_start_says_what_ringkas_is_and_lists_the_commands(services: Services) -> None:
    text = joined(await ask(services, "/start"))

    assert text.startswith("Ringkas sends short digests")
    assert "<b>/subscribe [en|id|both] [HH:MM …|instant] [WIB|WITA|WIT|Area/City]</b>" in text
    assert "/whosaid &lt;name or topic&gt;" in text
    assert "/push" not in text


async def test_help_in_the_chats_language(services: Services) -> None:
    await subscribe(services, CHAT, "id")

    text = joined(await ask(services, "/help"))

    assert "<b>Perintah</b>" in text
    assert "/whosaid &lt;nama atau topik&gt;" in text
    assert "Contoh: /subscribe id 07.00 19.00 WIB" in text


async def test_help_lists_admin_commands_only_to_admins(services: Services) -> None:
    member = joined(await ask(services, "/help"))
    admin = joined(await ask_admin(services, "/help"))

    assert "For the bot's admins" not in member
    assert "<b>For the bot's admins</b>" in admin
    assert "/push [summary id | announcement]" in admin  # bare: the digest
    assert "<b>/status</b>" in admin and "<b>/reload</b>" in admin


# --- /digest ---


async def test_digest_for_a_chat_not_subscribed_is_in_the_request_language(
    services: Services,
) -> None:
    en = await ask(services, "/digest")
    id_ = await ask(services, "/digest", lang="id")

    assert len(en.messages) == 1 and len(id_.messages) == 1
    assert en.messages[0] == services.library.digest("en", Format.TELEGRAM)
    assert id_.messages[0] == services.library.digest("id", Format.TELEGRAM)
    assert en.messages[0] != id_.messages[0]


async def test_digest_gives_one_message_per_language_for_both(services: Services) -> None:
    await subscribe(services, CHAT, "both")

    reply = await ask(services, "/digest", can_manage=False)

    assert reply.messages == (
        services.library.digest("en", Format.TELEGRAM),
        services.library.digest("id", Format.TELEGRAM),
    )
    assert "<b>Key statements</b>" in reply.messages[0]
    assert "<b>Pernyataan kunci</b>" in reply.messages[1]


async def test_digest_follows_the_chats_language(services: Services) -> None:
    await subscribe(services, CHAT, "id")

    reply = await ask(services, "/digest", lang="en")

    assert reply.messages == (services.library.digest("id", Format.TELEGRAM),)


@pytest.mark.parametrize(("fmt", "limit"), [(Format.TELEGRAM, 4096), (Format.DISCORD, 2000)])
async def test_digest_fits_the_platforms_message(
    services: Services, fmt: Format, limit: int
) -> None:
    await subscribe(services, CHAT, "both")

    reply = await ask(services, "/digest", fmt=fmt)

    assert len(reply.messages) == 2
    for message in reply.messages:
        assert fits(message, fmt)
        assert len(message.encode("utf-16-le")) // 2 <= limit
    if fmt is Format.DISCORD:
        assert "**Key statements**" in reply.messages[0]
        assert "<b>" not in reply.messages[0]


async def test_digest_without_summaries_says_there_are_none(
    store: Store, clock: Clock, write_content: WriteContent
) -> None:
    services = await make_services(store, write_content({"story.yaml": EMPTY_CONTENT}), clock)
    await subscribe(services, CHAT, "both")

    reply = await ask(services, "/digest")

    assert reply.messages == ("No summaries yet.", "Belum ada ringkasan.")


# --- /whosaid ---


async def test_whosaid_by_an_indonesian_alias(services: Services) -> None:
    reply = await ask(services, "/whosaid Sekjen PBB")

    assert len(reply.messages) == 1
    assert reply.messages[0].startswith(
        "<b>Who said what: António Guterres, UN Secretary-General (1 of 1, newest first)</b>"
    )
    assert reply.choices == ()


async def test_whosaid_answers_in_the_chats_language(services: Services) -> None:
    await subscribe(services, CHAT, "id")

    reply = await ask(services, "/whosaid Guterres")

    assert "Siapa mengatakan apa: António Guterres, Sekretaris Jenderal PBB" in reply.messages[0]


async def test_whosaid_without_a_query_asks_for_one(services: Services) -> None:
    en = await ask(services, "/whosaid")
    id_ = await ask(services, "/whosaid   ", lang="id")

    assert en.messages == ("<b>Name a person or a topic, e.g. “Guterres” or “hostages”.</b>",)
    assert id_.messages == (
        "<b>Sebutkan nama orang atau topik, misalnya “Guterres” atau “sandera”.</b>",
    )


async def test_whosaid_by_topic(services: Services) -> None:
    reply = await ask(services, "/whosaid Israel")

    assert reply.messages[0].startswith("<b>Who said what about “Israel” (")
    assert reply.choices == ()


async def test_an_ambiguous_name_offers_each_candidate_as_a_button(
    services: Services,
) -> None:
    answer = services.library.edition.index.who_said("Minister")
    assert isinstance(answer, Ambiguous)
    candidates = answer.candidates
    assert len(candidates) > 1

    reply = await ask(services, "/whosaid Minister")

    assert reply.messages[0].startswith(
        "<b>“Minister” could be more than one person. Which one?</b>"
    )
    assert [choice.command for choice in reply.choices] == [
        f"/whosaid {person.id}" for person in candidates
    ]
    assert [choice.label for choice in reply.choices] == [p.name.en for p in candidates]
    for person, choice in zip(candidates, reply.choices, strict=True):
        answer_text = joined(await ask(services, choice.command))
        expected = f"<b>Who said what: {person.name.en}, {person.role.en} ("
        assert answer_text.startswith(expected)


async def test_every_persons_id_answers_with_that_person(services: Services) -> None:
    """What a candidate button sends must find that one person, whoever it is."""
    for person in services.library.catalog.people.values():
        reply = await ask(services, f"/whosaid {person.id}", lang="id")
        expected = f"Siapa mengatakan apa: {person.name.id}, {person.role.id}"
        no_statements = f"Belum ada pernyataan dari {person.name.id}."
        assert expected in reply.messages[0] or no_statements in reply.messages[0], person.id
        assert reply.choices == ()


async def test_candidate_labels_are_in_the_chats_language(services: Services) -> None:
    await subscribe(services, CHAT, "id")

    reply = await ask(services, "/whosaid Al")

    assert len(reply.choices) > 1
    assert reply.messages[0].startswith("<b>“Al” bisa merujuk ke lebih dari satu orang.")


async def test_markup_in_the_query_is_shown_as_text(services: Services) -> None:
    telegram = await ask(services, "/whosaid <b>x</b> & <i>")
    discord = await ask(services, "/whosaid **x** @everyone", fmt=Format.DISCORD)

    assert "&lt;b&gt;x&lt;/b&gt; &amp; &lt;i&gt;" in telegram.messages[0]
    assert "<b>x</b>" not in telegram.messages[0]
    assert "<i>" not in telegram.messages[0]
    assert r"\*\*x\*\*" in discord.messages[0]
    assert "@everyone" not in discord.messages[0]


async def test_a_pasted_essay_is_echoed_short(services: Services) -> None:
    reply = await ask(services, "/whosaid " + "qwxz " * 1000)

    assert len(reply.messages) == 1
    assert fits(reply.messages[0], Format.TELEGRAM)
    assert reply.messages[0].count("qwxz") <= 20


# --- /timeline ---


async def test_timeline_answers_with_a_picture_and_its_caption(services: Services) -> None:
    reply = await ask(services, "/timeline")

    assert reply.picture is not None
    assert reply.picture.filename == "ringkas-timeline-en.png"
    assert read_png(reply.picture.png).width == draw.WIDTH
    [caption] = reply.messages
    assert caption.startswith(
        "<b>Israel–Hamas negotiations: who said what, 6–7 October 2025</b>\n19 statements."
    )
    assert caption.endswith("/whosaid &lt;name or topic&gt;")
    assert len(caption) <= 1024 and reply.choices == () and not reply.error


async def test_timeline_of_a_person_in_the_chats_language(services: Services) -> None:
    await subscribe(services, CHAT, "id")

    reply = await ask(services, "/timeline trump", fmt=Format.DISCORD)

    assert reply.picture is not None and reply.picture.filename == "ringkas-timeline-id.png"
    assert reply.messages[0].startswith("**Negosiasi Israel–Hamas: siapa mengatakan apa")
    assert "Donald Trump, Presiden Amerika Serikat, 7 pernyataan." in reply.messages[0]
    assert reply.messages[0].endswith("/whosaid trump")


async def test_timeline_pictures_are_cached_for_the_content_in_service(
    services: Services,
) -> None:
    first = await ask(services, "/timeline Donald Trump")
    second = await ask(services, "/timeline trump")

    assert first.picture is not None and second.picture is not None
    assert second.picture.png is first.picture.png  # drawn once
    assert services.library.pictures.cache.hits == 1


@pytest.mark.parametrize("query", ["zzqx", "Minister", "   "])
async def test_timeline_with_nothing_to_draw_answers_as_whosaid_does(
    services: Services, query: str
) -> None:
    reply = await ask(services, f"/timeline {query}")

    if query.strip():
        whosaid = await ask(services, f"/whosaid {query}")
        assert reply.picture is None
        assert reply.messages == whosaid.messages
        assert [c.command for c in reply.choices] == [
            c.command.replace("/whosaid", "/timeline") for c in whosaid.choices
        ]
    else:  # no query: every statement
        assert reply.picture is not None


async def test_timeline_without_statements_says_so(
    store: Store, clock: Clock, write_content: WriteContent
) -> None:
    services = await make_services(store, write_content({"story.yaml": EMPTY_CONTENT}), clock)

    reply = await ask(services, "/timeline", lang="id")

    assert reply.messages == ("Belum ada pernyataan.",) and reply.picture is None


async def test_help_lists_timeline(services: Services) -> None:
    assert "<b>/timeline [name or topic]</b> — who said what, when" in joined(
        await ask(services, "/help")
    )
