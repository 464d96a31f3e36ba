"""What the broadcast benchmarks (`bench_telegram`, `bench_discord`) share: the push they queue,
the drain they time, the figures they take from a stand-in's timeline, and how they report.
The reliability tests (`tests/reliability/`) queue and drain their broadcasts with it too.

Both measure the same thing on a different platform: one push to every subscription, through
the real store, services and dispatcher, against a stand-in that records every accepted send.
Keeping that logic here means the two platforms' figures are computed the same way, so they can
be read side by side; each benchmark keeps only its stand-in, its sender and its limits. What
every benchmark shares is in `common`.
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import itertools
import time
from collections.abc import Callable, Coroutine, Sequence
from dataclasses import MISSING, asdict, dataclass, field, fields
from pathlib import Path
from typing import Any

from benchmarks.common import CONTENT as CONTENT  # re-exported: tests/reliability/ use it
from benchmarks.common import (
    DEFAULT_IN_FLIGHT,
    load_average,
    note_if_busy,
    print_meta,
    print_table,
    settings_for,
    write_json,
)
from bot.app import Runtime
from bot.config import Settings
from bot.core.delivery.dispatcher import DispatchReport
from bot.core.services import Services
from bot.core.store.tables import OutboxState

ADMIN = "admin:bench"

NO_RATES: dict[str, Any] = {"overall": None, "per_chat": None, "per_group": None}


# --- the bot side ---


def platform_settings(
    platform: str, endpoints: dict[str, str], rates: dict[str, Any], database: Path, in_flight: int
) -> Settings:
    """The defaults over the shipped content, with `platform` pointed at its stand-in
    (`endpoints`) and paced at `rates` (NO_RATES: the dispatcher does not pace at all)."""
    return settings_for(CONTENT, database, in_flight, {platform: (endpoints, rates)})


def database_for(work: Path, name: str, limit: int, in_flight: int) -> Path:
    """A database of its own for each run, so no run starts with another's outbox."""
    return work / f"{name.split()[0].lower()}-{limit}-{in_flight}.sqlite3"


async def queue_push(services: Services, rows: list[dict[str, Any]]) -> int:
    """Store the subscriptions and queue one push of the first summary for all of them, as an
    admin's `/push` and its confirmation would: how many deliveries it queued."""
    await services.store.subscriptions.add_many(rows)
    summary = services.library.catalog.summaries[0].id
    push = await services.propose_push(ADMIN, summary_id=summary)
    return await services.confirm_push(push, ADMIN) or 0


@dataclass(slots=True)
class Drained:
    """What one drain took, for the run's figures: the caller decides whose CPU it was."""

    wall_s: float
    cpu_s: float  # this process (all its threads) during the drain
    report: dict[str, Any]


async def drain(
    runtime: Runtime, budget: float, profiler: cProfile.Profile | None = None
) -> Drained:
    """Drain the dispatcher until the outbox has nothing pending or sending, or `budget`
    seconds are spent: one drain can return while retries still wait, so it drains again."""
    report = DispatchReport()
    start, cpu = time.perf_counter(), time.process_time()
    if profiler is not None:
        profiler.enable()
    while True:
        left = budget - (time.perf_counter() - start)
        report.add(await runtime.dispatcher.drain(wait_up_to=max(left, 0.0)))
        counts = await runtime.services.store.outbox.counts()
        if not counts.get(OutboxState.PENDING, 0) + counts.get(OutboxState.SENDING, 0) or left <= 0:
            break
    if profiler is not None:
        profiler.disable()
    wall_s, cpu_s = time.perf_counter() - start, time.process_time() - cpu
    return Drained(wall_s, cpu_s, {**asdict(report), "errors": report.errors[:5], "outbox": counts})


# --- the figures ---


@dataclass(slots=True, kw_only=True)
class Figures:
    """The figures every broadcast run has, from the drain and the stand-in's records; a
    benchmark's `Run` adds what it was (its pacing, limit and size) and its own extras."""

    queued: int = 0
    wall_s: float = 0.0
    sent: int = 0
    sent_span_s: float = 0.0
    rejected_429: int = 0
    send_requests: int = 0
    lost: int = 0
    duplicated: int = 0
    max_gap_ms: float = 0.0
    stalls: int = 0  # gaps between accepted sends of at least the benchmark's STALL
    stalled_s: float = 0.0  # their total length
    report: dict[str, Any] = field(default_factory=dict)

    @property
    def sent_rate(self) -> float:
        """Over the accepted span (first to last accepted send), not the wall time: the
        connections' warm-up and the drain's last poll are not the pacer's rate."""
        return self.sent / self.sent_span_s if self.sent_span_s > 0 else 0.0

    @property
    def ratio(self) -> float | None:
        """The sent rate over the limit the run was held to; only the benchmark knows which."""
        raise NotImplementedError

    @property
    def rejected_share(self) -> float:
        return self.rejected_429 / self.send_requests if self.send_requests else 0.0

    @property
    def verdict(self) -> str:
        """PASS or FAIL against the benchmark's own targets ("" where there are none)."""
        raise NotImplementedError

    def take_timeline(self, times: Sequence[float], stall: float) -> None:
        """The figures of the accepted sends' times (sorted): how many, their rate's span, and
        the gaps in which nothing went out: a pacer that bursts and waits shows stalls."""
        self.sent = len(times)
        self.sent_span_s = times[-1] - times[0] if len(times) > 1 else 0.0
        gaps = [b - a for a, b in itertools.pairwise(times)]
        self.max_gap_ms = max(gaps, default=0.0) * 1e3
        long_gaps = [gap for gap in gaps if gap >= stall]
        self.stalls, self.stalled_s = len(long_gaps), sum(long_gaps)

    def row(self) -> tuple[str, ...]:
        """The run's row in the benchmark's table."""
        raise NotImplementedError

    def as_json(self) -> dict[str, Any]:
        """Every field and derived figure, keys in the order the results files have always had:
        what the run was, the shared figures, the benchmark's own, the dispatcher's report last
        (a dataclass puts the base's fields first, which would bury what the run was)."""
        values = asdict(self)
        shared = [f.name for f in fields(Figures) if f.name != "report"]
        own = [f for f in fields(self) if f.name not in shared and f.name != "report"]
        what = [f.name for f in own if f.default is MISSING and f.default_factory is MISSING]
        extras = [f.name for f in own if f.name not in what]
        return {
            **{name: values[name] for name in (*what, *shared, *extras, "report")},
            "sent_rate": self.sent_rate,
            "ratio": self.ratio,
            "rejected_share": self.rejected_share,
            "verdict": self.verdict,
        }

    def progress(self, name: str, limit: int, in_flight: int) -> str:
        """The line printed as each run ends, so a long benchmark shows it is moving."""
        return (
            f"  {name}, {limit}/s, in_flight {in_flight}: {self.sent:,} sent"
            f" at {self.sent_rate:.1f}/s, {self.rejected_429} × 429, {self.wall_s:.1f} s"
        )


# --- the report ---


def add_in_flight_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--in-flight", type=int, nargs="+", default=[DEFAULT_IN_FLIGHT],
        help="deliveries in flight, one run each (default: %(default)s)",
    )  # fmt: skip


def run_and_report(
    meta: dict[str, Any],
    run_all: Callable[[], Coroutine[Any, Any, Sequence[Figures]]],
    headers: Sequence[str],
    json_path: Path | None,
) -> int:
    """Print what was measured on what, run, print the table; with `json_path`, write the meta
    and every run's figures there too. Always 0: the benchmarks report, they never fail."""
    load_before = load_average()
    print_meta(meta)
    runs = asyncio.run(run_all())
    print()
    print_table(headers, [run.row() for run in runs])
    meta.update(load_average_1min_before=load_before)
    note_if_busy(load_before, "the rates may be low")
    if json_path is not None:
        write_json(json_path, {"meta": meta, "runs": [run.as_json() for run in runs]})
    return 0
