"""The sending lock: one process at a time serves a SQLite store, and a process that dies, even
by SIGKILL, lets go of it at once. (PostgreSQL stores share out the roles by lease instead:
test_leases.)"""

from __future__ import annotations

import signal
import subprocess
import sys
import textwrap
from pathlib import Path

from sqlalchemy.ext.asyncio import create_async_engine

from bot.core.store import Store
from bot.core.store.leases import Lease
from bot.core.store.lock import FileLock, NoLock, sending_lock


def url_of(store: Store) -> str:
    return store.engine.url.render_as_string(hide_password=False)


async def test_a_second_store_on_the_same_file_is_not_admitted_until_the_first_lets_go(
    database: Path,
) -> None:
    store, other = await Store.open(database), await Store.open(database)
    try:
        assert await store.leases.admit()
        assert await store.leases.admit()  # asking again is harmless

        assert not await other.leases.admit()
        assert await other.leases.take("sender:telegram") is None  # nor any role

        await store.close()
        assert await other.leases.admit()
    finally:
        await other.close()
        await store.close()
    async with await Store.open(database) as third:
        assert await third.leases.admit()  # closing a store lets go of its lock


async def test_the_one_process_on_a_sqlite_store_holds_every_role_one_epoch_above_the_last(
    database: Path,
) -> None:
    async with await Store.open(database) as first:
        assert await first.leases.take("sender:telegram") == Lease("sender:telegram", 1)
        assert await first.leases.take("planner") == Lease("planner", 1)
        assert await first.leases.beat() == set()
    async with await Store.open(database) as second:
        assert await second.leases.take("sender:telegram") == Lease("sender:telegram", 2)


def test_each_sqlite_database_gets_the_lock_that_fits_it(database: Path) -> None:
    engines = {
        "file": create_async_engine(f"sqlite+aiosqlite:///{database}"),
        "memory": create_async_engine("sqlite+aiosqlite://"),
    }
    locks = {name: sending_lock(engine) for name, engine in engines.items()}

    assert isinstance(locks["file"], FileLock)
    assert locks["file"].path == Path(f"{database}.sending-lock")
    assert isinstance(locks["memory"], NoLock)


HOLD_AND_WAIT = textwrap.dedent(
    """
    import asyncio, sys
    from bot.core.store import Store

    async def main():
        store = await Store.open(sys.argv[1])
        print(await store.leases.admit(), flush=True)
        await asyncio.sleep(60)

    asyncio.run(main())
    """
)


async def test_a_process_killed_with_sigkill_lets_go_of_the_lock_at_once(
    database: Path,
) -> None:
    for target in [str(database)]:
        with subprocess.Popen(
            [sys.executable, "-c", HOLD_AND_WAIT, target], stdout=subprocess.PIPE, text=True
        ) as holder:
            try:
                assert holder.stdout is not None
                assert holder.stdout.readline().strip() == "True", target
                store = await Store.open(target)
                try:
                    assert not await store.leases.admit(), target

                    holder.send_signal(signal.SIGKILL)
                    holder.wait(timeout=10)

                    assert await store.leases.admit(), target
                finally:
                    await store.close()
            finally:
                holder.kill()
