"""Runtime benchmark: the scheduler's due-scan, a full push broadcast's memory, and the
dispatcher's overhead per delivery, with 100,000 subscriptions in a real SQLite file.

    python -m benchmarks.bench_runtime [--subscriptions N] [--small N] [--in-flight 50 200 500]
                                       [--content DIR] [--json FILE] [--profile]

Writes the subscriptions with `Subscriptions.add_many` into a temporary SQLite file (not timed),
then times each step against the real store, broadcaster and dispatcher and prints one table,
each figure beside its target. The memory figures come from fresh subprocesses, one per size,
so that the two measurements share no heap. It reports and never fails: the exit code is 0
whatever the figures.
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import datetime as dt
import json
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time
import traceback
from collections.abc import Awaitable, Callable, Iterator, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import func, select

from benchmarks.common import (
    CONTENT,
    DEFAULT_IN_FLIGHT,
    REPO,
    SLOTS,
    Figure,
    add_subscriptions,
    current_rss_bytes,
    load_average,
    machine,
    note_if_busy,
    peak_rss_bytes,
    percentile,
    pick,
    print_meta,
    print_profile,
    print_table,
    scalar,
    write_json,
)
from bot.core import timing
from bot.core.delivery.dispatcher import Dispatcher, RetryPolicy
from bot.core.delivery.planning import Broadcaster
from bot.core.delivery.pushes import Pusher
from bot.core.library import Library
from bot.core.ports import ChatKind, ChatRef, Delivered, Format, Outbound, Outcome, SystemClock
from bot.core.store import Store
from bot.core.store.tables import outbox, subscriptions
from bot.core.subscription import State
from bot.core.text.compose import DigestOptions

DUE_SCAN_TARGET_MS = 50.0
MEMORY_TARGET_MB = 50.0
DISPATCH_TARGET_MS = 0.2

IN_FLIGHTS = (50, 200, 500)
BATCH = 1000  # what one scheduler tick asks due() for (Broadcaster's BATCH)
DUE_RUNS = 200
DUE_WARMUP = 20
SEED = 3

# A Monday, 07:00 UTC (14:00 in Jakarta, 08:00 in London, 03:00 in New York). The scheduler
# last looked an hour ago, so what falls due in that hour is due now: about 1/24th.
NOW = dt.datetime(2025, 10, 6, 7, 0, tzinfo=dt.UTC)
LOOKBACK = dt.timedelta(hours=1)

ZONES = {
    "Asia/Jakarta": 55,
    "Asia/Makassar": 15,
    "Asia/Jayapura": 5,
    "Europe/London": 12,
    "America/New_York": 13,
}
LANGUAGES = {"id": 50, "en": 30, "both": 20}
# How many delivery times a subscription has (0: instant only, no schedule).
TIME_COUNTS = {0: 10, 1: 75, 2: 15}
PAUSED_SHARE = 0.02
PLATFORMS = {"telegram": 80, "discord": 20}
KINDS = {
    "telegram": {ChatKind.PRIVATE: 70, ChatKind.GROUP: 20, ChatKind.CHANNEL: 10},
    "discord": {ChatKind.CHANNEL: 85, ChatKind.PRIVATE: 15},
}


# --- the subscriptions ---


def subscription_rows(count: int, seed: int = SEED) -> Iterator[dict[str, Any]]:
    """`count` ready rows of the subscriptions table, seeded, made as they are written."""
    rng = random.Random(seed)
    next_dues: dict[tuple[tuple[dt.time, ...], str], dt.datetime | None] = {}
    for number in range(count):
        platform = pick(rng, PLATFORMS)
        kind: ChatKind = pick(rng, KINDS[platform])
        if platform == "telegram":
            chat_id = str(10_000_000 + number if kind is ChatKind.PRIVATE else -1_000_000 - number)
        else:
            chat_id = str(900_000_000_000_000_000 + number)
        thread = str(rng.randint(2, 999)) if kind is ChatKind.GROUP and rng.random() < 0.1 else ""
        zone: str = pick(rng, ZONES)
        times = tuple(sorted(rng.sample(SLOTS, pick(rng, TIME_COUNTS))))
        if (times, zone) not in next_dues:
            next_dues[times, zone] = timing.next_due(times, zone, NOW - LOOKBACK)
        paused = rng.random() < PAUSED_SHARE
        subscribed_at = NOW - dt.timedelta(minutes=rng.randint(60, 400 * 24 * 60))
        yield {
            "platform": platform,
            "chat_id": chat_id,
            "thread": thread,
            "chat_kind": str(kind),
            "chat_title": "" if kind is ChatKind.PRIVATE else f"Chat {number}",
            "languages": pick(rng, LANGUAGES),
            "times": " ".join(t.strftime("%H:%M") for t in times),
            "instant": not times or rng.random() < 0.1,
            "timezone": zone,
            "state": State.PAUSED if paused else State.ACTIVE,
            "paused_reason": "blocked by the user" if paused else None,
            "paused_at": NOW - dt.timedelta(days=3) if paused else None,
            "subscribed_by": f"user:{rng.randint(1, 10**9)}",
            "subscribed_at": subscribed_at,
            "next_due": next_dues[times, zone],
            "last_edition": None if rng.random() < 0.3 else "an-older-edition",
            "last_sent_at": None,
        }


async def write_subscriptions(database: Path, count: int) -> None:
    """A SQLite file holding `count` subscriptions; closed, so its WAL is checkpointed."""
    store = await Store.open(database)
    try:
        await add_subscriptions(store, subscription_rows(count))
    finally:
        await store.close()


def copy_database(template: Path, to: Path) -> Path:
    shutil.copyfile(template, to)
    return to


# --- a sender that answers at once ---


@dataclass(frozen=True, slots=True)
class InstantSender:
    """Delivered at once: what is left of a drain is the dispatcher's and the store's own work."""

    platform: str
    format: Format

    async def send(self, chat: ChatRef, message: Outbound) -> Outcome:
        return DELIVERED


DELIVERED = Delivered("1")


def senders() -> dict[str, InstantSender]:
    return {
        "telegram": InstantSender("telegram", Format.TELEGRAM),
        "discord": InstantSender("discord", Format.DISCORD),
    }


def dispatcher(store: Store, in_flight: int) -> Dispatcher:
    # No limits: PlatformLimits() for every platform, i.e. no pacing at all.
    return Dispatcher(store, senders(), {}, SystemClock(), RetryPolicy(), in_flight)


async def load_library(content: Path, now: dt.datetime) -> Library:
    return await Library.load(content, DigestOptions(), now)


async def push_to_everyone(store: Store, library: Library, now: dt.datetime) -> int:
    """The admin's push, as `ringkas push` does it: draft, record the draft, send."""
    pusher = Pusher(store, library)
    summary = library.catalog.summaries[0].id
    push = await store.pushes.draft(pusher.draft("admin:bench", now, summary_id=summary))
    queued = await pusher.send(push, now)
    assert queued is not None, "a fresh draft is sent"
    return queued


# --- 1. the due-scan ---


async def async_samples_ns(
    call: Callable[[], Awaitable[object]], runs: int, warmup: int
) -> list[int]:
    for _ in range(warmup):
        await call()
    samples = []
    for _ in range(runs):
        start = time.perf_counter_ns()
        await call()
        samples.append(time.perf_counter_ns() - start)
    return samples


async def measure_due_scan(
    template: Path, work: Path, content: Path
) -> tuple[list[Figure], dict[str, Any]]:
    store = await Store.open(copy_database(template, work / "due.sqlite3"))
    try:
        due = await scalar(
            store,
            select(func.count()).where(
                subscriptions.c.state == State.ACTIVE, subscriptions.c.next_due <= NOW
            ),
        )
        total = await scalar(store, select(func.count()).select_from(subscriptions))
        batch = await store.subscriptions.due(NOW, BATCH)
        samples = await async_samples_ns(
            lambda: store.subscriptions.due(NOW, BATCH), DUE_RUNS, DUE_WARMUP
        )
        library = await load_library(content, NOW)
        broadcaster = Broadcaster(store, library)
        start = time.perf_counter_ns()
        planned = await broadcaster.plan_due(NOW)
        plan_ns = time.perf_counter_ns() - start
        left = await scalar(
            store,
            select(func.count()).where(
                subscriptions.c.state == State.ACTIVE, subscriptions.c.next_due <= NOW
            ),
        )
    finally:
        await store.close()
    assert left == 0, f"plan_due left {left} subscriptions due"
    scan = f"due-scan, due({BATCH:,}) of {due:,} due"
    served = max(due, 1)
    figures = [
        Figure(scan, f"p50 of {DUE_RUNS}", percentile(samples, 50) / 1e6, "ms"),
        Figure(scan, f"p95 of {DUE_RUNS}", percentile(samples, 95) / 1e6, "ms", DUE_SCAN_TARGET_MS),
        Figure(f"plan_due, all {due:,} due", "total", plan_ns / 1e9, "s"),
        Figure(f"plan_due, all {due:,} due", "per subscription", plan_ns / 1e6 / served, "ms"),
    ]
    info = {
        "subscriptions": total,
        "due": due,
        "due_share": due / max(total, 1),
        "due_batch_rows": len(batch),
        "plan_due_queued": planned.queued,
        "plan_due_skipped": planned.skipped,
    }
    return figures, info


# --- 2. memory of a full broadcast, in a fresh process per size ---


async def broadcast_in_this_process(
    database: Path, content: Path, in_flight: int
) -> dict[str, Any]:
    """One full push broadcast; peak RSS once the content and store are open, and at the end."""
    now = SystemClock().now()
    library = await load_library(content, now)
    store = await Store.open(database)
    try:
        baseline, baseline_now = peak_rss_bytes(), current_rss_bytes()
        queued = await push_to_everyone(store, library, now)
        start = time.perf_counter()
        report = await dispatcher(store, in_flight).drain()
        drain_s = time.perf_counter() - start
        end, end_now = peak_rss_bytes(), current_rss_bytes()
    finally:
        await store.close()
    return {
        "queued": queued,
        "delivered": report.delivered,
        "drain_s": drain_s,
        "baseline_bytes": baseline,
        "end_bytes": end,
        "rss_now_at_baseline_bytes": baseline_now,
        "rss_now_at_end_bytes": end_now,
    }


def memory_child(database: Path, content: Path, in_flight: int) -> int:
    """One broadcast over `database`, measured in a fork of this fresh process; its figures
    as one JSON line on stdout.

    A process started by exec inherits the peak RSS of the one that started it: Linux keeps
    the larger `ru_maxrss` across exec, and subprocess's vfork makes that the parent's peak,
    which is the benchmark's own (about 117 MB at full size). A forked child starts its count
    afresh from this small process's current RSS, so `ru_maxrss` is its own.
    """
    if not hasattr(os, "fork"):  # no fork (Windows): the figure may include the parent's peak
        print(json.dumps(asyncio.run(broadcast_in_this_process(database, content, in_flight))))
        return 0
    sys.stdout.flush()
    pid = os.fork()
    if pid == 0:
        code = 1
        try:
            result = asyncio.run(broadcast_in_this_process(database, content, in_flight))
            print(json.dumps(result), flush=True)
            code = 0
        except BaseException:
            traceback.print_exc()
            sys.stderr.flush()
        finally:
            os._exit(code)
    _, status = os.waitpid(pid, 0)
    return os.waitstatus_to_exitcode(status)


def start_broadcast(database: Path, content: Path, in_flight: int) -> subprocess.Popen[str]:
    command = [
        sys.executable, "-m", "benchmarks.bench_runtime", "--memory-child", str(database),
        "--content", str(content), "--in-flight", str(in_flight),
    ]  # fmt: skip
    return subprocess.Popen(
        command, cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )


def broadcast_result(child: subprocess.Popen[str]) -> dict[str, Any]:
    out, err = child.communicate()
    if child.returncode != 0:
        raise RuntimeError(f"the memory subprocess failed:\n{err}")
    result: dict[str, Any] = json.loads(out.strip().splitlines()[-1])
    return result


def measure_memory(
    templates: dict[int, Path], work: Path, content: Path, in_flight: int
) -> tuple[list[Figure], dict[str, Any]]:
    """Both sizes at once, each in its own process: a process's peak RSS is its own alone."""
    children = {
        size: start_broadcast(
            copy_database(template, work / f"memory-{size}.sqlite3"), content, in_flight
        )
        for size, template in sorted(templates.items())
    }
    runs = {size: broadcast_result(child) for size, child in children.items()}
    small, large = sorted(runs)
    growth = {size: (r["end_bytes"] - r["baseline_bytes"]) / 1e6 for size, r in runs.items()}
    figures = [
        Figure(f"peak RSS growth, {size:,} subs ({runs[size]['delivered']:,} sent)", "", g, "MB")
        for size, g in growth.items()
    ]
    figures.append(
        Figure(
            f"growth {small:,} → {large:,} subs, in_flight {in_flight}",
            "difference",
            growth[large] - growth[small],
            "MB",
            MEMORY_TARGET_MB,
        )
    )
    return figures, {"in_flight": in_flight, "runs": {str(size): r for size, r in runs.items()}}


# --- 3. the dispatcher's overhead per delivery ---


async def write_pushed(template: Path, to: Path, content: Path) -> tuple[int, float]:
    """A copy of `template` with one push queued for every active subscription, not sent."""
    now = SystemClock().now()
    library = await load_library(content, now)
    store = await Store.open(copy_database(template, to))
    try:
        start = time.perf_counter()
        queued = await push_to_everyone(store, library, now)
        seconds = time.perf_counter() - start
    finally:
        await store.close()
    return queued, seconds


async def drain_once(database: Path, in_flight: int) -> tuple[int, float]:
    store = await Store.open(database)
    try:
        start = time.perf_counter()
        report = await dispatcher(store, in_flight).drain()
        seconds = time.perf_counter() - start
        pending = await scalar(
            store, select(func.count()).where(outbox.c.state.in_(["pending", "sending"]))
        )
    finally:
        await store.close()
    assert pending == 0 and report.failed == 0 and report.retried == 0, (pending, report)
    return report.delivered, seconds


async def measure_dispatch(
    pushed: Path, work: Path, in_flights: Sequence[int]
) -> tuple[list[Figure], dict[str, Any]]:
    figures, runs = [], {}
    for in_flight in in_flights:
        database = copy_database(pushed, work / f"drain-{in_flight}.sqlite3")
        delivered, seconds = await drain_once(database, in_flight)
        database.unlink()
        target = DISPATCH_TARGET_MS if in_flight == DEFAULT_IN_FLIGHT else None
        default = " (default)" if in_flight == DEFAULT_IN_FLIGHT else ""
        measure = f"drain {delivered:,} deliveries, in_flight {in_flight}{default}"
        figures.append(
            Figure(measure, "per delivery", seconds * 1e3 / max(delivered, 1), "ms", target)
        )
        runs[str(in_flight)] = {"delivered": delivered, "seconds": seconds}
    return figures, runs


# --- profiling, on request ---


def profile_all(template: Path, pushed: Path, work: Path, content: Path) -> None:
    async def due_scans(store: Store) -> None:
        for _ in range(20):
            await store.subscriptions.due(NOW, BATCH)

    async def scan_and_plan() -> None:
        store = await Store.open(copy_database(template, work / "profile-due.sqlite3"))
        library = await load_library(content, NOW)
        try:
            profiler = cProfile.Profile()
            profiler.enable()
            await due_scans(store)
            profiler.disable()
            print_profile("due(1000) x20", profiler)
            profiler = cProfile.Profile()
            profiler.enable()
            await Broadcaster(store, library).plan_due(NOW)
            profiler.disable()
            print_profile("plan_due, full pass", profiler)
        finally:
            await store.close()

    async def drain() -> None:
        store = await Store.open(copy_database(pushed, work / "profile-drain.sqlite3"))
        try:
            profiler = cProfile.Profile()
            profiler.enable()
            await dispatcher(store, DEFAULT_IN_FLIGHT).drain()
            profiler.disable()
            print_profile(f"drain, in_flight {DEFAULT_IN_FLIGHT}", profiler)
        finally:
            await store.close()

    asyncio.run(scan_and_plan())
    asyncio.run(drain())


# --- the run ---


def run(args: argparse.Namespace) -> dict[str, Any]:
    content: Path = args.content
    small = args.small if args.small < args.subscriptions else max(1, args.subscriptions // 10)
    load_before = load_average()
    with tempfile.TemporaryDirectory(prefix="ringkas-bench-") as tmp:
        work = Path(tmp)
        start = time.perf_counter()
        templates = {}
        for size in sorted({small, args.subscriptions}):
            templates[size] = work / f"subscriptions-{size}.sqlite3"
            asyncio.run(write_subscriptions(templates[size], size))
        template = templates[args.subscriptions]
        pushed = work / "pushed.sqlite3"
        queued, push_s = asyncio.run(write_pushed(template, pushed, content))
        megabytes = template.stat().st_size / 1e6
        print(
            f"wrote {args.subscriptions:,} subscriptions ({megabytes:.1f} MB of SQLite)"
            f" in {time.perf_counter() - start:.1f} s (not timed)"
        )
        due_figures, due_info = asyncio.run(measure_due_scan(template, work, content))
        meta = {
            "content": str(content),
            **due_info,
            "sqlite_megabytes": round(megabytes, 1),
            "push_deliveries": queued,
            **machine(),
        }
        print_meta(meta)
        figures = [*due_figures, Figure(f"send_push, {queued:,} rows queued", "", push_s, "s")]
        memory_figures, memory_info = measure_memory(
            templates, work, content, args.memory_in_flight
        )
        figures += memory_figures
        dispatch_figures, dispatch_info = asyncio.run(
            measure_dispatch(pushed, work, args.in_flight)
        )
        figures += dispatch_figures
        print_table(("figure", "stat", "result", "target", ""), [f.row() for f in figures])
        load_after = load_average()
        meta.update(load_average_1min_before=load_before, load_average_1min_after=load_after)
        note_if_busy(load_before, "the timings are inflated")
        if args.profile:
            profile_all(template, pushed, work, content)
    return {
        "meta": meta,
        "figures": [{**asdict(f), "verdict": f.verdict} for f in figures],
        "memory": memory_info,
        "dispatch": dispatch_info,
    }


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--subscriptions", type=int, default=100_000, help="default: %(default)s")
    parser.add_argument(
        "--small", type=int, default=1_000, help="the memory run to compare with (%(default)s)"
    )
    parser.add_argument(
        "--in-flight", type=int, nargs="+", default=list(IN_FLIGHTS), help="default: 50 200 500"
    )
    parser.add_argument(
        "--memory-in-flight", type=int, default=DEFAULT_IN_FLIGHT, help="default: %(default)s"
    )
    parser.add_argument("--content", type=Path, default=CONTENT, help="default: digests/")
    parser.add_argument("--json", type=Path, help="also write the figures to this file")
    parser.add_argument("--profile", action="store_true", help="then print cProfile summaries")
    parser.add_argument("--memory-child", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.memory_child is not None:
        return memory_child(args.memory_child, args.content, args.in_flight[0])
    results = run(args)
    if args.json is not None:
        write_json(args.json, results)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
