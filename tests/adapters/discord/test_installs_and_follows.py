"""Discord end to end, what issue 16 added: /whosaid and /digest in a user's own install (in a
DM between users, where the bot is not), the other commands only where the bot is installed,
digests as embeds (plain text where the bot may not embed links), /follow firing once for a
statement added while the bot runs, and /lang then /help in Indonesian."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from bot.core.text.strings import say
from tests.adapters.discord.conftest import (
    ANA,
    BUDI,
    GENERAL,
    NEWS,
    StartBot,
    ask,
    digest,
    previews_off,
    subscribe_directly,
)
from tests.adapters.discord.test_delivery import make_due
from tests.core.test_library import add_statement, copy_content
from tests.standins.discord import EMBED_LINKS, DiscordStandIn

ANYWHERE = ("whosaid", "digest", "timeline")  # the commands a user may install for themselves


async def test_reading_commands_are_offered_everywhere_and_the_rest_where_the_bot_is(
    dc: DiscordStandIn, start_bot: StartBot
) -> None:
    await start_bot(discord={"guilds": []})  # user installs take global commands
    [sync] = dc.command_syncs
    assert sync.guild_id is None
    declared = {c["name"]: (c["integration_types"], c["contexts"]) for c in sync.commands}
    for name in ANYWHERE:
        assert declared.pop(name) == ([0, 1], [0, 1, 2]), name
    for name, (installs, contexts) in declared.items():  # subscriptions, follows, admin
        assert (installs, contexts) == ([0], [0, 1]), name


@pytest.mark.parametrize("locale", ["en-US", "id"])
async def test_whosaid_in_a_users_own_install_in_a_dm_between_users(
    dc: DiscordStandIn, start_bot: StartBot, locale: str
) -> None:
    await start_bot(discord={"guilds": []})
    sent, response = await ask(
        dc, "whosaid", {"query": "guteres"}, user=BUDI, install="user", private=True, locale=locale
    )
    assert sent.payload["context"] == 2
    assert response.text is not None and not response.ephemeral  # for the friend to read too
    heading = "Who said what: António Guterres" if locale == "en-US" else "Siapa mengatakan apa"
    assert response.text.startswith(f"**{heading}")
    assert ("Source: " if locale == "en-US" else "Sumber: ") in response.text


async def test_the_digest_in_a_users_own_install_is_an_embed(
    dc: DiscordStandIn, start_bot: StartBot
) -> None:
    bot = await start_bot(discord={"guilds": []})
    _, response = await ask(dc, "digest", user=BUDI, install="user", private=True)
    [embed] = response.embeds
    assert embed["description"] == digest(bot, "en") and response.content is None


@pytest.mark.parametrize("name", ["subscribe", "follow", "lang", "push"])
async def test_what_changes_a_channel_is_not_offered_in_a_users_own_install(
    dc: DiscordStandIn, start_bot: StartBot, name: str
) -> None:
    await start_bot(discord={"guilds": []})
    with pytest.raises(AssertionError, match="does not offer"):
        await dc.dispatch_interaction(name, user=BUDI, install="user", private=True)


async def test_where_the_bot_may_not_embed_links_a_digest_comes_as_text(
    dc: DiscordStandIn, start_bot: StartBot
) -> None:
    dc.deny(NEWS, EMBED_LINKS)  # before the bot connects: its cache knows
    bot = await start_bot()
    await subscribe_directly(bot, NEWS, "en")
    await subscribe_directly(bot, GENERAL, "en")
    await make_due(bot, NEWS, GENERAL)
    await dc.wait_for(lambda: len(dc.messages) == 2, what="two digests")

    [text] = dc.messages_in(NEWS)
    assert (text.content, text.embeds) == (digest(bot, "en"), [])
    assert previews_off(text)
    [card] = dc.messages_in(GENERAL)
    assert card.content is None and card.text == digest(bot, "en")
    assert not [r for r in dc.requests if r.method == "POST" and r.json and r.json.get("embeds")
                and f"/channels/{NEWS}/" in r.path]  # fmt: skip


async def test_a_follow_in_a_channel_fires_once_for_a_statement_added_while_running(
    dc: DiscordStandIn, start_bot: StartBot, tmp_path: Path
) -> None:
    content = copy_content(tmp_path)
    await start_bot(content=str(content), schedule={"watch_seconds": 1})
    _, refused = await ask(dc, "follow", {"query": "Guterres"}, channel_id=GENERAL, user=BUDI)
    assert refused.text == say("en", "not_chat_admin_follows") and refused.ephemeral
    _, followed = await ask(dc, "follow", {"query": "Guterres"}, channel_id=GENERAL, user=ANA)
    assert followed.text is not None and "Following António Guterres" in followed.text

    add_statement(
        content, "fixture-lapid-budget", "yair-lapid",
        "The budget vote is next week.", "Pemungutan suara anggaran pekan depan.",
    )  # fmt: skip
    add_statement(
        content, "fixture-guterres-hostages", "antonio-guterres",
        "The hostages must be freed now.", "Para sandera harus dibebaskan sekarang.",
    )  # fmt: skip
    [message] = await dc.wait_for(lambda: dc.messages_in(GENERAL), timeout=10)
    await asyncio.sleep(2.5)  # more watch passes and ticks: nothing more comes

    assert dc.messages_in(GENERAL) == [message]
    assert message.content is not None
    assert message.content.startswith("**New statements: António Guterres**")
    assert "The hostages must be freed now." in message.content
    assert "budget" not in message.content
    assert previews_off(message) and message.allowed_mentions == {"parse": []}


async def test_lang_then_help_is_answered_in_indonesian(
    dc: DiscordStandIn, start_bot: StartBot
) -> None:
    await start_bot()
    _, set_ = await ask(dc, "lang", {"language": "id"}, dm=True, user=BUDI)
    assert set_.text == "Balasan di obrolan ini kini dalam bahasa Indonesia."
    _, help_ = await ask(dc, "help", dm=True, user=BUDI)  # Budi's client is in English
    assert help_.text is not None and help_.text.startswith("**Perintah**")
