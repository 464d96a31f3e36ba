"""Soak benchmark: 30 simulated minutes of the whole bot with 10,000 subscriptions across time
zones, content changing every few minutes, against both loopback stand-ins.

    python -m benchmarks.bench_soak [--minutes 30] [--warm-up 2] [--subscriptions 10000]
                                    [--rate 300] [--in-flight 50] [--seed N] [--json FILE]

What is real: the SQLite store on a file, `Services`, the `Broadcaster`'s planning, the
`Library`'s hot reload of a copy of `digests/`, the `Dispatcher`'s own `run` loop (a task, as
`serve` runs it), the pacer, and both adapters' senders from `connected_sender` talking HTTP to
the stand-ins (`tests/standins/`), which run in a child process of their own so that their
records (every message) neither grow this process's memory nor share its event loop.

What is simulated: time. The runtime's `Clock` is a `SteppedClock` that stands still until the
benchmark moves it, one `schedule.watch_seconds` step (10 s) at a time. At each step the
benchmark does what `Scheduler`'s two APScheduler jobs would have done by then (APScheduler's
interval triggers follow the real clock, so they cannot be driven by a simulated one): the
content-watch pass (`Services.reload_if_changed`) at every step and the planning pass
(`Services.plan`) every `schedule.tick_seconds` (30 s). Then it waits, in real time, until the
dispatcher has sent and settled everything ready at that simulated moment, and only then moves
the clock on. So simulated time never runs ahead of the sends: a delivery planned at 07:00 is
claimed, sent and settled "at 07:00", and how long that took in real time is reported per
simulated minute instead.

Why this keeps the runtime honest: the dispatcher reads the clock for what is ready
(`next_attempt_at <= now`), for settling and for retry times, all simulated; the pacer spaces
sends with `time.monotonic()`, the real clock, which is right, since rate limits are real
throughput. The one place the two meet is the dispatcher's idle sleep, computed from the clock
(a retry due in 5 simulated seconds) but slept in real seconds. Every clock step therefore sets
the runtime's wake event: once time has passed, a sleep until a retry would have ended.

Expected deliveries are computed independently, from each subscription's plan (local times in
its zone with `zoneinfo`, languages, instant or not, the edition it last had) and the content
changes the benchmark itself made, with the rules the README states (one digest per slot, none
when nothing is new since the chat's last digest, each new edition to instant chats at once).
The stand-ins' records give what arrived: each message is matched, by its text, to its language
and edition. Lost = expected but never received; duplicated = received more than once per chat,
language and edition (an edition reaches a chat once under `skip_unchanged`); unexpected =
received but not expected. The outbox's rows are compared with the same expectations. These
counts cover the warm-up minutes too: only memory and descriptors leave them out.

Memory is the resident set (`/proc/self/statm`) after a full collection, at the start of the
measured window (after the warm-up minutes: connections open, a reload done, the first bursts
sent) and at its end, with the runtime still open; beside it, SQLite's own heap
(`sqlite3_memory_used`, where the library is reachable), which is where most of the growth was
found. Open file descriptors are counted in /proc/self/fd at the same moments. All three are
also sampled once per simulated minute (`minutes_log` in the JSON). It reports and never fails:
the exit code is 0 whatever the figures.
"""

from __future__ import annotations

import argparse
import asyncio
import ctypes
import ctypes.util
import datetime as dt
import gc
import hashlib
import json
import logging
import os
import random
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time
import zoneinfo
from collections import Counter
from collections.abc import Iterator, Sequence
from dataclasses import asdict, dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

from sqlalchemy import and_, func, or_, select

from benchmarks import bench_discord, bench_telegram
from benchmarks import broadcast as common
from benchmarks.bench_core import load_average, machine, note_if_busy, print_table
from benchmarks.bench_runtime import SLOTS, current_rss_bytes, pick, scalar
from benchmarks.broadcast import CONTENT, REPO
from bot.adapters import discord as discord_adapter
from bot.adapters import telegram as telegram_adapter
from bot.app import Runtime, open_runtime
from bot.config import Settings
from bot.core import timing
from bot.core.delivery.pacing import DISCORD_LIMITS
from bot.core.library import Edition
from bot.core.models import LANGS, Lang
from bot.core.ports import ChatKind, Format
from bot.core.store import Store
from bot.core.store.tables import outbox
from bot.core.subscription import State, langs_of

MEMORY_GROWTH_TARGET = 0.10  # RSS at the end over RSS at the start of the window, at most +10%
DEFAULT_MINUTES = 30
DEFAULT_WARM_UP = 2
DEFAULT_SUBSCRIPTIONS = 10_000
DEFAULT_RATE = 300  # messages a second per platform: the pacer's overall limit, set high
DEFAULT_IN_FLIGHT = 50
DEFAULT_SEED = 6
STEP_BUDGET_S = 300.0  # real seconds one simulated step may take to send, before giving up
DRAIN_OUT = dt.timedelta(hours=2)  # after the window, how far the clock may go for retries
INSERT_BATCH = 5_000

# A Tuesday, 00:00 UTC: 07:00 WIB, 08:00 WITA, 09:00 WIT, when Indonesian readers want news.
# No zone below changes its offset within hours of it, so a wall time is one instant.
START = dt.datetime(2025, 10, 7, 0, 0, tzinfo=dt.UTC)
ZONES = {
    "Asia/Jakarta": 35,  # WIB
    "Asia/Makassar": 15,  # WITA
    "Asia/Jayapura": 10,  # WIT
    "Asia/Kolkata": 5,  # +05:30
    "Asia/Kathmandu": 3,  # +05:45
    "Asia/Tokyo": 5,
    "Australia/Adelaide": 4,  # +10:30 (daylight time since 5 October)
    "Pacific/Auckland": 3,  # +13:00
    "Europe/London": 6,
    "Europe/Berlin": 5,
    "America/New_York": 6,
    "America/Sao_Paulo": 3,
}
LANGUAGES = {"id": 45, "en": 35, "both": 20}
PLATFORMS = {"telegram": 50, "discord": 50}
TELEGRAM_KINDS = {ChatKind.PRIVATE: 60, ChatKind.GROUP: 30, ChatKind.CHANNEL: 10}
TOPIC_SHARE = 0.1  # Telegram groups whose subscription is one forum topic
INSTANT_SHARE = 0.2
INSTANT_WITH_TIMES = 0.25  # of the instant chats, those that also have delivery times
IN_WINDOW_SHARE = 0.7  # of the scheduled chats, those with a time inside the simulated span
ON_THE_FIVE = 0.5  # of those times, the ones on a round 5 minutes (the bursts readers make)
UP_TO_DATE_SHARE = 0.5  # scheduled chats that already had the current edition: skipped at first
NEW_INSTANT_SHARE = 0.1  # instant chats that have had nothing yet: sent the current edition
PAUSED_SHARE = 0.02  # must get nothing
NEW_EDITION_SHARE = 0.75  # of the content changes, new summaries; the rest edit a title
CHANGE_GAP_MINUTES = (2.0, 5.0)
OLDER_EDITION = "an-older-edition"
SOURCE = "report-id-2025-10-07"  # a shipped source the new summaries cite


# --- simulated time ---


@dataclass(slots=True)
class SteppedClock:
    """The runtime's clock in simulated time: it stands still until the benchmark moves it, so
    everything the dispatcher and the planner read off it happens at the step's moment."""

    current: dt.datetime

    def now(self) -> dt.datetime:
        return self.current

    def advance_to(self, moment: dt.datetime) -> None:
        if moment < self.current:
            raise ValueError(f"time goes forward: {moment} < {self.current}")
        self.current = moment


# --- the subscriptions ---


@dataclass(frozen=True, slots=True)
class Audience:
    """How many chats each platform has: the stand-in child needs the Discord channels first."""

    platforms: tuple[str, ...]  # of each subscription, in order

    @property
    def discord_channels(self) -> int:
        return self.platforms.count("discord")


def audience(count: int, seed: int) -> Audience:
    rng = random.Random(seed)
    return Audience(tuple(pick(rng, PLATFORMS) for _ in range(count)))


def window_time(rng: random.Random, zone: str, span_minutes: int) -> dt.time:
    """A local time in `zone` that falls inside the simulated span, often on a round 5 minutes."""
    offset = rng.randrange(span_minutes + 1)
    if rng.random() < ON_THE_FIVE:
        offset -= offset % 5
    moment = (START + dt.timedelta(minutes=offset)).astimezone(zoneinfo.ZoneInfo(zone))
    return moment.time().replace(second=0, microsecond=0, tzinfo=None)


def subscription_rows(
    who: Audience, span_minutes: int, current_edition: str | None, seed: int
) -> list[dict[str, Any]]:
    """Ready rows of the subscriptions table, seeded; `next_due` as the running bot would have
    left it just before START (from `timing.next_due`, as `bench_runtime` does)."""
    rng = random.Random(seed + 1)
    numbers: Counter[str] = Counter()
    next_dues: dict[tuple[tuple[dt.time, ...], str], dt.datetime | None] = {}
    rows = []
    for number, platform in enumerate(who.platforms):
        nth = numbers[platform]
        numbers[platform] += 1
        if platform == "telegram":
            kind: ChatKind = pick(rng, TELEGRAM_KINDS)
            if kind is ChatKind.PRIVATE:
                chat_id = str(bench_telegram.PRIVATE_BASE + nth)
            else:
                chat_id = str(bench_telegram.GROUP_BASE - nth)
            thread = str(rng.randint(2, 999)) if kind is ChatKind.GROUP and (
                rng.random() < TOPIC_SHARE
            ) else ""  # fmt: skip
        else:
            kind, chat_id, thread = ChatKind.GROUP, str(bench_discord.CHANNEL_BASE + nth), ""
        zone: str = pick(rng, ZONES)
        instant = rng.random() < INSTANT_SHARE
        times: set[dt.time] = set()
        if not instant or rng.random() < INSTANT_WITH_TIMES:
            if rng.random() < IN_WINDOW_SHARE:
                times.add(window_time(rng, zone, span_minutes))
            times.update(rng.sample(SLOTS, rng.randint(0 if times else 1, 2)))
        ordered = tuple(sorted(times))
        if (ordered, zone) not in next_dues:
            next_dues[ordered, zone] = timing.next_due(
                ordered, zone, START - dt.timedelta(seconds=1)
            )
        if instant:
            last = None if rng.random() < NEW_INSTANT_SHARE else current_edition
        else:
            last = current_edition if rng.random() < UP_TO_DATE_SHARE else OLDER_EDITION
        paused = rng.random() < PAUSED_SHARE
        base = common.subscription_row(
            platform,
            number,
            chat_id,
            kind,
            "" if kind is ChatKind.PRIVATE else f"Chat {nth}",
            START,
        )
        rows.append(
            {
                **base,
                "thread": thread,
                "languages": pick(rng, LANGUAGES),
                "times": " ".join(t.strftime("%H:%M") for t in ordered),
                "instant": instant,
                "timezone": zone,
                "state": State.PAUSED if paused else State.ACTIVE,
                "paused_reason": "blocked by the user" if paused else None,
                "paused_at": START - dt.timedelta(days=2) if paused else None,
                "next_due": next_dues[ordered, zone],
                "last_edition": last,
            }
        )
    return rows


# --- the content changes ---


@dataclass(frozen=True, slots=True)
class Change:
    at: dt.datetime
    new_edition: bool  # a new summary (a new edition); else a curator's fix to a title


def content_changes(span_minutes: int, step: dt.timedelta, seed: int) -> list[Change]:
    """Every few simulated minutes, on a step; the first within the first minutes (so the
    warm-up has a reload), and always a new summary."""
    rng = random.Random(seed + 2)
    changes: list[Change] = []
    minute = rng.uniform(0.5, 1.5)
    while minute < span_minutes:
        at = START + step * round(minute * 60 / step.total_seconds())
        changes.append(Change(at, not changes or rng.random() < NEW_EDITION_SHARE))
        minute += rng.uniform(*CHANGE_GAP_MINUTES)
    return changes


class Curator:
    """Writes the changes into the copied content folder as an editor would: a new summary file,
    newer than every other, or a fixed title in the last one written (same edition)."""

    def __init__(self, folder: Path) -> None:
        self._folder = folder / "summaries"
        self._written = 0
        self._fixes = 0

    def apply(self, change: Change) -> None:
        if change.new_edition or not self._written:
            self._written += 1
            self._fixes = 0
        else:
            self._fixes += 1
        number, fixes = self._written, self._fixes
        fixed = " (updated)" * fixes
        day = dt.date(2025, 10, 7) + dt.timedelta(days=number)
        text = f"""\
summaries:
  - id: soak-edition-{number:03d}
    date: {day.isoformat()}
    priority: 5
    title:
      en: "Soak test development number {number}{fixed}"
      id: "Perkembangan uji ketahanan nomor {number}{fixed}"
    text:
      en: >-
        The Indonesian report dated 7 October 2025 is cited again for development {number}. No new
        statement is attributed to anyone in this test summary.
      id: >-
        Laporan berbahasa Indonesia bertanggal 7 Oktober 2025 dikutip lagi untuk perkembangan
        {number}. Tidak ada pernyataan baru yang dikaitkan dengan siapa pun dalam ringkasan uji ini.
    sources: [{SOURCE}]
"""
        path = self._folder / f"soak-edition-{number:03d}.yaml"
        partial = path.with_suffix(".partial")  # not *.yaml: the watcher never sees it half-written
        partial.write_text(text, encoding="utf-8")
        os.replace(partial, path)


# --- what should arrive, computed from the plans and the changes alone ---


# (platform, chat id, thread, language, edition number): what a chat should have once.
Arrival = tuple[str, str, str, str, int]
# (platform, chat id, thread, language, outbox key with the edition as its number).
Queued = tuple[str, str, str, str, str]


@dataclass(slots=True)
class Expectation:
    arrivals: set[Arrival] = field(default_factory=set)
    queued: set[Queued] = field(default_factory=set)
    scheduled: int = 0
    instant: int = 0
    skipped_slots: int = 0


def local_slots(times: str, zone: str, start: dt.datetime, end: dt.datetime) -> list[dt.datetime]:
    """The instants, in UTC, of the local `times` in `zone` from `start` to `end` inclusive."""
    tz = zoneinfo.ZoneInfo(zone)
    today = start.astimezone(tz).date()
    found = set()
    for day in (today - dt.timedelta(days=1), today, today + dt.timedelta(days=1)):
        for text in times.split():
            local = dt.datetime.combine(day, dt.time.fromisoformat(text), tzinfo=tz)
            moment = local.astimezone(dt.UTC)
            if start <= moment <= end:
                found.add(moment)
    return sorted(found)


def expected(
    rows: Sequence[dict[str, Any]],
    changes: Sequence[Change],
    edition_numbers: dict[str | None, int | None],
    end: dt.datetime,
) -> Expectation:
    """Per chat, in time order: a slot sends the edition in service unless the chat has had it;
    a new edition goes to instant chats that have not had it; paused chats get nothing."""
    editions = [(START, 0)]
    for change in changes:
        if change.new_edition:
            editions.append((change.at, editions[-1][1] + 1))

    def edition_at(moment: dt.datetime) -> int:
        return max(number for at, number in editions if at <= moment)

    new_edition_times = {at for at, _ in editions}
    result = Expectation()
    for row in rows:
        if row["state"] != State.ACTIVE:
            continue
        chat = (row["platform"], row["chat_id"], row["thread"])
        langs = langs_of(row["languages"])
        slots = local_slots(row["times"], row["timezone"], START, end)
        moments = set(slots) | (new_edition_times if row["instant"] else set())
        last = edition_numbers[row["last_edition"]]
        for moment in sorted(moments):
            edition = edition_at(moment)
            sent: list[str] = []
            if moment in slots:
                if edition != last:
                    sent.append(f"scheduled:{moment:%Y-%m-%dT%H:%MZ}")
                    result.scheduled += 1
                    last = edition
                else:
                    result.skipped_slots += 1
            if row["instant"] and edition != last:
                sent.append(f"instant:{edition}")
                result.instant += 1
                last = edition
            for key in sent:
                for lang in langs:
                    result.arrivals.add((*chat, lang, edition))
                    result.queued.add((*chat, lang, key))
    return result


# --- the stand-ins, in a child process ---


def text_hash(text: str) -> str:
    """What identifies a message's text across the pipe, without sending the text back."""
    return hashlib.sha256(text.encode()).hexdigest()[:16]


async def stand_ins_child(discord_channels: int) -> int:
    """Serve both stand-ins on 127.0.0.1; obey JSON commands on stdin, answer on stdout."""
    from tests.standins.discord import DiscordStandIn
    from tests.standins.telegram import TelegramStandIn

    per_channel = DISCORD_LIMITS.per_chat
    assert per_channel is not None
    loop = asyncio.get_running_loop()
    async with (
        TelegramStandIn(bench_telegram.TOKEN, max_poll_seconds=0.5, auto_chats=True) as telegram,
        DiscordStandIn(
            bench_discord.TOKEN,
            bench_discord.guilds_for(discord_channels),
            bucket_limit=per_channel.count,
            bucket_window=per_channel.seconds,
        ) as discord,
    ):
        started = {"port": telegram.port, "api_base": discord.api_base}
        print(json.dumps({**started, "gateway_url": discord.gateway_url}), flush=True)
        while line := await loop.run_in_executor(None, sys.stdin.readline):
            command = json.loads(line)
            if command["do"] == "stop":
                break
            answer: dict[str, Any] = {"ok": True}
            if command["do"] == "records":
                answer = {
                    "telegram": [
                        [str(m.chat_id), str(m.message_thread_id or ""), text_hash(m.text)]
                        for m in telegram.sent
                    ],
                    "discord": [
                        [str(m.channel_id), "", text_hash(m.content or "")]
                        for m in discord.messages
                    ],
                    "rejected_429": {
                        "telegram": telegram.rejected_429,
                        "discord": discord.rejected_429,
                    },
                    "discord_nonce_replays": discord.nonce_replays,
                    "cpu_s": time.process_time(),
                }
            print(json.dumps(answer), flush=True)
    return 0


class StandIns(bench_telegram.StandIn):
    """Both stand-ins in one child process (bench_telegram's handle, another child): Telegram's
    Bot API with chats made on first use, and Discord's REST API with the channels in guilds."""

    def __init__(self, discord_channels: int) -> None:
        self._process = subprocess.Popen(
            [
                sys.executable, "-m", "benchmarks.bench_soak", "--stand-in-child",
                "--discord-channels", str(discord_channels),
            ],
            cwd=REPO,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )  # fmt: skip
        started = self._read()
        self.port = int(started["port"])
        self.discord_api_base = str(started["api_base"])
        self.discord_gateway_url = str(started["gateway_url"])


# --- the run ---


def settings_for(
    stand_ins: StandIns, content: Path, database: Path, rate: int, in_flight: int
) -> Settings:
    """The defaults, both platforms pointed at their stand-in, each paced overall at `rate` a
    second and per chat (and group) as configured for the real platforms."""
    per_channel = DISCORD_LIMITS.per_chat
    assert per_channel is not None
    group_count, group_seconds = bench_telegram.PER_GROUP
    return Settings.model_validate(
        {
            "content": str(content),
            "database": str(database),
            "telegram": {
                "base_url": stand_ins.base_url,
                "base_file_url": stand_ins.base_file_url,
                "rate_limits": {
                    "overall": {"count": rate, "seconds": 1.0},
                    "per_chat": {"count": 1, "seconds": 1.0 / bench_telegram.PER_CHAT},
                    "per_group": {"count": group_count, "seconds": group_seconds},
                },
            },
            "discord": {
                "api_base": stand_ins.discord_api_base,
                "gateway_url": stand_ins.discord_gateway_url,
                "rate_limits": {
                    "overall": {"count": rate, "seconds": 1.0},
                    "per_chat": {"count": per_channel.count, "seconds": per_channel.seconds},
                    "per_group": None,
                },
            },
            "delivery": {"in_flight": in_flight},
        }
    )


def open_fds() -> int:
    try:
        return len(os.listdir("/proc/self/fd"))
    except OSError:  # not Linux
        return -1


@cache
def _sqlite_library() -> ctypes.CDLL | None:
    """The libsqlite3 Python's sqlite3 module uses, if it is a shared library this finds (the
    same version): a statically linked SQLite keeps its figures to itself."""
    name = ctypes.util.find_library("sqlite3")
    if name is None:
        return None
    try:
        library = ctypes.CDLL(name)
    except OSError:
        return None
    library.sqlite3_libversion.restype = ctypes.c_char_p
    library.sqlite3_memory_used.restype = ctypes.c_int64
    if library.sqlite3_libversion().decode() != sqlite3.sqlite_version:
        return None
    return library


def sqlite_memory_bytes() -> int | None:
    """SQLite's own heap in this process, mostly the page caches of the store's connections
    (each up to `cache_size`, 2 MB by default): the part of the RSS that grows with the
    database file until every pooled connection's cache is full. None where unavailable."""
    library = _sqlite_library()
    return None if library is None else int(library.sqlite3_memory_used())


def resident_bytes() -> int:
    """The resident set now, after a full collection: garbage waiting for the collector is not
    what a soak looks for."""
    gc.collect()
    return current_rss_bytes() or 0


@dataclass(slots=True)
class Minute:
    """One simulated minute: what was queued and delivered in it, and what it took for real."""

    minute: int  # from START; negative: warm-up
    at: str
    queued: int = 0
    delivered: int = 0
    real_s: float = 0.0
    rss_mb: float = 0.0
    sqlite_mb: float | None = None
    fds: int = 0


@dataclass(slots=True)
class Soak:
    """Everything one run found; `figures` makes the table from it."""

    subscriptions: int
    minutes: int
    warm_up: int
    rate: int
    in_flight: int
    seed: int
    deliveries_telegram: int = 0
    deliveries_discord: int = 0
    expected: int = 0
    expected_scheduled: int = 0
    expected_instant: int = 0
    expected_skipped_slots: int = 0
    queued: int = 0
    lost: int = 0
    duplicated: int = 0
    unexpected: int = 0
    unrecognised: int = 0  # messages whose text is no digest the benchmark knows
    outbox_missing: int = 0  # expected but never queued
    outbox_extra: int = 0  # queued but not expected
    outbox_states: dict[str, int] = field(default_factory=dict)
    content_changes: int = 0
    new_editions: int = 0
    edition_surprises: list[str] = field(default_factory=list)
    failed_passes: int = 0
    stuck_steps: int = 0  # steps whose sends did not settle within STEP_BUDGET_S
    rejected_429: dict[str, int] = field(default_factory=dict)
    rss_start_bytes: int = 0
    rss_end_bytes: int = 0
    fds_start: int = 0
    fds_end: int = 0
    fds_max: int = 0
    sqlite_start_bytes: int | None = None
    sqlite_end_bytes: int | None = None
    pool: str = ""  # the store's connection pool at the end (SQLAlchemy's status line)
    wall_s: float = 0.0  # the measured window, first step to the last settled
    total_wall_s: float = 0.0  # everything: setup, warm-up, window, drain-out, records
    busiest: dict[str, Any] = field(default_factory=dict)
    minutes_log: list[Minute] = field(default_factory=list)
    samples: dict[str, list[Any]] = field(default_factory=dict)  # a few lost/dup/unexpected

    @property
    def deliveries(self) -> int:
        return self.deliveries_telegram + self.deliveries_discord

    @property
    def rss_growth(self) -> float:
        return self.rss_end_bytes / self.rss_start_bytes - 1 if self.rss_start_bytes else 0.0

    def figures(self) -> list[dict[str, Any]]:
        """Each figure with its value, its target and a verdict, for the table and the JSON."""

        def figure(
            name: str, value: Any, target: str = "", passed: bool | None = None
        ) -> dict[str, Any]:
            verdict = "" if passed is None else ("PASS" if passed else "FAIL")
            return {"figure": name, "value": value, "target": target, "verdict": verdict}

        expected = (
            f"{self.expected:,} ({self.expected_scheduled:,} slots, {self.expected_instant:,}"
            f" instant; {self.expected_skipped_slots:,} slots skipped, nothing new)"
        )
        queued_right = not self.outbox_missing and not self.outbox_extra
        queued = f"{self.queued:,} ({self.outbox_missing} missing, {self.outbox_extra} extra)"
        unexpected = self.unexpected + self.unrecognised
        changes = f"{self.content_changes} ({self.new_editions} new editions)"
        troubles = f"{self.failed_passes} / {self.stuck_steps}"
        rejected = " / ".join(str(self.rejected_429.get(p, 0)) for p in ("telegram", "discord"))
        mb = 1e6
        rss = f"{self.rss_start_bytes / mb:.1f} → {self.rss_end_bytes / mb:.1f} MB"
        growth_target = f"≤ {MEMORY_GROWTH_TARGET:.0%}"
        if self.sqlite_start_bytes is None or self.sqlite_end_bytes is None:
            sqlite_memory = "not available"
        else:
            sqlite_memory = (
                f"{self.sqlite_start_bytes / mb:.1f} → {self.sqlite_end_bytes / mb:.1f} MB"
                f" ({(self.sqlite_end_bytes - self.sqlite_start_bytes) / mb:+.1f} MB)"
            )
        fds = f"{self.fds_start} → {self.fds_end} (most {self.fds_max})"
        busy = self.busiest
        busiest = (
            f"{busy.get('delivered', 0):,} sent in {busy.get('real_s', 0.0):.1f} s"
            f" (at {busy.get('at', '—')} UTC)"
        )
        return [
            figure("deliveries received, telegram", self.deliveries_telegram),
            figure("deliveries received, discord", self.deliveries_discord),
            figure("expected", expected, "= received", self.expected == self.deliveries),
            figure("queued in the outbox", queued, "= expected", queued_right),
            figure("lost", self.lost, "0", self.lost == 0),
            figure("duplicated", self.duplicated, "0", self.duplicated == 0),
            figure("unexpected", unexpected, "0", unexpected == 0),
            figure("content changes", changes, "as made", not self.edition_surprises),
            figure("failed passes / stuck steps", troubles, "0 / 0", troubles == "0 / 0"),
            figure("429s, telegram / discord", rejected),
            figure("RSS start → end", rss),
            figure("RSS growth", f"{self.rss_growth:+.1%}", growth_target, self.rss_growth
                   <= MEMORY_GROWTH_TARGET),
            figure("of which SQLite's heap", sqlite_memory),
            figure("open fds start → end", fds),
            figure("busiest simulated minute", busiest),
            figure(f"wall, {self.minutes} simulated minutes", f"{self.wall_s:.1f} s"),
            figure("wall, whole run", f"{self.total_wall_s:.1f} s"),
        ]  # fmt: skip

    def as_json(self) -> dict[str, Any]:
        values = asdict(self)
        values.update(
            deliveries=self.deliveries,
            rss_growth=self.rss_growth,
            figures=[{**f, "value": str(f["value"])} for f in self.figures()],
        )
        return values


class Simulation:
    """Drives one runtime through simulated time and keeps what the report needs."""

    def __init__(self, runtime: Runtime, clock: SteppedClock, soak: Soak, folder: Path) -> None:
        self.runtime = runtime
        self.clock = clock
        self.soak = soak
        self.curator = Curator(folder)
        schedule = runtime.settings.schedule
        self.step = dt.timedelta(seconds=schedule.watch_seconds or schedule.tick_seconds)
        self.tick = dt.timedelta(seconds=schedule.tick_seconds)
        if self.tick % self.step:
            raise ValueError("tick_seconds must be a multiple of watch_seconds")
        # Each digest text the bot may send, to its language and edition number.
        self.texts: dict[str, tuple[Lang, int]] = {}
        self.edition_numbers: dict[str | None, int | None] = {None: None, OLDER_EDITION: -1}
        self.edition_number = 0
        self._edition: Edition = runtime.services.library.edition
        self.edition_numbers[self._edition.selection] = 0
        self._learn_texts()

    @property
    def store(self) -> Store:
        return self.runtime.services.store

    def _learn_texts(self) -> None:
        library = self.runtime.services.library
        for lang in LANGS:
            for fmt in (Format.TELEGRAM, Format.DISCORD):
                text = library.digest(lang, fmt)
                if text is not None:
                    self.texts[text_hash(text)] = (lang, self.edition_number)

    def _after_watch(self, change: Change | None) -> None:
        """Check the edition in service against the change just made, and learn its texts."""
        edition = self.runtime.services.library.edition
        if change is None:
            return
        if edition is self._edition:
            self.soak.edition_surprises.append(f"{change.at:%H:%M:%S}: no reload after the change")
            return
        key_changed = edition.selection != self._edition.selection
        if key_changed != change.new_edition:
            what = "a new summary" if change.new_edition else "a title fix"
            self.soak.edition_surprises.append(
                f"{change.at:%H:%M:%S}: {what} {'changed' if key_changed else 'kept'} the edition"
            )
        if change.new_edition:
            self.edition_number += 1
            self.edition_numbers[edition.selection] = self.edition_number
        self._edition = edition
        self._learn_texts()

    async def _pass(self, job: str) -> None:
        """One of the scheduler's passes; a failure counted and survived, as `Scheduler` does."""
        services = self.runtime.services
        try:
            if job == "watch":
                await services.reload_if_changed()
            else:
                await services.plan()
        except Exception:
            logging.getLogger(__name__).exception("the %s pass failed", job)
            self.soak.failed_passes += 1

    async def settled(self, budget: float = STEP_BUDGET_S) -> bool:
        """Wait until nothing is ready or being sent at the clock's moment: the step is done."""
        now = self.clock.now()
        busy = (
            select(func.count())
            .select_from(outbox)
            .where(
                or_(
                    outbox.c.state == "sending",
                    and_(outbox.c.state == "pending", outbox.c.next_attempt_at <= now),
                )
            )
        )
        deadline = time.perf_counter() + budget
        while await scalar(self.store, busy):
            if time.perf_counter() > deadline:
                return False
            await asyncio.sleep(0.02)
        return True

    async def step_to(self, moment: dt.datetime, change: Change | None, plan: bool) -> None:
        self.clock.advance_to(moment)
        self.runtime.wake.set()  # time has passed: a sleep until a retry would have ended
        if change is not None:
            self.curator.apply(change)
        await self._pass("watch")
        self._after_watch(change)
        if plan:
            await self._pass("plan")
        if not await self.settled():
            self.soak.stuck_steps += 1

    async def outbox_totals(self) -> tuple[int, int]:
        """Rows queued so far (cancelled ones aside) and rows delivered so far."""
        counts = await self.store.outbox.counts()
        return sum(counts.values()) - counts.get("cancelled", 0), counts.get("delivered", 0)

    async def run(self, changes: Sequence[Change], warm_up: int, minutes: int) -> None:
        """Step through the warm-up and the window; sample each simulated minute."""
        by_time = {change.at: change for change in changes}
        steps_per_minute = round(60 / self.step.total_seconds())
        ticks_every = round(self.tick / self.step)
        window_start = time.perf_counter()
        for minute in range(warm_up + minutes + 1):  # the last minute: only its first step
            record = Minute(minute - warm_up, f"{START + dt.timedelta(minutes=minute):%H:%M}")
            queued_before, delivered_before = await self.outbox_totals()
            began = time.perf_counter()
            if minute == warm_up:
                self.soak.rss_start_bytes, self.soak.fds_start = resident_bytes(), open_fds()
                self.soak.sqlite_start_bytes = sqlite_memory_bytes()
                window_start = began
            last_minute = minute == warm_up + minutes
            for number in range(1 if last_minute else steps_per_minute):
                step = minute * steps_per_minute + number
                moment = START + self.step * step
                await self.step_to(moment, by_time.get(moment), step % ticks_every == 0)
            record.real_s = time.perf_counter() - began
            queued, delivered = await self.outbox_totals()
            record.queued, record.delivered = queued - queued_before, delivered - delivered_before
            record.rss_mb, record.fds = (current_rss_bytes() or 0) / 1e6, open_fds()
            if (sqlite_bytes := sqlite_memory_bytes()) is not None:
                record.sqlite_mb = sqlite_bytes / 1e6
            self.soak.minutes_log.append(record)
            progress = (
                f"  {record.at} ({record.minute:+d}): {record.queued:,} queued,"
                f" {record.delivered:,} delivered in {record.real_s:.1f} s"
            )
            print(progress, flush=True)
        self.soak.wall_s = time.perf_counter() - window_start
        self.soak.rss_end_bytes, self.soak.fds_end = resident_bytes(), open_fds()
        self.soak.sqlite_end_bytes = sqlite_memory_bytes()
        self.soak.pool = self.store.engine.pool.status()

    async def drain_out(self) -> None:
        """After the window: no more planning, the clock moves to each retry until none is left."""
        limit = self.clock.now() + DRAIN_OUT
        while (
            upcoming := await self.store.outbox.next_attempt(["telegram", "discord"])
        ) is not None:
            if upcoming > limit:
                break
            self.clock.advance_to(max(upcoming, self.clock.now()))
            self.runtime.wake.set()
            if not await self.settled():
                self.soak.stuck_steps += 1
                break


async def outbox_rows(store: Store) -> list[tuple[str, str, str, str, str, str]]:
    """Every row the run queued: what it was for, and what became of it."""
    query = select(
        outbox.c.platform, outbox.c.chat_id, outbox.c.thread, outbox.c.lang, outbox.c.occasion,
        outbox.c.state,
    )  # fmt: skip
    async with store.engine.connect() as connection:
        return [tuple(row) for row in await connection.execute(query)]


def compare(
    soak: Soak,
    hope: Expectation,
    records: dict[str, Any],
    rows: Sequence[tuple[str, str, str, str, str, str]],
    texts: dict[str, tuple[Lang, int]],
    edition_numbers: dict[str | None, int | None],
) -> None:
    """What arrived and what was queued, against what should have."""
    arrived: Counter[Arrival] = Counter()
    unrecognised = 0
    for platform in ("telegram", "discord"):
        for chat_id, thread, digest in records[platform]:
            known = texts.get(digest)
            if known is None:
                unrecognised += 1
                continue
            arrived[platform, chat_id, thread, *known] += 1
    soak.deliveries_telegram = len(records["telegram"])
    soak.deliveries_discord = len(records["discord"])
    soak.expected = len(hope.arrivals)
    soak.expected_scheduled, soak.expected_instant = hope.scheduled, hope.instant
    soak.expected_skipped_slots = hope.skipped_slots
    lost = hope.arrivals - set(arrived)
    duplicated = {key: n for key, n in arrived.items() if n > 1}
    unexpected = set(arrived) - hope.arrivals
    soak.lost, soak.unexpected, soak.unrecognised = len(lost), len(unexpected), unrecognised
    soak.duplicated = sum(n - 1 for n in duplicated.values())
    soak.rejected_429 = dict(records["rejected_429"])
    soak.samples = {
        "lost": [list(k) for k in sorted(lost)[:10]],
        "duplicated": [[*k, n] for k, n in sorted(duplicated.items())[:10]],
        "unexpected": [list(k) for k in sorted(unexpected)[:10]],
    }
    numbers = {key: str(number) for key, number in edition_numbers.items() if key}
    queued: set[Queued] = set()
    states: Counter[str] = Counter()
    for platform, chat_id, thread, lang, key, state in rows:
        states[state] += 1
        kind, _, what = key.partition(":")
        if kind == "instant":
            key = f"instant:{numbers.get(what, what)}"
        queued.add((platform, chat_id, thread, lang, key))
    soak.queued = len(queued)
    soak.outbox_states = dict(states)
    soak.outbox_missing = len(hope.queued - queued)
    soak.outbox_extra = len(queued - hope.queued)
    soak.samples["outbox_missing"] = [list(k) for k in sorted(hope.queued - queued)[:10]]
    soak.samples["outbox_extra"] = [list(k) for k in sorted(queued - hope.queued)[:10]]


def batches(rows: Sequence[dict[str, Any]]) -> Iterator[Sequence[dict[str, Any]]]:
    for start in range(0, len(rows), INSERT_BATCH):
        yield rows[start : start + INSERT_BATCH]


async def soak_run(args: argparse.Namespace) -> Soak:
    began = time.perf_counter()
    soak = Soak(
        args.subscriptions, args.minutes, args.warm_up, args.rate, args.in_flight, args.seed
    )
    who = audience(args.subscriptions, args.seed)
    span = args.warm_up + args.minutes
    with tempfile.TemporaryDirectory(prefix="ringkas-bench-soak-") as tmp:
        work = Path(tmp)
        folder = work / "digests"
        shutil.copytree(CONTENT, folder)
        stand_ins = StandIns(who.discord_channels)
        try:
            settings = settings_for(
                stand_ins, folder, work / "soak.sqlite3", args.rate, args.in_flight
            )
            clock = SteppedClock(START)
            async with (
                telegram_adapter.connected_sender(
                    settings.telegram, bench_telegram.TOKEN, args.in_flight
                ) as telegram,
                discord_adapter.connected_sender(settings.discord, bench_discord.TOKEN) as discord,
                open_runtime(settings, clock, [telegram, discord]) as runtime,
            ):
                simulation = Simulation(runtime, clock, soak, folder)
                rows = subscription_rows(
                    who, span, runtime.services.library.edition.selection, args.seed
                )
                for batch in batches(rows):
                    await runtime.services.store.subscriptions.add_many(batch)
                step = simulation.step
                changes = content_changes(span, step, args.seed)
                soak.content_changes = len(changes)
                soak.new_editions = sum(change.new_edition for change in changes)
                finish = asyncio.Event()
                worker = asyncio.create_task(
                    runtime.dispatcher.run(runtime.wake, settings.schedule.tick_seconds, finish)
                )
                try:
                    await simulation.run(changes, args.warm_up, args.minutes)
                    await simulation.drain_out()
                finally:
                    finish.set()
                    runtime.wake.set()
                    await worker
                end = START + dt.timedelta(minutes=span)
                hope = expected(rows, changes, simulation.edition_numbers, end)
                rows_queued = await outbox_rows(runtime.services.store)
            records = stand_ins.ask(do="records")
        finally:
            stand_ins.close()
    compare(soak, hope, records, rows_queued, simulation.texts, simulation.edition_numbers)
    window = soak.minutes_log[args.warm_up :]
    if window:
        busiest = max(window, key=lambda m: m.delivered)
        soak.busiest = {"at": busiest.at, "delivered": busiest.delivered, "real_s": busiest.real_s}
    soak.fds_max = max((m.fds for m in window), default=soak.fds_end)
    soak.total_wall_s = time.perf_counter() - began
    return soak


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--minutes", type=int, default=DEFAULT_MINUTES,
        help="simulated minutes measured (default: %(default)s)",
    )  # fmt: skip
    parser.add_argument(
        "--warm-up", type=int, default=DEFAULT_WARM_UP,
        help="simulated minutes before them, not measured (default: %(default)s)",
    )  # fmt: skip
    parser.add_argument(
        "--subscriptions", type=int, default=DEFAULT_SUBSCRIPTIONS, help="default: %(default)s"
    )
    parser.add_argument(
        "--rate", type=int, default=DEFAULT_RATE,
        help="messages a second per platform, the pacer's overall limit (default: %(default)s)",
    )  # fmt: skip
    parser.add_argument("--in-flight", type=int, default=DEFAULT_IN_FLIGHT, help="default: 50")
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED, help="default: %(default)s")
    parser.add_argument("--json", type=Path, help="also write the figures to this file")
    parser.add_argument("--stand-in-child", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--discord-channels", type=int, default=0, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.stand_in_child:
        return asyncio.run(stand_ins_child(args.discord_channels))
    if args.minutes < 1 or args.warm_up < 1 or args.subscriptions < 1:
        parser.error("--minutes, --warm-up and --subscriptions must be at least 1")
    logging.getLogger("discord.http").setLevel(logging.ERROR)  # the table counts the 429s
    load_before = load_average()
    meta = {
        "subscriptions": args.subscriptions,
        "simulated": f"{START:%Y-%m-%d %H:%M} UTC + {args.warm_up} warm-up + {args.minutes} min",
        "rate": f"{args.rate}/s per platform",
        "in_flight": args.in_flight,
        "seed": args.seed,
        **machine(),
    }
    print(", ".join(f"{key}: {value}" for key, value in meta.items()), end="\n\n")
    soak = asyncio.run(soak_run(args))
    print()
    rows = [(f["figure"], f"{f['value']:,}" if isinstance(f["value"], int) else str(f["value"]),
             f["target"], f["verdict"]) for f in soak.figures()]  # fmt: skip
    print_table(("figure", "value", "target", ""), rows)
    if soak.edition_surprises:
        print("\nedition surprises: " + "; ".join(soak.edition_surprises))
    for name, sample in soak.samples.items():
        if sample:
            print(f"\n{name} (first {len(sample)}): {sample}")
    meta.update(load_average_1min_before=load_before)
    note_if_busy(load_before, "the wall times are inflated")
    if args.json is not None:
        results = {"meta": meta, **soak.as_json()}
        args.json.write_text(json.dumps(results, indent=2, default=str) + "\n", encoding="utf-8")
        print(f"\nwrote {args.json}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
