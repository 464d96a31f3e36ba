"""The sending lock: one process at a time sends from a store, and a process that dies, even by
SIGKILL, lets go of it at once (on PostgreSQL too, when a server is given)."""

from __future__ import annotations

import signal
import subprocess
import sys
import textwrap
from pathlib import Path

from sqlalchemy.ext.asyncio import create_async_engine

from bot.core.store import Store
from bot.core.store.lock import AdvisoryLock, FileLock, NoLock, sending_lock
from tests.core.store.conftest import POSTGRES


def url_of(store: Store) -> str:
    return store.engine.url.render_as_string(hide_password=False)


async def test_a_second_store_on_the_same_database_cannot_take_the_lock_until_it_is_let_go(
    store: Store,
) -> None:
    other = await Store.open(url_of(store))
    try:
        assert await store.sending_lock.acquire()
        assert await store.sending_lock.acquire()  # taking it again is harmless

        assert not await other.sending_lock.acquire()

        await store.sending_lock.release()
        assert await other.sending_lock.acquire()
        assert not await store.sending_lock.acquire()
    finally:
        await other.close()
    assert await store.sending_lock.acquire()  # closing a store lets go of its lock


def test_each_database_gets_the_lock_that_fits_it(database: Path) -> None:
    engines = {
        "file": create_async_engine(f"sqlite+aiosqlite:///{database}"),
        "memory": create_async_engine("sqlite+aiosqlite://"),
        "postgresql": create_async_engine("postgresql+asyncpg://u@127.0.0.1:1/db"),
    }
    locks = {name: sending_lock(engine) for name, engine in engines.items()}

    assert isinstance(locks["file"], FileLock)
    assert locks["file"].path == Path(f"{database}.sending-lock")
    assert isinstance(locks["memory"], NoLock)
    assert isinstance(locks["postgresql"], AdvisoryLock)


HOLD_AND_WAIT = textwrap.dedent(
    """
    import asyncio, sys
    from bot.core.store import Store

    async def main():
        store = await Store.open(sys.argv[1])
        print(await store.sending_lock.acquire(), flush=True)
        await asyncio.sleep(60)

    asyncio.run(main())
    """
)


async def test_a_process_killed_with_sigkill_lets_go_of_the_lock_at_once(
    database: Path,
) -> None:
    targets = [str(database)] + ([POSTGRES] if POSTGRES else [])
    for target in targets:
        with subprocess.Popen(
            [sys.executable, "-c", HOLD_AND_WAIT, target], stdout=subprocess.PIPE, text=True
        ) as holder:
            try:
                assert holder.stdout is not None
                assert holder.stdout.readline().strip() == "True", target
                store = await Store.open(target)
                try:
                    assert not await store.sending_lock.acquire(), target

                    holder.send_signal(signal.SIGKILL)
                    holder.wait(timeout=10)

                    assert await store.sending_lock.acquire(), target
                finally:
                    await store.close()
            finally:
                holder.kill()
