"""Soak benchmark: 30 simulated minutes of the whole bot with 10,000 subscriptions across time
zones, content changing every few minutes, against both loopback stand-ins.

    python -m benchmarks.bench_soak [--minutes 30] [--warm-up 2] [--subscriptions 10000]
                                    [--rate 300] [--in-flight 50] [--seed N] [--json FILE]

This module runs it: it drives the runtime through the simulated minutes, then checks and
reports. The package's docstring (`benchmarks.soak`) says what is real and what is simulated.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import logging
import shutil
import tempfile
import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import and_, func, or_, select

from benchmarks.common import (
    CONTENT,
    DEFAULT_IN_FLIGHT,
    add_subscriptions,
    load_average,
    machine,
    note_if_busy,
    print_meta,
    print_table,
    scalar,
    write_json,
)
from benchmarks.soak import probes
from benchmarks.soak.oracle import Comparison, OutboxRow, compare, expected
from benchmarks.soak.standins import DISCORD_TOKEN, TELEGRAM_TOKEN, StandIns, text_hash
from benchmarks.soak.world import (
    OLDER_EDITION,
    START,
    Change,
    Curator,
    SteppedClock,
    audience,
    content_changes,
    subscription_rows,
)
from bot.adapters import discord as discord_adapter
from bot.adapters import telegram as telegram_adapter
from bot.app import Runtime, open_runtime
from bot.core.delivery.scheduler import Scheduler
from bot.core.library import Edition
from bot.core.models import LANGS, Lang
from bot.core.ports import Format
from bot.core.store import Store
from bot.core.store.tables import OutboxState, outbox

MEMORY_GROWTH_TARGET = 0.10  # RSS at the end over RSS at the start of the window, at most +10%
DEFAULT_MINUTES = 30
DEFAULT_WARM_UP = 2
DEFAULT_SUBSCRIPTIONS = 10_000
DEFAULT_RATE = 300  # messages a second per platform: the pacer's overall limit, set high
DEFAULT_SEED = 6
STEP_BUDGET_S = 300.0  # real seconds one simulated step may take to send, before giving up
DRAIN_OUT = dt.timedelta(hours=2)  # after the window, how far the clock may go for retries


# --- the report ---


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
    check: Comparison = field(default_factory=Comparison)
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

    @property
    def rss_growth(self) -> float:
        return self.rss_end_bytes / self.rss_start_bytes - 1 if self.rss_start_bytes else 0.0

    def window_starts(self, reading: probes.Reading) -> None:
        self.rss_start_bytes, self.fds_start = reading.rss_bytes, reading.fds
        self.sqlite_start_bytes = reading.sqlite_bytes

    def window_ends(self, reading: probes.Reading) -> None:
        self.rss_end_bytes, self.fds_end = reading.rss_bytes, reading.fds
        self.sqlite_end_bytes = reading.sqlite_bytes

    def figures(self) -> list[dict[str, Any]]:
        """Each figure with its value, its target and a verdict, for the table and the JSON."""

        def figure(
            name: str, value: Any, target: str = "", passed: bool | None = None
        ) -> dict[str, Any]:
            verdict = "" if passed is None else ("PASS" if passed else "FAIL")
            return {"figure": name, "value": value, "target": target, "verdict": verdict}

        c = self.check
        expected = (
            f"{c.expected:,} ({c.expected_scheduled:,} slots, {c.expected_instant:,}"
            f" instant; {c.expected_skipped_slots:,} slots skipped, nothing new)"
        )
        queued_right = not c.outbox_missing and not c.outbox_extra
        queued = f"{c.queued:,} ({c.outbox_missing} missing, {c.outbox_extra} extra)"
        unexpected = c.unexpected + c.unrecognised
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
            figure("deliveries received, telegram", c.deliveries_telegram),
            figure("deliveries received, discord", c.deliveries_discord),
            figure("expected", expected, "= received", c.expected == c.deliveries),
            figure("queued in the outbox", queued, "= expected", queued_right),
            figure("lost", c.lost, "0", c.lost == 0),
            figure("duplicated", c.duplicated, "0", c.duplicated == 0),
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
        """Every field, the comparison's in its place as fields of their own (as the results
        files have always had them), and the derived figures."""
        values: dict[str, Any] = {}
        for name, value in asdict(self).items():
            if name == "check":
                values.update(value, deliveries=self.check.deliveries)
            else:
                values[name] = value
        values.update(
            rss_growth=self.rss_growth,
            figures=[{**f, "value": str(f["value"])} for f in self.figures()],
        )
        return values


# --- driving the runtime through simulated time ---


class FailedPasses(logging.Handler):
    """Counts the passes the scheduler logs as failed: it survives a failure, as in service,
    and the report counts what it survived."""

    def __init__(self) -> None:
        super().__init__(logging.ERROR)
        self.count = 0

    def emit(self, record: logging.LogRecord) -> None:
        self.count += 1


class Simulation:
    """Drives one runtime through simulated time and keeps what the report needs: the real
    `Scheduler`'s jobs run when due at each step (`Scheduler.run_due`), and the step ends once
    the dispatcher has sent and settled everything ready at its moment."""

    def __init__(self, runtime: Runtime, clock: SteppedClock, soak: Soak, folder: Path) -> None:
        self.runtime = runtime
        self.clock = clock
        self.soak = soak
        self.curator = Curator(folder)
        schedule = runtime.settings.schedule
        self.scheduler = Scheduler(runtime.services, schedule.tick_seconds, schedule.watch_seconds)
        # Every job's moments must fall on a step, or it would run up to a step late.
        self.step = dt.timedelta(seconds=schedule.watch_seconds or schedule.tick_seconds)
        if dt.timedelta(seconds=schedule.tick_seconds) % self.step:
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

    async def settled(self, budget: float = STEP_BUDGET_S) -> bool:
        """Wait until nothing is ready or being sent at the clock's moment: the step is done."""
        now = self.clock.now()
        busy = (
            select(func.count())
            .select_from(outbox)
            .where(
                or_(
                    outbox.c.state == OutboxState.SENDING,
                    and_(outbox.c.state == OutboxState.PENDING, outbox.c.next_attempt_at <= now),
                )
            )
        )
        deadline = time.perf_counter() + budget
        while await scalar(self.store, busy):
            if time.perf_counter() > deadline:
                return False
            await asyncio.sleep(0.02)
        return True

    async def step_to(self, moment: dt.datetime, change: Change | None) -> None:
        self.clock.advance_to(moment)
        self.runtime.wake.set()  # time has passed: a sleep until a retry would have ended
        if change is not None:
            self.curator.apply(change)
        await self.scheduler.run_due(moment)
        self._after_watch(change)
        if not await self.settled():
            self.soak.stuck_steps += 1

    async def outbox_totals(self) -> tuple[int, int]:
        """Rows queued so far (cancelled ones aside) and rows delivered so far."""
        counts = await self.store.outbox.counts()
        cancelled = counts.get(OutboxState.CANCELLED, 0)
        return sum(counts.values()) - cancelled, counts.get(OutboxState.DELIVERED, 0)

    async def run(self, changes: Sequence[Change], warm_up: int, minutes: int) -> None:
        """Step through the warm-up and the window; sample each simulated minute."""
        by_time = {change.at: change for change in changes}
        steps_per_minute = round(60 / self.step.total_seconds())
        window_start = time.perf_counter()
        for minute in range(warm_up + minutes + 1):  # the last minute: only its first step
            record = Minute(minute - warm_up, f"{START + dt.timedelta(minutes=minute):%H:%M}")
            queued_before, delivered_before = await self.outbox_totals()
            began = time.perf_counter()
            if minute == warm_up:
                self.soak.window_starts(probes.read(collected=True))
                window_start = began
            last_minute = minute == warm_up + minutes
            for number in range(1 if last_minute else steps_per_minute):
                moment = START + self.step * (minute * steps_per_minute + number)
                await self.step_to(moment, by_time.get(moment))
            record.real_s = time.perf_counter() - began
            queued, delivered = await self.outbox_totals()
            record.queued, record.delivered = queued - queued_before, delivered - delivered_before
            sample = probes.read()
            record.rss_mb, record.fds = sample.rss_bytes / 1e6, sample.fds
            if sample.sqlite_bytes is not None:
                record.sqlite_mb = sample.sqlite_bytes / 1e6
            self.soak.minutes_log.append(record)
            progress = (
                f"  {record.at} ({record.minute:+d}): {record.queued:,} queued,"
                f" {record.delivered:,} delivered in {record.real_s:.1f} s"
            )
            print(progress, flush=True)
        self.soak.wall_s = time.perf_counter() - window_start
        self.soak.window_ends(probes.read(collected=True))
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


async def outbox_rows(store: Store) -> list[OutboxRow]:
    """Every row the run queued: what it was for, and what became of it."""
    query = select(
        outbox.c.platform, outbox.c.chat_id, outbox.c.thread, outbox.c.lang, outbox.c.occasion,
        outbox.c.state,
    )  # fmt: skip
    async with store.engine.connect() as connection:
        return [
            (platform, chat_id, thread, lang, occasion, str(state))
            for platform, chat_id, thread, lang, occasion, state in await connection.execute(query)
        ]


# --- the run ---


async def soak_run(args: argparse.Namespace) -> Soak:
    began = time.perf_counter()
    soak = Soak(
        args.subscriptions, args.minutes, args.warm_up, args.rate, args.in_flight, args.seed
    )
    who = audience(args.subscriptions, args.seed)
    span = args.warm_up + args.minutes
    failed_passes = FailedPasses()
    scheduler_log = logging.getLogger(Scheduler.__module__)
    scheduler_log.addHandler(failed_passes)
    with tempfile.TemporaryDirectory(prefix="ringkas-bench-soak-") as tmp:
        work = Path(tmp)
        folder = work / "digests"
        shutil.copytree(CONTENT, folder)
        stand_ins = StandIns(who.discord_channels)
        try:
            settings = stand_ins.settings_for(
                folder, work / "soak.sqlite3", args.rate, args.in_flight
            )
            clock = SteppedClock(START)
            async with (
                telegram_adapter.connected_sender(
                    settings.telegram, TELEGRAM_TOKEN, args.in_flight
                ) as telegram,
                discord_adapter.connected_sender(settings.discord, DISCORD_TOKEN) as discord,
                open_runtime(settings, clock, [telegram, discord]) as runtime,
            ):
                simulation = Simulation(runtime, clock, soak, folder)
                rows = subscription_rows(
                    who, span, runtime.services.library.edition.selection, args.seed
                )
                await add_subscriptions(runtime.services.store, rows)
                changes = content_changes(span, simulation.step, args.seed)
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
            scheduler_log.removeHandler(failed_passes)
    soak.failed_passes = failed_passes.count
    soak.check = compare(hope, records, rows_queued, simulation.texts, simulation.edition_numbers)
    soak.rejected_429 = dict(records["rejected_429"])
    window = soak.minutes_log[args.warm_up :]
    if window:
        busiest = max(window, key=lambda m: m.delivered)
        soak.busiest = {"at": busiest.at, "delivered": busiest.delivered, "real_s": busiest.real_s}
    soak.fds_max = max((m.fds for m in window), default=soak.fds_end)
    soak.total_wall_s = time.perf_counter() - began
    return soak


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks.bench_soak", description=__doc__.splitlines()[0]
    )
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
    parser.add_argument(
        "--in-flight", type=int, default=DEFAULT_IN_FLIGHT, help="default: %(default)s"
    )
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED, help="default: %(default)s")
    parser.add_argument("--json", type=Path, help="also write the figures to this file")
    args = parser.parse_args(argv)
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
    print_meta(meta)
    soak = asyncio.run(soak_run(args))
    print()
    rows = [(f["figure"], f"{f['value']:,}" if isinstance(f["value"], int) else str(f["value"]),
             f["target"], f["verdict"]) for f in soak.figures()]  # fmt: skip
    print_table(("figure", "value", "target", ""), rows)
    if soak.edition_surprises:
        print("\nedition surprises: " + "; ".join(soak.edition_surprises))
    for name, sample in soak.check.samples.items():
        if sample:
            print(f"\n{name} (first {len(sample)}): {sample}")
    meta.update(load_average_1min_before=load_before)
    note_if_busy(load_before, "the wall times are inflated")
    if args.json is not None:
        write_json(args.json, {"meta": meta, **soak.as_json()})
    return 0
