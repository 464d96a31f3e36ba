"""Telegram broadcast benchmark: one push to 2,000 chats through the real adapter, against a
stand-in Bot API that enforces flood control the way a strict server would.

    python -m benchmarks.bench_telegram [--chats N] [--limits 200,30] [--in-flight 50 100 200]
                                        [--groups SHARE] [--no-baseline] [--ptb-retries N]
                                        [--capacity] [--profile] [--json FILE]

For every limit L, a fresh stand-in (`tests/standins/telegram.py`, in a process of its own so it
never competes with the bot for the event loop) runs `limit(L, burst_seconds=0.1,
per_chat_per_second=1.0)`: a token bucket holding at most 0.1 s of traffic, 1 message/s per chat,
and 429 with `retry_after` above either. The bot side is the real path: subscriptions in a real
SQLite store, `Services.propose_push` + `confirm_push` queueing one push for every chat, the
real `Dispatcher` from `open_runtime`, and the real `TelegramSender` over a PTB `ExtBot` from
`make_bot` talking HTTP to the stand-in.

Two limiters are compared at the same limit:

- **Ringkas pacer**: the dispatcher's limits are `PlatformLimits(Rate(L, 1), Rate(1, 1),
  Rate(20, 60))` and PTB has no rate limiter (the adapter as shipped).
- **AIORateLimiter** (the baseline): the `ExtBot` is built as `make_bot` builds it plus
  `rate_limiter=AIORateLimiter(overall_max_rate=L, overall_time_period=1, group_max_rate=20,
  group_time_period=60, max_retries=N)`, and the dispatcher has no limits, so only PTB paces.
  It needs `pip install -e ".[bench]"` (aiolimiter); without it the baseline is skipped.

The stand-in's records give the figures: sent rate = accepted sends / (last accepted − first
accepted), 429s as a share of sendMessage requests, chats left without the message (lost) and
chats that got it twice (duplicated). PTB's connections are opened (`getMe`, as many at once as
there are deliveries in flight) and the push is queued before the clock starts; the wall time is
the dispatcher's drain alone. `--capacity` first measures how fast each layer goes with flood
control off (the stand-in under a plain aiohttp client, PTB's sender alone, the whole path
unpaced). It reports and never fails: the exit code is 0 whatever the figures.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import cProfile
import datetime as dt
import hashlib
import logging
import pstats
import tempfile
import time
from collections import Counter
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

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
    CONTENT,
    REPO,
    TELEGRAM_GROUP_BASE,
    TELEGRAM_PER_CHAT,
    TELEGRAM_PER_GROUP,
    TELEGRAM_PRIVATE_BASE,
    StandInProcess,
    costliest,
    machine,
    print_table,
    serve_commands,
    subscription_row,
    telegram_endpoints,
    telegram_rates,
)
from bot.adapters.telegram import TelegramSender, connected_sender
from bot.adapters.telegram.adapter import make_bot
from bot.app import open_runtime
from bot.config import Settings, TelegramSettings
from bot.core.library import Library
from bot.core.ports import ChatKind, ChatRef, Format, MessageKind, Outbound, SystemClock
from bot.core.text.compose import DigestOptions

TOKEN = "4242:bench-token"

SENT_RATE_TARGET = 0.95  # sent rate / limit, at least
REJECTED_TARGET = 0.01  # 429s / sendMessage requests, at most
BURST_SECONDS = 0.1  # the stand-in's bucket holds this much traffic
DEFAULT_LIMITS = (200, 30)
DEFAULT_PTB_RETRIES = 3
STALL = 0.1  # a gap between two accepted sends this long is a stall (the bucket's whole burst)

DIGEST = MessageKind.DIGEST
RINGKAS, BASELINE = "Ringkas pacer", "AIORateLimiter"
UNPACED = "no limiter"  # --capacity: the path's ceiling, with flood control off on both sides


# --- the stand-in, in a process of its own ---


async def stand_in_child() -> int:
    """Serve the stand-in on 127.0.0.1, answering the parent's commands (`StandInProcess`)."""
    from tests.standins.telegram import TelegramStandIn

    cpu = time.process_time()
    async with TelegramStandIn(TOKEN, max_poll_seconds=0.5, auto_chats=True) as api:

        def answer(command: dict[str, Any]) -> dict[str, Any]:
            nonlocal cpu
            if command["do"] == "limit":
                api.calls.clear()
                api.sent.clear()
                api.rejected_429 = 0
                api.limit(command["overall"], command["burst_seconds"], command["per_chat"])
                cpu = time.process_time()
            elif command["do"] == "records":
                sends = [c for c in api.calls if c.method == "sendMessage"]
                return {
                    "sent": [[m.chat_id, m.at] for m in api.sent],
                    "rejected_429": api.rejected_429,
                    "rejected_at": [c.at for c in sends if c.status == 429],
                    "send_requests": len(sends),
                    "statuses": Counter(str(c.status) for c in sends),
                    "duplicates": api.duplicates(),
                    "cpu_s": time.process_time() - cpu,
                }
            return {"ok": True}

        await serve_commands({"port": api.port}, answer)
    return 0


def start_stand_in() -> StandInProcess:
    return StandInProcess("benchmarks.bench_telegram", "--stand-in-child")


def endpoints(stand_in: StandInProcess) -> dict[str, str]:
    return telegram_endpoints(int(stand_in.started["port"]))


# --- the bot side ---


def settings_for(
    stand_in: StandInProcess, database: Path, limit: int | None, in_flight: int
) -> Settings:
    """The defaults, pointed at the stand-in; the dispatcher paces at `limit` (None: not at
    all, PTB's limiter does)."""
    rates = dict(NO_RATES) if limit is None else telegram_rates(limit)
    return platform_settings("telegram", endpoints(stand_in), rates, database, in_flight)


def aio_rate_limiter_missing() -> str | None:
    """Why the baseline cannot run, or None."""
    try:
        import aiolimiter  # noqa: F401
    except ImportError:
        return (
            "AIORateLimiter needs aiolimiter: pip install -e '.[bench]'"
            " (or pip install 'python-telegram-bot[rate-limiter]'); baseline skipped"
        )
    return None


@contextlib.asynccontextmanager
async def baseline_sender(
    settings: TelegramSettings, in_flight: int, limit: int, retries: int
) -> AsyncIterator[TelegramSender]:
    """The sender over an ExtBot built as `make_bot` builds it, with PTB's limiter in charge."""
    from telegram.ext import AIORateLimiter, ExtBot

    shipped = make_bot(settings, TOKEN, in_flight)
    bot: ExtBot[int] = ExtBot(
        TOKEN,
        base_url=settings.base_url,
        base_file_url=settings.base_file_url,
        request=shipped._request[1],  # the same HTTPXRequests (pool, timeouts) as make_bot's
        get_updates_request=shipped._request[0],
        rate_limiter=AIORateLimiter(
            overall_max_rate=limit,
            overall_time_period=1,
            group_max_rate=TELEGRAM_PER_GROUP[0],
            group_time_period=TELEGRAM_PER_GROUP[1],
            max_retries=retries,
        ),
    )
    await bot.initialize()
    try:
        yield TelegramSender(bot)
    finally:
        await bot.shutdown()


def subscription_rows(chats: int, group_share: float, now: dt.datetime) -> list[dict[str, Any]]:
    """`chats` active Telegram subscriptions, groups spread evenly among private chats; one
    language each (alternately), so each chat gets exactly one message."""
    groups = round(chats * group_share)
    rows = []
    for number in range(chats):
        if number * groups // chats != (number + 1) * groups // chats:
            chat_id = str(TELEGRAM_GROUP_BASE - number)
            kind, title = ChatKind.GROUP, f"Chat {number}"
        else:
            chat_id, kind, title = str(TELEGRAM_PRIVATE_BASE + number), ChatKind.PRIVATE, ""
        rows.append(subscription_row("telegram", number, chat_id, kind, title, now))
    return rows


@dataclass(slots=True)
class Run(Figures):
    limiter: str
    limit: int
    in_flight: int
    chats: int
    first_429_s: list[float] = field(default_factory=list)  # after the first send, the first few
    client_cpu_s: float = 0.0  # the bot's process (all its threads) during the drain
    stand_in_cpu_s: float = 0.0  # the stand-in's process, from the limit to the records

    @property
    def ratio(self) -> float:
        return self.sent_rate / self.limit if self.limit else 0.0

    @property
    def cpu_share(self) -> float:
        """The bot's CPU time over the wall time: 100% is one core kept busy."""
        return self.client_cpu_s / self.wall_s if self.wall_s > 0 else 0.0

    @property
    def verdict(self) -> str:
        passed = (
            self.ratio >= SENT_RATE_TARGET
            and self.rejected_share <= REJECTED_TARGET
            and self.lost == 0
            and self.duplicated == 0
        )
        return "PASS" if passed else "FAIL"

    def row(self) -> tuple[str, ...]:
        return (
            self.limiter,
            f"{self.limit}/s",
            str(self.in_flight),
            f"{self.sent:,}",
            f"{self.sent_rate:.1f}/s",
            f"{self.ratio:.3f}",
            f"{self.rejected_429:,} ({self.rejected_share:.1%})",
            str(self.lost),
            str(self.duplicated),
            f"{self.wall_s:.1f} s",
            f"{self.stalls} / {self.max_gap_ms:.0f} ms",
            f"{self.client_cpu_s * 1e3 / max(self.sent, 1):.2f} ms ({self.cpu_share:.0%})",
            self.verdict,
        )


HEADERS = (
    "limiter", "limit", "in_flight", "sent", "sent rate", "rate/limit ≥ 0.95",
    "429s ≤ 1%", "lost", "dup", "wall", "stalls / max gap", "bot CPU/send", "",
)  # fmt: skip


async def warm_up(sender: TelegramSender, connections: int) -> None:
    """Open PTB's connections: `connections` getMe calls at once, twice."""
    for _ in range(2):
        await asyncio.gather(*(sender.bot.get_me() for _ in range(connections)))


async def broadcast(
    stand_in: StandInProcess,
    work: Path,
    limiter: str,
    limit: int,
    in_flight: int,
    chats: int,
    group_share: float,
    ptb_retries: int,
    profile: bool = False,
) -> Run:
    """One push to `chats` chats, drained by the dispatcher; `limit` 0 with UNPACED."""
    run = Run(limiter, limit, in_flight, chats)
    paced = limiter == RINGKAS
    database = database_for(work, limiter, limit, in_flight)
    settings = settings_for(stand_in, database, limit if paced else None, in_flight)
    connect = (
        baseline_sender(settings.telegram, in_flight, limit, ptb_retries)
        if limiter == BASELINE
        else connected_sender(settings.telegram, TOKEN, in_flight)
    )
    clock = SystemClock()
    async with connect as sender, open_runtime(settings, clock, [sender]) as runtime:
        rows = subscription_rows(chats, group_share, clock.now())
        run.queued = await queue_push(runtime.services, rows)
        await warm_up(sender, in_flight)
        stand_in.ask(
            do="limit",
            overall=limit or None,
            burst_seconds=BURST_SECONDS,
            per_chat=TELEGRAM_PER_CHAT if limit else None,
        )
        profiler = cProfile.Profile() if profile else None
        # Room for every retry a run of 429s can cause, and then some.
        drained = await drain(runtime, 60.0 + 10 * chats / (limit or 100), profiler)
        run.wall_s, run.client_cpu_s, run.report = drained.wall_s, drained.cpu_s, drained.report
    if profiler is not None:
        print_profile(f"{limiter}, {limit}/s, in_flight {in_flight}", profiler, run.queued)
    records = stand_in.ask(do="records")
    measure(run, records, chats)
    return run


def measure(run: Run, records: dict[str, Any], chats: int) -> None:
    sent: list[tuple[int, float]] = [(int(c), float(at)) for c, at in records["sent"]]
    times = sorted(at for _, at in sent)
    run.take_timeline(times, STALL)
    run.rejected_429 = int(records["rejected_429"])
    run.send_requests = int(records["send_requests"])
    run.lost = chats - len({chat for chat, _ in sent})
    run.duplicated = int(records["duplicates"])
    run.stand_in_cpu_s = float(records["cpu_s"])
    if times:
        run.first_429_s = [round(at - times[0], 3) for at in sorted(records["rejected_at"])[:10]]


# --- the ceilings, on request ---


@dataclass(slots=True)
class Ceiling:
    what: str
    sent: int
    wall_s: float
    client_cpu_s: float
    stand_in_cpu_s: float

    def row(self) -> tuple[str, ...]:
        per = max(self.sent, 1)
        return (
            self.what,
            f"{self.sent:,}",
            f"{self.sent / self.wall_s:,.0f}/s",
            f"{self.client_cpu_s * 1e3 / per:.2f} ms",
            f"{self.stand_in_cpu_s * 1e3 / per:.2f} ms",
        )


async def digest_text() -> str:
    library = await Library.load(CONTENT, DigestOptions(), SystemClock().now())
    text = library.summary_digest(library.catalog.summaries[0].id, "en", Format.TELEGRAM)
    assert text is not None
    return text


async def flood(
    stand_in: StandInProcess, count: int, concurrency: int, send: Any
) -> tuple[float, float]:
    """`count` calls of `send(number)`, `concurrency` at a time: wall and CPU seconds."""
    gate = asyncio.Semaphore(concurrency)

    async def one(number: int) -> None:
        async with gate:
            await send(number)

    # Warm up first, on chats the flood does not use.
    await asyncio.gather(*(one(TELEGRAM_PRIVATE_BASE - 1 - n) for n in range(concurrency)))
    stand_in.ask(do="limit", overall=None, burst_seconds=BURST_SECONDS, per_chat=None)
    start, cpu = time.perf_counter(), time.process_time()
    await asyncio.gather(*(one(TELEGRAM_PRIVATE_BASE + n) for n in range(count)))
    return time.perf_counter() - start, time.process_time() - cpu


async def measure_ceilings(work: Path, chats: int, in_flight: int) -> list[Ceiling]:
    """How fast each layer goes with flood control off: the stand-in under a plain aiohttp
    client, the stand-in under PTB's sender alone, and the whole path without pacing."""
    import aiohttp

    text = await digest_text()
    ceilings = []
    stand_in = start_stand_in()
    try:
        url = f"{endpoints(stand_in)['base_url']}{TOKEN}/sendMessage"
        connector = aiohttp.TCPConnector(limit=in_flight)
        async with aiohttp.ClientSession(connector=connector) as session:

            async def plain(number: int) -> None:
                form = {"chat_id": str(number), "text": text, "parse_mode": "HTML"}
                async with session.post(url, data=form) as answer:
                    await answer.read()

            wall, cpu = await flood(stand_in, chats, in_flight, plain)
        records = stand_in.ask(do="records")
        what = f"stand-in alone (aiohttp client, {in_flight} at a time)"
        ceilings.append(Ceiling(what, len(records["sent"]), wall, cpu, records["cpu_s"]))
        settings = settings_for(stand_in, work / "ceiling.sqlite3", None, in_flight)
        async with connected_sender(settings.telegram, TOKEN, in_flight) as sender:

            async def ptb(number: int) -> None:
                await sender.send(ChatRef("telegram", str(number)), Outbound(text, DIGEST))

            wall, cpu = await flood(stand_in, chats, in_flight, ptb)
        records = stand_in.ask(do="records")
        what = f"TelegramSender over make_bot's ExtBot ({in_flight} at a time)"
        ceilings.append(Ceiling(what, len(records["sent"]), wall, cpu, records["cpu_s"]))
    finally:
        stand_in.close()
    stand_in = start_stand_in()
    try:
        run = await broadcast(stand_in, work, UNPACED, 0, in_flight, chats, 0.5, 0)
    finally:
        stand_in.close()
    what = f"the whole path, dispatcher unpaced (in_flight {in_flight})"
    ceilings.append(Ceiling(what, run.sent, run.wall_s, run.client_cpu_s, run.stand_in_cpu_s))
    return ceilings


# --- profiling, on request ---


def package_of(filename: str) -> str:
    """Who owns a profiled function: an installed package, the bot, asyncio, or the rest."""
    if "site-packages/" in filename:
        return filename.split("site-packages/", 1)[1].split("/", 1)[0].removesuffix(".py")
    if filename.startswith(str(REPO)):
        return Path(filename).relative_to(REPO).parts[0]
    if "/asyncio/" in filename:
        return "asyncio"
    if filename == "~":
        return "C built-ins (sockets, select, …)"
    return "other stdlib"


def print_profile(label: str, profiler: cProfile.Profile, sent: int, lines: int = 20) -> None:
    """Own time by package, per message sent, then the costliest functions."""
    stats = pstats.Stats(profiler)
    by_package: Counter[str] = Counter()
    for (filename, _, _), (_, _, own, _, _) in stats.stats.items():  # type: ignore[attr-defined]
        by_package[package_of(filename)] += own
    total = sum(by_package.values())
    print(f"\n=== profile: {label}: {total:.2f} s of CPU, own time by package ===")
    rows = [
        (name, f"{own:.2f} s", f"{own / total:.0%}", f"{own * 1e3 / max(sent, 1):.3f} ms")
        for name, own in by_package.most_common(12)
    ]
    print_table(("package", "own time", "share", "per message"), rows)
    print(costliest(profiler, lines))


# --- the run ---


def delivery_fingerprint() -> str:
    """Which dispatcher was measured: the working tree's bot/core/delivery/ modules, hashed."""
    digest = hashlib.sha256()
    for module in sorted((REPO / "bot" / "core" / "delivery").glob("*.py")):
        digest.update(module.read_bytes())
    return digest.hexdigest()[:12]


async def run_all(args: argparse.Namespace) -> list[Run]:
    limiters = [RINGKAS]
    if args.baseline:
        if (missing := aio_rate_limiter_missing()) is None:
            limiters.append(BASELINE)
        else:
            print(f"note: {missing}\n")
    runs = []
    with tempfile.TemporaryDirectory(prefix="ringkas-bench-telegram-") as tmp:
        if args.capacity:
            ceilings = await measure_ceilings(Path(tmp), args.chats, args.in_flight[0])
            headers = ("ceiling, flood control off", "sent", "rate", "bot CPU/send", "stand-in")
            print_table(headers, [ceiling.row() for ceiling in ceilings])
            print()
        for limit in args.limits:
            for in_flight in args.in_flight:
                for limiter in limiters:
                    stand_in = start_stand_in()
                    try:
                        run = await broadcast(
                            stand_in, Path(tmp), limiter, limit, in_flight,
                            args.chats, args.groups, args.ptb_retries, args.profile,
                        )  # fmt: skip
                    finally:
                        stand_in.close()
                    print(run.progress(limiter, limit, in_flight), flush=True)
                    runs.append(run)
    return runs


def limits_list(text: str) -> list[int]:
    values = [int(part) for part in text.split(",") if part.strip()]
    if not values or any(value < 1 for value in values):
        raise argparse.ArgumentTypeError("limits are whole messages per second, e.g. 200,30")
    return values


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--chats", type=int, default=2_000, help="default: %(default)s")
    parser.add_argument(
        "--limits", type=limits_list, default=list(DEFAULT_LIMITS),
        help="overall limits in messages/s, comma-separated (default: 200,30)",
    )  # fmt: skip
    add_in_flight_option(parser)
    parser.add_argument(
        "--groups", type=float, default=0.5,
        help="share of the chats that are supergroups, the rest private (default: %(default)s)",
    )  # fmt: skip
    parser.add_argument(
        "--no-baseline", dest="baseline", action="store_false",
        help="skip python-telegram-bot's AIORateLimiter",
    )  # fmt: skip
    parser.add_argument(
        "--ptb-retries", type=int, default=DEFAULT_PTB_RETRIES,
        help="AIORateLimiter's max_retries (default: %(default)s)",
    )  # fmt: skip
    parser.add_argument("--json", type=Path, help="also write the figures to this file")
    parser.add_argument(
        "--profile", action="store_true",
        help="cProfile each broadcast (slows the bot: the rates drop) and print where it goes",
    )  # fmt: skip
    parser.add_argument(
        "--capacity", action="store_true",
        help="first measure the ceilings: the stand-in, PTB's sender and the path, unlimited",
    )  # fmt: skip
    parser.add_argument("--stand-in-child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.stand_in_child:
        return asyncio.run(stand_in_child())
    # The baseline logs every 429 it gives up on with a traceback; the table counts them.
    logging.getLogger("telegram.ext.AIORateLimiter").setLevel(logging.CRITICAL)
    meta = {
        "chats": args.chats,
        "group_share": args.groups,
        "burst_seconds": BURST_SECONDS,
        "per_chat_per_second": TELEGRAM_PER_CHAT,
        "ptb_retries": args.ptb_retries,
        "delivery_py": delivery_fingerprint(),
        **machine(),
    }
    return run_and_report(meta, lambda: run_all(args), HEADERS, args.json)


if __name__ == "__main__":
    raise SystemExit(main())
