"""Leases: the roles one instance at a time holds, and the fencing epoch that proves it.

Several `ringkas run` processes may share one PostgreSQL store. Each role (a platform's sender,
the planner, Telegram's poller, a Discord shard) is held by one of them, under a lease made of:

- a session-level advisory lock on the holder's own lease connection. The server lets go of it
  the moment that connection ends, and a process that dies (SIGKILL included: the kernel closes
  its sockets) ends it at once, so the next round of another instance takes the role;
- a row in `leases` whose epoch rises at every takeover and whose expiry the holder pushes
  forward at every beat. A host cut off from the database stops beating: once its row has
  expired, another instance ends all the stale instance's sessions (`pg_terminate_backend`, by
  their `application_name`) and takes the role, and the server's TCP keepalives would end those
  sessions soon after anyway. The cut-off holder's own beat times out first, and it stops.

The epoch fences the outbox: a claim names its epoch and is refused once a newer one exists, and a
takeover puts back to pending only the rows claimed under older epochs.

Two more things instances share through the same means. Presence: an instance `join`s a group
(those serving Discord's gateway) with a shared advisory lock on its lease connection, so a
`census` counts the live members of the group, and which of some roles live holders hold, from the
locks the server holds (gone the moment a process dies). Turns: a `turn` at a name is a lease
that nobody renews and that runs out by itself, for what one instance at a time may do once in a
while (a Discord IDENTIFY per concurrency bucket every 5 seconds).

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
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from sqlalchemy import Exists, func, literal_column, select, text
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine
from sqlalchemy.sql.dml import ReturningInsert
from sqlalchemy.sql.expression import ColumnElement

from bot.core.store.lock import SendingLock
from bot.core.store.tables import leases

log = logging.getLogger(__name__)

# A holder whose row has not been renewed for this long is taken to be cut off from the database.
TTL = dt.timedelta(seconds=10)
# A beat the database has not answered in this long: the holder counts itself cut off, and stops
# acting in its roles well before its row expires and another instance may take them.
BEAT_TIMEOUT = 4.0


def session_settings(holder: str) -> dict[str, str]:
    """What every connection of an instance tells the server (asyncpg's `server_settings`).

    Its name (`application_name`), so that a takeover can end all its sessions at once. TCP
    keepalives: the server probes a silent connection after 3 s, every 2 s, and ends the session
    after 3 unanswered probes or 10 s of unacknowledged data, so a vanished host's locks (its
    leases' advisory locks, and the rows a claim of its had locked) go within about 9 s even if
    nobody ends its sessions first. And a session idle inside a transaction for 15 s is ended:
    the store's transactions are single short steps, and one left open by a client that stopped
    midway would hold its row locks against every other instance."""
    return {
        "application_name": holder[:63],  # the server keeps 63 bytes
        "tcp_keepalives_idle": "3",
        "tcp_keepalives_interval": "2",
        "tcp_keepalives_count": "3",
        "tcp_user_timeout": "10000",
        "idle_in_transaction_session_timeout": "15s",
    }


@dataclass(frozen=True, slots=True)
class Lease:
    """A role held, and the fencing epoch it is held under."""

    role: str
    epoch: int


@dataclass(frozen=True, slots=True)
class Census:
    """A group as the database sees it now: how many instances are present in it (this one
    included, once it has joined), and which of the roles asked about a live instance holds."""

    present: int
    held: frozenset[str]


def sender_role(platform: str) -> str:
    return f"sender:{platform}"


def instance_name() -> str:
    """Who holds a lease, as logs and `leases.holder` show it: host, process, and a random part
    so that a restarted process with a reused pid is not taken for its predecessor."""
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:6]}"


class Leases(Protocol):
    holder: str
    shared: bool  # several instances may hold the roles (PostgreSQL), or one holds them all

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

    async def join(self, group: str) -> None:
        """Be counted present in `group` for as long as this instance lives (on PostgreSQL: its
        lease connection)."""

    async def census(self, group: str, roles: Sequence[str]) -> Census:
        """How many instances are present in `group`, and which of `roles` a live instance
        holds (one whose lease has run out counts as not holding it, so that taking it ends the
        stale holder)."""

    async def turn(self, name: str, seconds: float) -> float:
        """Take the turn at `name` for `seconds` if no instance's turn at it is running: 0.0,
        and it runs from now; else the seconds until the running turn ends."""


def advisory_key(role: str) -> int:
    """The advisory lock of a role: a signed bigint from its name's hash."""
    digest = hashlib.sha256(f"ringkas.role:{role}".encode()).digest()
    return int.from_bytes(digest[:8], "big", signed=True)


def presence_key(group: str) -> int:
    """The advisory lock whose shared holders are the group's instances."""
    digest = hashlib.sha256(f"ringkas.group:{group}".encode()).digest()
    return int.from_bytes(digest[:8], "big", signed=True)


# The advisory locks the server holds in this database: a bigint key is in classid (its high 32
# bits) and objid (its low 32 bits), with objsubid 1.
_ADVISORY_LOCKS = text(
    "SELECT classid::bigint, objid::bigint, mode FROM pg_locks"
    " WHERE locktype = 'advisory' AND granted AND objsubid = 1"
    " AND database = (SELECT oid FROM pg_database WHERE datname = current_database())"
)


def _key(high: int, low: int) -> int:
    return int.from_bytes(((high << 32) | low).to_bytes(8, "big"), "big", signed=True)


class PostgresLeases:
    """Leases among the instances sharing a PostgreSQL store (see the module's docstring)."""

    def __init__(self, engine: AsyncEngine, holder: str | None = None) -> None:
        self._engine = engine
        self.holder = holder or instance_name()
        self.shared = True
        self._connection: AsyncConnection | None = None
        self._session = 0
        self._held: dict[str, Lease] = {}
        self._groups: set[str] = set()  # joined: present again on every new lease connection
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
            except (Exception, TimeoutError) as error:
                log.warning("could not ask the database for the %s lease: %s", role, _why(error))
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
        """The role is locked by an instance that stopped renewing it: end all its sessions,
        which frees the lock for the next round, and the rows its claims had locked."""
        stale = await connection.scalar(
            select(leases.c.holder).where(
                leases.c.name == role,
                leases.c.expires_at < DATABASE_NOW,
                leases.c.holder != self.holder,
            )
        )
        if stale is not None:
            log.warning("the %s role's holder %s stopped renewing it: ending its sessions",
                        role, stale)  # fmt: skip
            await connection.execute(
                text(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
                    " WHERE application_name = :name"
                ),
                {"name": stale[:63]},
            )

    async def beat(self) -> set[str]:
        if not self._held:
            return set()
        held = dict(self._held)
        async with self._lock:
            try:
                renewed = await asyncio.wait_for(self._renew(), BEAT_TIMEOUT)
            except (Exception, TimeoutError) as error:
                log.warning("the lease connection failed (%s): giving up every role", _why(error))
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
                    .values(expires_at=DATABASE_NOW)
                )
                await self._connection.scalar(
                    text("SELECT pg_advisory_unlock(:k)"), {"k": advisory_key(role)}
                )
            except Exception as error:
                log.warning("could not give up the %s role cleanly: %s", role, _why(error))
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
                self._session = int(await connection.scalar(text("SELECT pg_backend_pid()")))
                for group in self._groups:
                    await _be_present(connection, group)
            except BaseException:
                await connection.close()
                raise
            self._connection = connection
        return self._connection

    async def join(self, group: str) -> None:
        async with self._lock:
            if group in self._groups:
                return
            self._groups.add(group)  # a new lease connection joins it (`_connect`)
            try:
                if self._connection is None:
                    await asyncio.wait_for(self._connect(), BEAT_TIMEOUT)
                else:
                    await asyncio.wait_for(_be_present(self._connection, group), BEAT_TIMEOUT)
            except (Exception, TimeoutError) as error:
                log.warning("could not join the %s group (%s): trying again", group, _why(error))
                await self._lose_connection()

    async def census(self, group: str, roles: Sequence[str]) -> Census:
        keys = {advisory_key(role): role for role in roles}
        present, locked = 0, set()
        async with self._engine.connect() as connection:
            for high, low, mode in await connection.execute(_ADVISORY_LOCKS):
                key = _key(high, low)
                if mode == "ShareLock" and key == presence_key(group):
                    present += 1
                elif mode == "ExclusiveLock" and key in keys:
                    locked.add(keys[key])
            renewed = await connection.scalars(
                select(leases.c.name).where(
                    leases.c.name.in_(locked), leases.c.expires_at > DATABASE_NOW
                )
            )
            return Census(present, frozenset(renewed))

    async def turn(self, name: str, seconds: float) -> float:
        ends = _from_now(seconds)
        insert = postgresql.insert(leases).values(
            name=name, holder=self.holder, epoch=1, session=0, expires_at=ends
        )
        upsert = insert.on_conflict_do_update(
            index_elements=[leases.c.name],
            set_={
                "holder": insert.excluded.holder,
                "epoch": leases.c.epoch + 1,
                "expires_at": ends,
            },
            where=leases.c.expires_at <= DATABASE_NOW,
        ).returning(leases.c.epoch)
        async with self._engine.begin() as connection:
            if (await connection.execute(upsert)).first() is not None:
                return 0.0
            left = await connection.scalar(
                select(func.extract("epoch", leases.c.expires_at - DATABASE_NOW)).where(
                    leases.c.name == name
                )
            )
        # Ended in between: this is no turn yet, but the next try will be.
        return max(float(left or 0.0), 0.001)

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
        self.shared = False
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
        upsert = self._taken(role, _far_future())
        async with self._engine.begin() as connection:
            epoch = int((await connection.execute(upsert)).scalar_one())
        lease = self._held[role] = Lease(role, epoch)
        return lease

    def _taken(
        self, name: str, until: dt.datetime, where: ColumnElement[bool] | None = None
    ) -> ReturningInsert[Any]:
        """The row of `name` taken by this process until `until`, its epoch one higher (only if
        `where` holds of the row there); RETURNING the epoch."""
        insert = sqlite.insert(leases).values(
            name=name, holder=self.holder, epoch=1, session=os.getpid(), expires_at=until
        )
        return insert.on_conflict_do_update(
            index_elements=[leases.c.name],
            set_={
                "holder": insert.excluded.holder,
                "epoch": leases.c.epoch + 1,
                "session": insert.excluded.session,
                "expires_at": insert.excluded.expires_at,
            },
            where=where,
        ).returning(leases.c.epoch)

    async def beat(self) -> set[str]:
        return set()  # the file lock is the process's for as long as it lives

    async def give_up(self, role: str) -> None:
        self._held.pop(role, None)

    async def close(self) -> None:
        self._held.clear()
        await self._lock.release()

    async def join(self, group: str) -> None:
        return None  # the only instance: always present

    async def census(self, group: str, roles: Sequence[str]) -> Census:
        return Census(1, frozenset(role for role in roles if role in self._held))

    async def turn(self, name: str, seconds: float) -> float:
        # In the store, not in memory: a process restarted at once waits for its predecessor's.
        now = dt.datetime.now(dt.UTC)
        upsert = self._taken(
            name, now + dt.timedelta(seconds=seconds), where=leases.c.expires_at <= now
        )
        async with self._engine.begin() as connection:  # one statement: two turns cannot race
            if (await connection.execute(upsert)).first() is not None:
                return 0.0
            found = await connection.execute(
                select(leases.c.expires_at).where(leases.c.name == name)
            )
            ends: dt.datetime = found.scalar_one()
        return max((ends - now).total_seconds(), 0.001)


async def _be_present(connection: AsyncConnection, group: str) -> None:
    await connection.execute(text("SELECT pg_advisory_lock_shared(:k)"), {"k": presence_key(group)})


def _why(error: BaseException) -> str:
    """An error as one line of the log (a timeout says nothing by itself)."""
    if isinstance(error, TimeoutError):
        return f"no answer in {BEAT_TIMEOUT:g} s"
    return f"{type(error).__name__}: {error}".splitlines()[0]


def superseded(role: str, epoch: int) -> Exists:
    """Whether a newer epoch than `epoch` holds the role: then a claim under `epoch` is refused
    (its holder lost the lease, whether it knows yet or not)."""
    return select(leases.c.epoch).where(leases.c.name == role, leases.c.epoch > epoch).exists()


def _far_future() -> dt.datetime:
    return dt.datetime(9999, 1, 1, tzinfo=dt.UTC)


# The database's clock, not the instances': they may disagree, and only one judge may decide
# when a lease has run out (or a relayed reply is given up). Naive UTC, as `UtcDateTime` stores
# times.
DATABASE_NOW: ColumnElement[dt.datetime] = literal_column("timezone('UTC', clock_timestamp())")


def _from_now(seconds: float) -> ColumnElement[dt.datetime]:
    return literal_column(f"timezone('UTC', clock_timestamp()) + interval '{seconds:g} seconds'")


_EXPIRY = _from_now(TTL.total_seconds())
