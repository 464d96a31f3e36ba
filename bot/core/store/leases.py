"""Leases: the roles one instance at a time holds, and the fencing epoch that proves it.

Several `ringkas run` processes may share one PostgreSQL store. Each role (a platform's sender,
the planner, Telegram's poller, a Discord shard) is held by one of them, under a lease made of:

- a session-level advisory lock on the holder's own lease connection. The server lets go of it
  the moment that connection ends, and a process that dies (SIGKILL included: the kernel closes
  its sockets) ends it at once, so the next round of another instance takes the role;
- a row in `leases` whose epoch rises at every takeover and whose expiry the holder pushes
  forward at every beat. A host cut off from the database stops beating: once its row has
  expired, another instance ends the stale session (`pg_terminate_backend`) and takes the role,
  and the server's TCP keepalives on the lease connection would end that session soon after
  anyway. The cut-off holder's own beat times out first, and it stops.

The epoch fences the outbox: a claim names its epoch and is refused once a newer one exists, and a
takeover puts back to pending only the rows claimed under older epochs.

SQLite serves one process: the store's file lock (`store.lock`) admits one `ringkas run`, which
holds every role. Its leases are rows with epochs all the same, so the outbox runs the same code.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import hashlib
import logging
import os
import socket
import uuid
from dataclasses import dataclass
from typing import Protocol

from sqlalchemy import literal_column, select, text
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine
from sqlalchemy.sql.expression import ColumnElement

from bot.core.store.lock import SendingLock
from bot.core.store.tables import leases

log = logging.getLogger(__name__)

# A holder whose row has not been renewed for this long is taken to be cut off from the database.
TTL = dt.timedelta(seconds=10)
# A beat the database has not answered in this long: the holder counts itself cut off, and stops
# acting in its roles well before its row expires and another instance may take them.
BEAT_TIMEOUT = 4.0
# The server probes the lease connection after 3 s of silence, every 2 s, and ends the session
# after 3 unanswered probes or 10 s of unacknowledged data: a vanished host's advisory locks go
# within about 9 s even if nobody ends the session first.
KEEPALIVES = {
    "tcp_keepalives_idle": 3,
    "tcp_keepalives_interval": 2,
    "tcp_keepalives_count": 3,
    "tcp_user_timeout": 10_000,
}


@dataclass(frozen=True, slots=True)
class Lease:
    """A role held, and the fencing epoch it is held under."""

    role: str
    epoch: int


def sender_role(platform: str) -> str:
    return f"sender:{platform}"


def instance_name() -> str:
    """Who holds a lease, as logs and `leases.holder` show it: host, process, and a random part
    so that a restarted process with a reused pid is not taken for its predecessor."""
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:6]}"


class Leases(Protocol):
    holder: str

    async def admit(self) -> bool:
        """Whether this process may serve from the store beside those already serving: always
        on PostgreSQL; on SQLite only if no other process does."""

    @property
    def held(self) -> dict[str, Lease]:
        """The roles this instance holds now."""

    async def take(self, role: str) -> Lease | None:
        """The role's lease if no other live instance holds it (this one may already); else
        None."""

    async def beat(self) -> set[str]:
        """Renew every lease held; the roles lost (all of them if the database did not answer
        in time)."""

    async def give_up(self, role: str) -> None: ...

    async def close(self) -> None:
        """Give up every role."""


def advisory_key(role: str) -> int:
    """The advisory lock of a role: a signed bigint from its name's hash."""
    digest = hashlib.sha256(f"ringkas.role:{role}".encode()).digest()
    return int.from_bytes(digest[:8], "big", signed=True)


class PostgresLeases:
    """Leases among the instances sharing a PostgreSQL store (see the module's docstring)."""

    def __init__(self, engine: AsyncEngine, holder: str | None = None) -> None:
        self._engine = engine
        self.holder = holder or instance_name()
        self._connection: AsyncConnection | None = None
        self._session = 0
        self._held: dict[str, Lease] = {}
        self._lock = asyncio.Lock()  # one statement at a time on the lease connection

    @property
    def held(self) -> dict[str, Lease]:
        return dict(self._held)

    async def admit(self) -> bool:
        return True

    async def take(self, role: str) -> Lease | None:
        if role in self._held:
            return self._held[role]
        async with self._lock:
            try:
                return await asyncio.wait_for(self._take(role), BEAT_TIMEOUT)
            except (Exception, TimeoutError):
                log.warning("could not ask the database for the %s lease", role, exc_info=True)
                await self._lose_connection()
                return None

    async def _take(self, role: str) -> Lease | None:
        connection = await self._connect()
        key = advisory_key(role)
        if not await connection.scalar(text("SELECT pg_try_advisory_lock(:k)"), {"k": key}):
            await self._end_stale_holder(connection, role)
            return None
        insert = postgresql.insert(leases).values(
            name=role, holder=self.holder, epoch=1, session=self._session, expires_at=_EXPIRY
        )
        upsert = insert.on_conflict_do_update(
            index_elements=[leases.c.name],
            set_={
                "holder": insert.excluded.holder,
                "epoch": leases.c.epoch + 1,
                "session": insert.excluded.session,
                "expires_at": _EXPIRY,
            },
        ).returning(leases.c.epoch)
        epoch = int((await connection.execute(upsert)).scalar_one())
        lease = Lease(role, epoch)
        self._held[role] = lease
        return lease

    async def _end_stale_holder(self, connection: AsyncConnection, role: str) -> None:
        """The role is locked by a session whose holder stopped renewing it: end that session,
        which frees the lock for the next round."""
        stale = await connection.scalar(
            select(leases.c.session).where(
                leases.c.name == role, leases.c.expires_at < _NOW, leases.c.session != self._session
            )
        )
        if stale is not None:
            log.warning("the %s role's holder stopped renewing it: ending its session", role)
            await connection.scalar(text("SELECT pg_terminate_backend(:pid)"), {"pid": stale})

    async def beat(self) -> set[str]:
        if not self._held:
            return set()
        held = dict(self._held)
        async with self._lock:
            try:
                renewed = await asyncio.wait_for(self._renew(), BEAT_TIMEOUT)
            except (Exception, TimeoutError):
                log.warning("the lease connection failed: giving up every role", exc_info=True)
                renewed = set()
                await self._lose_connection()
        lost = {role for role, lease in held.items() if (role, lease.epoch) not in renewed}
        for role in lost:
            self._held.pop(role, None)
        return lost

    async def _renew(self) -> set[tuple[str, int]]:
        assert self._connection is not None
        result = await self._connection.execute(
            leases.update()
            .where(
                leases.c.holder == self.holder,
                leases.c.session == self._session,
                leases.c.name.in_(list(self._held)),
            )
            .values(expires_at=_EXPIRY)
            .returning(leases.c.name, leases.c.epoch)
        )
        return {(name, int(epoch)) for name, epoch in result}

    async def give_up(self, role: str) -> None:
        lease = self._held.pop(role, None)
        if lease is None or self._connection is None:
            return
        async with self._lock:
            try:
                await self._connection.execute(
                    leases.update()
                    .where(leases.c.name == role, leases.c.epoch == lease.epoch)
                    .values(expires_at=_NOW)
                )
                await self._connection.scalar(
                    text("SELECT pg_advisory_unlock(:k)"), {"k": advisory_key(role)}
                )
            except Exception:
                log.warning("could not give up the %s role cleanly", role, exc_info=True)
                await self._lose_connection()

    async def close(self) -> None:
        self._held.clear()
        if self._connection is not None:
            connection, self._connection = self._connection, None
            await connection.close()  # its advisory locks go with its session

    async def _connect(self) -> AsyncConnection:
        if self._connection is None:
            connection = await self._engine.connect()
            try:
                connection = await connection.execution_options(isolation_level="AUTOCOMMIT")
                for name, value in KEEPALIVES.items():
                    await connection.execute(text(f"SET {name} = {value}"))
                self._session = int(await connection.scalar(text("SELECT pg_backend_pid()")))
            except BaseException:
                await connection.close()
                raise
            self._connection = connection
        return self._connection

    async def _lose_connection(self) -> None:
        """The lease connection is in doubt: drop it and every role it held."""
        self._held.clear()
        if self._connection is not None:
            connection, self._connection = self._connection, None
            try:
                await connection.invalidate()
                await connection.close()
            except Exception:
                log.debug("closing the failed lease connection", exc_info=True)


class SoloLeases:
    """The one process a SQLite store admits (its sending lock) holds every role, under an epoch
    one higher than the process before it held."""

    def __init__(self, engine: AsyncEngine, lock: SendingLock) -> None:
        self._engine = engine
        self._lock = lock
        self.holder = instance_name()
        self._held: dict[str, Lease] = {}

    @property
    def held(self) -> dict[str, Lease]:
        return dict(self._held)

    async def admit(self) -> bool:
        return await self._lock.acquire()

    async def take(self, role: str) -> Lease | None:
        if role in self._held:
            return self._held[role]
        if not await self._lock.acquire():
            return None
        insert = sqlite.insert(leases).values(
            name=role, holder=self.holder, epoch=1, session=os.getpid(), expires_at=_far_future()
        )
        upsert = insert.on_conflict_do_update(
            index_elements=[leases.c.name],
            set_={
                "holder": insert.excluded.holder,
                "epoch": leases.c.epoch + 1,
                "session": insert.excluded.session,
                "expires_at": insert.excluded.expires_at,
            },
        ).returning(leases.c.epoch)
        async with self._engine.begin() as connection:
            epoch = int((await connection.execute(upsert)).scalar_one())
        lease = self._held[role] = Lease(role, epoch)
        return lease

    async def beat(self) -> set[str]:
        return set()  # the file lock is the process's for as long as it lives

    async def give_up(self, role: str) -> None:
        self._held.pop(role, None)

    async def close(self) -> None:
        self._held.clear()
        await self._lock.release()


def _far_future() -> dt.datetime:
    return dt.datetime(9999, 1, 1, tzinfo=dt.UTC)


# The database's clock, not the instances': they may disagree, and only one judge may decide
# when a lease has run out. Naive UTC, as `UtcDateTime` stores times.
_NOW: ColumnElement[dt.datetime] = literal_column("timezone('UTC', clock_timestamp())")
_EXPIRY: ColumnElement[dt.datetime] = literal_column(
    f"timezone('UTC', clock_timestamp()) + interval '{TTL.total_seconds():g} seconds'"
)
