"""One process at a time serves a SQLite store.

Rows marked *sending* belong to the process that marked them: only once it is gone may they be
put back to *pending* and sent again. A second process doing that while the first still runs (an
operator's `ringkas push` beside `ringkas run`) would send up to `delivery.in_flight` messages
twice, and two pacers would each think they had the platform's whole rate.

The lock is a lock on a file beside the database, kept by the operating system on the holder's
behalf, so a process that dies, even by SIGKILL, lets go of it at once and the next one takes
over. PostgreSQL stores share the work among instances by leases instead (`store.leases`).
"""

from __future__ import annotations

import fcntl
import os
from pathlib import Path
from typing import Protocol

from sqlalchemy.ext.asyncio import AsyncEngine


class SendingLock(Protocol):
    async def acquire(self) -> bool:
        """Take the lock if no other process holds it; whether this process now holds it."""

    async def release(self) -> None: ...


def sending_lock(engine: AsyncEngine) -> SendingLock:
    """The lock that fits a SQLite store: on its file, or none for an in-memory database (which
    lives in one process anyway)."""
    if engine.url.database not in (None, "", ":memory:"):
        return FileLock(Path(f"{engine.url.database}.sending-lock"))
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


class NoLock:
    async def acquire(self) -> bool:
        return True

    async def release(self) -> None:
        pass
