"""Discord broadcast benchmark: one push to 2,000 channels through the real adapter, against the
stand-in Discord enforcing a global limit with 429s.

    python -m benchmarks.bench_discord [--channels N] [--limit 50] [--in-flight 50 ...]
                                       [--no-baseline] [--capacity] [--json FILE]

For each run a fresh stand-in (`tests/standins/discord/`) serves the REST API on 127.0.0.1 with
the channels in guilds of 500 (Discord's most per guild) and `limit_global(L)`: a token bucket of
L messages a second holding L, and above it a 429 with `retry_after`, `"global": true` and
`X-RateLimit-Global`, as Discord answers. Its per-route headers report Discord's 5 messages per
5 s per channel. The bot side is the real path: subscriptions in a real SQLite store,
`Services.propose_push` + `confirm_push` queueing one push for every channel, the real
`Dispatcher` from `open_runtime`, and the real `DiscordSender` from `connected_sender`: a
discord.py client logged in over REST only (no gateway, which sending does not need).

Two ways of pacing at the same limit:

- **Ringkas pacer**: the dispatcher's Discord limits are the configured ones with the overall
  rate at L (`Rate(L, 1)`, `Rate(5, 5)` per channel), and discord.py handles any 429 itself.
- **discord.py only** (the baseline): the dispatcher has no limits, so only discord.py's own
  429 handling paces: a global 429 stops its new requests for `retry_after`, the request retries
  up to 5 times, and then the sender reports the 429 and the outbox retries the row later.

With `--capacity`, a third run has neither the pacer nor a limit at the stand-in: the most the
whole path (dispatcher, discord.py, stand-in, all on one event loop) can send.

The stand-in's records give the figures: sent rate = accepted sends / (last accepted − first
accepted), 429s as a share of message requests, channels left without the message (lost) and
messages sent to a channel more than once (duplicated). The push is queued before the clock
starts; the wall time is the dispatcher's drain alone. It reports and never fails: the exit code
is 0 whatever the figures.
"""

from __future__ import annotations

import argparse
import datetime as dt
import logging
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncEngine

from benchmarks.broadcast import (
    NO_RATES,
    Figures,
    add_in_flight_option,
    database_for,
    drain,
    platform_settings,
    queue_push,
    run_and_report,
)
from benchmarks.common import (
    DISCORD_CHANNEL_BASE,
    discord_per_channel,
    discord_rates,
    machine,
    subscription_row,
)
from benchmarks.common import guilds_for as guilds_for  # re-exported: tests/reliability/ use it
from bot.adapters.discord import connected_sender
from bot.app import open_runtime
from bot.config import Settings
from bot.core.ports import ChatKind, SystemClock
from bot.core.store.tables import outbox
from tests.standins.discord import DiscordStandIn

TOKEN = "bench-discord-token"

SENT_RATE_TARGET = 0.9  # sent rate / limit, at least (issue #5)
DEFAULT_LIMIT = 50  # Discord's global limit: 50 requests a second
STALL = 0.1  # a gap between two accepted sends this long is a stall (5 sends at 50/s)

RINGKAS, BASELINE, CAPACITY = "Ringkas pacer", "discord.py only", "no limits (capacity)"


# --- the stand-in and the bot side ---


def settings_for(
    stand_in: DiscordStandIn, database: Path, limit: int | None, in_flight: int
) -> Settings:
    """The defaults, pointed at the stand-in; the dispatcher paces at `limit` overall and at the
    configured rate per channel (None: not at all)."""
    rates = dict(NO_RATES) if limit is None else discord_rates(limit)
    endpoints = {"api_base": stand_in.api_base, "gateway_url": stand_in.gateway_url}
    return platform_settings("discord", endpoints, rates, database, in_flight)


def subscription_rows(channels: int, now: dt.datetime) -> list[dict[str, Any]]:
    """`channels` active guild-channel subscriptions (as `/subscribe` stores them: kind group),
    one language each, alternately, so each channel gets exactly one message."""
    return [
        subscription_row(
            "discord",
            number,
            str(DISCORD_CHANNEL_BASE + number),
            ChatKind.GROUP,
            f"news-{number}",
            now,
        )
        for number in range(channels)
    ]


@dataclass(slots=True)
class Run(Figures):
    pacing: str
    limit: int | None  # at the stand-in (None: no limit)
    in_flight: int
    channels: int
    cpu_s: float = 0.0  # the process during the drain: the bot and the stand-in together
    attempts: dict[int, int] = field(default_factory=dict)  # outbox rows by attempts made

    @property
    def ratio(self) -> float | None:
        return self.sent_rate / self.limit if self.limit else None

    @property
    def verdict(self) -> str:
        if self.ratio is None:
            return ""
        passed = self.ratio >= SENT_RATE_TARGET and self.lost == 0 and self.duplicated == 0
        return "PASS" if passed else "FAIL"

    def row(self) -> tuple[str, ...]:
        return (
            self.pacing,
            "none" if self.limit is None else f"{self.limit}/s",
            str(self.in_flight),
            f"{self.sent:,}",
            f"{self.sent_rate:.1f}/s",
            "—" if self.ratio is None else f"{self.ratio:.3f}",
            f"{self.rejected_429:,} ({self.rejected_share:.1%})",
            f"{self.report.get('retried', 0):,} / {max(self.attempts, default=0)}",
            str(self.lost),
            str(self.duplicated),
            f"{self.wall_s:.1f} s",
            f"{self.stalls} / {self.max_gap_ms:.0f} ms",
            f"{self.cpu_s * 1e3 / max(self.sent, 1):.2f} ms",
            self.verdict,
        )


HEADERS = (
    "pacing", "limit", "in_flight", "sent", "sent rate", "rate/limit ≥ 0.9", "429s",
    "outbox retries / most attempts", "lost", "dup", "wall", "stalls / max gap", "CPU/send", "",
)  # fmt: skip


async def broadcast(work: Path, pacing: str, limit: int, in_flight: int, channels: int) -> Run:
    """One push to `channels` channels; the figures from the stand-in's records."""
    server_limit = None if pacing == CAPACITY else limit
    run = Run(pacing, server_limit, in_flight, channels)
    database = database_for(work, pacing, limit, in_flight)
    # The stand-in's route headers say what Discord's do for a channel: 5 messages per 5 s.
    per_channel = discord_per_channel()
    async with DiscordStandIn(
        TOKEN,
        guilds_for(channels),
        bucket_limit=per_channel.count,
        bucket_window=per_channel.seconds,
    ) as stand_in:
        settings = settings_for(stand_in, database, limit if pacing == RINGKAS else None, in_flight)
        clock = SystemClock()
        async with (
            connected_sender(settings.discord, TOKEN) as sender,
            open_runtime(settings, clock, [sender]) as runtime,
        ):
            rows = subscription_rows(channels, clock.now())
            run.queued = await queue_push(runtime.services, rows)
            stand_in.limit_global(server_limit)
            # Room for the outbox's retries after discord.py gives up on a run of 429s.
            drained = await drain(runtime, budget=60.0 + 10 * channels / limit)
            run.wall_s, run.cpu_s, run.report = drained.wall_s, drained.cpu_s, drained.report
            run.attempts = await attempts_made(runtime.services.store.engine)
        measure(run, stand_in)
    return run


async def attempts_made(engine: AsyncEngine) -> dict[int, int]:
    """How many outbox rows took how many sends (1: the first; the outbox gives up at 8)."""
    query = select(outbox.c.attempts, func.count()).group_by(outbox.c.attempts)
    async with engine.connect() as connection:
        return {int(attempts): int(rows) for attempts, rows in await connection.execute(query)}


def measure(run: Run, stand_in: DiscordStandIn) -> None:
    run.take_timeline(sorted(m.at for m in stand_in.messages), STALL)
    run.rejected_429 = stand_in.rejected_429
    run.send_requests = len(stand_in.requests_to("POST", "/channels/*/messages"))
    reached = {m.channel_id for m in stand_in.messages}
    run.lost = sum(DISCORD_CHANNEL_BASE + n not in reached for n in range(run.channels))
    run.duplicated = sum(n - 1 for n in stand_in.duplicates().values())


# --- the run ---


async def run_all(args: argparse.Namespace) -> list[Run]:
    pacings = [RINGKAS]
    if args.baseline:
        pacings.append(BASELINE)
    if args.capacity:
        pacings.append(CAPACITY)
    runs = []
    with tempfile.TemporaryDirectory(prefix="ringkas-bench-discord-") as tmp:
        for in_flight in args.in_flight:
            for pacing in pacings:
                run = await broadcast(Path(tmp), pacing, args.limit, in_flight, args.channels)
                print(run.progress(pacing, args.limit, in_flight), flush=True)
                runs.append(run)
    return runs


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--channels", type=int, default=2_000, help="default: %(default)s")
    parser.add_argument(
        "--limit", type=int, default=DEFAULT_LIMIT,
        help="the global limit, messages/s, at the stand-in and the pacer (default: %(default)s)",
    )  # fmt: skip
    add_in_flight_option(parser)
    parser.add_argument(
        "--no-baseline", dest="baseline", action="store_false",
        help="skip the run paced by discord.py alone",
    )  # fmt: skip
    parser.add_argument(
        "--capacity", action="store_true",
        help="also a run with no limit anywhere: the most the path can send",
    )  # fmt: skip
    parser.add_argument("--json", type=Path, help="also write the figures to this file")
    args = parser.parse_args(argv)
    # discord.py logs every 429 it waits out; the table counts them.
    logging.getLogger("discord.http").setLevel(logging.ERROR)
    per_channel = discord_per_channel()
    meta = {
        "channels": args.channels,
        "limit": args.limit,
        "burst": args.limit,
        "per_channel": f"{per_channel.count} per {per_channel.seconds:g} s",
        **machine(),
    }
    return run_and_report(meta, lambda: run_all(args), HEADERS, args.json)


if __name__ == "__main__":
    raise SystemExit(main())
