"""Slash commands as a Discord user meets them: names and replies in English or Indonesian,
autocomplete of people, zones and summaries, /whosaid in public with buttons for an ambiguous
name, a slow command deferred, and odd payloads that must not stop the bot."""

from __future__ import annotations

import asyncio
import logging
from typing import Any

import pytest

from bot.adapters.discord import adapter as discord_adapter
from bot.adapters.discord.commands import NAMES_ID
from bot.core.commands import COMMANDS, Reply, Request
from bot.core.models import Lang
from bot.core.ports import Format
from bot.core.services import Services
from bot.core.text.fitting import whosaid_message
from bot.core.text.strings import say
from tests.adapters.discord.conftest import (
    ADMIN,
    ANA,
    BUDI,
    GENERAL,
    NEWS,
    Running,
    StartBot,
    ask,
    buttons,
    digest,
    press,
    previews_off,
    subscribe_directly,
)
from tests.standins.discord import EPHEMERAL, DiscordStandIn

ENGLISH_CLIENTS = ("en-US", "en-GB")


def who_said(bot: Running, query: str, lang: Lang = "en") -> str:
    """The core's /whosaid answer, as Discord markdown."""
    index = bot.runtime.services.library.edition.index
    return whosaid_message(index, query, lang, Format.DISCORD)[1]


# --- localisation ---


async def test_synced_commands_carry_their_indonesian_names_and_descriptions(
    dc: DiscordStandIn, start_bot: StartBot
) -> None:
    await start_bot()

    [sync] = dc.command_syncs
    commands = {c["name"]: c for c in sync.commands}

    assert set(commands) == {"help", *COMMANDS} - {"start"}
    for name, command in commands.items():
        assert command["name_localizations"] == {"id": NAMES_ID[name]}
        assert command["description"] == say("en", f"help_{name}")
        assert command["description_localizations"] == {"id": say("id", f"help_{name}")}
    assert commands["subscribe"]["name_localizations"] == {"id": "berlangganan"}
    assert commands["whosaid"]["name_localizations"] == {"id": "siapa-mengatakan"}
    options = {o["name"]: o for o in commands["subscribe"]["options"]}
    assert options["language"]["name_localizations"] == {"id": "bahasa"}
    assert options["zone"]["description_localizations"] == {"id": say("id", "arg_zone")}
    assert options["zone"]["autocomplete"] is True
    assert [(c["value"], c["name_localizations"]) for c in options["language"]["choices"]] == [
        ("en", {"id": "Inggris"}),
        ("id", {"id": "Indonesia"}),
        ("both", {"id": "keduanya"}),
    ]
    [query] = commands["whosaid"]["options"]
    assert (query["name"], query["name_localizations"]) == ("query", {"id": "nama-atau-topik"})
    assert query["autocomplete"] is True and query["required"] is True


@pytest.mark.parametrize(
    ("locale", "lang"), [("id", "id"), *((locale, "en") for locale in ENGLISH_CLIENTS)]
)
async def test_where_the_channel_has_no_subscription_the_users_locale_picks_the_language(
    dc: DiscordStandIn, start_bot: StartBot, locale: str, lang: Lang
) -> None:
    await start_bot()

    _, settings = await ask(dc, "settings", channel_id=GENERAL, user=BUDI, locale=locale)
    _, refused = await ask(dc, "unsubscribe", channel_id=GENERAL, user=BUDI, locale=locale)

    assert settings.content == say(lang, "not_subscribed") and settings.ephemeral
    assert refused.content == say(lang, "not_chat_admin") and refused.ephemeral


async def test_a_locale_ringkas_does_not_speak_gets_the_configured_language(
    dc: DiscordStandIn, start_bot: StartBot
) -> None:
    await start_bot(language="id")

    _, response = await ask(dc, "settings", channel_id=GENERAL, user=BUDI, locale="pt-BR")

    assert response.content == say("id", "not_subscribed")


async def test_the_channels_subscription_language_wins_over_the_users_locale(
    dc: DiscordStandIn, start_bot: StartBot
) -> None:
    bot = await start_bot()
    await subscribe_directly(bot, GENERAL, "en")
    await subscribe_directly(bot, NEWS, "id")

    _, english = await ask(dc, "settings", channel_id=GENERAL, user=BUDI, locale="id")
    _, indonesian = await ask(dc, "settings", channel_id=NEWS, user=BUDI, locale="en-US")
    _, refused = await ask(dc, "unsubscribe", channel_id=NEWS, user=BUDI, locale="en-US")
    _, public = await ask(dc, "digest", channel_id=GENERAL, user=BUDI, locale="id")

    assert english.content is not None and indonesian.content is not None
    assert english.content.startswith(f"**{say('en', 'settings_title')}**")
    assert indonesian.content.startswith(f"**{say('id', 'settings_title')}**")
    assert refused.content == say("id", "not_chat_admin")
    assert public.text == digest(bot, "en")
    assert not public.ephemeral  # digests are for the whole channel


# --- /whosaid and autocomplete ---


async def test_whosaid_autocomplete_finds_people_by_name_and_alias_in_both_languages(
    dc: DiscordStandIn, start_bot: StartBot
) -> None:
    await start_bot()

    async def suggested(typed: str, locale: str = "en-US") -> list[dict[str, Any]]:
        _, response = await ask(
            dc, "whosaid", {"query": typed}, focused="query", channel_id=GENERAL, locale=locale
        )
        assert response.type == 8  # the autocomplete result
        return response.choices

    guterres = {"name": "António Guterres — UN Secretary-General", "value": "antonio-guterres"}
    assert await suggested("Sekjen") == [guterres]  # an Indonesian alias, in English
    assert await suggested("Guterres") == [guterres]
    assert await suggested("UN chief") == [guterres]
    # An Indonesian client sees the roles in Indonesian.
    assert await suggested("Sekjen", locale="id") == [
        {"name": "António Guterres — Sekretaris Jenderal PBB", "value": "antonio-guterres"}
    ]
    assert await suggested("Presiden Amerika", locale="id") == [
        {"name": "Donald Trump — Presiden Amerika Serikat", "value": "donald-trump"}
    ]
    everyone = await suggested("")
    assert 0 < len(everyone) <= 25
    assert guterres in everyone
    assert all(len(choice["name"]) <= 100 for choice in everyone)


async def test_whosaid_answers_the_whole_channel(dc: DiscordStandIn, start_bot: StartBot) -> None:
    bot = await start_bot()

    _, by_alias = await ask(dc, "whosaid", {"query": "Sekjen PBB"}, channel_id=GENERAL, user=BUDI)
    # What a user sends who picked the suggestion: its value, the person's id.
    _, picked = await ask(
        dc, "whosaid", {"query": "antonio-guterres"}, channel_id=GENERAL, user=BUDI
    )

    assert by_alias.type == 4 and not by_alias.ephemeral
    assert by_alias.content == who_said(bot, "Sekjen PBB")
    assert by_alias.content.startswith("**Who said what: António Guterres, UN Secretary-General")
    assert (by_alias.data or {})["allowed_mentions"] == {"parse": []}
    assert picked.content == by_alias.content and not picked.ephemeral


async def test_an_ambiguous_name_offers_buttons_and_a_press_shows_that_persons_statements(
    dc: DiscordStandIn, start_bot: StartBot
) -> None:
    bot = await start_bot()

    sent, question = await ask(dc, "whosaid", {"query": "minister"}, channel_id=GENERAL)

    assert question.content == who_said(bot, "minister") and not question.ephemeral
    offered = buttons((question.data or {})["components"])
    assert offered == [
        ("Benjamin Netanyahu", "/whosaid benjamin-netanyahu"),
        ("Bezalel Smotrich", "/whosaid bezalel-smotrich"),
        ("Itamar Ben-Gvir", "/whosaid itamar-ben-gvir"),
    ]
    original = dc.original_response(sent)
    assert original is not None

    _, answer = await press(dc, int(original["id"]), offered[0][1], user=ANA)

    # The question becomes the answer, for everyone, without its buttons.
    assert answer.type == 7
    shown = dc.original_response(sent)
    assert shown is not None
    assert shown["content"] == who_said(bot, "benjamin-netanyahu")
    assert shown["content"].startswith("**Who said what: Benjamin Netanyahu")
    assert shown["components"] == []
    assert not shown["flags"] & EPHEMERAL
    assert dc.followups == []


@pytest.mark.parametrize("custom_id", ["k:0123456789abcdef01234567", "not a command"])
async def test_a_button_the_bot_no_longer_knows_is_answered_privately(
    dc: DiscordStandIn, start_bot: StartBot, custom_id: str
) -> None:
    await start_bot()
    sent, _ = await ask(dc, "whosaid", {"query": "minister"}, channel_id=GENERAL)
    original = dc.original_response(sent)
    assert original is not None
    before = dict(original)

    _, answer = await press(dc, int(original["id"]), custom_id, user=BUDI, locale="id")

    assert answer.type == 4 and answer.ephemeral
    assert answer.content == say("id", "button_expired")
    assert dc.original_response(sent) == before  # the question stands as it was


async def test_subscribe_autocompletes_the_indonesian_zones_first(
    dc: DiscordStandIn, start_bot: StartBot
) -> None:
    await start_bot()

    _, everything = await ask(dc, "subscribe", {"zone": ""}, focused="zone", channel_id=GENERAL)
    _, typed = await ask(dc, "subscribe", {"zone": "wit"}, focused="zone", channel_id=GENERAL)
    _, city = await ask(dc, "subscribe", {"zone": "Jayap"}, focused="zone", channel_id=GENERAL)

    assert everything.choices[:3] == [
        {"name": "WIB — Asia/Jakarta", "value": "WIB"},
        {"name": "WITA — Asia/Makassar", "value": "WITA"},
        {"name": "WIT — Asia/Jayapura", "value": "WIT"},
    ]
    assert len(everything.choices) == 25  # hundreds of zones: Discord shows 25
    assert [c["value"] for c in typed.choices][:2] == ["WITA", "WIT"]
    assert [c["value"] for c in city.choices] == ["WIT", "Asia/Jayapura"]


async def test_push_autocompletes_the_summaries_in_service(
    dc: DiscordStandIn, start_bot: StartBot
) -> None:
    bot = await start_bot()
    summaries = bot.runtime.services.library.catalog.summaries

    _, response = await ask(dc, "push", {"what": ""}, focused="what", channel_id=GENERAL)
    newest = summaries[0]
    _, one = await ask(dc, "push", {"what": newest.id}, focused="what", channel_id=GENERAL)

    assert [c["value"] for c in response.choices] == [s.id for s in summaries][:25]
    assert one.choices[0] == {"name": f"{newest.id} — {newest.title.en}", "value": newest.id}


# --- slow commands ---


def slow(name: str, seconds: float, monkeypatch: pytest.MonkeyPatch) -> None:
    """The core's command `name`, taking `seconds` longer than it does."""
    command = COMMANDS[name]

    async def slowly(request: Request, services: Services, args: str) -> Reply:
        await asyncio.sleep(seconds)
        return await command(request, services, args)

    monkeypatch.setitem(COMMANDS, name, slowly)


async def test_a_slow_command_is_deferred_in_time_then_answered(
    dc: DiscordStandIn, start_bot: StartBot, monkeypatch: pytest.MonkeyPatch
) -> None:
    bot = await start_bot()
    slow("settings", 2.5, monkeypatch)
    slow("digest", 2.5, monkeypatch)

    private = await dc.dispatch_interaction("settings", channel_id=GENERAL, user=BUDI)
    public = await dc.dispatch_interaction("digest", channel_id=GENERAL, user=BUDI)
    await dc.wait_for(lambda: dc.followups_for(private) and dc.followups_for(public), 5.0)

    # Within Discord's 3 seconds: "Ringkas is thinking…", seen by whom the answer is for.
    [deferred_private] = dc.responses_for(private)
    [deferred_public] = dc.responses_for(public)
    assert (deferred_private.type, deferred_private.flags) == (5, EPHEMERAL)
    assert (deferred_public.type, deferred_public.flags & EPHEMERAL) == (5, 0)
    [answer] = dc.followups_for(private)
    assert answer.content == say("en", "not_subscribed") and answer.ephemeral
    [shown] = dc.followups_for(public)
    assert shown.text == digest(bot, "en") and not shown.ephemeral
    assert shown.allowed_mentions == {"parse": []}


async def test_a_slow_button_press_is_acknowledged_in_time_then_answered(
    dc: DiscordStandIn, start_bot: StartBot, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Discord's 3 s and the adapter's 2 s scaled down (to 1 s and 0.3 s) to keep this fast."""
    bot = await start_bot()
    sent, _ = await ask(dc, "whosaid", {"query": "minister"}, channel_id=GENERAL)
    original = dc.original_response(sent)
    assert original is not None
    dc.callback_deadline = 1.0
    monkeypatch.setattr(discord_adapter, "ANSWER_WITHIN", 0.3)
    slow("whosaid", 1.3, monkeypatch)

    await dc.dispatch_component(int(original["id"]), "/whosaid benjamin-netanyahu")
    expected = who_said(bot, "benjamin-netanyahu")
    await dc.wait_for(
        lambda: (dc.original_response(sent) or {}).get("content") == expected, timeout=2.5
    )


# --- odd payloads ---


async def test_an_interaction_for_a_command_the_bot_does_not_have_is_skipped(
    dc: DiscordStandIn, start_bot: StartBot, caplog: pytest.LogCaptureFixture
) -> None:
    await start_bot()

    # A command left over from an older version, and an option of the wrong type.
    await dc.dispatch_interaction("frobnicate", {"x": "y"}, channel_id=GENERAL)
    await dc.dispatch_interaction("whosaid", [{"name": "query", "type": 4, "value": 7}])
    _, answer = await ask(dc, "settings", channel_id=GENERAL, user=BUDI)

    assert answer.content == say("en", "not_subscribed")
    assert "Application command 'frobnicate' not found" in caplog.text
    assert "could not run a slash command: Command 'whosaid' raised an exception" in caplog.text
    assert dc.connected


async def test_a_malformed_interaction_is_logged_and_the_bot_keeps_answering(
    dc: DiscordStandIn, start_bot: StartBot, caplog: pytest.LogCaptureFixture
) -> None:
    await start_bot()

    caplog.set_level(logging.INFO)
    await dc.dispatch("INTERACTION_CREATE", {"id": "1", "type": 2, "channel_id": str(GENERAL)})
    sent = await dc.dispatch_interaction("settings", channel_id=GENERAL, user=BUDI)

    [answer] = await dc.wait_for(lambda: dc.responses_for(sent), timeout=2.0)
    assert answer.content == say("en", "not_subscribed")


# --- /digest and /help ---


async def test_digest_in_a_channel_reading_both_languages_answers_publicly_in_both(
    dc: DiscordStandIn, start_bot: StartBot
) -> None:
    bot = await start_bot()
    await subscribe_directly(bot, GENERAL, "both")

    sent, first = await ask(dc, "digest", channel_id=GENERAL, user=BUDI)
    [second] = await dc.wait_for(lambda: dc.followups_for(sent), what="the second digest")

    assert [first.text, second.text] == [digest(bot, "en"), digest(bot, "id")]
    assert not first.ephemeral and not second.ephemeral
    assert first.embeds and second.embeds  # digests as Discord's digests look
    assert previews_off(first) and previews_off(second)


async def test_help_is_private_and_shows_admin_commands_to_admins_only(
    dc: DiscordStandIn, start_bot: StartBot
) -> None:
    await start_bot()

    _, member = await ask(dc, "help", channel_id=GENERAL, user=BUDI, locale="id")
    _, admin = await ask(dc, "help", channel_id=GENERAL, user=ADMIN)

    assert member.content is not None and admin.content is not None
    assert member.ephemeral and admin.ephemeral
    assert member.content.startswith(f"**{say('id', 'commands')}**")
    assert say("id", "admin_commands") not in member.content
    assert f"**{say('en', 'admin_commands')}**" in admin.content
    assert "\\<" in admin.content  # "/push <…>": escaped, shown as written
