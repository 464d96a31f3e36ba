"""The store under test (SQLite, and PostgreSQL when a server is given), and small helpers to
fill it and look inside it."""

from __future__ import annotations

import datetime as dt
import os
import shutil
from collections.abc import AsyncIterator, Sequence
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Row, select, text
from sqlalchemy.ext.asyncio import create_async_engine

from bot.core.ports import ChatKind, ChatRef
from bot.core.store import Store
from bot.core.store.tables import outbox, subscriptions
from bot.core.subscription import Languages, Plan, Subscription

# 07:30 in Jakarta on a Monday: before any 08:00 WIB slot, after any 07:00 one.
NOW = dt.datetime(2025, 10, 6, 0, 30, tzinfo=dt.UTC)
MINUTE = dt.timedelta(minutes=1)
HOUR = dt.timedelta(hours=1)


def at(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> dt.datetime:
    """A UTC instant: at(2025, 10, 6, 7) → 2025-10-06 07:00 UTC."""
    return dt.datetime(year, month, day, hour, minute, tzinfo=dt.UTC)


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


# The store's code is written for PostgreSQL too. With RINGKAS_TEST_POSTGRES set to a database
# URL (postgresql+asyncpg://…; .ci/run sets it when it can start a throwaway server), every
# store test also runs there, on an emptied schema.
POSTGRES = os.environ.get("RINGKAS_TEST_POSTGRES", "")


@pytest.fixture(params=["sqlite", "postgresql"])
async def store(
    request: pytest.FixtureRequest, tmp_path: Path, migrated: Path
) -> AsyncIterator[Store]:
    if request.param == "sqlite":
        path = tmp_path / "ringkas.sqlite3"
        shutil.copyfile(migrated, path)
        opened = await Store.open(path)
    else:
        if not POSTGRES:
            pytest.skip("no PostgreSQL server: set RINGKAS_TEST_POSTGRES to a database URL")
        await empty_schema(POSTGRES)
        opened = await Store.open(POSTGRES)
    try:
        yield opened
    finally:
        await opened.close()


async def empty_schema(url: str) -> None:
    engine = create_async_engine(url)
    try:
        async with engine.begin() as connection:
            await connection.execute(text("DROP SCHEMA public CASCADE"))
            await connection.execute(text("CREATE SCHEMA public"))
    finally:
        await engine.dispose()
