"""A real SQLite store per test, and small helpers to fill it and look inside it."""

from __future__ import annotations

import asyncio
import datetime as dt
import shutil
from collections.abc import AsyncIterator, Sequence
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Row, select

from bot.core.ports import ChatKind, ChatRef
from bot.core.store import Store
from bot.core.store.tables import outbox, subscriptions
from bot.core.subscription import Languages, Plan, Subscription

# 07:30 in Jakarta on a Monday: before any 08:00 WIB slot, after any 07:00 one.
NOW = dt.datetime(2025, 10, 6, 0, 30, tzinfo=dt.UTC)
MINUTE = dt.timedelta(minutes=1)
HOUR = dt.timedelta(hours=1)


def at(*args: int) -> dt.datetime:
    """A UTC instant: at(2025, 10, 6, 7) → 2025-10-06 07:00 UTC."""
    return dt.datetime(*args, tzinfo=dt.UTC)


def plan(
    languages: Languages = "en",
    times: Sequence[str] = ("07:00",),
    *,
    instant: bool = False,
    zone: str = "Asia/Jakarta",
) -> Plan:
    return Plan(languages, tuple(dt.time.fromisoformat(t) for t in times), instant, zone)


def chat(ref: str) -> ChatRef:
    return ChatRef.parse(ref)


async def subscribe(
    store: Store,
    ref: str = "telegram:1",
    languages: Languages = "en",
    times: Sequence[str] = ("07:00",),
    *,
    instant: bool = False,
    zone: str = "Asia/Jakarta",
    kind: ChatKind = ChatKind.PRIVATE,
    by: str = "user:1",
    now: dt.datetime = NOW,
    title: str = "",
) -> Subscription:
    return await store.subscriptions.subscribe(
        chat(ref), kind, plan(languages, times, instant=instant, zone=zone), by, now, title
    )


async def outbox_rows(store: Store, **equal: Any) -> list[Row[Any]]:
    """Outbox rows in id order, optionally only those whose columns equal the given values."""
    query = select(outbox).order_by(outbox.c.id)
    for column, value in equal.items():
        query = query.where(outbox.c[column] == value)
    async with store.engine.connect() as connection:
        return list((await connection.execute(query)).all())


async def subscription_rows(store: Store) -> list[Row[Any]]:
    async with store.engine.connect() as connection:
        return list(
            (await connection.execute(select(subscriptions).order_by(subscriptions.c.id))).all()
        )


@pytest.fixture
def database(tmp_path: Path) -> Path:
    """Where a test's own database goes; nothing is there yet."""
    return tmp_path / "ringkas.sqlite3"


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
    file is covered in test_migrations."""
    path = tmp_path / "ringkas.sqlite3"
    shutil.copyfile(migrated, path)
    opened = await Store.open(path)
    try:
        yield opened
    finally:
        await opened.close()
