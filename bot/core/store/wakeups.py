"""Wake-ups across instances: PostgreSQL's LISTEN on the outbox's channel, so a push confirmed or
a digest queued on one instance wakes the sender on another at once, not a tick later.

SQLite serves one process, where the in-process wake-up (`Services.wake`) does the same.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable
from typing import Any

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.core.store.outbox import CHANNEL

log = logging.getLogger(__name__)

# How often the listening connection is checked: a dropped one is replaced within about this
# long (meanwhile the dispatcher's idle tick still finds what was queued).
CHECK_EVERY = 5.0


async def listen(engine: AsyncEngine, wake: Callable[[], None], done: asyncio.Event) -> None:
    """Call `wake` at every notification on the outbox's channel until `done`; on a failure,
    connect again. Returns at once for a store other than PostgreSQL."""
    if engine.dialect.name != "postgresql":
        return
    while not done.is_set():
        try:
            await _listen_once(engine, wake, done)
        except Exception:
            log.warning("lost the wake-up channel; listening again", exc_info=True)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(done.wait(), 1.0)


async def _listen_once(engine: AsyncEngine, wake: Callable[[], None], done: asyncio.Event) -> None:
    def notified(*_: Any) -> None:
        wake()

    async with engine.connect() as connection:
        connection = await connection.execution_options(isolation_level="AUTOCOMMIT")
        driver = (await connection.get_raw_connection()).driver_connection  # asyncpg's
        assert driver is not None, "a connection just opened has its driver's"
        await driver.add_listener(CHANNEL, notified)
        try:
            wake()  # what was queued while nobody listened
            while not done.is_set():
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(done.wait(), CHECK_EVERY)
                await connection.execute(text("SELECT 1"))  # a dropped connection shows here
        finally:
            with contextlib.suppress(Exception):
                await driver.remove_listener(CHANNEL, notified)
