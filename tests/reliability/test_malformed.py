"""Payloads the bot cannot read, from either platform, are logged (naming what was skipped, never
the token) and skipped; the bot answers the next command.

Telegram by polling: see also tests/adapters/telegram/test_updates.py (updates with garbage
fields go to the error handler; here, one PTB cannot parse at all). Telegram by webhook: a post
answered other than 2xx is posted again by Telegram, forever, so an unreadable one is answered
200. Discord: gateway events discord.py cannot parse, events it does not know, and frames that
are not JSON."""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import aiohttp
import discord
import pytest

from bot.adapters.discord import DiscordAdapter
from bot.core.text.strings import say
from tests.adapters.discord import conftest as discord_side
from tests.adapters.running import Serving, start_serving
from tests.adapters.telegram import conftest as telegram_side
from tests.adapters.telegram.conftest import ANA, BUDI, TOKEN, StartBot
from tests.adapters.telegram.test_webhook import (
    HEADER,
    SECRET,
    SECRET_ENV,
    post,
    start_webhook,
    update_from,
)
from tests.standins.discord import DiscordStandIn
from tests.standins.telegram import TelegramStandIn

# The platforms' end-to-end fixtures, for the tests of this module.
api = telegram_side.api
start_bot = telegram_side.start_bot
dc = discord_side.dc  # its `start_bot` has the Telegram one's name: see `discord_bot`


def skipped_lines(caplog: pytest.LogCaptureFixture, prefix: str) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.getMessage().startswith(prefix)]


def warnings_and_errors(caplog: pytest.LogCaptureFixture) -> str:
    """What the log shows an operator (warnings and errors, tracebacks included): the test
    checks it names no secret. (Libraries' debug lines may show the Bot API URL, token and all;
    `ringkas run` masks secrets in every line, see bot/logs.py.)"""
    formatter = logging.Formatter()
    return "\n".join(formatter.format(r) for r in caplog.records if r.levelno >= logging.WARNING)


# --- Telegram ------------------------------------------------------------------------------


async def test_a_polled_update_ptb_cannot_parse_is_logged_by_its_id_and_skipped(
    api: TelegramStandIn, start_bot: StartBot, caplog: pytest.LogCaptureFixture
) -> None:
    bot = await start_bot()
    broken = api.feed_message(ANA.id, "/start", user=ANA)
    broken["message"]["chat"] = "garbage"  # still queued: the bot has not polled it yet

    with caplog.at_level(logging.ERROR):
        [answer] = await bot.say(BUDI.id, "/help", user=BUDI)

    assert answer.text.startswith("<b>Perintah</b>")
    # The next poll's offset confirms it: it is not polled again.
    await api.wait_for(lambda: broken not in api.updates, what="the offset past the broken one")
    [line] = skipped_lines(caplog, "telegram: skipping update")
    assert line.startswith(f"telegram: skipping update {broken['update_id']} that cannot be read")
    assert api.sent_to(ANA.id) == []
    assert TOKEN not in warnings_and_errors(caplog)


@pytest.mark.parametrize(
    ("body", "named"),
    [
        (b'{"update_id": 9001, "message": ', "skipping a webhook post that is not JSON"),
        (b"\xff\xfe not even text", "skipping a webhook post that is not JSON"),
        (json.dumps({"update_id": 9002, "message": {"chat": "garbage"}}).encode(), "update 9002"),
        (json.dumps(["not", "an", "update"]).encode(), "skipping update None"),
    ],
    ids=["cut short", "not UTF-8", "unparsable update", "not an object"],
)
async def test_a_webhook_post_that_cannot_be_read_is_answered_200_and_the_next_is_served(
    api: TelegramStandIn,
    start_bot: StartBot,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
    body: bytes,
    named: str,
) -> None:
    monkeypatch.setenv(SECRET_ENV, SECRET)
    _, address = await start_webhook(start_bot)

    with caplog.at_level(logging.ERROR):
        headers = {"Content-Type": "application/json", HEADER: SECRET}
        async with (
            aiohttp.ClientSession() as session,
            session.post(address, data=body, headers=headers) as answer,
        ):
            bad = answer.status
        good = await post(address, update_from(api, ANA.id, "/help", user=ANA), SECRET)
        [reply] = await api.wait_for(lambda: api.sent_to(ANA.id))

    # 200: Telegram does not post it again (it would, forever, after a 400 or a 500).
    assert (bad, good) == (200, 200)
    assert reply.text.startswith("<b>Commands</b>")
    [line] = skipped_lines(caplog, "telegram: skipping")
    assert named in line
    shown = warnings_and_errors(caplog)
    assert TOKEN not in shown and SECRET not in shown


async def test_a_webhook_post_without_the_secret_is_still_refused_not_skipped(
    api: TelegramStandIn, start_bot: StartBot, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(SECRET_ENV, SECRET)
    _, address = await start_webhook(start_bot)

    forged = update_from(api, ANA.id, "/help", user=ANA)
    forged["message"]["chat"] = "garbage"  # unreadable too: the secret is checked first

    assert await post(address, forged, "guess") == 403


# --- Discord -------------------------------------------------------------------------------


@pytest.fixture
async def discord_bot(dc: DiscordStandIn, tmp_path: Path) -> AsyncIterator[DiscordAdapter]:
    """The Discord adapter served by the real runtime, connected and ready."""
    settings = discord_side.settings_for(dc, tmp_path)
    adapter = DiscordAdapter(
        settings.discord,
        discord_side.TOKEN,
        settings.language,
        identify_window=discord_side.IDENTIFY_WINDOW,
        guild_ready_timeout=0.05,
    )
    runtime, done, task = await start_serving(settings, adapter)
    serving = Serving(runtime=runtime, done=done, task=task)
    await dc.wait_connected()
    await dc.wait_for(lambda: adapter.shards.ready, what="the bot's shards ready")
    yield adapter
    await serving.stop()
    # A clean stop: nothing of discord.py's own still runs (its wait for the guilds after a
    # READY, left running, would dispatch `ready` to the closed client; see `stop`).
    assert discord_py_tasks() == []


def discord_py_tasks() -> list[asyncio.Task[Any]]:
    """discord.py's own tasks still pending, not counting its event handlers (named
    `discord.py: on_…`), which run the bot's code."""
    library = str(Path(discord.__file__).parent)

    def source(task: asyncio.Task[Any]) -> str:
        code = getattr(task.get_coro(), "cr_code", None)
        return code.co_filename if code is not None else ""

    return [
        task
        for task in asyncio.all_tasks()
        if not task.done()
        and not task.get_name().startswith("discord.py: ")
        and source(task).startswith(library)
    ]


def dispatch_frame(event: str, data: object) -> str:
    """A gateway DISPATCH frame of `event` carrying `data`, whatever it is."""
    return json.dumps({"op": 0, "t": event, "s": None, "d": data})


async def answers_settings(dc: DiscordStandIn) -> None:
    """The bot answers a /settings in a channel nobody subscribed."""
    _, response = await discord_side.ask(
        dc, "settings", channel_id=discord_side.GENERAL, user=discord_side.BUDI
    )
    assert response.content == say("en", "not_subscribed")


@pytest.mark.parametrize(
    ("event", "data"),
    [
        ("INTERACTION_CREATE", {"id": "1", "type": 2}),  # no token, no application, no data
        ("INTERACTION_CREATE", None),
        ("CHANNEL_CREATE", {"id": "7", "type": 0, "guild_id": "not a snowflake"}),
        ("GUILD_MEMBER_UPDATE", ["a", "list"]),
    ],
    ids=["interaction without its fields", "interaction of null", "channel", "member"],
)
async def test_a_gateway_event_discord_py_cannot_parse_is_skipped_on_the_same_connection(
    dc: DiscordStandIn,
    discord_bot: DiscordAdapter,
    caplog: pytest.LogCaptureFixture,
    event: str,
    data: object,
) -> None:
    with caplog.at_level(logging.ERROR):
        assert await dc.send_raw_frame(dispatch_frame(event, data)) == 1
        await answers_settings(dc)

    [line] = skipped_lines(caplog, "discord: skipping")
    assert line == f"discord: skipping a {event} event that cannot be read"
    assert len(dc.connections) == 1 and len(dc.identifies) == 1  # never dropped
    assert discord_side.TOKEN not in warnings_and_errors(caplog)


async def test_an_event_discord_py_does_not_know_is_ignored(
    dc: DiscordStandIn, discord_bot: DiscordAdapter, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.DEBUG, logger="discord.gateway"):
        garbled = {"garbled": [1, None, {"x": "y"}]}
        assert await dc.send_raw_frame(dispatch_frame("SOMETHING_FROM_A_NEWER_API", garbled)) == 1
        await answers_settings(dc)

    assert "Unknown event SOMETHING_FROM_A_NEWER_API." in caplog.messages
    assert len(dc.connections) == 1 and len(dc.identifies) == 1


@pytest.mark.parametrize("frame", ['{"op": 0, "t": "INTERACTION_CREATE", "d": {', "[1, 2]"])
async def test_a_gateway_frame_that_is_not_an_event_costs_a_reconnection_not_the_bot(
    dc: DiscordStandIn,
    discord_bot: DiscordAdapter,
    caplog: pytest.LogCaptureFixture,
    frame: str,
) -> None:
    assert await dc.send_raw_frame(frame) == 1

    await dc.wait_for(lambda: len(dc.identifies) == 2, what="a new session")
    await dc.wait_connected()
    await answers_settings(dc)

    failed = [r for r in caplog.records if "the gateway connection failed" in r.getMessage()]
    assert failed and failed[0].exc_info is not None  # the traceback says what it was
    assert discord_side.TOKEN not in warnings_and_errors(caplog)
