"""Opening a store: database URLs, new files, schema versions and migrations."""

from __future__ import annotations

import sqlite3
from contextlib import closing
from pathlib import Path

import pytest
from sqlalchemy import inspect, select, text, update
from sqlalchemy.engine import Connection

from bot.core.store import Store, database_url
from bot.core.store import tables as store_tables
from bot.core.store.tables import SCHEMA_VERSION, SchemaTooNew, migrate, schema_version
from tests.core.store.conftest import NOW, subscribe

TABLES = {
    "schema_version", "subscriptions", "outbox", "bodies", "pushes", "audit", "markers", "leases",
    "choices",
}  # fmt: skip


async def versions(store: Store) -> list[int]:
    async with store.engine.connect() as connection:
        return list((await connection.execute(select(schema_version.c.version))).scalars())


async def test_a_new_file_is_created_at_the_current_schema_version(database: Path) -> None:
    assert not database.exists()
    store = await Store.open(database)
    try:
        assert database.is_file()
        assert await versions(store) == [SCHEMA_VERSION]
        async with store.engine.connect() as connection:
            names = await connection.run_sync(lambda c: set(inspect(c).get_table_names()))
        assert names == TABLES
    finally:
        await store.close()


async def test_schema_version_counts_the_migrations() -> None:
    assert SCHEMA_VERSION == len(store_tables.MIGRATIONS) >= 1


async def test_migrate_reports_the_version_it_found(store: Store) -> None:
    async with store.engine.begin() as connection:
        assert await connection.run_sync(migrate) == SCHEMA_VERSION
    assert await versions(store) == [SCHEMA_VERSION]


async def test_reopening_keeps_the_data_and_runs_no_migration(
    database: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    async with await Store.open(database) as first:
        sub = await subscribe(first)
        await first.audit.record("admin", "subscribe", "telegram:1", NOW)

    def must_not_run(_connection: Connection) -> None:
        raise AssertionError("a migration ran again")

    monkeypatch.setattr(store_tables, "MIGRATIONS", (must_not_run,) * SCHEMA_VERSION)
    async with await Store.open(database) as second:
        assert await second.subscriptions.get(sub.chat) == sub
        assert [e.detail for e in await second.audit.recent(5)] == ["telegram:1"]
        assert await versions(second) == [SCHEMA_VERSION]


async def test_a_newer_schema_refuses_to_open(database: Path) -> None:
    async with await Store.open(database) as store, store.engine.begin() as connection:
        await connection.execute(update(schema_version).values(version=SCHEMA_VERSION + 1))
    with pytest.raises(SchemaTooNew, match=f"schema version {SCHEMA_VERSION + 1}"):
        await Store.open(database)


async def test_a_refused_open_leaves_the_database_as_it_was(database: Path) -> None:
    async with await Store.open(database) as store:
        sub = await subscribe(store)
        async with store.engine.begin() as connection:
            await connection.execute(update(schema_version).values(version=SCHEMA_VERSION + 5))
    with pytest.raises(SchemaTooNew):
        await Store.open(database)
    with closing(sqlite3.connect(database)) as raw:
        assert raw.execute("SELECT version FROM schema_version").fetchall() == [
            (SCHEMA_VERSION + 5,)
        ]
        assert raw.execute("SELECT count(*) FROM subscriptions").fetchone() == (1,)
        # An operator back on the right release: everything is still there.
        with raw:
            raw.execute("UPDATE schema_version SET version = ?", (SCHEMA_VERSION,))
    async with await Store.open(database) as store:
        assert await store.subscriptions.get(sub.chat) == sub


async def test_the_store_is_an_async_context_manager(database: Path) -> None:
    async with await Store.open(database) as store:
        await subscribe(store)
    async with await Store.open(database) as store:
        assert len([s async for s in store.subscriptions.all()]) == 1


async def test_open_creates_missing_parent_folders(tmp_path: Path) -> None:
    database = tmp_path / "a" / "b" / "c" / "ringkas.sqlite3"
    async with await Store.open(database) as store:
        assert await versions(store) == [SCHEMA_VERSION]
    assert database.is_file()


async def test_open_accepts_a_sqlite_url(tmp_path: Path) -> None:
    database = tmp_path / "from-url.sqlite3"
    async with await Store.open(f"sqlite+aiosqlite:///{database}") as store:
        assert await versions(store) == [SCHEMA_VERSION]
    assert database.is_file()


async def test_sqlite_runs_with_wal_and_a_busy_timeout(store: Store) -> None:
    if store.engine.dialect.name != "sqlite":
        pytest.skip("SQLite's own settings")
    async with store.engine.connect() as connection:
        mode = (await connection.execute(text("PRAGMA journal_mode"))).scalar()
        timeout = (await connection.execute(text("PRAGMA busy_timeout"))).scalar()
    assert mode == "wal"
    assert timeout == 15_000


@pytest.mark.parametrize(
    "url",
    [
        "postgresql+asyncpg://ringkas:secret@db.example:5432/ringkas",
        "sqlite+aiosqlite:///relative.sqlite3",
        "sqlite+aiosqlite:////var/lib/ringkas/ringkas.sqlite3",
        "sqlite+aiosqlite://",
    ],
)
def test_database_url_keeps_urls_as_given(url: str) -> None:
    assert database_url(url) == url


def test_database_url_makes_an_absolute_path_a_sqlite_url(tmp_path: Path) -> None:
    path = tmp_path / "ringkas.sqlite3"
    assert database_url(path) == f"sqlite+aiosqlite:///{path.resolve()}"
    assert database_url(str(path)) == f"sqlite+aiosqlite:///{path.resolve()}"


def test_database_url_resolves_a_relative_path(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    url = database_url("data/ringkas.sqlite3")
    assert url == f"sqlite+aiosqlite:///{(tmp_path / 'data' / 'ringkas.sqlite3').resolve()}"
    assert url.startswith("sqlite+aiosqlite:////")


async def test_a_version_1_database_gains_the_markers_and_keeps_its_data(database: Path) -> None:
    from sqlalchemy import create_engine

    # A database as version 1 left it: its tables, one subscription row, version 1.
    engine = create_engine(f"sqlite:///{database}")
    with engine.begin() as connection:
        schema_version.create(connection)
        connection.execute(schema_version.insert().values(version=1))
        store_tables.MIGRATIONS[0](connection)
        connection.execute(
            text(
                "INSERT INTO subscriptions (platform, chat_id, thread, chat_kind, chat_title,"
                " languages, times, instant, timezone, state, subscribed_by, subscribed_at)"
                " VALUES ('telegram', '1', '', 'private', '', 'en', '07:00', 0, 'Asia/Jakarta',"
                " 'active', 'u', '2025-10-07 00:00:00')"
            )
        )
    engine.dispose()

    async with await Store.open(database) as store:
        assert await versions(store) == [SCHEMA_VERSION]
        async with store.engine.connect() as connection:
            names = await connection.run_sync(lambda c: set(inspect(c).get_table_names()))
            count = (await connection.execute(text("SELECT count(*) FROM subscriptions"))).scalar()
        await store.markers.put("discord.commands", "abc")
        assert await store.markers.get("discord.commands") == "abc"
    assert "markers" in names
    assert count == 1


async def test_a_version_2_database_gains_leases_and_epochs_and_keeps_its_deliveries(
    database: Path,
) -> None:
    from sqlalchemy import create_engine

    # A database as version 2 left it: an outbox without epochs, with a delivery in flight.
    engine = create_engine(f"sqlite:///{database}")
    with engine.begin() as connection:
        schema_version.create(connection)
        connection.execute(schema_version.insert().values(version=2))
        store_tables.MIGRATIONS[0](connection)
        store_tables.MIGRATIONS[1](connection)
        connection.execute(text("ALTER TABLE outbox DROP COLUMN epoch"))  # v1 had none
        connection.execute(
            text(
                "INSERT INTO outbox (subscription_id, platform, chat_id, thread, chat_kind, key,"
                " body, lang, kind, state, attempts, next_attempt_at, created_at, updated_at)"
                " VALUES (1, 'telegram', '1', '', 'private', 'push:p', 'b', 'en', 'digest',"
                " 'sending', 0, '2025-10-06 00:00:00', '2025-10-06 00:00:00',"
                " '2025-10-06 00:00:00')"
            )
        )
    engine.dispose()

    async with await Store.open(database) as store:
        assert await versions(store) == [SCHEMA_VERSION]
        lease = await store.leases.take("sender:telegram")
        assert lease is not None
        # The row left in flight by the old release is the new holder's to send again.
        assert await store.outbox.release("telegram", lease.epoch, NOW) == 1
        [again] = await store.outbox.claim("telegram", NOW, 10, lease.epoch)
    assert again.occasion == "push:p"
