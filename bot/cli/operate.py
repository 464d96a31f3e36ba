"""`ringkas run`, `chat` and `deliver --once`: the bot itself."""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import logging
import sys
from typing import Any

from bot import logs
from bot.adapters.console import ConsoleAdapter, ConsoleSender
from bot.app import (
    open_runtime,
    platform_adapters,
    platform_senders,
    platform_tokens,
    secrets,
    serve,
    stop_on_signals,
)
from bot.cli.common import OK, config_option, run_async, settings_of
from bot.config import Settings
from bot.core.ports import Adapter, Clock, ShiftedClock, SystemClock
from bot.core.store.tables import OutboxState

log = logging.getLogger("ringkas")


def add_parsers(commands: Any) -> None:
    run = commands.add_parser(
        "run", help="run the bot: every adapter with a token, else a console chat"
    )
    config_option(run)
    run.set_defaults(run=lambda args: _serve(args, console_only=False))

    chat = commands.add_parser("chat", help="chat with the bot in this terminal, as its admin")
    config_option(chat)
    chat.set_defaults(run=lambda args: _serve(args, console_only=True))

    deliver = commands.add_parser("deliver", help="one delivery pass, then exit (cron, tests)")
    deliver.add_argument("--once", action="store_true", required=True, help="one pass (required)")
    deliver.add_argument(
        "--at", type=_moment, metavar="ISO-TIME", help="as if it were this time (default: now)"
    )
    config_option(deliver)
    deliver.set_defaults(run=_deliver)


def _serve(args: argparse.Namespace, console_only: bool) -> int:
    settings = settings_of(args)
    logs.configure(secrets(settings), logging.WARNING if console_only else logging.INFO)
    tokens = {} if console_only else platform_tokens(settings)
    if not tokens:
        return run_async(_console_session(settings))
    adapters = platform_adapters(settings, tokens)
    return run_async(_platform_session(settings, adapters))


async def _platform_session(settings: Settings, adapters: list[Adapter]) -> int:
    done = asyncio.Event()
    with stop_on_signals(done):
        senders = [adapter.sender for adapter in adapters]
        async with open_runtime(settings, SystemClock(), senders) as runtime:
            await serve(runtime, adapters, done)
    return OK


async def _console_session(settings: Settings) -> int:
    done = asyncio.Event()
    console = ConsoleAdapter(sys.stdin, sys.stdout, settings.language, done)
    adapters: list[Adapter] = [console]
    with stop_on_signals(done):
        async with open_runtime(settings, SystemClock(), [console.sender]) as runtime:
            await serve(runtime, adapters, done, finish_deliveries=True)
    return OK


def _deliver(args: argparse.Namespace) -> int:
    settings = settings_of(args)
    logs.configure(secrets(settings), logging.WARNING)
    clock: Clock = ShiftedClock.starting_at(args.at) if args.at else SystemClock()
    return run_async(_deliver_once(settings, clock))


async def _deliver_once(settings: Settings, clock: Clock) -> int:
    async with (
        platform_senders(settings, platform_tokens(settings)) as senders,
        open_runtime(settings, clock, [ConsoleSender(sys.stdout), *senders]) as runtime,
    ):
        planned = await runtime.services.plan()
        if not runtime.sends:
            print(
                f"queued {planned.queued} (skipped {planned.skipped} with nothing new); another "
                "Ringkas process is sending from this store: it delivers them",
                file=sys.stderr,
            )
            return OK
        # Wait for retries that fall due soon (a 429's few seconds), not for long backoffs.
        report = await runtime.dispatcher.drain(wait_up_to=30)
        # Only what waits is counted: the finished rows of weeks (`Outbox.counts`) are not read.
        now = runtime.services.clock.now()
        waiting = (await runtime.services.store.outbox.counts(since=now)).get(
            OutboxState.PENDING, 0
        )
    print(
        f"queued {planned.queued} (skipped {planned.skipped} with nothing new); "
        f"delivered {report.delivered}, to retry {report.retried}, failed {report.failed}, "
        f"paused {report.paused}, moved {report.moved}; {waiting} waiting",
        file=sys.stderr,
    )
    return OK


def _moment(value: str) -> dt.datetime:
    try:
        moment = dt.datetime.fromisoformat(value)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"bad time {value!r}: expected ISO 8601, e.g. 2025-10-07T07:00+07:00"
        ) from None
    return moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC)
