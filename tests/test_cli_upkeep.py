"""`ringkas migrate` and `ringkas backup`, run as the real program, and what the other commands
say about a store of an older schema."""

from __future__ import annotations

import asyncio
import sqlite3
from contextlib import closing
from pathlib import Path

import pytest

from bot.core.store import Store
from bot.core.store.migrations import head
from tests.core.store.legacy import all_rows, restore_release_4
from tests.test_cli_run import (
    DATABASE,
    Run,
    Session,
    another_process_sending,
    ringkas,
    write_config,
)

OUTDATED = (
    "the database {} is at schema version 4 (from before revisions); this Ringkas needs "
    f"revision {head()}: run `ringkas migrate` (back it up first: see `ringkas backup`)\n"
)


@pytest.fixture
def config(tmp_path: Path) -> Path:
    return write_config(tmp_path)


@pytest.fixture
def last_release(config: Path) -> Path:
    """A store made by the last release before Alembic, with data in it, where the config says."""
    database = config.parent / DATABASE
    database.parent.mkdir()
    asyncio.run(restore_release_4(database))
    return database


def operator(config: Path, *args: str, stdin: str = "") -> Run:
    return ringkas(config.parent, *args, "--config", str(config), stdin=stdin)


@pytest.mark.parametrize("command", [["subscribers", "list"], ["chat"], ["deliver", "--once"]])
def test_other_commands_on_an_older_schema_say_to_migrate_and_change_nothing(
    config: Path, last_release: Path, command: list[str]
) -> None:
    before = asyncio.run(all_rows(last_release))

    assert operator(config, *command) == Run(1, "", OUTDATED.format(last_release))
    assert asyncio.run(all_rows(last_release)) == before


def test_migrate_brings_the_store_to_the_head_once_and_says_so(
    config: Path, last_release: Path
) -> None:
    first = operator(config, "migrate")
    again = operator(config, "migrate")
    listed = operator(config, "subscribers", "list")

    assert first == Run(
        0, f"{last_release}: migrated from schema version 4 (from before revisions) to "
        f"revision {head()}\n", ""
    )  # fmt: skip
    assert again == Run(0, f"{last_release}: at revision {head()} already; nothing to do\n", "")
    assert listed.code == 0
    assert listed.err == "3 subscriptions, 1 chat following\n"


def test_run_migrates_the_store(config: Path, last_release: Path) -> None:
    # No token, at a terminal: the console, ended by end of input.
    session = Session(config.parent, "run", "--config", str(config), terminal=True)
    try:
        run = session.finish()
    finally:
        session.kill()

    assert run.code == 0, run.err
    said = f"{last_release}: migrated from schema version 4 (from before revisions) to revision"
    assert said in run.err
    assert "alembic" not in run.err  # one line for the upgrade, not each of its steps
    with closing(sqlite3.connect(last_release)) as connection:
        assert connection.execute("SELECT * FROM alembic_version").fetchall() == [(head(),)]


def test_migrate_beside_a_running_bot_is_refused(config: Path, last_release: Path) -> None:
    before = asyncio.run(all_rows(last_release))

    with another_process_sending(config.parent):
        run = operator(config, "migrate")

    assert run.code == 1
    assert run.err.startswith(f"another Ringkas process is already sending from {last_release}")
    assert asyncio.run(all_rows(last_release)) == before


def test_backup_writes_a_copy_and_never_overwrites_one_unasked(
    config: Path, last_release: Path
) -> None:
    first = operator(config, "backup", "saved/copy.sqlite3")
    again = operator(config, "backup", "saved/copy.sqlite3")
    forced = operator(config, "backup", "saved/copy.sqlite3", "--force")

    said = (
        f"saved/copy.sqlite3: a copy of {last_release} at schema version 4 (from before "
        "revisions): 3 subscriptions, 2 follows, 6 deliveries (4 not yet sent)\n"
    )
    assert first == Run(0, said, "")
    assert again == Run(
        1, "", "saved/copy.sqlite3: exists already; choose another file, or --force to replace it\n"
    )
    assert forced == Run(0, said, "")


def test_deliveries_cancel_cancels_what_waits_from_before_a_time(
    config: Path, last_release: Path
) -> None:
    async def migrate() -> None:
        await (await Store.open(last_release, upgrade=True)).close()

    asyncio.run(migrate())

    run = operator(config, "deliveries", "cancel", "--queued-before", "2025-10-07T07:31+07:00")

    assert run == Run(
        0,
        f"{last_release}: cancelled 4 deliveries queued before 2025-10-07 00:31:00 UTC and not "
        "sent yet\n",
        "",
    )


def test_backup_of_a_postgresql_store_points_to_pg_dump(tmp_path: Path) -> None:
    config = tmp_path / "ringkas.yaml"
    config.write_text(
        "database: postgresql+asyncpg://ringkas:hunter2@db.example/ringkas\n", encoding="utf-8"
    )

    run = ringkas(tmp_path, "backup", "copy.dump", "--config", str(config))

    assert run == Run(
        1,
        "",
        "postgresql+asyncpg://ringkas:***@db.example/ringkas is not a SQLite file: back it up "
        "with the database's own tools (PostgreSQL: pg_dump --format=custom; see the README's "
        "Backups and restore)\n",
    )
