"""Fault-injection benchmark: one push to 2,000 chats per platform through the real adapters
while the stand-ins answer 5% of sends 500, time out 5% and answer 2% 429, with a handful of
chats gone and, on Telegram, a handful of groups migrated to supergroups.

    python -m benchmarks.bench_faults [--chats 2000] [--seed N] [--lock-seconds 3] [--json FILE]

The scenario is `tests/reliability/faults.py`, the one `tests/reliability/test_faults.py`
asserts on: subscriptions in a SQLite file, `Services.propose_push` + `confirm_push`, the real
dispatcher from `open_runtime` and the real sender (`connected_sender`) against the loopback
stand-in of `tests/standins/`, in this process. Four runs:

- **Telegram, timeouts not carried out**: a hung send is dropped after PTB's read timeout.
- **Telegram, timeouts carried out late**: a hung send is carried out after the timeout; Telegram
  has no idempotency key, so its retry repeats it (the stand-in counts those sends).
- **Telegram, store locked**: as the first, with another process holding an exclusive lock on
  the SQLite file for `--lock-seconds` once a quarter of the chats got the digest.
- **Discord, timeouts carried out late**: a hung send is carried out and answered 504; discord.py
  retries it with the same nonce, which Discord (and the stand-in) answers with the first message.

Per platform a table of what the outbox and the stand-in recorded: deliveries, chats reached
exactly once, chats never reached (lost), copies beyond the first (dup) beside the sends
carried out late, subscriptions paused (with their reasons below the table), moved, the
outbox's retries, send requests that reached the stand-in, the faults injected, rows left
pending or sending (stuck), deliveries given up (failed) and the drain's wall time. It reports
and never fails: the exit code is 0 whatever the figures.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import tempfile
from collections import Counter
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
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
from tests.reliability import faults
from tests.reliability.faults import FaultReport, LockWindow, sends_between

HEADERS = (
    "scenario", "chats", "delivered", "once", "lost", "dup / late sends", "paused", "moved",
    "outbox retries", "requests", "500 / timeout / 429", "stuck", "failed", "wall", "",
)  # fmt: skip
LOCKED = "store locked"


@dataclass(slots=True)
class Run:
    report: FaultReport
    lock: LockWindow | None = None
    notes: list[str] = field(default_factory=list)

    @property
    def scenario(self) -> str:
        return f"{self.report.scenario}, {LOCKED}" if self.lock else self.report.scenario

    def row(self) -> tuple[str, ...]:
        r = self.report
        injected = " / ".join(str(r.faults.get(kind, 0)) for kind in ("500", "timeout", "429"))
        return (
            self.scenario,
            f"{r.chats:,}",
            f"{r.delivered:,}",
            f"{r.exactly_once:,}",
            str(r.lost),
            f"{r.duplicates} / {r.carried_out_late}",
            str(len(r.paused)),
            str(r.moved),
            f"{r.retried:,}",
            f"{r.send_requests:,}",
            injected,
            str(r.stuck),
            str(r.failed),
            f"{r.elapsed_s:.1f} s",
            r.verdict,
        )

    def as_json(self) -> dict[str, Any]:
        r = self.report
        figures = {
            name: value
            for name, value in asdict(r).items()
            if name not in ("plan", "copies", "states", "sent_at")
        }
        return {
            **figures,
            "lost": r.lost,
            "verdict": r.verdict,
            "lock": None if self.lock is None else asdict(self.lock),
            "notes": self.notes,
        }


def lock_notes(report: FaultReport, lock: LockWindow) -> list[str]:
    """What the other process's lock did to the broadcast, from the stand-in's timeline."""
    held = lock.released_at - lock.locked_at
    during = sends_between(report, lock.locked_at, lock.released_at)
    quiet = sends_between(report, lock.locked_at + 1.0, lock.released_at)
    after = sends_between(report, lock.released_at, float("inf"))
    return [
        f"store locked {held:.1f} s by another process (exit code {lock.exit_code}):"
        f" {during} sends went out meanwhile (claimed before it; at most"
        f" delivery.in_flight = {faults.IN_FLIGHT}), {quiet} after its first second,"
        f" {after:,} after it was released"
    ]


def reasons(runs: Sequence[Run]) -> list[str]:
    """The paused subscriptions' reasons, counted, per scenario."""
    lines = []
    for run in runs:
        counted = Counter(run.report.paused.values())
        listed = "; ".join(f"{count} × {reason!r}" for reason, count in counted.most_common())
        lines.append(f"paused, {run.scenario}: {listed or 'none'}")
    return lines


async def run_all(args: argparse.Namespace, work: Path) -> dict[str, list[Run]]:
    chats, seed = args.chats, args.seed
    runs: dict[str, list[Run]] = {"telegram": [], "discord": []}
    for late in (False, True):
        report = await faults.telegram_broadcast(work, deliver_late=late, chats=chats, seed=seed)
        runs["telegram"].append(Run(report))
        print(f"  telegram, {report.scenario}: {report.elapsed_s:.1f} s", flush=True)
    if args.lock_seconds > 0:
        lock = LockWindow()
        hold = faults.hold_store_lock(lock, args.lock_seconds, after_sends=chats // 4)
        locked = work / "locked"
        locked.mkdir()
        report = await faults.telegram_broadcast(
            locked, deliver_late=False, chats=chats, seed=seed, during=hold
        )
        runs["telegram"].append(Run(report, lock, lock_notes(report, lock)))
        print(f"  telegram, {LOCKED}: {report.elapsed_s:.1f} s", flush=True)
    report = await faults.discord_broadcast(work, chats=chats, seed=seed)
    notes = [
        f"nonce replays: {report.nonce_replays} (retries Discord answered with the message"
        f" already sent, for {report.carried_out_late} sends carried out late)"
    ]
    runs["discord"].append(Run(report, notes=notes))
    print(f"  discord, {report.scenario}: {report.elapsed_s:.1f} s", flush=True)
    return runs


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--chats", type=int, default=faults.CHATS, help="default: %(default)s")
    parser.add_argument(
        "--seed", type=int, default=0, help="which faults hit which sends (default: %(default)s)"
    )
    parser.add_argument(
        "--lock-seconds", type=float, default=3.0,
        help="how long another process locks the store in the third run; 0 skips it"
             " (default: %(default)s)",
    )  # fmt: skip
    parser.add_argument("--json", type=Path, help="also write the figures to this file")
    args = parser.parse_args(argv)
    # Every fault is logged by the libraries (discord.py warns of each 429); the tables count them.
    for name in ("discord.http", "telegram", "httpx", "bot.core.delivery.dispatcher"):
        logging.getLogger(name).setLevel(logging.ERROR)
    meta = {
        "chats": args.chats,
        "seed": args.seed,
        "p500": faults.P500,
        "p_timeout": faults.P_TIMEOUT,
        "p429": faults.P429,
        "gone": faults.GONE,
        "migrated (telegram)": faults.MIGRATED,
        "read_timeout_s": faults.READ_TIMEOUT,
        "hang_s": faults.HANG,
        "retry_after_s": faults.RETRY_AFTER,
        "max_attempts": faults.MAX_ATTEMPTS,
        "in_flight": faults.IN_FLIGHT,
        **machine(),
    }
    load_before = load_average()
    print_meta(meta)
    with tempfile.TemporaryDirectory(prefix="ringkas-bench-faults-") as tmp:
        runs = asyncio.run(run_all(args, Path(tmp)))
    for platform, platform_runs in runs.items():
        print(f"\n{platform}\n")
        print_table(HEADERS, [run.row() for run in platform_runs])
        print()
        for line in reasons(platform_runs):
            print(line)
        for run in platform_runs:
            for note in run.notes:
                print(note)
    note_if_busy(load_before, "the wall times may be long")
    if args.json is not None:
        meta.update(load_average_1min_before=load_before)
        results = {
            "meta": meta,
            "runs": {p: [run.as_json() for run in rs] for p, rs in runs.items()},
        }
        write_json(args.json, results)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
