"""Deliveries as subscribed channels see them: the digest at its time, once, without link
previews; and what Discord's errors come to: a 403 or 404 pauses the subscription (and
/status says why), a 429 is waited out by discord.py, a 5xx is retried; nothing is lost or
sent twice."""

from __future__ import annotations

import asyncio
import datetime as dt
from pathlib import Path

import pytest

from bot.core.library import Library
from bot.core.ports import ChatKind, Format
from bot.core.store import Store
from bot.core.store.subscriptions import Advance
from bot.core.subscription import Plan, State
from bot.core.text.strings import say
from tests.adapters.discord.conftest import (
    ADMIN,
    ANA,
    GENERAL,
    NEWS,
    THREAD,
    Running,
    StartBot,
    ask,
    digest,
    previews_off,
    ref,
    ringkas,
    settings_for,
    state_of,
    subscribe_directly,
    subscription,
    write_config,
)
from tests.standins.discord import DiscordStandIn

SLOW_TICKS = {"schedule": {"tick_seconds": 60}}


async def make_due(bot: Running, *channel_ids: int) -> None:
    """Bring the channels' next digest to a moment just past: the next tick (1 s) sends it."""
    store = bot.runtime.services.store
    now = dt.datetime.now(dt.UTC)
    served = []
    for channel_id in channel_ids:
        found = await subscription(bot, channel_id)
        assert found is not None
        served.append(Advance(found.id, now - dt.timedelta(seconds=1), None))
    await store.subscriptions.advance(served, now)


async def deliver_now(bot: Running, *channel_ids: int) -> None:
    """Make the channels due and run the scheduler's pass at once (the bot's own ticks are
    slow in the tests that call this, so no pass of theirs runs meanwhile)."""
    await make_due(bot, *channel_ids)
    planned = await bot.runtime.services.plan()
    assert planned.queued >= len(channel_ids)


def texts(dc: DiscordStandIn, channel_id: int) -> list[str | None]:
    return [m.text for m in dc.messages_in(channel_id)]


async def paused(bot: Running, channel_id: int) -> bool:
    found = await subscription(bot, channel_id)
    return found is not None and found.state is State.PAUSED


async def wait_paused(dc: DiscordStandIn, bot: Running, channel_id: int) -> None:
    done = asyncio.Event()

    async def watch() -> None:
        while not await paused(bot, channel_id):
            await asyncio.sleep(0.05)
        done.set()

    watcher = asyncio.create_task(watch())
    try:
        await dc.wait_for(done.is_set, what=f"{channel_id} to be paused")
    finally:
        watcher.cancel()


# --- the digest at its time ---


async def test_a_scheduled_digest_arrives_at_its_time_once_without_link_previews(
    dc: DiscordStandIn, start_bot: StartBot
) -> None:
    bot = await start_bot()
    await subscribe_directly(bot, GENERAL, "en")
    await subscribe_directly(bot, THREAD, "id")
    await subscribe_directly(bot, NEWS, "both")

    await make_due(bot, GENERAL, THREAD, NEWS)
    await dc.wait_for(lambda: len(dc.messages) == 4, what="four digests")
    await asyncio.sleep(1.2)  # another tick: nothing more is due

    assert texts(dc, GENERAL) == [digest(bot, "en")]
    assert texts(dc, THREAD) == [digest(bot, "id")]
    assert sorted(texts(dc, NEWS)) == sorted([digest(bot, "en"), digest(bot, "id")])  # type: ignore[type-var]
    assert len(dc.messages) == 4 and dc.duplicates() == {}
    for message in dc.messages:
        assert message.embeds and previews_off(message)
        assert message.allowed_mentions == {"parse": []}
    found = await subscription(bot, GENERAL)
    assert found is not None and found.next_due is not None and found.last_sent_at is not None
    assert found.next_due > dt.datetime.now(dt.UTC)  # the next slot: tomorrow's 07:00 WIB


async def test_deliver_once_sends_what_is_due_at_the_given_time(
    dc: DiscordStandIn, tmp_path: Path
) -> None:
    """`ringkas deliver --once --at …` as cron runs it: a process of its own, logging in over
    REST only."""
    settings = settings_for(dc, tmp_path)
    store = await Store.open(settings.database)
    try:
        plan = Plan("id", (dt.time(7),), False, "Asia/Jakarta")
        now = dt.datetime.now(dt.UTC)
        made = await store.subscriptions.subscribe(ref(NEWS), ChatKind.GROUP, plan, "t", now)
    finally:
        await store.close()
    assert made.next_due is not None
    at = made.next_due + dt.timedelta(minutes=1)
    config = write_config(dc, tmp_path)

    code, _, err = await ringkas(
        "deliver", "--once", "--at", at.isoformat(), "--config", str(config), cwd=tmp_path
    )

    assert code == 0, err
    assert "delivered 1," in err
    library = await Library.load(settings.content, settings.digest.options(), now)
    [message] = dc.messages
    assert message.channel_id == NEWS
    assert message.text == library.digest("id", Format.DISCORD)
    assert previews_off(message) and message.allowed_mentions == {"parse": []}
    assert not dc.identifies  # no gateway for a one-off delivery
    store = await Store.open(settings.database)
    try:
        after = await store.subscriptions.get(ref(NEWS))
    finally:
        await store.close()
    assert after is not None and after.next_due is not None and after.next_due > at


# --- errors ---


async def test_a_403_pauses_the_subscription_with_its_reason_and_status_lists_it(
    dc: DiscordStandIn, start_bot: StartBot
) -> None:
    bot = await start_bot(**SLOW_TICKS)
    await subscribe_directly(bot, GENERAL, "en")
    await subscribe_directly(bot, NEWS, "en")
    dc.forbid(NEWS)  # the bot lost access to #ringkas

    await deliver_now(bot, GENERAL, NEWS)
    await wait_paused(dc, bot, NEWS)

    stored = await subscription(bot, NEWS)
    assert stored is not None and stored.paused_at is not None
    assert stored.paused_reason == "403 Missing Access"
    assert texts(dc, NEWS) == []
    assert texts(dc, GENERAL) == [digest(bot, "en")]  # the others go on
    _, status = await ask(dc, "status", channel_id=GENERAL, user=ADMIN)
    assert status.content is not None and status.ephemeral
    assert say("en", "status_subscriptions", platform="discord", active=1, paused=1) in (
        status.content
    )
    listed = say(
        "en",
        "status_paused_chat",
        chat=str(ref(NEWS)),
        when=stored.paused_at.astimezone(dt.UTC).strftime("%Y-%m-%d %H:%M UTC"),
        reason="403 Missing Access",
    )
    assert f"**{say('en', 'status_paused')}**\n{listed}" in status.content


async def test_a_channel_given_back_is_resumed_by_subscribe(
    dc: DiscordStandIn, start_bot: StartBot
) -> None:
    bot = await start_bot(**SLOW_TICKS)
    await subscribe_directly(bot, NEWS, "id")
    dc.forbid(NEWS, code=50013)
    await deliver_now(bot, NEWS)
    await wait_paused(dc, bot, NEWS)
    stored = await subscription(bot, NEWS)
    assert stored is not None and stored.paused_reason == "403 Missing Permissions"

    dc.allow(NEWS)
    _, response = await ask(dc, "subscribe", channel_id=NEWS, user=ANA)

    assert response.content is not None
    assert response.content.startswith(f"**{say('id', 'resumed')}**")
    assert await state_of(bot, NEWS) is State.ACTIVE


async def test_a_deleted_channel_pauses_its_subscription(
    dc: DiscordStandIn, start_bot: StartBot
) -> None:
    bot = await start_bot(**SLOW_TICKS)
    await subscribe_directly(bot, THREAD, "en")
    dc.delete_channel(THREAD)

    await deliver_now(bot, THREAD)
    await wait_paused(dc, bot, THREAD)

    stored = await subscription(bot, THREAD)
    assert stored is not None and stored.paused_reason == "404 Unknown Channel"
    assert dc.messages == []


async def test_a_global_429_is_waited_out_and_every_digest_arrives_once(
    dc: DiscordStandIn, start_bot: StartBot
) -> None:
    bot = await start_bot(**SLOW_TICKS)
    channels = (GENERAL, NEWS, THREAD)
    for channel in channels:
        await subscribe_directly(bot, channel, "en")
    dc.limit_global(4, burst=1)  # 4 messages a second, none in reserve

    await deliver_now(bot, *channels)
    await dc.wait_for(lambda: all(dc.messages_in(c) for c in channels), what="three digests")
    await asyncio.sleep(0.3)

    assert dc.rejected_429 >= 1
    assert {c: texts(dc, c) for c in channels} == {c: [digest(bot, "en")] for c in channels}
    assert dc.duplicates() == {}
    for channel in channels:
        assert await state_of(bot, channel) is State.ACTIVE


async def test_a_429_with_retry_after_is_honoured_before_the_one_retry(
    dc: DiscordStandIn, start_bot: StartBot
) -> None:
    bot = await start_bot(**SLOW_TICKS)
    await subscribe_directly(bot, NEWS, "id")
    dc.fail_next("POST", f"/channels/{NEWS}/messages", 429, retry_after=0.4)

    await deliver_now(bot, NEWS)
    [message] = await dc.wait_for(lambda: dc.messages_in(NEWS))
    await asyncio.sleep(0.3)

    assert message.text == digest(bot, "id")
    assert dc.rejected_429 == 1 and texts(dc, NEWS) == [digest(bot, "id")]
    posts = dc.requests_to("POST", f"/channels/{NEWS}/messages")
    assert len(posts) == 2 and posts[1].at - posts[0].at >= 0.4


@pytest.mark.parametrize("status", [500, 503])
async def test_a_server_error_is_retried_and_the_digest_arrives_once(
    dc: DiscordStandIn, start_bot: StartBot, status: int
) -> None:
    """discord.py retries a 500 (or 502, 504) itself, after 1 s; a 503 reaches the sender, which
    reports it as transient, and the outbox retries."""
    bot = await start_bot(**SLOW_TICKS)
    await subscribe_directly(bot, GENERAL, "en")
    dc.fail_next("POST", f"/channels/{GENERAL}/messages", status)

    await deliver_now(bot, GENERAL)
    await dc.wait_for(lambda: dc.messages_in(GENERAL), 4.0)
    await asyncio.sleep(0.3)

    assert texts(dc, GENERAL) == [digest(bot, "en")]
    assert dc.faults_injected[str(status)] == 1
    assert len(dc.requests_to("POST", f"/channels/{GENERAL}/messages")) == 2
    counts = await bot.runtime.services.store.outbox.counts()
    assert counts.get("delivered") == 1 and not counts.get("failed")


async def test_a_lost_answer_to_a_send_is_retried_without_a_second_message(
    dc: DiscordStandIn, start_bot: StartBot
) -> None:
    """The message was created but the 500 answer lost it: discord.py sends again with the same
    nonce, which Discord answers with the message it has."""
    bot = await start_bot(**SLOW_TICKS)
    await subscribe_directly(bot, GENERAL, "en")
    dc.fail_next("POST", f"/channels/{GENERAL}/messages", 500, after=True)

    await deliver_now(bot, GENERAL)
    await dc.wait_for(lambda: dc.nonce_replays == 1, 4.0)
    await asyncio.sleep(0.3)

    assert texts(dc, GENERAL) == [digest(bot, "en")]
    counts = await bot.runtime.services.store.outbox.counts()
    assert counts.get("delivered") == 1


async def test_a_lost_answer_the_outbox_retries_sends_no_second_message(
    dc: DiscordStandIn, start_bot: StartBot
) -> None:
    bot = await start_bot(**SLOW_TICKS)
    await subscribe_directly(bot, GENERAL, "en")
    dc.fail_next("POST", f"/channels/{GENERAL}/messages", 503, after=True)

    await deliver_now(bot, GENERAL)
    await dc.wait_for(lambda: len(dc.requests_to("POST", f"/channels/{GENERAL}/messages")) == 2)
    await asyncio.sleep(0.3)

    assert texts(dc, GENERAL) == [digest(bot, "en")]


async def test_a_user_who_closed_their_dms_pauses_their_subscription(
    dc: DiscordStandIn, start_bot: StartBot
) -> None:
    bot = await start_bot(**SLOW_TICKS)
    sent, _ = await ask(dc, "subscribe", dm=True, user=ANA)
    dc.block_dms(ANA.id)

    await deliver_now(bot, sent.channel_id)
    await wait_paused(dc, bot, sent.channel_id)

    stored = await subscription(bot, sent.channel_id)
    assert stored is not None and stored.paused_reason == "403 Cannot send messages to this user"
    assert dc.messages == []


async def test_a_server_that_adds_the_bot_back_resumes_its_channels_subscriptions(
    dc: DiscordStandIn, start_bot: StartBot
) -> None:
    bot = await start_bot()
    store = bot.runtime.services.store
    for channel in (GENERAL, THREAD):
        sub = await subscribe_directly(bot, channel)
        await store.subscriptions.pause(sub.id, "403 Missing Access", dt.datetime.now(dt.UTC))
    elsewhere = await subscribe_directly(bot, 1_400_000_000_000_009_999)
    await store.subscriptions.pause(elsewhere.id, "404 Unknown Channel", dt.datetime.now(dt.UTC))
    [guild] = dc.guilds

    # Removed from the server, then added back: Discord sends the server again, as a join
    # (without the "unavailable" flag of a server coming back from an outage).
    await dc.dispatch("GUILD_DELETE", {"id": str(guild.id)}, guild_id=guild.id)
    joined = dc._guild_create(guild, 1)
    joined.pop("unavailable", None)
    await dc.dispatch("GUILD_CREATE", joined, guild_id=guild.id)

    deadline = asyncio.get_running_loop().time() + 3
    while await state_of(bot, GENERAL) is not State.ACTIVE:
        assert asyncio.get_running_loop().time() < deadline, "GENERAL was not resumed"
        await asyncio.sleep(0.02)
    assert await state_of(bot, THREAD) is State.ACTIVE
    assert await state_of(bot, 1_400_000_000_000_009_999) is State.PAUSED  # not in that server
