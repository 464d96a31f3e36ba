"""One process at a time sends from a store.

Rows marked *sending* belong to the process that marked them: only once it is gone may they be
put back to *pending* and sent again. A second process doing that while the first still runs (an
operator's `ringkas push` beside `ringkas run`) would send up to `delivery.in_flight` messages
twice, and two pacers would each think they had the platform's whole rate.

The lock is kept by the operating system (SQLite: a lock on a file beside the database) or by the
database server (PostgreSQL: an advisory lock on a connection of its own) on the holder's behalf,
so a process that dies, even by SIGKILL, lets go of it at once and the next one takes over without
waiting for a lease to run out.
"""

from __future__ import annotations

import fcntl
import os
from pathlib import Path
from typing import Protocol

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

# pg_advisory_lock takes a bigint; this one is the first 8 bytes of sha256("ringkas.sending").
ADVISORY_KEY = 0x58A9F5A55C1A4293


class SendingLock(Protocol):
    async def acquire(self) -> bool:
        """Take the lock if no other process holds it; whether this process now holds it."""

    async def release(self) -> None: ...


def sending_lock(engine: AsyncEngine) -> SendingLock:
    """The lock that fits the store's database."""
    if engine.dialect.name == "sqlite" and engine.url.database not in (None, "", ":memory:"):
        return FileLock(Path(f"{engine.url.database}.sending-lock"))
    if engine.dialect.name == "postgresql":
        return AdvisoryLock(engine)
    # An in-memory database lives in one process; other databases are not supported for sending.
    return NoLock()


class FileLock:
    def __init__(self, path: Path) -> None:
        self.path = path
        self._fd: int | None = None

    async def acquire(self) -> bool:
        if self._fd is not None:
            return True
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            return False
        self._fd = fd
        return True

    async def release(self) -> None:
        if self._fd is not None:
            fcntl.flock(self._fd, fcntl.LOCK_UN)
            os.close(self._fd)
            self._fd = None


class AdvisoryLock:
    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = engine
        self._connection: AsyncConnection | None = None

    async def acquire(self) -> bool:
        if self._connection is not None:
            return True
        connection = await self._engine.connect()
        try:
            taken = await connection.scalar(
                text("SELECT pg_try_advisory_lock(:key)"), {"key": ADVISORY_KEY}
            )
            # A session-level lock outlives the transaction; ending it leaves no idle transaction.
            await connection.commit()
        except BaseException:
            await connection.close()
            raise
        if not taken:
            await connection.close()
            return False
        self._connection = connection
        return True

    async def release(self) -> None:
        if self._connection is not None:
            connection, self._connection = self._connection, None
            try:
                await connection.execute(
                    text("SELECT pg_advisory_unlock(:key)"), {"key": ADVISORY_KEY}
                )
                await connection.commit()
            finally:
                await connection.close()


class NoLock:
    async def acquire(self) -> bool:
        return True

    async def release(self) -> None:
        pass
