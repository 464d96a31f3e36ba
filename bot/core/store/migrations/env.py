"""How Alembic runs the revisions: on the connection the store hands it (`attributes`), inside
the store's own transaction; or, from the `alembic` command line (a maintainer writing a
revision: see the README's Migrations), on the database given as `-x database=FILE_OR_URL`."""

from __future__ import annotations

import asyncio

from alembic import context
from sqlalchemy import Connection
from sqlalchemy.ext.asyncio import create_async_engine

from bot.core.store.tables import metadata


def run(connection: Connection) -> None:
    # Batch mode: SQLite alters a table by copying it, which `op.batch_alter_table` does for it.
    context.configure(connection=connection, target_metadata=metadata, render_as_batch=True)
    with context.begin_transaction():
        context.run_migrations()


async def from_the_command_line(database: str) -> None:
    from bot.core.store import database_url

    engine = create_async_engine(database_url(database))
    try:
        async with engine.begin() as connection:
            await connection.run_sync(run)
    finally:
        await engine.dispose()


given = context.config.attributes.get("connection")
if given is not None:
    run(given)
else:
    database = context.get_x_argument(as_dictionary=True).get("database")
    if not database:
        raise SystemExit("name the database: alembic -x database=FILE_OR_URL ...")
    asyncio.run(from_the_command_line(database))
