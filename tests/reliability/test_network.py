"""A network cut of 30 s under one runtime serving Telegram and Discord at once, as `ringkas run`
does with both tokens: each platform reconnects by itself once the network is back, answers
commands again, and the digests that fell due during the cut reach every chat exactly once.

The cut lasts 30 s on purpose: long enough for every backoff to grow (PTB's polling retry,
discord.py's reconnect, the dispatcher's retries), which is what makes a reconnection slow. The
test runs once, for both platforms together."""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from bot.adapters.discord import DiscordAdapter
from bot.adapters.discord.patches import RECONNECT_CAP
from bot.adapters.telegram import TelegramAdapter
from bot.adapters.telegram.patches import POLL_RETRY_CAP
from bot.core.ports import ChatKind, ChatRef, Format
from bot.core.store import tables
from bot.core.store.subscriptions import Advance
from bot.core.subscription import Plan
from bot.core.text.strings import say
from tests.adapters.discord import conftest as discord_side
from tests.adapters.running import Serving, start_serving
from tests.adapters.telegram import conftest as telegram_side
from tests.standins.discord import DiscordStandIn
from tests.standins.telegram import TelegramStandIn

log = logging.getLogger(__name__)

CUT_SECONDS = 30.0
# After the restore, each platform must be back within this: the longest wait of its retry loop
# (the adapters cap them), plus 5 s for the connection's set-up on a busy machine. Uncapped,
# PTB waits up to 30 s between polls, and discord.py up to 17 minutes between connections.
RECONNECT_BOUND = max(POLL_RETRY_CAP, RECONNECT_CAP) + 5.0
# The dispatcher's retries must outlast the cut (production: 8 attempts from 5 s doubling, over
# ten minutes); here the same shape, shortened so that the retry after the restore comes soon.
DELIVERY = {"max_attempts": 40, "backoff_seconds": 0.5, "backoff_cap_seconds": 2}

TELEGRAM_CHATS = (telegram_side.GROUP, telegram_side.CHANNEL)
DISCORD_CHANNELS = (discord_side.GENERAL, discord_side.NEWS)
IDENTIFY, RESUME = 2, 6  # gateway opcodes: a new session, the old one resumed


@dataclass(kw_only=True)
class BothServing(Serving):
    api: TelegramStandIn
    dc: DiscordStandIn
    telegram: TelegramAdapter
    discord: DiscordAdapter


# The stand-ins of the platforms' end-to-end tests, for this module's tests.
api = telegram_side.api
dc = discord_side.dc


@pytest.fixture
async def both(
    api: TelegramStandIn, dc: DiscordStandIn, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> AsyncIterator[BothServing]:
    """One runtime serving both adapters, as `ringkas run` does with both tokens set."""
    monkeypatch.setenv("PTB_TIMEDELTA", "true")
    discord_settings = discord_side.settings_for(dc, tmp_path).discord.model_dump()
    settings = telegram_side.settings_for(
        api,
        tmp_path,
        discord=discord_settings,
        admins={"telegram": [telegram_side.ADMIN.id], "discord": [discord_side.ADMIN.id]},
        delivery=DELIVERY,
    )
    telegram = TelegramAdapter(settings.telegram, telegram_side.TOKEN, settings.language, 10)
    discord = DiscordAdapter(
        settings.discord,
        discord_side.TOKEN,
        settings.language,
        identify_window=discord_side.IDENTIFY_WINDOW,
        guild_ready_timeout=0.05,
    )
    runtime, done, task = await start_serving(settings, telegram, discord)
    await api.wait_for(lambda: telegram_side.calls(api, "getUpdates"), what="polling")
    await dc.wait_connected()
    await dc.wait_for(lambda: discord.shards.ready, what="the bot's shards ready")
    bot = BothServing(
        runtime=runtime, done=done, task=task, api=api, dc=dc, telegram=telegram,
        discord=discord,
    )  # fmt: skip
    yield bot
    if not task.done():
        await bot.stop()


async def subscribe(bot: BothServing, chat: ChatRef, kind: ChatKind) -> int:
    """A subscription made in the store, as `ringkas subscribers add` would; its id."""
    plan = Plan("en", (dt.time(7, 0),), False, "Asia/Jakarta")
    made = await bot.runtime.services.store.subscriptions.subscribe(
        chat, kind, plan, "test", dt.datetime.now(dt.UTC)
    )
    return made.id


async def make_due(bot: BothServing, subscription_ids: list[int]) -> None:
    """Bring the subscriptions' next digest to a moment just past: the next tick queues it."""
    now = dt.datetime.now(dt.UTC)
    served = [Advance(sid, now - dt.timedelta(seconds=1), None) for sid in subscription_ids]
    await bot.runtime.services.store.subscriptions.advance(served, now)


async def outbox_rows(bot: BothServing) -> list[Any]:
    """(platform, chat, state, attempts) of every delivery."""
    table = tables.outbox
    query = select(table.c.platform, table.c.chat_id, table.c.state, table.c.attempts)
    async with bot.runtime.services.store.engine.connect() as connection:
        return list((await connection.execute(query)).all())


async def test_a_30_s_network_cut_loses_nothing_and_both_platforms_come_back_by_themselves(
    both: BothServing,
) -> None:
    api, dc = both.api, both.dc
    telegram_ids = [
        await subscribe(both, telegram_side.ref(chat), kind)
        for chat, kind in zip(TELEGRAM_CHATS, (ChatKind.GROUP, ChatKind.CHANNEL), strict=True)
    ]
    discord_ids = [
        await subscribe(both, discord_side.ref(c), ChatKind.GROUP) for c in DISCORD_CHANNELS
    ]

    api.stop_network()
    await dc.stop_network()
    await make_due(both, telegram_ids + discord_ids)  # due during the cut
    await asyncio.sleep(CUT_SECONDS)

    # Every delivery was tried during the cut, failed, and is still waiting for a retry.
    during = await outbox_rows(both)
    assert len(during) == len(telegram_ids) + len(discord_ids)
    assert all(state == "pending" and attempts >= 2 for *_, state, attempts in during), during
    assert api.sent == [] and dc.messages == []
    assert not both.task.done()

    calls_before, events_before = len(api.calls), len(dc.gateway_events)
    restored = time.monotonic()
    api.restore_network()
    dc.restore_network()
    # When each came back, as the stand-ins recorded it (generous timeouts: an uncapped backoff
    # still gets measured, and fails the bound below).
    [first_poll, *_] = await api.wait_for(
        lambda: [c for c in api.calls[calls_before:] if c.method == "getUpdates"],
        timeout=60, what="polling again",
    )  # fmt: skip
    [first_session, *_] = await dc.wait_for(
        lambda: [e for e in dc.gateway_events[events_before:] if e.op in (IDENTIFY, RESUME)],
        timeout=60, what="a RESUME or an IDENTIFY",
    )  # fmt: skip
    await dc.wait_connected()
    telegram_back, discord_back = first_poll.at - restored, first_session.at - restored
    log.warning(  # the figures the report quotes: shown by pytest -rA / on failure
        "reconnected after the restore: telegram %.2f s, discord %.2f s",
        telegram_back,
        discord_back,
    )
    assert telegram_back < RECONNECT_BOUND
    assert discord_back < RECONNECT_BOUND
    # discord.py resumed the session of before the cut: the events sent meanwhile are replayed.
    assert len(dc.identifies) == 1 and dc.resumes
    assert dc.connections[-1].path == "/resume"

    # Commands are answered again on both.
    api.feed_message(telegram_side.ANA.id, "/settings", user=telegram_side.ANA)
    [answer] = await api.wait_for(lambda: api.sent_to(telegram_side.ANA.id))
    assert answer.text == say("en", "not_subscribed")
    _, response = await discord_side.ask(dc, "settings", user=discord_side.BUDI, dm=True)
    assert response.content == say("en", "not_subscribed")

    # The digests due during the cut reach every chat, once.
    await api.wait_for(lambda: all(api.sent_to(c) for c in TELEGRAM_CHATS), timeout=10)
    await dc.wait_for(lambda: all(dc.messages_in(c) for c in DISCORD_CHANNELS), timeout=10)
    await asyncio.sleep(1.0)  # time for a second copy, if something were to send one
    library = both.runtime.services.library
    for chat in TELEGRAM_CHATS:
        assert [m.text for m in api.sent_to(chat)] == [library.digest("en", Format.TELEGRAM)]
    for channel in DISCORD_CHANNELS:
        assert [m.text for m in dc.messages_in(channel)] == [library.digest("en", Format.DISCORD)]
    after = await outbox_rows(both)
    assert {state for *_, state, _ in after} == {"delivered"}  # so none is tried again

    assert not both.task.done()  # never crashed: it stops only when asked
    await both.stop()
