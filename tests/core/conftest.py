"""A real SQLite store per test, for the store's own tests and the commands' alike."""

from __future__ import annotations

import asyncio
import shutil
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.core.store import Store


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
