"""Discord's gateway sharded, end to end against a stand-in that shards as Discord does: the count
follows GET /gateway/bot (or the config), each server's interactions are answered by its shard
and DMs by shard 0, a 4011 reshards instead of ending the gateway, IDENTIFYs keep to their
buckets; on PostgreSQL two instances share the shards out, and the survivor takes a stopped or
cut-off instance's shards and answers on them within seconds."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select, text

from bot.adapters.discord import DiscordAdapter
from bot.adapters.discord.shards import COUNT
from bot.core.store.tables import leases
from bot.core.text.strings import say
from tests.adapters.discord.conftest import (
    BUDI,
    GENERAL,
    GUILD_ID,
    IDENTIFY_WINDOW,
    TOKEN,
    Running,
    StartBot,
    make_guild,
    settings_for,
)
from tests.adapters.running import start_serving, stop_all
from tests.core.store.conftest import POSTGRES, empty_schema
from tests.standins.discord import Channel, DiscordStandIn, Guild, pointed_at


def guild(k: int) -> Guild:
    """The test guild (k = 0) and three more, k shards further on: on shard (2 + k) % 4 of 4,
    k % 2 of 2 (a guild's shard is (guild_id >> 22) % count)."""
    if k == 0:
        return make_guild()
    return Guild(id=GUILD_ID + (k << 22), name=f"Guild {k}", channels=[Channel(channel(k), "news")])


def channel(k: int) -> int:
    return GENERAL if k == 0 else 1_400_000_000_000_000_900 + k


def on_shard(shard: int, count: int) -> int:
    """The k of a guild on the shard."""
    return next(k for k in range(4) if ((GUILD_ID + (k << 22)) >> 22) % count == shard)


@dataclass
class Discord:
    """What the stand-in is built with (`dc` below)."""

    guilds: list[int] = field(default_factory=lambda: [0, 1, 2, 3])
    shards: int = 2
    max_concurrency: int = 2
    guilds_per_session: int = 2


@pytest.fixture
async def dc(request: pytest.FixtureRequest) -> AsyncIterator[DiscordStandIn]:
    """The stand-in (in place of the conftest's), as the test's `Discord` says."""
    given: Discord = getattr(request, "param", Discord())
    async with DiscordStandIn(
        token=TOKEN,
        guilds=[guild(k) for k in given.guilds],
        heartbeat_interval=0.5,
        shards=given.shards,
        max_concurrency=given.max_concurrency,
        guilds_per_session=given.guilds_per_session,
        identify_window=IDENTIFY_WINDOW,
    ) as standin:
        with pointed_at(standin):
            yield standin
        assert standin.identifies_too_soon == 0


async def answer(dc: DiscordStandIn, k: int | None, within: float = 5.0) -> float:
    """Seconds until a /settings in guild k's channel (None: a DM) is answered, dispatched again
    while no session of its shard takes it; each dispatch answered at most once."""
    loop = asyncio.get_running_loop()
    began = loop.time()
    where: dict[str, Any] = {"dm": True} if k is None else {"channel_id": channel(k)}
    while (waited := loop.time() - began) < within:
        try:
            sent = await dc.dispatch_interaction("settings", user=BUDI, **where)
        except AssertionError:  # no session of the shard yet
            await asyncio.sleep(0.05)
            continue
        try:
            await dc.wait_for(partial(dc.responses_for, sent), timeout=min(1.0, within - waited))
        except AssertionError:
            continue  # sent to a session that is gone: Discord would drop it too
        [response] = dc.responses_for(sent)
        assert response.content == say("en", "not_subscribed")
        return loop.time() - began
    raise AssertionError(f"no answer in guild {k} within {within:g} s\n{dc.summary()}")


async def all_answered(dc: DiscordStandIn) -> None:
    for k in [None, *range(len(dc.guilds))]:
        await answer(dc, k)


def no_identify_too_soon(dc: DiscordStandIn) -> None:
    """Discord's bucket rule, checked from the IDENTIFYs themselves as well as by the
    stand-in: one per bucket (shard % max_concurrency) per window."""
    last: dict[int, float] = {}
    for event in dc.identifies:
        bucket = event.d.get("shard", [0])[0] % dc.max_concurrency
        assert event.at - last.get(bucket, -IDENTIFY_WINDOW) >= IDENTIFY_WINDOW * 0.95
        last[bucket] = event.at
    assert dc.identifies_too_soon == 0


async def stored_count(bot: Running) -> str | None:
    return await bot.runtime.services.store.markers.get(COUNT)


# --- one instance ---


async def test_the_count_follows_discord_and_each_server_is_answered_by_its_shard(
    dc: DiscordStandIn, start_bot: StartBot
) -> None:
    bot = await start_bot()
    await dc.wait_for(lambda: bot.adapter.shards.ready == [(0, 2), (1, 2)])

    await all_answered(dc)

    assert dc.open_shards == [(0, 2), (1, 2)]
    assert await stored_count(bot) == "2"
    assert dc.overlaps == 0
    no_identify_too_soon(dc)


@pytest.mark.parametrize("dc", [Discord(max_concurrency=1)], indirect=True)
async def test_a_configured_count_is_kept_and_identifies_wait_for_their_bucket(
    dc: DiscordStandIn, start_bot: StartBot
) -> None:
    bot = await start_bot(discord={"shards": 4})
    await dc.wait_for(lambda: len(bot.adapter.shards.ready) == 4)

    await all_answered(dc)

    assert dc.open_shards == [(n, 4) for n in range(4)]
    assert sorted(event.d["shard"] for event in dc.identifies) == [[n, 4] for n in range(4)]
    no_identify_too_soon(dc)


@pytest.mark.parametrize("dc", [Discord(guilds=[0, 2], shards=1)], indirect=True)
async def test_a_4011_reshards_to_what_discord_asks_and_the_bot_answers_again(
    dc: DiscordStandIn, start_bot: StartBot, caplog: pytest.LogCaptureFixture
) -> None:
    bot = await start_bot()
    await dc.wait_for(lambda: bot.adapter.shards.ready == [(0, 1)])
    await dc.add_guild(guild(1))  # the bot grows past a session's limit...
    await dc.add_guild(guild(3))
    dc.shards = 2  # ...and Discord recommends more shards

    await dc.invalidate_sessions()  # a new session: refused, with 4011
    await dc.wait_for(lambda: bot.adapter.shards.ready == [(0, 2), (1, 2)], timeout=10)
    await all_answered(dc)

    shards = [event.d["shard"] for event in dc.identifies]
    assert shards[:2] == [[0, 1], [0, 1]] and sorted(shards[2:]) == [[0, 2], [1, 2]]
    assert "Discord refused 1 shards (4011" in caplog.text
    assert await stored_count(bot) == "2"
    assert dc.overlaps == 0
    no_identify_too_soon(dc)


@pytest.mark.parametrize("dc", [Discord(guilds=[0], shards=1)], indirect=True)
async def test_a_close_discord_py_does_not_resume_is_followed_by_a_new_session(
    dc: DiscordStandIn, start_bot: StartBot, caplog: pytest.LogCaptureFixture
) -> None:
    bot = await start_bot()
    await dc.wait_for(lambda: bot.adapter.shards.ready == [(0, 1)])

    await dc.drop_gateway(code=4012)  # Invalid API version: discord.py gives that session up

    assert await answer(dc, 0, within=10) > 0
    assert "the gateway ended shard 0/1's session (4012" in caplog.text
    assert len(dc.identifies) == 2


# --- two instances on PostgreSQL ---


@pytest.fixture
async def start_instance(dc: DiscordStandIn, tmp_path: Path) -> AsyncIterator[Any]:
    """Start an instance serving Discord from the PostgreSQL test database (emptied first)."""
    if not POSTGRES:
        pytest.skip("no PostgreSQL server: set RINGKAS_TEST_POSTGRES to a database URL")
    await empty_schema(POSTGRES)
    running: list[Running] = []

    async def start() -> Running:
        settings = settings_for(dc, tmp_path / str(len(running)), database=POSTGRES)
        adapter = DiscordAdapter(
            settings.discord, TOKEN, settings.language, identify_window=IDENTIFY_WINDOW,
            guild_ready_timeout=0.05,
        )  # fmt: skip
        runtime, done, task = await start_serving(settings, adapter)
        bot = Running(dc=dc, runtime=runtime, adapter=adapter, done=done, task=task)
        running.append(bot)
        return bot

    yield start
    await stop_all(running)


def shards_of(bot: Running) -> list[int]:
    return [number for number, _ in bot.adapter.shards.ready]


@pytest.mark.parametrize("dc", [Discord(shards=4, guilds_per_session=1)], indirect=True)
async def test_two_instances_share_the_shards_and_one_takes_over_the_others_when_it_stops(
    dc: DiscordStandIn, start_instance: Any, record_property: Callable[[str, object], None]
) -> None:
    first = await start_instance()
    await dc.wait_for(lambda: shards_of(first) == [0, 1, 2, 3])
    second = await start_instance()
    await dc.wait_for(lambda: (shards_of(first), shards_of(second)) == ([0, 1], [2, 3]))
    await all_answered(dc)
    assert dc.overlaps == 0

    await first.stop()  # the holder of shard 0 (DMs) and 1
    loop = asyncio.get_running_loop()
    stopped = loop.time()
    taken_over = []
    for k in (None, on_shard(1, 4)):
        await answer(dc, k, within=10)
        taken_over.append(loop.time() - stopped)

    record_property("seconds from the stop to an answer (DM, shard 1)", taken_over)  # junitxml
    assert max(taken_over) < 10
    await dc.wait_for(lambda: shards_of(second) == [0, 1, 2, 3])
    assert dc.overlaps == 0  # the stopped instance closed its sessions before letting go
    no_identify_too_soon(dc)


@pytest.mark.parametrize("dc", [Discord(shards=4, guilds_per_session=1)], indirect=True)
async def test_an_instance_whose_lease_connection_ends_gives_its_shards_up_at_once(
    dc: DiscordStandIn,
    start_instance: Any,
    caplog: pytest.LogCaptureFixture,
    record_property: Callable[[str, object], None],
) -> None:
    """Its next beat fails, and it closes its shards' sessions; they are served again within
    seconds, by the other instance or by itself once back with a new lease connection."""
    first = await start_instance()
    await dc.wait_for(lambda: shards_of(first) == [0, 1, 2, 3])
    second = await start_instance()
    await dc.wait_for(lambda: (shards_of(first), shards_of(second)) == ([0, 1], [2, 3]))
    loop = asyncio.get_running_loop()
    async with second.runtime.services.store.engine.connect() as connection:
        its = select(leases.c.session).where(leases.c.name == "shard:discord:2/4")
        pid = await connection.scalar(its)
        cut = loop.time()
        await connection.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})

    await dc.wait_for(lambda: "lost the lease of the shard:discord:2/4 role" in caplog.text)
    await dc.wait_for(
        lambda: {2, 3} <= {*shards_of(first), *shards_of(second)}, timeout=10 - (loop.time() - cut)
    )
    taken_over = loop.time() - cut
    record_property("seconds until shards 2 and 3 are served again", taken_over)
    await all_answered(dc)

    assert taken_over < 10
    no_identify_too_soon(dc)
