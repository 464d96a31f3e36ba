"""A copy of a SQLite store, taken while the bot runs (`ringkas backup`).

SQLite's online backup copies the database page by page as one reader: in WAL mode the running
bot keeps writing meanwhile, and the copy is the database as it stood at one commit. A PostgreSQL
store is copied with its own tools (pg_dump: see the README's Backups and restore).
"""

from __future__ import annotations

import os
import sqlite3
import tempfile
from collections import Counter
from contextlib import closing
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import Table, create_engine, func, inspect, select

from bot.core.store import SQLITE_BUSY_TIMEOUT_MS
from bot.core.store.migrations import Revision, revision_of
from bot.core.store.tables import follows, outbox, subscriptions


@dataclass(frozen=True)
class Copied:
    """What a backup holds."""

    revision: Revision
    subscriptions: int
    follows: int
    deliveries: Counter[str]  # outbox rows by state


def back_up(database: Path, target: Path) -> Copied:
    """Copy `database` to `target` (replacing it), consistent as of one commit; what it holds.

    The copy is written beside the target under a name of its own and moved into place once
    whole: a failed backup never leaves a half-written file under the target's name."""
    handle, name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".partial", dir=target.parent)
    os.close(handle)
    partial = Path(name)
    try:
        with (
            closing(sqlite3.connect(database, timeout=SQLITE_BUSY_TIMEOUT_MS / 1000)) as source,
            closing(sqlite3.connect(partial)) as copy,
        ):
            # In one step (pages=-1): stepwise, a write by the bot between steps would restart
            # the copy.
            source.backup(copy)
            # The store's journal mode, so that the copy can take its place as it is.
            copy.execute("PRAGMA journal_mode=WAL")
        os.replace(partial, target)
    finally:
        partial.unlink(missing_ok=True)
    return contents(target)


def contents(database: Path) -> Copied:
    """What a SQLite store holds: its revision and its rows' counts."""
    engine = create_engine(f"sqlite:///{database}")
    try:
        with engine.connect() as connection:

            def count(table: Table) -> int:
                return int(connection.scalar(select(func.count()).select_from(table)) or 0)

            by_state = select(outbox.c.state, func.count()).group_by(outbox.c.state)
            return Copied(
                revision=revision_of(connection),
                subscriptions=count(subscriptions),
                # A store from before follows (schema version 3 and older) has none.
                follows=count(follows) if inspect(connection).has_table("follows") else 0,
                deliveries=Counter(
                    {str(state): int(number) for state, number in connection.execute(by_state)}
                ),
            )
    finally:
        engine.dispose()
