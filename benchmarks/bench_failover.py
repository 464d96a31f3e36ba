"""Failover benchmark: several `ringkas run` instances on one PostgreSQL store, the sender killed
with SIGKILL again and again in the middle of a push, then cut off from the database: how long
until the next send, and what the push came to.

    python -m benchmarks.bench_failover [--kills 10] [--chats 1100] [--channels 300]
                                        [--cut-chats 600] [--database URL] [--json FILE]

It runs the scenarios of the reliability test (`tests/reliability/instances.py`): three real
programs as subprocesses against the Telegram stand-in, strict as Telegram (30 messages a
second, one a second per chat, 409 for a second poller), on the PostgreSQL database at
`--database` (default: $RINGKAS_TEST_POSTGRES; its public schema is emptied first). A push to
`--chats` chats is queued before they start.

- **kills**: the instance holding `sender:telegram` is killed `--kills` times, each after the next
  share of the push, and a new instance started in its place. **failover** is the time from the
  killed process being reaped to the next send reaching the stand-in (target: p95 <= 3 s).
- **shard 0**: after the kills, the instance holding Discord's shard 0 (of 2; the Discord
  stand-in closes a session with more than 6 of its 10 servers with 4011) is killed too, and
  /help is asked on a server of that shard until an instance answers. **failover** runs from
  the kill to that answer (target: <= 10 s). The push went to `--channels` Discord channels too.
- **cut**: the sender's instance reaches the database through a relay that, at a third of a
  push to `--cut-chats` chats, stops carrying bytes either way while its connections stay open
  (a partition). **failover** runs from the cut to the first send after a quiet second, the new
  holder's (target: <= 15 s).
- **rate / limit**: the push's sends a second, first to last, kills included, over Telegram's 30
  (target: >= 0.9). **repeats**: sends to a chat that had its message already (at most
  `in_flight` per kill or cut). **429**: what the strict stand-in refused.

It reports and never fails: the exit code is 0 whatever the figures.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import statistics
import tempfile
from collections import Counter
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from benchmarks.common import (
    load_average,
    machine,
    note_if_busy,
    print_meta,
    print_table,
    write_json,
)
from tests.adapters.telegram.conftest import TOKEN
from tests.core.store.conftest import empty_schema
from tests.reliability.instances import (
    IN_FLIGHT,
    Cut,
    Failover,
    discord_stand_in,
    run_cut,
    run_failover,
)
from tests.standins.telegram import TelegramStandIn

TELEGRAM_LIMIT = 30  # messages a second
HEADERS = ("scenario", "events", "failover p50", "p95", "max", "target", "rate / limit",
           "repeats", "429", "")  # fmt: skip


def p95(values: Sequence[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]


def kill_row(run: Failover) -> tuple[str, ...]:
    times = [k.failover_s for k in run.kills if k.failover_s is not None]
    ratio = run.rate / TELEGRAM_LIMIT
    ok = len(times) == len(run.kills) and p95(times) <= 3.0 and ratio >= 0.9
    ok = ok and run.repeats <= IN_FLIGHT * len(run.kills)
    return (
        "SIGKILL the sender", str(len(run.kills)), f"{statistics.median(times):.2f} s",
        f"{p95(times):.2f} s", f"{max(times):.2f} s", "p95 <= 3 s", f"{ratio:.3f}",
        str(run.repeats), str(run.rejected_429), "PASS" if ok else "FAIL",
    )  # fmt: skip


def shard_row(run: Failover) -> tuple[str, ...]:
    seconds = run.shard_kill.failover_s if run.shard_kill else None
    repeats = run.discord_sends.total() - run.channels
    shown_once = len(run.discord_shown) == run.channels and set(run.discord_shown.values()) == {1}
    ok = seconds is not None and seconds <= 10.0 and shown_once
    shown = "—" if seconds is None else f"{seconds:.2f} s"
    return (
        "SIGKILL Discord shard 0's holder", "1", shown, shown, shown, "<= 10 s (answered)", "—",
        f"{repeats} (shown once: {'yes' if shown_once else 'no'})", "—",
        "PASS" if ok else "FAIL",
    )  # fmt: skip


def cut_row(cut: Cut) -> tuple[str, ...]:
    seconds = cut.failover_s
    ok = seconds is not None and seconds <= 15.0 and cut.repeats <= IN_FLIGHT
    shown = "—" if seconds is None else f"{seconds:.2f} s"
    return (
        "cut off the database", "1", shown, shown, shown, "<= 15 s", "—",
        str(cut.repeats), str(cut.rejected_429), "PASS" if ok else "FAIL",
    )  # fmt: skip


async def run_all(args: argparse.Namespace) -> tuple[Failover, Cut]:
    with tempfile.TemporaryDirectory(prefix="bench-failover-") as work:
        await empty_schema(args.database)
        async with (
            TelegramStandIn(TOKEN, max_poll_seconds=0.5, auto_chats=True) as api,
            discord_stand_in(args.channels) as dc,
        ):
            kills = await run_failover(
                api, Path(work) / "kills", args.database, chats=args.chats, kills=args.kills,
                dc=dc, channels=args.channels,
            )  # fmt: skip
        print(f"  kills: {len(kills.kills)}, {kills.repeats} repeats")
        await empty_schema(args.database)
        async with TelegramStandIn(TOKEN, max_poll_seconds=0.5, auto_chats=True) as api:
            cut = await run_cut(api, Path(work) / "cut", args.database, chats=args.cut_chats)
        print(f"  cut: failover {cut.failover_s} s")
    return kills, cut


def figures(kills: Failover, cut: Cut) -> dict[str, Any]:
    return {
        "kills": {
            "failover_s": [round(k.failover_s or -1, 3) for k in kills.kills],
            "rate_per_limit": round(kills.rate / TELEGRAM_LIMIT, 3),
            "repeats": kills.repeats,
            "rejected_429": kills.rejected_429,
            "answers_per_command": dict(sorted(Counter(kills.answers.values()).items())),
            "plans": kills.plans,
            "outbox": kills.outbox,
        },
        "shard_0": {
            "failover_s": kills.shard_kill.failover_s if kills.shard_kill else None,
            "discord_repeats": kills.discord_sends.total() - kills.channels,
            "channels_shown_once": sum(n == 1 for n in kills.discord_shown.values()),
        },
        "cut": {
            "failover_s": cut.failover_s,
            "repeats": cut.repeats,
            "rejected_429": cut.rejected_429,
            "outbox": cut.outbox,
        },
    }


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--kills", type=int, default=10, help="default: %(default)s")
    parser.add_argument("--chats", type=int, default=1100, help="default: %(default)s")
    parser.add_argument("--channels", type=int, default=300, help="default: %(default)s")
    parser.add_argument("--cut-chats", type=int, default=600, help="default: %(default)s")
    parser.add_argument(
        "--database", default=os.environ.get("RINGKAS_TEST_POSTGRES", ""),
        help="a PostgreSQL URL whose public schema may be emptied (default: "
        "$RINGKAS_TEST_POSTGRES)",
    )  # fmt: skip
    parser.add_argument("--json", type=Path, help="also write the figures to this file")
    args = parser.parse_args(argv)
    if not args.database:
        parser.error("several instances need PostgreSQL: give --database or RINGKAS_TEST_POSTGRES")
    # A program killed while writing a request leaves the stand-in a half-read body to log.
    logging.getLogger("aiohttp.server").setLevel(logging.CRITICAL)
    load_before = load_average()
    meta = {"instances": 3, "in_flight": IN_FLIGHT, "chats": args.chats, **machine()}
    print_meta(meta)
    kills, cut = asyncio.run(run_all(args))
    print()
    print_table(HEADERS, [kill_row(kills), shard_row(kills), cut_row(cut)])
    note_if_busy(load_before, "start-up and failover times may be long")
    if args.json is not None:
        write_json(args.json, {"meta": meta, "runs": figures(kills, cut)})
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
