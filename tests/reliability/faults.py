"""One broadcast under injected faults, per platform: what the tests in `test_faults.py` check
and what `python -m benchmarks.bench_faults` prints.

The path is the real one end to end: subscriptions in a SQLite file, one push queued as an
admin's `/push` and its confirmation queue it (`benchmarks.broadcast.queue_push`), the real
services and dispatcher from `bot.app.open_runtime`, and the real adapter sender
(`connected_sender`) talking HTTP to a loopback stand-in (`tests/standins/`). The stand-in
answers a seeded share of the sends with faults:

- 5% a 500, 5% a timeout, 2% a 429 with `retry_after`, on every attempt (retries included);
- a handful of chats are gone (Telegram: the user blocked the bot, the bot was kicked from a
  group; Discord: Missing Access 403, a deleted channel 404);
- on Telegram a handful of groups were upgraded to supergroups (`migrate_to_chat_id`).

A Telegram timeout is the client's: PTB's read timeout (`telegram.timeouts.read`) is shorter
than the stand-in's hang. Telegram has no idempotency key, so a timed-out send that Telegram
carried out anyway comes twice once retried: `deliver_late` says whether the stand-in carries
a hung send out after its hang (and counts those it did) or drops it. Discord sends carry a
nonce with `enforce_nonce`: a hung request carried out late and answered 504 (the stand-in's
`carry_out_late`) is retried by discord.py with the same nonce and answered with the first
message, so it is never shown twice.

Everything is scaled so that 2,000 chats take seconds, not minutes: no pacing, a 1 s read
timeout, backoff from 0.05 s capped at 0.5 s, and a 429 of 0.05 s (a 429 holds the whole
platform, so Telegram's whole seconds would make 40 holds of a second each).
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import random
import subprocess
import sys
from collections import Counter
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from benchmarks import bench_discord, bench_telegram
from benchmarks.broadcast import CONTENT, NO_RATES, drain, queue_push
from bot.adapters import discord as discord_adapter
from bot.adapters import telegram as telegram_adapter
from bot.app import Runtime, open_runtime
from bot.config import Settings
from bot.core.ports import ChatKind, Sender, SystemClock
from bot.core.subscription import State
from tests.adapters.running import settings_with
from tests.standins.discord import DiscordStandIn
from tests.standins.telegram import TelegramStandIn

CHATS = 2_000
P500, P_TIMEOUT, P429 = 0.05, 0.05, 0.02
GONE = 8  # chats that are gone: half of each kind the platform has
MIGRATED = 5  # Telegram groups upgraded to supergroups
IN_FLIGHT = 50  # delivery.in_flight, the default

# telegram.timeouts.read: when PTB gives up on an answer. Well above what a send takes on a busy
# machine: a send that times out by load alone would be a repeat no injected fault explains.
READ_TIMEOUT = 1.0
HANG = 1.2  # how long a timed-out request hangs at the stand-in: longer than READ_TIMEOUT
RETRY_AFTER = 0.05  # seconds a 429 asks for (Telegram asks whole seconds: see the docstring)
BACKOFF, BACKOFF_CAP = 0.05, 0.5  # delivery.backoff_seconds, delivery.backoff_cap_seconds
# Every settled attempt counts, a 429 or a move as much as a 500 or a timeout, so an attempt
# fails with p = 0.05 + 0.05 + 0.02 = 0.12. A delivery is given up only when its first 11
# attempts all fail and the 12th is a 500 or a timeout: 0.12^11 × 0.10 ≈ 7e-12 per delivery,
# about 1e-8 for 2,000 chats (a move spends one attempt: 0.12^10 × 0.10 ≈ 6e-11 for those five).
# On Discord the odds are smaller still: discord.py retries a 500/504 itself up to 5 times, so
# the outbox sees a failure only after 5 in a row. Backoff: 0.05, 0.1, 0.2, 0.4, then 0.5 s.
MAX_ATTEMPTS = 12
BUDGET = 120.0  # seconds the drain may take at most; a run takes a few

TELEGRAM_TOKEN = bench_telegram.TOKEN
DISCORD_TOKEN = bench_discord.TOKEN
BASIC_GROUP_BASE = -4_000_000  # groups before their upgrade: small negative ids
SUPERGROUP_BASE = -1_009_000_000_000  # what they became: -100… ids, unused by the other chats

# What each platform says when a chat is gone: the paused subscription's reason must say it.
BLOCKED = "bot was blocked by the user"
KICKED = "bot was kicked from the supergroup chat"
MISSING_ACCESS = "403 Missing Access"
UNKNOWN_CHANNEL = "404 Unknown Channel"

# While the broadcast runs: called with how many sends the stand-in accepted so far (to time
# itself) and the store's file.
During = Callable[[Callable[[], int], Path], Awaitable[None]]


@dataclass(frozen=True, slots=True)
class Plan:
    """What the run did to which chats, so a test can hold the outcome against it."""

    chats: tuple[str, ...]  # every subscribed chat id, as subscribed
    gone: dict[str, str]  # chat id → what its paused subscription's reason must contain
    migrated: dict[str, str]  # old chat id → the supergroup's id

    @property
    def reachable(self) -> frozenset[str]:
        """The chats the digest must reach: all but the gone ones, a migrated group at its new
        id (never at the old one)."""
        return frozenset(
            self.migrated.get(chat, chat) for chat in self.chats if chat not in self.gone
        )


@dataclass(slots=True, kw_only=True)
class FaultReport:
    """One faulty broadcast: the outbox's account of it, and the stand-in's."""

    platform: str
    scenario: str
    chats: int
    # Telegram with timed-out sends carried out late: each of those is repeated by its retry,
    # and nothing can tell (no idempotency key); anywhere else a repeat is a fault.
    late_repeats_expected: bool = False
    delivered: int = 0  # outbox rows delivered
    exactly_once: int = 0  # reachable chats that received the digest exactly once
    duplicates: int = 0  # copies received beyond the first, over all chats
    carried_out_late: int = 0  # timed-out sends the stand-in carried out after the hang
    nonce_replays: int = 0  # Discord: retries answered with the message already sent
    paused: dict[str, str] = field(default_factory=dict)  # chat id → the reason, from the store
    moved: int = 0  # subscriptions the dispatcher moved to a new chat id
    retried: int = 0  # attempts the outbox scheduled again (429s and transient failures)
    failed: int = 0  # deliveries given up after max_attempts (gone chats are paused instead)
    stuck: int = 0  # outbox rows left pending or sending
    send_requests: int = 0  # sends that reached the stand-in, faulty or not
    faults: dict[str, int] = field(default_factory=dict)  # what the stand-in injected, by kind
    elapsed_s: float = 0.0  # the dispatcher's drain
    plan: Plan = field(default_factory=lambda: Plan((), {}, {}), repr=False)
    copies: Counter[str] = field(default_factory=Counter, repr=False)  # chat id → received
    states: dict[str, State] = field(default_factory=dict, repr=False)  # chat id → subscription
    sent_at: list[float] = field(default_factory=list, repr=False)  # accepted sends, monotonic

    def take(self, copies: Iterable[str], times: Iterable[float]) -> None:
        """The stand-in's accepted sends: chat ids, and when they were accepted."""
        self.copies = Counter(copies)
        self.sent_at = sorted(times)
        reachable = self.plan.reachable
        self.exactly_once = sum(1 for chat in reachable if self.copies[chat] == 1)
        self.duplicates = sum(count - 1 for count in self.copies.values())

    @property
    def lost(self) -> int:
        """Reachable chats the digest never reached."""
        return sum(1 for chat in self.plan.reachable if not self.copies[chat])

    @property
    def verdict(self) -> str:
        """PASS when nothing was lost, stuck or given up, only the gone chats are paused, nothing
        went where it must not, and the only repeats are the late timeouts Telegram cannot
        tell apart."""
        repeats = self.carried_out_late if self.late_repeats_expected else 0
        passed = (
            self.lost == 0
            and self.duplicates == repeats
            and self.stuck == 0
            and self.failed == 0
            and set(self.paused) == set(self.plan.gone)
            and set(self.copies) <= self.plan.reachable
        )
        return "PASS" if passed else "FAIL"


# --- the bot side, both platforms ---


def settings_for(platform: str, endpoints: dict[str, Any], database: Path) -> Settings:
    """Unpaced, quick to give up on an answer and quick to retry (see the module docstring)."""
    section: dict[str, Any] = {**endpoints, "rate_limits": dict(NO_RATES)}
    if platform == "telegram":
        section["timeouts"] = {"read": READ_TIMEOUT}
    defaults = {"content": str(CONTENT), "database": str(database)}
    return settings_with(
        defaults,
        {
            platform: section,
            "delivery": {
                "in_flight": IN_FLIGHT,
                "max_attempts": MAX_ATTEMPTS,
                "backoff_seconds": BACKOFF,
                "backoff_cap_seconds": BACKOFF_CAP,
            },
        },
    )


async def run_broadcast(
    report: FaultReport,
    settings: Settings,
    connect: contextlib.AbstractAsyncContextManager[Sender],
    rows: list[dict[str, Any]],
    accepted: Callable[[], int],
    during: During | None,
) -> None:
    """Queue the push to `rows`, drain it (with `during` alongside), and fill in the outbox's
    side of `report`."""
    clock = SystemClock()
    async with connect as sender, open_runtime(settings, clock, [sender]) as runtime:
        queued = await queue_push(runtime.services, rows)
        assert queued == len(rows), f"queued {queued} deliveries for {len(rows)} chats"
        beside = asyncio.ensure_future(
            during(accepted, Path(settings.database)) if during else asyncio.sleep(0)
        )
        try:
            drained = await drain(runtime, BUDGET)
        finally:
            await beside  # a failed hook fails the run, after the drain ended
        report.elapsed_s = drained.wall_s
        for name in ("delivered", "retried", "failed", "moved"):
            setattr(report, name, int(drained.report[name]))
        outbox = drained.report["outbox"]
        report.stuck = outbox.get("pending", 0) + outbox.get("sending", 0)
        await take_subscriptions(report, runtime)


async def take_subscriptions(report: FaultReport, runtime: Runtime) -> None:
    async for subscription in runtime.services.store.subscriptions.all(report.platform):
        report.states[subscription.chat.chat_id] = subscription.state
        if subscription.state is State.PAUSED:
            report.paused[subscription.chat.chat_id] = subscription.paused_reason or ""


def pick(rng: random.Random, rows: list[dict[str, Any]], kind: ChatKind, count: int) -> list[int]:
    """`count` row numbers, at random, of chats of `kind`."""
    numbers = [n for n, row in enumerate(rows) if row["chat_kind"] == kind]
    return rng.sample(numbers, count)


# --- Telegram ---


async def telegram_broadcast(
    work: Path,
    *,
    deliver_late: bool,
    chats: int = CHATS,
    seed: int = 0,
    during: During | None = None,
) -> FaultReport:
    """One push to `chats` Telegram chats (half private, half supergroups) with the faults;
    with `deliver_late` a timed-out send is carried out after its hang, else never."""
    scenario = "timeouts carried out late" if deliver_late else "timeouts not carried out"
    report = FaultReport(
        platform="telegram", scenario=scenario, chats=chats, late_repeats_expected=deliver_late
    )
    rng = random.Random(seed)
    rows = bench_telegram.subscription_rows(chats, 0.5, dt.datetime.now(dt.UTC))
    blocked = pick(rng, rows, ChatKind.PRIVATE, GONE // 2)
    groups = pick(rng, rows, ChatKind.GROUP, GONE - GONE // 2 + MIGRATED)
    kicked, upgraded = groups[: GONE - GONE // 2], groups[GONE - GONE // 2 :]
    migrated: dict[str, str] = {}
    for number in upgraded:  # a basic group, before its upgrade, has a small negative id
        rows[number]["chat_id"] = str(BASIC_GROUP_BASE - number)
        migrated[rows[number]["chat_id"]] = str(SUPERGROUP_BASE - number)
    gone = {rows[n]["chat_id"]: BLOCKED for n in blocked}
    gone.update({rows[n]["chat_id"]: KICKED for n in kicked})
    report.plan = Plan(tuple(row["chat_id"] for row in rows), gone, migrated)

    async with TelegramStandIn(TELEGRAM_TOKEN, auto_chats=True) as api:
        for number in blocked:
            chat_id = int(rows[number]["chat_id"])
            api.add_chat(chat_id, "private")
            api.block(chat_id)
        for number in kicked:
            chat_id = int(rows[number]["chat_id"])
            api.add_chat(chat_id, "supergroup", f"Chat {number}")
            api.kick(chat_id)
        for old, new in migrated.items():
            api.add_chat(int(old), "group", f"Group {old}")
            api.migrate(int(old), int(new))
        database = work / f"telegram-{'late' if deliver_late else 'dropped'}-{seed}.sqlite3"
        endpoints = {"base_url": api.base_url, "base_file_url": api.base_file_url}
        settings = settings_for("telegram", endpoints, database)
        connect = telegram_adapter.connected_sender(settings.telegram, TELEGRAM_TOKEN, IN_FLIGHT)
        # Switched on only now: connecting (getMe) is not part of the broadcast.
        api.faults(
            P500, P_TIMEOUT, P429, seed,
            timeout_seconds=HANG, deliver_late=deliver_late, retry_after=RETRY_AFTER,
        )  # fmt: skip
        await run_broadcast(report, settings, connect, rows, lambda: len(api.sent), during)
        report.take((str(m.chat_id) for m in api.sent), (m.at for m in api.sent))
        report.send_requests = sum(1 for call in api.calls if call.method == "sendMessage")
        report.faults = dict(api.faults_injected)
        report.carried_out_late = api.faults_injected["carried out late"]
    return report


# --- Discord ---


async def discord_broadcast(work: Path, *, chats: int = CHATS, seed: int = 0) -> FaultReport:
    """One push to `chats` Discord channels with the faults; a hung send is carried out after
    its hang and answered 504, so discord.py retries it with the same nonce."""
    report = FaultReport(platform="discord", scenario="timeouts carried out late", chats=chats)
    rng = random.Random(seed)
    rows = bench_discord.subscription_rows(chats, dt.datetime.now(dt.UTC))
    gone_rows = rng.sample(range(chats), GONE)
    forbidden, deleted = gone_rows[: GONE // 2], gone_rows[GONE // 2 :]
    gone = {rows[n]["chat_id"]: MISSING_ACCESS for n in forbidden}
    gone.update({rows[n]["chat_id"]: UNKNOWN_CHANNEL for n in deleted})
    report.plan = Plan(tuple(row["chat_id"] for row in rows), gone, {})

    async with DiscordStandIn(DISCORD_TOKEN, bench_discord.guilds_for(chats)) as stand_in:
        for number in forbidden:
            stand_in.forbid(int(rows[number]["chat_id"]))
        for number in deleted:
            stand_in.delete_channel(int(rows[number]["chat_id"]))
        database = work / f"discord-{seed}.sqlite3"
        endpoints = {"api_base": stand_in.api_base, "gateway_url": stand_in.gateway_url}
        settings = settings_for("discord", endpoints, database)
        connect = discord_adapter.connected_sender(settings.discord, DISCORD_TOKEN)
        # discord.py logs in on connecting, and only then are the faults on, under /channels/.
        stand_in.faults(
            P500, P_TIMEOUT, P429, seed,
            paths=("/channels/",), retry_after=RETRY_AFTER, hang=HANG, carry_out_late=True,
        )  # fmt: skip
        await run_broadcast(report, settings, connect, rows, lambda: len(stand_in.messages), None)
        messages = stand_in.messages
        report.take((str(m.channel_id) for m in messages), (m.at for m in messages))
        report.send_requests = len(stand_in.requests_to("POST", "/channels/*/messages"))
        report.faults = dict(stand_in.faults_injected)
        report.carried_out_late = stand_in.faults_injected["carried out late"]
        report.nonce_replays = stand_in.nonce_replays
    return report


# --- another process locks the store ---

# Run in a process of its own: takes the SQLite file's write lock (in WAL mode EXCLUSIVE keeps
# out every other writer, not the readers), says when (time.monotonic is system-wide on Linux,
# so the parent can compare), holds it, says when it lets go, and lets go.
LOCK_HOLDER = """
import sqlite3, sys, time
connection = sqlite3.connect(sys.argv[1], isolation_level=None, timeout=60)
connection.execute("BEGIN EXCLUSIVE")
print(time.monotonic(), flush=True)
time.sleep(float(sys.argv[2]))
print(time.monotonic(), flush=True)
connection.execute("COMMIT")
connection.close()
"""


@dataclass(slots=True)
class LockWindow:
    """When the other process held the store's lock (monotonic seconds), once it is done."""

    locked_at: float = 0.0
    released_at: float = 0.0
    exit_code: int | None = None


def hold_store_lock(window: LockWindow, seconds: float, after_sends: int) -> During:
    """A `During` hook: once `after_sends` sends went out, another OS process holds an
    exclusive lock on the store for `seconds`; `window` says when."""

    async def hold(accepted: Callable[[], int], database: Path) -> None:
        loop = asyncio.get_running_loop()
        deadline = loop.time() + BUDGET  # the drain gives up by then too: never wait forever
        while accepted() < after_sends:
            if loop.time() > deadline:
                raise AssertionError(f"the broadcast never reached {after_sends} sends")
            await asyncio.sleep(0.01)
        holder = subprocess.Popen(
            [sys.executable, "-c", LOCK_HOLDER, str(database), str(seconds)],
            stdout=subprocess.PIPE,
            text=True,
        )
        try:
            assert holder.stdout is not None
            window.locked_at = float(await asyncio.to_thread(holder.stdout.readline))
            window.released_at = float(await asyncio.to_thread(holder.stdout.readline))
            window.exit_code = await asyncio.to_thread(holder.wait, 30)
        finally:
            if holder.poll() is None:
                holder.kill()
                holder.wait()
            if holder.stdout is not None:
                holder.stdout.close()

    return hold


def sends_between(report: FaultReport, start: float, end: float) -> int:
    """Sends the stand-in accepted between two monotonic times."""
    return sum(1 for at in report.sent_at if start <= at <= end)
