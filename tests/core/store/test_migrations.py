"""Opening a store: database URLs, new files, revisions, and upgrades from the releases before
Alembic (on SQLite, and on PostgreSQL when RINGKAS_TEST_POSTGRES names a database)."""

from __future__ import annotations

import asyncio
import datetime as dt
import sqlite3
from contextlib import closing
from pathlib import Path
from typing import Any

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, inspect, text
from sqlalchemy.ext.asyncio import create_async_engine

from bot.core.follow import Target
from bot.core.ports import ChatRef
from bot.core.store import SchemaOutdated, SchemaTooNew, Store, StoreBusy, database_url
from bot.core.store import migrations as store_migrations
from bot.core.store.leases import sender_role
from bot.core.store.lock import FileLock
from bot.core.store.migrations import Revision, head
from bot.core.store.tables import OutboxState, metadata
from tests.core.store.conftest import NOW, POSTGRES, empty_schema, subscribe
from tests.core.store.legacy import EXPECTED, all_rows, restore_release_4

REPO = Path(__file__).parents[3]
TABLES = {table.name for table in metadata.sorted_tables} | {"alembic_version"}


async def revision(store: Store) -> Revision:
    async with store.engine.connect() as connection:
        return await connection.run_sync(store_migrations.revision_of)


async def table_names(store: Store) -> set[str]:
    async with store.engine.connect() as connection:
        return await connection.run_sync(lambda c: set(inspect(c).get_table_names()))


def differences(connection: Connection) -> list[Any]:
    context = MigrationContext.configure(connection, opts={"compare_type": True})
    return list(compare_metadata(context, metadata))


@pytest.fixture(params=["sqlite", "postgresql"])
async def place(request: pytest.FixtureRequest, database: Path) -> str | Path:
    """Where a test's database goes: a SQLite file, or an emptied PostgreSQL database."""
    if request.param == "sqlite":
        return database
    if not POSTGRES:
        pytest.skip("no PostgreSQL server: set RINGKAS_TEST_POSTGRES to a database URL")
    await empty_schema(POSTGRES)
    return POSTGRES


# --- new databases and the head ---


async def test_a_new_database_is_created_at_the_head(place: str | Path) -> None:
    async with await Store.open(place) as store:
        assert await revision(store) == Revision(head())
        assert store.upgraded_from == Revision()  # it had no schema
        assert await table_names(store) == TABLES


async def test_the_migrated_schema_is_the_schema_of_tables_py(store: Store) -> None:
    """What catches a change to tables.py that no revision makes: write the revision (README,
    Migrations)."""
    async with store.engine.connect() as connection:
        assert await connection.run_sync(differences) == []


async def test_the_revisions_form_one_line_from_0001() -> None:
    scripts = store_migrations.scripts()
    assert len(scripts.get_heads()) == 1
    [first] = scripts.get_bases()
    assert first == "0001"
    # The head written out in the code, which opening a store checks without Alembic.
    assert scripts.get_current_head() == head()


def test_the_alembic_command_line_finds_the_revisions_from_pyproject() -> None:
    """A maintainer's `alembic revision` in the repository uses [tool.alembic]."""
    scripts = ScriptDirectory.from_config(Config(toml_file=str(REPO / "pyproject.toml")))
    assert scripts.get_current_head() == head()


async def test_reopening_runs_no_migration(database: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    async with await Store.open(database) as first:
        sub = await subscribe(first)

    def must_not_run(*_args: object, **_kwargs: object) -> None:
        raise AssertionError("an upgrade ran again")

    monkeypatch.setattr(command, "upgrade", must_not_run)
    async with await Store.open(database, upgrade=True) as second:
        assert await second.subscriptions.get(sub.chat) == sub
        assert second.upgraded_from is None


async def test_several_opening_a_new_database_at_once_create_it_once(place: str | Path) -> None:
    stores = await asyncio.gather(*(Store.open(place) for _ in range(3)))
    try:
        assert sorted(str(store.upgraded_from) for store in stores) == [
            "None",
            "None",
            str(Revision()),
        ]
        async with stores[0].engine.connect() as connection:
            versions = await connection.execute(text("SELECT version_num FROM alembic_version"))
            assert list(versions.scalars()) == [head()]
    finally:
        for store in stores:
            await store.close()


# --- older and newer schemas ---


async def test_a_newer_revision_is_refused_and_left_as_it_was(place: str | Path) -> None:
    async with await Store.open(place) as store:
        sub = await subscribe(store)
        async with store.engine.begin() as connection:
            await connection.execute(text("UPDATE alembic_version SET version_num = 'f00d'"))
    with pytest.raises(SchemaTooNew, match="is at revision f00d, newer than this Ringkas knows"):
        await Store.open(place, upgrade=True)
    with pytest.raises(SchemaTooNew):
        await Store.open(place)
    engine = create_async_engine(database_url(place))
    try:
        async with engine.begin() as connection:
            found = await connection.execute(text("SELECT version_num FROM alembic_version"))
            assert list(found.scalars()) == ["f00d"]
            # An operator back on the release that made it: everything is still there.
            await connection.execute(text(f"UPDATE alembic_version SET version_num = '{head()}'"))
    finally:
        await engine.dispose()
    async with await Store.open(place) as store:
        assert await store.subscriptions.get(sub.chat) == sub


async def test_an_older_schema_is_refused_without_upgrade_and_left_as_it_was(
    place: str | Path,
) -> None:
    await restore_release_4(place)
    before = await all_rows(place)
    with pytest.raises(SchemaOutdated) as refused:
        await Store.open(place)
    assert str(refused.value).startswith(f"the database {place} is at schema version 4")
    assert f"needs revision {head()}: run `ringkas migrate`" in str(refused.value)
    assert await all_rows(place) == before


# --- the upgrade from the last release before Alembic, with data in it ---


async def test_the_last_release_s_store_is_upgraded_with_every_row_kept(
    place: str | Path,
) -> None:
    await restore_release_4(place)
    before = await all_rows(place)
    assert {table: len(rows) for table, rows in before.items()} == {
        table: count for table, count in EXPECTED.items() if table != "schema_version"
    }

    async with await Store.open(place, upgrade=True) as store:
        assert store.upgraded_from == Revision(legacy=4)
        assert await revision(store) == Revision(head())
        async with store.engine.connect() as connection:
            assert await connection.run_sync(differences) == []
            # Kept, above every version the older releases knew: they refuse this database.
            kept = await connection.execute(text("SELECT version FROM schema_version"))
            assert list(kept.scalars()) == [5]
        after = await all_rows(place)
        # Revision 0002 adds when each text was stored: unknown for these, so as old as any.
        assert {row.pop("stored_at") for row in after["bodies"]} == {None}
        assert after == before
        await works(store)


async def works(store: Store) -> None:
    """The app's store on the upgraded data: read, write, and claim what the old release left."""
    chat = ChatRef.parse("telegram:101")
    sub = await store.subscriptions.get(chat)
    assert sub is not None and sub.plan.languages == "en"
    assert await store.markers.get("discord.commands") == "fixture-hash"
    assert await store.choices.command("fixturekey") == "/whosaid a long fixture query"
    follower = ChatRef.parse("telegram:404")
    assert set(await store.follows.of_chat(follower)) == {
        Target(topic="sandera"),
        Target(person="guterres"),
    }
    assert await store.follows.seen() == {"fixture-statement-1", "fixture-statement-2"}
    pushed = await store.pushes.get("fixturepush")
    assert pushed is not None and pushed.sent_at == dt.datetime(2025, 10, 7, 0, 30, tzinfo=dt.UTC)
    assert {entry.detail for entry in await store.audit.recent(5)} == {
        "fixturepush",
        "telegram:101",
    }
    # The delivery the old release left in doubt is sent again by the next holder.
    lease = await store.leases.take(sender_role("telegram"))
    assert lease is not None and lease.epoch == 2
    assert await store.outbox.release("telegram", lease.epoch, NOW) == 1
    later = NOW.replace(day=8)
    claimed = await store.outbox.claim("telegram", later, 10, lease.epoch)
    assert {row.occasion for row in claimed} == {"scheduled:2025-10-07T00:00", "push:fixturepush"}
    counts = await store.outbox.counts()
    assert counts[OutboxState.SENDING] == len(claimed)
    new = await subscribe(store, "telegram:909")
    assert new.id == 4  # the ids go on from the old rows


@pytest.mark.parametrize("version", [1, 2, 3])
async def test_older_releases_stores_are_upgraded_with_their_rows_kept(
    place: str | Path, version: int
) -> None:
    await restore_release_4(place, version)
    before = await all_rows(place)

    async with await Store.open(place, upgrade=True) as store:
        assert store.upgraded_from == Revision(legacy=version)
        async with store.engine.connect() as connection:
            assert await connection.run_sync(differences) == []
    after = await all_rows(place)
    for table, rows in before.items():
        if table == "outbox" and version < 3:  # gains its epochs, at 0
            rows = [{**row, "epoch": 0} for row in rows]
        if table == "bodies":  # gains when each was stored: unknown, so as old as any
            rows = [{**row, "stored_at": None} for row in rows]
        assert after[table] == rows, table
    assert set(after) - set(before) <= {"markers", "leases", "choices", "relayed_replies",
                                        "chats", "follows", "statements_seen"}  # fmt: skip


async def test_several_upgrading_at_once_upgrade_once(place: str | Path) -> None:
    if isinstance(place, Path):
        pytest.skip("on SQLite, one process serves a store: its lock turns the others away")
    await restore_release_4(place)
    stores = await asyncio.gather(*(Store.open(place, upgrade=True) for _ in range(3)))
    try:
        assert sorted(str(store.upgraded_from) for store in stores) == [
            "None",
            "None",
            str(Revision(legacy=4)),
        ]
        await works(stores[0])
    finally:
        for store in stores:
            await store.close()


async def test_an_upgrade_beside_a_sqlite_bot_serving_is_refused(database: Path) -> None:
    await restore_release_4(database)
    before = await all_rows(database)
    lock = FileLock(Path(f"{database}.sending-lock"))
    assert await lock.acquire()
    try:
        with pytest.raises(StoreBusy, match="another Ringkas process is already sending"):
            await Store.open(database, upgrade=True)
    finally:
        await lock.release()
    assert await all_rows(database) == before


async def test_a_failed_upgrade_leaves_nothing_of_itself(
    place: str | Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    await restore_release_4(place, 2)
    upgrade = command.upgrade

    def upgrade_then_fail(config: Config, revision: str) -> None:
        upgrade(config, revision)
        raise RuntimeError("the disk filled up (test)")

    monkeypatch.setattr(command, "upgrade", upgrade_then_fail)
    with pytest.raises(RuntimeError, match="disk filled up"):
        await Store.open(place, upgrade=True)
    monkeypatch.undo()
    with pytest.raises(SchemaOutdated, match="schema version 2"):
        await Store.open(place)
    async with await Store.open(place, upgrade=True) as store:
        assert store.upgraded_from == Revision(legacy=2)
        assert "follows" in await table_names(store)


# --- URLs and files ---


async def test_open_creates_missing_parent_folders(tmp_path: Path) -> None:
    database = tmp_path / "a" / "b" / "c" / "ringkas.sqlite3"
    async with await Store.open(database) as store:
        assert await revision(store) == Revision(head())
    assert database.is_file()


async def test_open_accepts_a_sqlite_url(tmp_path: Path) -> None:
    database = tmp_path / "from-url.sqlite3"
    async with await Store.open(f"sqlite+aiosqlite:///{database}") as store:
        assert await revision(store) == Revision(head())
    assert database.is_file()


async def test_sqlite_runs_with_wal_and_a_busy_timeout(store: Store) -> None:
    if store.engine.dialect.name != "sqlite":
        pytest.skip("SQLite's own settings")
    async with store.engine.connect() as connection:
        mode = (await connection.execute(text("PRAGMA journal_mode"))).scalar()
        timeout = (await connection.execute(text("PRAGMA busy_timeout"))).scalar()
    assert mode == "wal"
    assert timeout == 15_000


def test_a_database_tells_the_releases_before_alembic_it_is_too_new(database: Path) -> None:
    """What such a release reads (`tables.migrate` of release 4): a version above its own 4,
    which it refuses."""

    async def create() -> None:
        await (await Store.open(database)).close()

    asyncio.run(create())
    with closing(sqlite3.connect(database)) as connection:
        assert connection.execute("SELECT version FROM schema_version").fetchall() == [(5,)]


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
