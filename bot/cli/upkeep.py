"""`ringkas migrate`, `backup` and `deliveries cancel`: the store's upkeep."""

from __future__ import annotations

import argparse
import datetime as dt
import logging
import sqlite3
from pathlib import Path
from typing import Any

from sqlalchemy.engine import make_url

from bot.cli.common import (
    OK,
    Failure,
    configure_logs,
    count,
    moment,
    run_async,
    settings_of,
    store_options,
)
from bot.cli.operators import OPERATOR
from bot.core.ports import SystemClock
from bot.core.store import Store, StoreBusy, database_url, shown
from bot.core.store.backup import back_up
from bot.core.store.migrations import head
from bot.core.store.tables import OutboxState


def add_parsers(commands: Any) -> None:
    migrate = commands.add_parser(
        "migrate", help="bring the store's schema to this release's (`ringkas run` does too)"
    )
    store_options(migrate)
    migrate.set_defaults(run=_migrate)

    backup = commands.add_parser(
        "backup", help="copy the SQLite store to a file, consistent while the bot runs"
    )
    backup.add_argument("path", type=Path, metavar="PATH", help="the copy to write")
    backup.add_argument("--force", action="store_true", help="replace PATH if it exists")
    store_options(backup)
    backup.set_defaults(run=_backup)

    deliveries = commands.add_parser("deliveries", help="the deliveries in the store")
    actions = deliveries.add_subparsers(required=True, metavar="ACTION")
    cancel = actions.add_parser(
        "cancel",
        help="cancel the deliveries queued before a time and not sent yet (after a restore)",
    )
    cancel.add_argument(
        "--queued-before",
        type=moment,
        required=True,
        metavar="ISO-TIME",
        help="e.g. the backup's time, 2025-10-07T06:00+07:00 (an offset-less time is UTC)",
    )
    store_options(cancel)
    cancel.set_defaults(run=_cancel)


def _database(args: argparse.Namespace) -> str:
    """The store the config names (`database_env` included), with the logs set up to blank it."""
    settings = settings_of(args, store=True)
    configure_logs(args, settings, logging.WARNING)
    return settings.database


def _migrate(args: argparse.Namespace) -> int:
    return run_async(_upgrade(_database(args)))


async def _upgrade(database: str) -> int:
    async with await Store.open(database, upgrade=True) as store:
        found = store.upgraded_from
    now = f"revision {head()}"
    if found is None:
        print(f"{shown(database)}: at {now} already; nothing to do")
    elif found.new:
        print(f"{shown(database)}: created at {now}")
    else:
        print(f"{shown(database)}: migrated from {found} to {now}")
    return OK


def _cancel(args: argparse.Namespace) -> int:
    return run_async(_cancel_waiting(_database(args), args.queued_before))


async def _cancel_waiting(database: str, before: dt.datetime) -> int:
    async with await Store.open(database) as store:
        # Rows sending belong to a running sender: on SQLite, refused while one serves the store
        # (PostgreSQL's instances are stopped first: README, Backups and restore).
        if not await store.leases.admit():
            raise StoreBusy(database)
        now = SystemClock().now()
        when = f"{before.astimezone(dt.UTC):%Y-%m-%d %H:%M:%S} UTC"
        cancelled = await store.outbox.cancel_waiting(before, f"queued before {when}", now)
        await store.audit.record(OPERATOR, "deliveries-cancel", f"{cancelled} before {when}", now)
    deliveries = count(cancelled, "delivery", "deliveries")
    print(f"{shown(database)}: cancelled {deliveries} queued before {when} and not sent yet")
    return OK


def _backup(args: argparse.Namespace) -> int:
    database = _database(args)
    url = make_url(database_url(database))
    if url.get_backend_name() != "sqlite" or not url.database:
        raise Failure(
            [
                f"{shown(database)} is not a SQLite file: back it up with the database's own tools "
                "(PostgreSQL: pg_dump --format=custom; see the README's Backups and restore)"
            ]
        )
    source = Path(url.database)
    if not source.is_file():
        raise Failure([f"{source}: no database there yet; nothing to back up"])
    if args.path.exists() and not args.force:
        raise Failure(
            [f"{args.path}: exists already; choose another file, or --force to replace it"]
        )
    try:
        args.path.parent.mkdir(parents=True, exist_ok=True)
        copied = back_up(source, args.path)
    except (OSError, sqlite3.Error) as exc:
        raise Failure([f"{args.path}: cannot copy {source} there ({exc})"]) from None
    deliveries = copied.deliveries
    waiting = deliveries[OutboxState.PENDING] + deliveries[OutboxState.SENDING]
    print(
        f"{args.path}: a copy of {source} at {copied.revision}: "
        f"{count(copied.subscriptions, 'subscription', 'subscriptions')}, "
        f"{count(copied.follows, 'follow', 'follows')}, "
        f"{count(deliveries.total(), 'delivery', 'deliveries')} ({waiting} not yet sent)"
    )
    return OK
