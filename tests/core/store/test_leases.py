"""Leases among instances sharing a PostgreSQL store: one holder per role, a takeover when the
holder dies or is cut off, and the fencing epoch that keeps a lost holder's claims out.

Three stores in one process stand for three instances: each has its own lease connection, as
separate processes would. (One process per instance: tests/reliability/test_instances.py.)"""

from __future__ import annotations

import asyncio
import signal
import subprocess
import sys
import textwrap

from sqlalchemy import text, update

from bot.core.ports import MessageKind
from bot.core.store import Store
from bot.core.store.leases import Lease
from bot.core.store.outbox import Settlement
from bot.core.store.tables import leases
from bot.core.store.wakeups import listen
from tests.core.store.conftest import NOW, POSTGRES, outbox_rows, subscribe

TELEGRAM = "sender:telegram"
DIGEST = MessageKind.DIGEST


async def holders(stores: list[Store], role: str) -> list[int]:
    """Which of the stores hold the role, by index."""
    return [i for i, store in enumerate(stores) if role in store.leases.held]


async def end_session_of(store: Store, victim: Store) -> None:
    """End the victim's lease connection from the server's side, as a dropped network would."""
    async with store.engine.connect() as connection:
        pid = await connection.scalar(
            leases.select()
            .with_only_columns(leases.c.session)
            .where(leases.c.holder == victim.leases.holder)
        )
        await connection.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})


async def test_one_instance_of_three_holds_a_role_and_each_role_is_held_once(
    three: list[Store],
) -> None:
    a, b, c = three
    assert await a.leases.take(TELEGRAM) == Lease(TELEGRAM, 1)
    assert await b.leases.take(TELEGRAM) is None
    assert await c.leases.take(TELEGRAM) is None
    assert await b.leases.take("planner") == Lease("planner", 1)  # another role, another holder
    assert await a.leases.take(TELEGRAM) == Lease(TELEGRAM, 1)  # asking again is harmless
    assert await a.leases.beat() == set()
    assert await holders(three, TELEGRAM) == [0]
    assert await holders(three, "planner") == [1]


async def test_a_role_given_up_or_let_go_by_closing_is_taken_next_under_a_higher_epoch(
    three: list[Store],
) -> None:
    a, b, c = three
    await a.leases.take(TELEGRAM)
    await a.leases.give_up(TELEGRAM)
    assert await b.leases.take(TELEGRAM) == Lease(TELEGRAM, 2)
    await b.close()  # its connection ends, and its locks with it
    assert await c.leases.take(TELEGRAM) == Lease(TELEGRAM, 3)


async def test_a_holder_whose_connection_dropped_loses_every_role_at_its_next_beat(
    three: list[Store],
) -> None:
    a, b, _ = three
    await a.leases.take(TELEGRAM)
    await a.leases.take("planner")
    await end_session_of(b, a)
    assert await a.leases.beat() == {TELEGRAM, "planner"}
    assert a.leases.held == {}
    assert await b.leases.take(TELEGRAM) == Lease(TELEGRAM, 2)
    assert await a.leases.take(TELEGRAM) is None  # it reconnects, and finds the role taken


async def test_a_holder_that_stopped_renewing_is_ended_and_its_role_taken(
    three: list[Store],
) -> None:
    """A host cut off from the database cannot renew: once its lease has expired, the next
    instance ends its session (which the server would keep until its keepalives gave up) and
    takes the role."""
    a, b, _ = three
    await a.leases.take(TELEGRAM)
    assert await b.leases.take(TELEGRAM) is None  # not expired yet: left alone
    async with b.engine.begin() as connection:  # as if A's beats had stopped 10 s ago
        await connection.execute(
            update(leases).values(
                expires_at=text("timezone('UTC', clock_timestamp()) - interval '1 second'")
            )
        )
    assert await b.leases.take(TELEGRAM) is None  # ends A's session...
    for _ in range(50):  # ...which the server tears down in a moment
        if (lease := await b.leases.take(TELEGRAM)) is not None:
            break
        await asyncio.sleep(0.05)
    assert lease == Lease(TELEGRAM, 2)
    assert await a.leases.beat() == {TELEGRAM}


async def test_a_lost_holders_claims_are_refused_and_it_records_only_its_own_rows(
    three: list[Store],
) -> None:
    a, b, _ = three
    subs = [await subscribe(a, f"telegram:{i}") for i in range(3)]
    await a.outbox.enqueue([(s, "push:p") for s in subs], "body", DIGEST, NOW)
    old = await a.leases.take(TELEGRAM)
    assert old is not None
    first, second = await a.outbox.claim("telegram", NOW, 2, old.epoch)

    await end_session_of(b, a)  # A is cut off, and does not know it yet
    new = await b.leases.take(TELEGRAM)
    assert new == Lease(TELEGRAM, 2)
    assert await b.outbox.release("telegram", new.epoch, NOW) == 2  # A's rows, in doubt

    assert await a.outbox.claim("telegram", NOW, 10, old.epoch) == []  # fenced out
    # A records the send it finished before B claims the row: B will not send it again.
    await a.outbox.settle(Settlement(delivered=[(first.id, "m1")]), NOW, old.epoch)
    taken = await b.outbox.claim("telegram", NOW, 10, new.epoch)
    assert first.id not in {d.id for d in taken}
    assert second.id in {d.id for d in taken}
    # Too late for the other: B has claimed it, and A's outcome is not written over B's claim.
    await a.outbox.settle(Settlement(delivered=[(second.id, "m2")]), NOW, old.epoch)
    states = {row.id: (row.state, row.epoch) for row in await outbox_rows(a)}
    assert states[first.id] == ("delivered", old.epoch)
    assert states[second.id] == ("sending", new.epoch)


async def test_claims_racing_on_three_instances_never_take_a_row_twice(
    three: list[Store],
) -> None:
    subs = [await subscribe(three[0], f"telegram:{i}") for i in range(300)]
    await three[0].outbox.enqueue([(s, "push:p") for s in subs], "body", DIGEST, NOW)

    async def claim_all(store: Store) -> list[int]:
        taken: list[int] = []
        while batch := await store.outbox.claim("telegram", NOW, 7):
            taken += [d.id for d in batch]
        return taken

    claimed = await asyncio.gather(*(claim_all(store) for store in three))
    every = [row for rows in claimed for row in rows]
    assert len(every) == len(set(every)) == 300
    assert all(claimed), "each instance took some: they really raced"


HOLD = textwrap.dedent(
    """
    import asyncio, sys
    from bot.core.store import Store

    async def main():
        store = await Store.open(sys.argv[1])
        print(await store.leases.take("sender:telegram"), flush=True)
        await asyncio.sleep(60)

    asyncio.run(main())
    """
)


async def test_a_holder_killed_with_sigkill_lets_go_of_its_role_at_once(
    three: list[Store],
) -> None:
    a = three[0]
    with subprocess.Popen(
        [sys.executable, "-c", HOLD, POSTGRES], stdout=subprocess.PIPE, text=True
    ) as holder:
        try:
            assert holder.stdout is not None
            assert "epoch=1" in holder.stdout.readline()
            assert await a.leases.take(TELEGRAM) is None
            holder.send_signal(signal.SIGKILL)
            holder.wait(timeout=10)
            for _ in range(100):  # the server notices the closed socket in a moment
                if (lease := await a.leases.take(TELEGRAM)) is not None:
                    break
                await asyncio.sleep(0.05)
            assert lease == Lease(TELEGRAM, 2)
        finally:
            holder.kill()


async def test_an_enqueue_on_one_instance_wakes_the_listener_on_another(
    three: list[Store],
) -> None:
    a, b, _ = three
    woken = asyncio.Event()
    done = asyncio.Event()
    listening = asyncio.create_task(listen(b.engine, woken.set, done))
    try:
        await asyncio.wait_for(woken.wait(), 5)  # a first wake-up as it starts listening
        woken.clear()
        sub = await subscribe(a)
        await a.outbox.enqueue([(sub, "push:p")], "body", DIGEST, NOW)
        await asyncio.wait_for(woken.wait(), 5)
        woken.clear()
        await a.outbox.enqueue([(sub, "push:p")], "body", DIGEST, NOW)  # nothing new: no call
        await asyncio.sleep(0.2)
        assert not woken.is_set()
    finally:
        done.set()
        await listening


async def test_every_instance_is_admitted(three: list[Store]) -> None:
    assert [await store.leases.admit() for store in three] == [True, True, True]
