"""The slash commands reach Discord only when they changed: the first start syncs them (to the
configured guild, where changes show at once, or globally), a restart with the same commands
does not, and a changed command set or target syncs again. Discord limits command updates per
day: syncing on every start would use that up."""

from __future__ import annotations

import pytest

from bot.core.models import Localized
from bot.core.text.strings import STRINGS
from tests.adapters.discord.conftest import BUDI, GENERAL, GUILD_ID, StartBot, ask
from tests.standins.discord import DiscordStandIn


def sync_targets(dc: DiscordStandIn) -> list[int | None]:
    return [sync.guild_id for sync in dc.command_syncs]


async def test_the_first_start_syncs_to_the_guild_and_a_restart_does_not(
    dc: DiscordStandIn, start_bot: StartBot
) -> None:
    first = await start_bot()
    assert sync_targets(dc) == [GUILD_ID]
    assert len(dc.commands(GUILD_ID)) == 14 and dc.commands() == []
    await first.stop()

    await start_bot()  # the same database

    assert sync_targets(dc) == [GUILD_ID]
    assert len(dc.requests_to("PUT", "/applications/*/commands")) == 1
    _, answer = await ask(dc, "settings", channel_id=GENERAL, user=BUDI)  # and they work
    assert answer.content is not None


async def test_a_changed_command_is_synced_again(
    dc: DiscordStandIn, start_bot: StartBot, monkeypatch: pytest.MonkeyPatch
) -> None:
    first = await start_bot()
    await first.stop()
    monkeypatch.setitem(
        STRINGS, "help_digest", Localized("today's digest, now", "ringkasan hari ini, sekarang")
    )

    await start_bot()

    assert sync_targets(dc) == [GUILD_ID, GUILD_ID]
    [digest] = [c for c in dc.command_syncs[-1].commands if c["name"] == "digest"]
    assert digest["description"] == "today's digest, now"
    assert digest["description_localizations"] == {"id": "ringkasan hari ini, sekarang"}


async def test_without_guilds_the_commands_are_synced_globally_once(
    dc: DiscordStandIn, start_bot: StartBot
) -> None:
    first = await start_bot(discord={"guilds": []})
    assert sync_targets(dc) == [None]
    assert len(dc.commands()) == 14 and dc.commands(GUILD_ID) == []
    await first.stop()

    second = await start_bot(discord={"guilds": []})
    assert sync_targets(dc) == [None]
    await second.stop()

    await start_bot()  # a guild configured after all: a new target, synced
    assert sync_targets(dc) == [None, GUILD_ID]


async def test_a_failed_sync_keeps_the_bot_serving_and_is_tried_again_at_the_next_start(
    dc: DiscordStandIn, start_bot: StartBot, caplog: pytest.LogCaptureFixture
) -> None:
    dc.fail_next("PUT", "/applications/*/guilds/*/commands", 403)

    first = await start_bot()

    assert dc.command_syncs == []
    assert "could not sync the slash commands" in caplog.text
    await first.stop()

    await start_bot()
    assert sync_targets(dc) == [GUILD_ID]
