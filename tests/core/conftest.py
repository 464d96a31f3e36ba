"""A real SQLite store per test, for the store's own tests and the commands' alike."""

from __future__ import annotations

import asyncio
import shutil
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.core.store import Store
from tests.core.store.conftest import POSTGRES, empty_schema


@pytest.fixture(scope="session")
def migrated(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A database file freshly created and migrated by Store.open, made once per session."""

    async def create(path: Path) -> None:
        await (await Store.open(path)).close()

    path = tmp_path_factory.mktemp("template") / "ringkas.sqlite3"
    asyncio.run(create(path))
    assert not path.with_name(path.name + "-wal").exists()  # checkpointed: the file is whole
    return path


@pytest.fixture
async def store(tmp_path: Path, migrated: Path) -> AsyncIterator[Store]:
    """A real SQLite file per test, opened through Store.open. It starts as a copy of one made
    by Store.open (creating the schema per test would double the suite's time); making a new
    file is covered in store/test_migrations. Modules that need another store define their own."""
    path = tmp_path / "ringkas.sqlite3"
    shutil.copyfile(migrated, path)
    opened = await Store.open(path)
    try:
        yield opened
    finally:
        await opened.close()


@pytest.fixture
async def three() -> AsyncIterator[list[Store]]:
    """Three stores on the PostgreSQL test server, each with its own lease connection: three
    instances of Ringkas, in one process."""
    if not POSTGRES:
        pytest.skip("no PostgreSQL server: set RINGKAS_TEST_POSTGRES to a database URL")
    await empty_schema(POSTGRES)
    stores = [await Store.open(POSTGRES) for _ in range(3)]
    try:
        yield stores
    finally:
        for store in stores:
            await store.close()
