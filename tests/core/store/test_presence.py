"""What instances share besides their roles: presence in a group and a census of it (how many
instances serve Discord's gateway, which shards live instances hold), and turns that run out by
themselves (Discord's IDENTIFY buckets). On PostgreSQL among three stores standing for three
instances, and alone on SQLite."""

from __future__ import annotations

import asyncio
from pathlib import Path

from sqlalchemy import text, update

from bot.core.store import Store
from bot.core.store.leases import Census
from bot.core.store.tables import leases

GROUP = "discord"
SHARDS = ["shard:discord:0/2", "shard:discord:1/2"]


async def census_until(store: Store, wanted: Census) -> Census:
    """The census once it shows `wanted` (the server ends a terminated session in a moment)."""
    for _ in range(100):
        if (found := await store.leases.census(GROUP, SHARDS)) == wanted:
            return found
        await asyncio.sleep(0.02)
    return found


async def test_the_census_counts_the_instances_present_and_the_roles_live_ones_hold(
    three: list[Store],
) -> None:
    a, b, c = three
    assert await c.leases.census(GROUP, SHARDS) == Census(0, frozenset())
    await a.leases.join(GROUP)
    await b.leases.join(GROUP)
    await b.leases.join(GROUP)  # joining again changes nothing
    await a.leases.take(SHARDS[1])
    await c.leases.take("planner")  # another role: not asked about

    assert await c.leases.census(GROUP, SHARDS) == Census(2, frozenset({SHARDS[1]}))

    await a.close()  # its lease connection ends: its presence and its roles go with it
    assert await census_until(c, Census(1, frozenset())) == Census(1, frozenset())


async def test_a_dropped_lease_connection_is_present_again_once_it_reconnects(
    three: list[Store],
) -> None:
    a, b, _ = three
    await a.leases.join(GROUP)
    async with b.engine.connect() as connection:
        await connection.execute(
            text(
                "SELECT pg_terminate_backend(pid) FROM pg_locks"
                " WHERE locktype = 'advisory' AND mode = 'ShareLock'"
                " AND database = (SELECT oid FROM pg_database WHERE datname = current_database())"
            )
        )
    assert await census_until(b, Census(0, frozenset())) == Census(0, frozenset())

    await a.leases.take("planner")  # fails: the connection is gone, and a new one is made
    await a.leases.take("planner")

    assert await b.leases.census(GROUP, SHARDS) == Census(1, frozenset())


async def test_a_role_whose_holder_stopped_renewing_counts_as_free(three: list[Store]) -> None:
    """So that a live instance tries to take it, which ends the stale holder's session."""
    a, b, _ = three
    await a.leases.take(SHARDS[0])
    async with b.engine.begin() as connection:
        await connection.execute(
            update(leases).values(
                expires_at=text("timezone('UTC', clock_timestamp()) - interval '1 second'")
            )
        )

    assert await b.leases.census(GROUP, SHARDS) == Census(0, frozenset())


async def test_one_turn_at_a_time_across_instances_each_running_out_by_itself(
    three: list[Store],
) -> None:
    a, b, c = three
    assert await a.leases.turn("identify:discord:0", 0.3) == 0.0
    wait = await b.leases.turn("identify:discord:0", 0.3)
    assert 0.0 < wait <= 0.3
    assert await c.leases.turn("identify:discord:1", 0.3) == 0.0  # another bucket

    await asyncio.sleep(wait)

    assert await b.leases.turn("identify:discord:0", 0.3) == 0.0
    assert await a.leases.turn("identify:discord:0", 0.3) > 0.0


async def test_alone_on_sqlite_an_instance_is_the_whole_census_and_waits_for_its_turns(
    tmp_path: Path,
) -> None:
    async with await Store.open(tmp_path / "r.sqlite3") as store:
        await store.leases.join(GROUP)
        await store.leases.take(SHARDS[0])
        assert await store.leases.census(GROUP, SHARDS) == Census(1, frozenset({SHARDS[0]}))

        assert await store.leases.turn("identify:discord:0", 0.3) == 0.0
    async with await Store.open(tmp_path / "r.sqlite3") as store:  # restarted at once
        wait = await store.leases.turn("identify:discord:0", 0.3)
        assert 0.0 < wait <= 0.3
        await asyncio.sleep(wait)
        assert await store.leases.turn("identify:discord:0", 0.3) == 0.0
