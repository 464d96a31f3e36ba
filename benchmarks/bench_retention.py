"""Bounded storage: a simulated year of 100,000 subscriptions at two digests a day, the real
retention pass run each simulated day, in a real SQLite file.

    python -m benchmarks.bench_retention [--subscriptions N] [--days N] [--retention-days N]
                                         [--sample-every N] [--batch N] [--status-runs N]
                                         [--json FILE]

What is real: the store (`Store.open`, the schema and its indexes, WAL), the subscriptions
(`bench_runtime`'s: zones, languages, times, 2% paused, 4.3% due at its "now"), the digest texts
stored through `Outbox.put_text`, the retention pass (`Retention.prune`, its batches and budget,
run pass after pass until it gets to the end), the due-scan (`Subscriptions.due`, one scheduler
batch) and one whole `Broadcaster.plan_due` over the shipped content, and `/status` itself
(`commands.admin.status` over the real `Services`), and a Prometheus scrape of `/metrics` over HTTP
from the real endpoints (`bot.ops`, the queue's gauges read from the store at each scrape) with the
due slot queued.

What is simulated, to write a year in minutes rather than a year: the deliveries are not planned
and sent but written straight into the outbox as sent, one `INSERT … SELECT` per slot from the
subscriptions table: every active subscription gets two digests a day (00:00 and 12:00 UTC,
whatever its own times), in one language (English for `both`), finished 15 minutes after their
slot, one in 300 failed ("chat gone"), the rest delivered. A new digest text every day (a new
edition: its two languages and three formats, about 1.5 KB each), a push to every active
subscription each week (with its `pushes` row, so that /status shows its progress) and 500 long
button commands a day (`choices`). No follow messages, and no relayed replies (those live on
PostgreSQL, an hour). The simulated year ends at `bench_runtime.NOW`.

It reports and never fails: the exit code is 0 whatever the figures.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import tempfile
import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from statistics import median
from typing import Any

import aiohttp
from sqlalchemy import String, case, cast, func, insert, literal, select, text

from benchmarks.bench_runtime import (
    BATCH,
    DUE_RUNS,
    DUE_SCAN_TARGET_MS,
    DUE_WARMUP,
    NOW,
    async_samples_ns,
    load_library,
    subscription_rows,
)
from benchmarks.common import (
    CONTENT,
    Figure,
    add_subscriptions,
    load_average,
    machine,
    note_if_busy,
    percentile,
    print_meta,
    print_table,
    scalar,
    write_json,
)
from benchmarks.soak.world import SteppedClock
from bot.core.commands.admin import status
from bot.core.commands.base import Request
from bot.core.delivery.planning import Broadcaster
from bot.core.library import Library
from bot.core.models import LANGS
from bot.core.ports import ChatKind, ChatRef, Format
from bot.core.services import Defaults, Services
from bot.core.store import Store
from bot.core.store.outbox import FROM_SELECT_COLUMNS
from bot.core.store.records import Push
from bot.core.store.retention import BATCH as BATCH_ROWS
from bot.core.store.retention import Pruned, Retention
from bot.core.store.tables import (
    OutboxState,
    UtcDateTime,
    bodies,
    choices,
    outbox,
    pushes,
    subscriptions,
)
from bot.core.subscription import State
from bot.ops.health import Health
from bot.ops.http import OpsServer
from bot.ops.metrics import Metrics, ServiceState
from tests.adapters.telegram.test_webhook import free_port

# /status has no target of its own elsewhere: an admin's command should answer as the others
# do, in well under a second, and its store work is most of it; a tenth of a second leaves the
# platform's round trip the rest.
STATUS_TARGET_MS = 100.0
# Bounded: the file grows no more than this once the retention period has filled twice over.
GROWTH_TARGET_PERCENT = 10.0
# One batch is one transaction holding SQLite's write lock: a claim or a command waits this long
# at worst.
BATCH_TARGET_MS = 100.0
# A scrape of /metrics: Prometheus waits 10 s by default, but a scrape every 15 s should cost the
# bot next to nothing; a tenth of a second, like /status.
SCRAPE_TARGET_MS = 100.0
SCRAPE_RUNS = 50
SCRAPE_WARMUP = 3

DAY = dt.timedelta(days=1)
SLOTS = (dt.timedelta(hours=0), dt.timedelta(hours=12))  # the two digests of a simulated day
SENT_AFTER = dt.timedelta(minutes=15)  # a slot's deliveries are all finished by then
FAILED_ONE_IN = 300
PUSH_EVERY = 7  # days
CHOICES_A_DAY = 500
TEXT_CHARS = 1_500  # a digest text, about max_chars and its markup
STATUS_WARMUP = 5
OLD_COUNTS_RUNS = 3
STATUS_PART_RUNS = 10

S = subscriptions.c
ADMIN = ChatRef("telegram", "42")


@dataclass(frozen=True, slots=True)
class Sample:
    day: int
    outbox: int | None  # counted every --sample-every days (a count of millions costs a second)
    bodies: int | None
    choices: int | None
    file_bytes: int  # the SQLite file and its WAL
    free_bytes: int  # pages the deletions freed, which new rows take again
    prune_seconds: float  # the day's retention passes, together
    passes: int
    batches: int
    longest_batch_seconds: float
    deleted: int


# --- a simulated day ---


def body_id_of(day: int) -> str:
    return f"digest:bench-{day:03d}"


async def store_digest(store: Store, day: int, at: dt.datetime) -> str:
    """The day's new digest, in both languages and every format, through the store's own path."""
    body = body_id_of(day)
    for lang in LANGS:
        for fmt in Format:
            filler = f"Day {day} digest ({lang}, {fmt}). " * (TEXT_CHARS // 30)
            await store.outbox.put_text(body, lang, fmt, filler[:TEXT_CHARS], at)
    return body


async def write_sent(store: Store, occasion: str, body: str, at: dt.datetime) -> None:
    """One delivery per active subscription for `occasion`, written as already finished: one in
    FAILED_ONE_IN failed, the rest delivered, SENT_AFTER after `at`."""
    failed = S.id % FAILED_ONE_IN == 0
    rows = select(
        S.id,
        S.platform,
        S.chat_id,
        S.thread,
        S.chat_kind,
        literal(occasion),
        literal(body),
        case((S.languages == "id", "id"), else_="en"),
        literal("digest"),
        case((failed, str(OutboxState.FAILED)), else_=str(OutboxState.DELIVERED)),
        literal(1),
        literal(at, UtcDateTime),
        literal(at, UtcDateTime),
        literal(at + SENT_AFTER, UtcDateTime),
        case((failed, "chat gone: blocked by the user"), else_=None),
        case((failed, None), else_=cast(S.id, String)),
    ).where(S.state == State.ACTIVE)
    columns = [*FROM_SELECT_COLUMNS, "last_error", "message_id"]
    async with store.engine.begin() as connection:
        await connection.execute(insert(outbox).from_select(columns, rows))


async def write_push(store: Store, day: int, at: dt.datetime) -> None:
    push = f"bench{day:03d}"
    body = f"push:{push}:text"
    for lang in LANGS:
        await store.outbox.put_text(body, lang, Format.TELEGRAM, f"Announcement {day}", at)
    async with store.engine.begin() as connection:
        await connection.execute(
            insert(pushes).values(
                id=push,
                text_en=f"Announcement {day}",
                text_id=f"Pengumuman {day}",
                state="sent",
                created_by="admin:bench",
                created_at=at,
                sent_at=at,
            )
        )
    await write_sent(store, f"push:{push}", body, at)


async def write_choices(store: Store, day: int, at: dt.datetime) -> None:
    rows = [
        {"key": f"k:{day:03d}-{n:04d}", "command": f"/whosaid ceasefire page {n}", "created_at": at}
        for n in range(CHOICES_A_DAY)
    ]
    async with store.engine.begin() as connection:
        await connection.execute(insert(choices), rows)


async def prune_all(retention: Retention, cutoff: dt.datetime) -> tuple[float, list[Pruned]]:
    """The real retention pass, pass after pass until one gets to the end, as the scheduler's
    passes would over the day (each stops after its budget)."""
    passes = []
    start = time.perf_counter()
    while True:
        pruned = await retention.prune(cutoff)
        passes.append(pruned)
        if pruned.complete:
            return time.perf_counter() - start, passes


def file_bytes(database: Path) -> int:
    wal = database.with_name(database.name + "-wal")
    return database.stat().st_size + (wal.stat().st_size if wal.exists() else 0)


async def free_bytes(store: Store) -> int:
    async with store.engine.connect() as connection:
        pages = (await connection.execute(text("PRAGMA freelist_count"))).scalar_one()
        size = (await connection.execute(text("PRAGMA page_size"))).scalar_one()
    return int(pages) * int(size)


async def count(store: Store, table: Any) -> int:
    return await scalar(store, select(func.count()).select_from(table))


async def simulate(
    store: Store, database: Path, days: int, retention: dt.timedelta, sample_every: int, batch: int
) -> list[Sample]:
    pruning = Retention(store.engine, batch)
    first = NOW - days * DAY
    samples = []
    for day in range(days):
        start = first + day * DAY
        body = await store_digest(store, day, start)
        for slot in SLOTS:
            await write_sent(store, f"scheduled:{start + slot:%Y-%m-%dT%H:%MZ}", body, start + slot)
        if day % PUSH_EVERY == PUSH_EVERY - 1:
            await write_push(store, day, start + dt.timedelta(hours=6))
        await write_choices(store, day, start)
        seconds, passes = await prune_all(pruning, start + DAY - retention)
        sampled = day % sample_every == sample_every - 1 or day == days - 1
        samples.append(
            Sample(
                day=day + 1,
                outbox=await count(store, outbox) if sampled else None,
                bodies=await count(store, bodies) if sampled else None,
                choices=await count(store, choices) if sampled else None,
                file_bytes=file_bytes(database),
                free_bytes=await free_bytes(store),
                prune_seconds=seconds,
                passes=len(passes),
                batches=sum(p.batches for p in passes),
                longest_batch_seconds=max(p.longest for p in passes),
                deleted=sum(p.rows for p in passes),
            )
        )
        if sampled:
            print_sample(samples[-1])
    return samples


def print_sample(sample: Sample) -> None:
    print(
        f"day {sample.day:>3}: outbox {sample.outbox:>10,}  bodies {sample.bodies:>5,}  "
        f"choices {sample.choices:>6,}  file {sample.file_bytes / 1e6:>8.1f} MB "
        f"({sample.free_bytes / 1e6:.1f} MB free)  pruned {sample.deleted:>7,} rows in "
        f"{sample.prune_seconds:.2f} s ({sample.batches} batches, longest "
        f"{sample.longest_batch_seconds * 1e3:.1f} ms)",
        flush=True,
    )


# --- at the year's end ---


async def measure_at_the_end(
    store: Store, status_runs: int, retention: dt.timedelta
) -> tuple[list[Figure], dict[str, Any]]:
    scan = await async_samples_ns(lambda: store.subscriptions.due(NOW, BATCH), DUE_RUNS, DUE_WARMUP)
    library = await load_library(CONTENT, NOW)
    services = Services(
        store=store,
        library=library,
        broadcaster=Broadcaster(store, library),
        clock=SteppedClock(NOW),  # the year's end, standing still
        defaults=Defaults("en", "Asia/Jakarta", (dt.time(7),)),
        admins={"telegram": frozenset({ADMIN.chat_id})},
        retention=retention,
    )
    request = Request(
        ADMIN, ChatKind.PRIVATE, ADMIN.chat_id, "/status", "en", Format.TELEGRAM, True, True
    )
    start = time.perf_counter_ns()
    shown = await status(request, services, "")
    first_ns = time.perf_counter_ns() - start  # the pushes' progress counted, not yet kept
    timed = await async_samples_ns(
        lambda: status(request, services, ""), status_runs, STATUS_WARMUP
    )
    whole = await async_samples_ns(store.outbox.counts, OLD_COUNTS_RUNS, 0)
    recent = await store.pushes.recent_sent(3)
    # What /status spends its time on: each of its reads of the store, alone.
    parts = {
        "subscriptions by platform and state": store.subscriptions.counts,
        "deliveries waiting, and finished in 24 h": lambda: store.outbox.counts(since=NOW - DAY),
        "paused chats (10)": lambda: store.subscriptions.paused(10),
        f"progress of the {len(recent)} recent pushes": lambda: progress_of(store, recent),
        "recent admin actions (5)": lambda: store.audit.recent(5),
    }
    breakdown = {
        name: median(await async_samples_ns(read, STATUS_PART_RUNS, 1)) / 1e6
        for name, read in parts.items()
    }
    due = await scalar(
        store, select(func.count()).where(S.state == State.ACTIVE, S.next_due <= NOW)
    )
    start = time.perf_counter_ns()
    planned = await services.broadcaster.plan_due(NOW)
    plan_ns = time.perf_counter_ns() - start
    scrapes = await scrape_samples_ns(store, library, SCRAPE_RUNS)
    scan_name = f"due-scan, due({BATCH:,}) of {due:,} due"
    figures = [
        Figure(scan_name, f"p50 of {DUE_RUNS}", percentile(scan, 50) / 1e6, "ms"),
        Figure(
            scan_name, f"p95 of {DUE_RUNS}", percentile(scan, 95) / 1e6, "ms", DUE_SCAN_TARGET_MS
        ),
        Figure(f"plan_due, all {due:,} due", "total", plan_ns / 1e9, "s"),
        Figure("/status, the first after a start", "once", first_ns / 1e6, "ms"),
        Figure("/status", f"p50 of {status_runs}", percentile(timed, 50) / 1e6, "ms"),
        Figure(
            "/status", f"p95 of {status_runs}", percentile(timed, 95) / 1e6, "ms", STATUS_TARGET_MS
        ),
        Figure(
            "Outbox.counts() over the whole table (the old /status)",
            f"median of {OLD_COUNTS_RUNS}",
            median(whole) / 1e6,
            "ms",
        ),
    ]
    figures += [Figure(f"/status: {name}", "median", ms, "ms") for name, ms in breakdown.items()]
    queued = f"GET /metrics over HTTP, {planned.queued:,} deliveries queued"
    figures += [
        Figure(queued, f"p50 of {SCRAPE_RUNS}", percentile(scrapes, 50) / 1e6, "ms"),
        Figure(
            queued, f"p95 of {SCRAPE_RUNS}", percentile(scrapes, 95) / 1e6, "ms", SCRAPE_TARGET_MS
        ),
    ]
    status_text = "\n".join(shown.messages)
    return figures, {"due": due, "plan_due_queued": planned.queued, "status": status_text}


async def scrape_samples_ns(store: Store, library: Library, runs: int) -> list[int]:
    """Scrape /metrics from the real endpoints over the store, `runs` times (after a few not
    counted), as Prometheus does: each scrape reads the queue's gauges from the store."""
    metrics = Metrics(["telegram", "discord"])
    state = ServiceState(
        store, library, SteppedClock(NOW), lambda: ["planner"], lambda: frozenset({"planner"}), []
    )
    server = OpsServer(Health(store, library, [], asyncio.Event()), metrics.registry, state)
    port = free_port()
    await server.start("127.0.0.1", port)
    try:
        async with aiohttp.ClientSession() as session:

            async def scrape() -> None:
                async with session.get(f"http://127.0.0.1:{port}/metrics") as response:
                    assert response.status == 200, response.status
                    assert b"ringkas_outbox_deliveries" in await response.read()

            return await async_samples_ns(scrape, runs, SCRAPE_WARMUP)
    finally:
        await server.close()


async def progress_of(store: Store, sent: Sequence[Push]) -> None:
    """Read from the store each time, as the first /status after a start does (a finished
    push's progress is then kept by the `Pusher`)."""
    for push in sent:
        await store.outbox.progress(f"push:{push.id}")


# --- the run ---


def figures_of(samples: Sequence[Sample], retention_days: int) -> list[Figure]:
    last = samples[-1]
    settled = [s for s in samples if s.day > retention_days]  # the passes that deleted a day
    figures = [
        Figure(f"outbox rows after {last.day} days", "", float(last.outbox or 0), "rows"),
        Figure(f"file after {last.day} days (with its WAL)", "", last.file_bytes / 1e6, "MB"),
    ]
    filled = next((s for s in samples if s.day == 2 * retention_days), None)
    if filled is not None and last.day > filled.day:
        growth = (last.file_bytes - filled.file_bytes) / filled.file_bytes * 100
        figures.append(
            Figure(
                f"file growth, day {filled.day} → day {last.day}",
                "",
                growth,
                "%",
                GROWTH_TARGET_PERCENT,
            )
        )
    if settled:
        seconds = [s.prune_seconds for s in settled]
        figures += [
            Figure("retention, a simulated day's passes", "median", median(seconds), "s"),
            Figure("retention, a simulated day's passes", "max", max(seconds), "s"),
            Figure(
                "retention, rows deleted a second",
                "median",
                median([s.deleted / s.prune_seconds for s in settled]),
                "rows/s",
            ),
            Figure(
                "retention, one batch (one transaction)",
                "longest",
                max(s.longest_batch_seconds for s in settled) * 1e3,
                "ms",
                BATCH_TARGET_MS,
            ),
        ]
    return figures


async def run(args: argparse.Namespace) -> dict[str, Any]:
    load_before = load_average()
    retention = dt.timedelta(days=args.retention_days)
    with tempfile.TemporaryDirectory(prefix="ringkas-bench-") as tmp:
        database = Path(tmp) / "year.sqlite3"
        store = await Store.open(database)
        try:
            await add_subscriptions(store, subscription_rows(args.subscriptions))
            print(f"{args.subscriptions:,} subscriptions written (not timed)", flush=True)
            start = time.perf_counter()
            samples = await simulate(
                store, database, args.days, retention, args.sample_every, args.batch
            )
            simulated_s = time.perf_counter() - start
            end_figures, end_info = await measure_at_the_end(store, args.status_runs, retention)
        finally:
            await store.close()
    figures = [*figures_of(samples, args.retention_days), *end_figures]
    meta = {
        "subscriptions": args.subscriptions,
        "days": args.days,
        "retention_days": args.retention_days,
        "batch": args.batch,
        "simulation_seconds": round(simulated_s, 1),
        **machine(),
    }
    print()
    print_meta(meta)
    print_table(("figure", "stat", "result", "target", ""), [f.row() for f in figures])
    print(f"\n/status at the year's end:\n{end_info['status']}")
    load_after = load_average()
    meta.update(load_average_1min_before=load_before, load_average_1min_after=load_after)
    note_if_busy(load_before, "the timings are inflated")
    return {
        "meta": meta,
        "figures": [{**asdict(f), "verdict": f.verdict} for f in figures],
        "samples": [asdict(s) for s in samples],
        "end": end_info,
    }


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--subscriptions", type=int, default=100_000, help="default: %(default)s")
    parser.add_argument("--days", type=int, default=365, help="simulated days (%(default)s)")
    parser.add_argument("--retention-days", type=int, default=30, help="default: %(default)s")
    parser.add_argument(
        "--sample-every", type=int, default=7, help="count the rows every N days (%(default)s)"
    )
    parser.add_argument(
        "--batch", type=int, default=BATCH_ROWS, help="rows a transaction deletes (%(default)s)"
    )
    parser.add_argument("--status-runs", type=int, default=50, help="default: %(default)s")
    parser.add_argument("--json", type=Path, help="also write the figures to this file")
    args = parser.parse_args(argv)
    results = asyncio.run(run(args))
    if args.json is not None:
        write_json(args.json, results)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
