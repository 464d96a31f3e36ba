"""`ringkas run`, `chat` and `deliver --once`: the bot itself."""

from __future__ import annotations

import argparse
import asyncio
import logging
import sys
from typing import Any

from bot.adapters.console import ConsoleAdapter, ConsoleSender
from bot.app import (
    no_platform_token,
    open_runtime,
    platform_adapters,
    platform_senders,
    platform_tokens,
    serve,
    stop_on_signals,
)
from bot.cli.common import (
    OK,
    Failure,
    configure_logs,
    moment,
    run_async,
    settings_of,
    store_options,
)
from bot.config import Settings
from bot.core.ports import Adapter, Clock, ShiftedClock, SystemClock
from bot.core.store.tables import OutboxState

log = logging.getLogger("ringkas")


def add_parsers(commands: Any) -> None:
    run = commands.add_parser(
        "run", help="run the bot: every adapter with a token, else a console chat in a terminal"
    )
    store_options(run)
    run.set_defaults(run=lambda args: _serve(args, console_only=False))

    chat = commands.add_parser("chat", help="chat with the bot in this terminal, as its admin")
    store_options(chat)
    chat.set_defaults(run=lambda args: _serve(args, console_only=True))

    deliver = commands.add_parser("deliver", help="one delivery pass, then exit (cron, tests)")
    deliver.add_argument("--once", action="store_true", required=True, help="one pass (required)")
    deliver.add_argument(
        "--at", type=moment, metavar="ISO-TIME", help="as if it were this time (default: now)"
    )
    store_options(deliver)
    deliver.set_defaults(run=_deliver)


def _serve(args: argparse.Namespace, console_only: bool) -> int:
    settings = settings_of(args, store=True)
    configure_logs(args, settings, logging.WARNING if console_only else logging.INFO)
    tokens = {} if console_only else platform_tokens(settings)
    if not tokens and not console_only and not sys.stdin.isatty():
        # Under a supervisor (stdin at /dev/null) a console would read end of input and exit 0:
        # a misnamed token variable would look like a clean stop.
        raise Failure([no_platform_token(settings)])
    # `run` brings the store's schema to this release's; `chat` beside it must not.
    upgrade = not console_only
    if not tokens:
        return run_async(_console_session(settings, upgrade))
    adapters = platform_adapters(settings, tokens)
    return run_async(_platform_session(settings, adapters))


async def _platform_session(settings: Settings, adapters: list[Adapter]) -> int:
    done = asyncio.Event()
    with stop_on_signals(done):
        senders = [adapter.sender for adapter in adapters]
        async with open_runtime(settings, SystemClock(), senders, upgrade=True) as runtime:
            await serve(runtime, adapters, done)
    return OK


async def _console_session(settings: Settings, upgrade: bool) -> int:
    done = asyncio.Event()
    console = ConsoleAdapter(sys.stdin, sys.stdout, settings.language, done)
    adapters: list[Adapter] = [console]
    with stop_on_signals(done):
        senders = [console.sender]
        async with open_runtime(settings, SystemClock(), senders, upgrade=upgrade) as runtime:
            # A terminal session, not a service: no health or metrics endpoints.
            await serve(runtime, adapters, done, finish_deliveries=True, operations=False)
    return OK


def _deliver(args: argparse.Namespace) -> int:
    settings = settings_of(args, store=True)
    configure_logs(args, settings, logging.WARNING)
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
        # Only the waiting rows are read (through the index), not the finished ones of weeks.
        pending = await runtime.services.store.outbox.counts([OutboxState.PENDING])
        waiting = pending.get(OutboxState.PENDING, 0)
    print(
        f"queued {planned.queued} (skipped {planned.skipped} with nothing new); "
        f"delivered {report.delivered}, to retry {report.retried}, failed {report.failed}, "
        f"paused {report.paused}, moved {report.moved}; {waiting} waiting",
        file=sys.stderr,
    )
    return OK
