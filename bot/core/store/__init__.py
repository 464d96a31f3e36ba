"""Subscriptions, the outbox of deliveries, pushes, the audit log, a few markers, and chats'
languages and follows, in one SQL database, and the retention pass that bounds it.

SQLite by default; any database SQLAlchemy's asyncio extension drives (PostgreSQL through
asyncpg) works through the same code. Every query runs off the event loop.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

from bot.core.store import migrations
from bot.core.store.alerts import Alerts
from bot.core.store.chats import Chats
from bot.core.store.follows import Follows
from bot.core.store.leases import (
    Leases,
    PostgresLeases,
    SoloLeases,
    instance_name,
    session_settings,
)
from bot.core.store.lock import sending_lock
from bot.core.store.migrations import Revision, SchemaOutdated, SchemaTooNew
from bot.core.store.outbox import Outbox
from bot.core.store.records import AuditLog, Choices, Markers, Pushes
from bot.core.store.relay import Relay
from bot.core.store.retention import Retention
from bot.core.store.subscriptions import Subscriptions

__all__ = ["SchemaOutdated", "SchemaTooNew", "Store", "StoreBusy", "database_url", "shown"]

log = logging.getLogger(__name__)

# Another process holding the file (a backup, an operator's sqlite3 shell) makes writers wait
# this long before failing, rather than at once.
SQLITE_BUSY_TIMEOUT_MS = 15_000
# sqlite3 keeps a prepared statement per distinct SQL text, 128 per connection by default, and
# every batch size of a multi-row INSERT or an IN list is a text of its own: a 1,000-row INSERT
# holds some 1.4 MB, so the store's memory grew with each new size (found by the soak
# benchmark). Preparing again costs microseconds; a few slots keep the hottest queries.
SQLITE_CACHED_STATEMENTS = 8


def database_url(database: str | Path) -> str:
    """A URL as given ("postgresql+asyncpg://…"), or a SQLite file path made into one."""
    text = str(database)
    if "://" in text:
        return text
    return f"sqlite+aiosqlite:///{Path(text).resolve()}"


def shown(database: str | Path) -> str:
    """The database as messages may name it: a file's path, or a URL with its password hidden."""
    text = str(database)
    return make_url(text).render_as_string(hide_password=True) if "://" in text else text


class StoreBusy(Exception):
    """Another process serves a SQLite store; serving beside it could send messages twice, and
    changing its schema would change it under that process."""

    def __init__(self, database: str | Path) -> None:
        super().__init__(
            f"another Ringkas process is already sending from {shown(database)}: stop it first "
            "(one process at a time serves a SQLite store, so no message goes out twice; "
            "several instances need PostgreSQL)"
        )


class Store:
    def __init__(self, engine: AsyncEngine, holder: str | None = None) -> None:
        self.engine = engine
        # Where the schema stood before `open` brought it to the head; None if it was there.
        self.upgraded_from: Revision | None = None
        self.subscriptions = Subscriptions(engine)
        self.outbox = Outbox(engine)
        self.pushes = Pushes(engine)
        self.audit = AuditLog(engine)
        self.markers = Markers(engine)
        self.choices = Choices(engine)
        # Which roles this process holds: on PostgreSQL among the instances sharing the store; on
        # SQLite, all of them, for the one process its lock admits.
        self.leases: Leases = (
            PostgresLeases(engine, holder)
            if engine.dialect.name == "postgresql"
            else SoloLeases(engine, sending_lock(engine))
        )
        # Replies handed to the instance holding a platform's sender lease; none on SQLite, whose
        # one process holds them all.
        self.relay = Relay(engine) if engine.dialect.name == "postgresql" else None
        self.chats = Chats(engine)
        self.follows = Follows(engine)
        self.alerts = Alerts(engine)
        self.retention = Retention(engine)

    @classmethod
    async def open(cls, database: str | Path, upgrade: bool = False) -> Store:
        """Connect. A new database is created at the head revision; an older one is brought to
        it with `upgrade` (on SQLite only while no other process serves it: StoreBusy), else
        refused (SchemaOutdated); a newer one is refused (SchemaTooNew)."""
        url = make_url(database_url(database))
        if url.get_backend_name() == "sqlite" and url.database:
            Path(url.database).parent.mkdir(parents=True, exist_ok=True)
        sqlite = url.get_backend_name() == "sqlite"
        holder = instance_name()
        engine = create_async_engine(
            url,
            connect_args={"cached_statements": SQLITE_CACHED_STATEMENTS}
            if sqlite
            else {"server_settings": session_settings(holder)},
        )
        if sqlite:
            event.listen(engine.sync_engine, "connect", _sqlite_pragmas)
        store = cls(engine, holder)
        try:
            await store._bring_to_head(shown(database), upgrade)
        except BaseException:
            await store.close()
            raise
        return store

    async def _bring_to_head(self, database: str, upgrade: bool) -> None:
        async with self.engine.connect() as connection:
            found = await connection.run_sync(migrations.revision_of)
        if found.current:
            return
        if not found.known:
            raise SchemaTooNew(database, found)
        if not found.new:
            if not upgrade:
                raise SchemaOutdated(database, found)
            if not await self.leases.admit():
                raise StoreBusy(database)
        async with self.engine.begin() as connection:
            self.upgraded_from = await connection.run_sync(migrations.upgrade, database)
        if self.upgraded_from is not None and not self.upgraded_from.new:
            log.info(
                "%s: migrated from %s to revision %s",
                database,
                self.upgraded_from,
                migrations.head(),
            )

    async def close(self) -> None:
        await self.leases.close()
        await self.engine.dispose()

    async def __aenter__(self) -> Store:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    # First: setting the journal mode needs the file's lock, which another connection creating
    # or upgrading the schema may hold for seconds (found with three opening a new file at once).
    cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
    # WAL lets the scheduler read while a delivery batch commits; NORMAL sync is durable across
    # a process crash, which is the failure the outbox guards against.
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()
