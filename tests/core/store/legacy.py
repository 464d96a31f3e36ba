"""Stores as the releases before Alembic left them: the frozen store of the last one (schema
version 4, tests/fixtures/release_4), and older versions made from it by taking away what they
did not have yet."""

from __future__ import annotations

import json
import sqlite3
from contextlib import closing
from pathlib import Path
from typing import Any

import asyncpg
from sqlalchemy import MetaData, create_engine, select
from sqlalchemy.engine import Connection, make_url
from sqlalchemy.ext.asyncio import create_async_engine

from tests.core.store.conftest import empty_schema

FIXTURE = Path(__file__).parents[2] / "fixtures" / "release_4"
# How many rows each table of the fixture holds.
EXPECTED: dict[str, int] = json.loads((FIXTURE / "expected.json").read_text(encoding="utf-8"))

# What each older version lacked, by the version that added it.
ADDED_BY = {
    2: ["DROP TABLE markers"],
    3: [
        "DROP TABLE leases",
        "DROP TABLE choices",
        "DROP TABLE relayed_replies",
        "ALTER TABLE outbox DROP COLUMN epoch",
    ],
    4: ["DROP TABLE follows", "DROP TABLE chats", "DROP TABLE statements_seen"],
}
# Before version 2, the claims' index had neither `lang` nor `id`.
FIRST_CLAIM_INDEX = [
    "DROP INDEX ix_outbox_ready",
    "CREATE INDEX ix_outbox_ready ON outbox (state, platform, next_attempt_at)",
]


async def restore_release_4(database: str | Path, version: int = 4) -> None:
    """Make `database` (a SQLite file, or an emptied PostgreSQL database) a store of the given
    legacy version, with the fixture's rows in the tables that version had."""
    later = [step for added, steps in ADDED_BY.items() if added > version for step in steps]
    if version < 2:
        later += FIRST_CLAIM_INDEX
    later.append(f"UPDATE schema_version SET version = {version}")
    if isinstance(database, Path):
        with closing(sqlite3.connect(database)) as connection:
            connection.executescript((FIXTURE / "sqlite.sql").read_text(encoding="utf-8"))
            connection.executescript(";\n".join(later))
        return
    await empty_schema(database)
    dump = (FIXTURE / "postgresql.sql").read_text(encoding="utf-8")
    url = make_url(database).set(drivername="postgresql").render_as_string(hide_password=False)
    connection = await asyncpg.connect(url)
    try:
        await connection.execute(dump)
        await connection.execute("SET search_path TO public")
        await connection.execute(";\n".join(later))
    finally:
        await connection.close()


async def all_rows(database: str | Path) -> dict[str, list[dict[str, Any]]]:
    """Every row of every table, by table, in a stable order (schema_version and Alembic's own
    table left out)."""
    if isinstance(database, Path):
        engine = create_engine(f"sqlite:///{database}")
        try:
            with engine.connect() as connection:
                return _rows(connection)
        finally:
            engine.dispose()
    async_engine = create_async_engine(database)
    try:
        async with async_engine.connect() as connection:
            return await connection.run_sync(_rows)
    finally:
        await async_engine.dispose()


def _rows(connection: Connection) -> dict[str, list[dict[str, Any]]]:
    tables = MetaData()
    tables.reflect(connection)
    found = {}
    for name, table in tables.tables.items():
        if name in ("schema_version", "alembic_version"):
            continue
        rows = [dict(row._mapping) for row in connection.execute(select(table))]
        found[name] = sorted(rows, key=repr)
    return found
