"""/follow, /unfollow, /following and /lang, and /start's deep links: resolved as /whosaid
resolves, kept in the store, answered in the chat's language."""

from __future__ import annotations

import pytest

from bot.core.commands import follows
from bot.core.follow import Target
from bot.core.ports import ChatKind, ChatRef
from bot.core.services import Services
from tests.core.commands.conftest import CHAT, ask, joined, subscribe

GROUP = ChatRef("telegram", "-100")


async def followed(services: Services, chat: ChatRef = CHAT) -> list[Target]:
    return await services.store.follows.of_chat(chat)


async def test_follow_a_person_by_name_alias_role_or_typo(services: Services) -> None:
    for query in ("António Guterres", "Sekjen PBB", "guteres"):
        reply = await ask(services, f"/follow {query}")
        assert not reply.error, query
    assert await followed(services) == [Target("antonio-guterres")]
    text = joined(await ask(services, "/follow Guterres"))
    assert text == "This chat already follows António Guterres."


async def test_follow_says_what_and_in_which_language(services: Services) -> None:
    text = joined(await ask(services, "/follow guterres", lang="id"))
    assert text == (
        "Mengikuti António Guterres di obrolan ini: pernyataan baru akan dikirim ke sini begitu "
        "ditambahkan, dalam bahasa Indonesia."
    )
    assert await services.store.chats.lang(CHAT) == "id"  # the chat's language from now on


async def test_follow_a_topic_or_a_person_on_a_topic(services: Services) -> None:
    await ask(services, "/follow the hostages")
    await ask(services, "/follow trump sandera")
    assert await followed(services) == [
        Target(topic="hostages"),  # "the" is no topic
        Target("donald-trump", "sandera"),
    ]
    text = joined(await ask(services, "/following"))
    assert text == "<b>This chat follows</b>\n• “hostages”\n• Donald Trump on “sandera”"


async def test_an_ambiguous_name_offers_the_people_to_follow(services: Services) -> None:
    reply = await ask(services, "/follow minister")
    assert "could be more than one person" in joined(reply)
    assert len(reply.choices) > 1
    assert all(c.command.startswith("/follow ") for c in reply.choices)
    assert await followed(services) == []
    chosen = await ask(services, reply.choices[0].command)
    assert not chosen.error
    assert len(await followed(services)) == 1


async def test_nothing_found_offers_the_closest_people(services: Services) -> None:
    reply = await ask(services, "/follow guterrez qqq")
    assert reply.error
    assert "No speaker or statement matches" in joined(reply)
    assert await followed(services) == []
    assert all(c.command.startswith("/follow ") for c in reply.choices)


async def test_follow_needs_a_name_or_topic(services: Services) -> None:
    reply = await ask(services, "/follow")
    assert reply.error and "/follow Guterres" in joined(reply)


async def test_only_a_groups_admins_change_what_it_follows(services: Services) -> None:
    member = {"chat": GROUP, "chat_kind": ChatKind.GROUP, "can_manage": False}
    reply = await ask(services, "/follow Guterres", **member)
    assert reply.error and "administrators" in joined(reply)
    assert await followed(services, GROUP) == []
    await ask(services, "/follow Guterres", chat=GROUP, chat_kind=ChatKind.GROUP)
    assert (await ask(services, "/unfollow Guterres", **member)).error
    assert await followed(services, GROUP) == [Target("antonio-guterres")]
    assert "António Guterres" in joined(await ask(services, "/following", **member))


async def test_a_chat_follows_at_most_the_limit(
    services: Services, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(follows, "FOLLOW_LIMIT", 2)
    for query in ("Guterres", "Netanyahu"):
        assert not (await ask(services, f"/follow {query}")).error
    reply = await ask(services, "/follow hostages")
    assert reply.error and "follows 2 people and topics" in joined(reply)
    assert len(await followed(services)) == 2


async def test_unfollow_bare_offers_what_the_chat_follows(services: Services) -> None:
    assert joined(await ask(services, "/unfollow")).startswith("This chat follows nothing yet")
    await ask(services, "/follow trump sandera")
    await ask(services, "/follow Guterres")
    reply = await ask(services, "/unfollow")
    assert [(c.label, c.command) for c in reply.choices] == [
        ("Donald Trump on “sandera”", "/unfollow donald-trump sandera"),
        ("António Guterres", "/unfollow antonio-guterres"),
    ]
    text = joined(await ask(services, reply.choices[0].command))
    assert text == "No longer following Donald Trump on “sandera” in this chat."
    assert await followed(services) == [Target("antonio-guterres")]


async def test_unfollow_by_name_as_follow_resolves_it(services: Services) -> None:
    await ask(services, "/follow Guterres")
    assert not (await ask(services, "/unfollow sekjen pbb")).error
    assert await followed(services) == []


async def test_unfollow_what_is_not_followed_says_so(services: Services) -> None:
    await ask(services, "/follow Guterres", lang="id")  # the chat's language from now on
    reply = await ask(services, "/unfollow netanyahu")
    assert reply.error
    assert joined(reply) == (
        "Obrolan ini tidak mengikuti “netanyahu”. /following menampilkan yang diikutinya."
    )


# --- /lang ---


async def test_lang_sets_the_reply_language_without_subscribing(services: Services) -> None:
    reply = await ask(services, "/lang id")
    assert joined(reply) == "Balasan di obrolan ini kini dalam bahasa Indonesia."
    assert reply.lang == "id"
    assert await services.store.subscriptions.get(CHAT) is None
    help_ = joined(await ask(services, "/help", lang="en"))  # the app is in English
    assert "<b>Perintah</b>" in help_
    assert "Bahasa obrolan ini: Indonesia." in joined(await ask(services, "/lang"))


async def test_lang_sets_a_subscribed_chats_digest_language_too(services: Services) -> None:
    await subscribe(services, CHAT, "both")
    text = joined(await ask(services, "/lang en"))
    assert text == "Replies in this chat are now in English. The digest here comes in English too."
    current = await services.store.subscriptions.get(CHAT)
    assert current is not None and current.plan.languages == "en"


async def test_lang_takes_one_language(services: Services) -> None:
    for args in ("both", "fr", "en id"):
        reply = await ask(services, f"/lang {args}")
        assert reply.error and "/lang en" in joined(reply), args
    assert await services.store.chats.lang(CHAT) is None


async def test_only_a_groups_admins_change_its_language(services: Services) -> None:
    reply = await ask(services, "/lang id", chat=GROUP, chat_kind=ChatKind.GROUP, can_manage=False)
    assert reply.error and "administrators" in joined(reply)
    assert await services.store.chats.lang(GROUP) is None


async def test_subscribe_naming_a_language_is_the_chats_latest_choice(services: Services) -> None:
    await ask(services, "/lang id")
    await ask(services, "/subscribe en")
    assert await services.store.chats.lang(CHAT) == "en"
    assert "<b>Commands</b>" in joined(await ask(services, "/help", lang="id"))


# --- /start's deep links ---


async def test_a_whosaid_deep_link_answers_at_once(services: Services) -> None:
    linked = joined(await ask(services, "/start whosaid-antonio-guterres"))
    assert linked == joined(await ask(services, "/whosaid antonio-guterres"))
    assert "António Guterres" in linked


async def test_deep_links_to_the_digest_a_follow_and_a_language(services: Services) -> None:
    assert joined(await ask(services, "/start digest")) == joined(await ask(services, "/digest"))
    await ask(services, "/start follow-donald-trump")
    assert await followed(services) == [Target("donald-trump")]
    await ask(services, "/start lang-id")
    assert await services.store.chats.lang(CHAT) == "id"


async def test_start_with_any_other_text_is_the_welcome(services: Services) -> None:
    for text in ("/start", "/start hello", "/start whosaid-x and more", "/start push"):
        assert joined(await ask(services, text)).startswith("Ringkas sends short digests"), text
