"""Crash benchmark: `ringkas run` killed with SIGKILL again and again in the middle of a push,
restarted each time, then left to finish; what was lost, what was sent twice, and how long a
restart takes to send again.

    python -m benchmarks.bench_crash [--kills 20] [--chats 300] [--seed 6]
                                     [--platform telegram|discord|both] [--in-flight 5]
                                     [--send-ms 30] [--start-up-within S] [--json FILE]

It runs the scenario of the reliability test (`tests/reliability/crash.py`), with the same
defaults: the real program as a subprocess against a loopback stand-in of the platform, a push
to `--chats` chats queued in the store before the first start, each send held `--send-ms` by the
stand-in (so the dispatcher's `delivery.in_flight` window stays full), and a kill each time the
stand-in has seen the next of `--kills` send counts drawn from Random(`--seed`) over the
broadcast. A kill is followed by a restart on the same store once the killed process is dead.
With `--start-up-within S`, each kill comes instead at a random moment up to S seconds after the
start, or at the life's first send if that is sooner: kills during start-up.

The figures, from the stand-in's records:

- **delivered / lost**: chats showing the push, and chats without it.
- **dup sends**: sends that reached the platform for a chat already sent to. Each is blamed on the
  life (run of the program) that made the earlier send: its kill kept that send's outcome from
  being recorded. **max/kill** is the most any one kill caused; the README promises at most
  `in_flight`.
- **most sending**: the most outbox rows seen marked *sending* at once, sampling the store every
  20 ms beside the program: the window the dispatcher keeps to `in_flight`.
- **shown twice**: messages a chat shows beyond its one. On Telegram every duplicate send is
  shown; Discord answers a send repeating an earlier nonce with the earlier message.
- **start → 1st send**: seconds from starting the process to its first send reaching the stand-in,
  over the first start and every restart (mean and max): interpreter start-up, imports, the
  store, the content, the platform's log-in, then the recovered rows.
- **outbox**: the rows by state once the last run has finished and stopped (SIGTERM).

It reports and never fails: the exit code is 0 whatever the figures.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import statistics
import tempfile
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
from tests.reliability.crash import (
    IN_FLIGHT,
    PLATFORMS,
    SEND_SECONDS,
    Crashes,
    crash_and_restart,
    side_for,
)

DEFAULT_KILLS = 20
DEFAULT_CHATS = 300
DEFAULT_SEED = 6

HEADERS = (
    "platform", "kills", "chats", "delivered", "lost", "dup sends", "max/kill", "in_flight",
    "most sending", "shown twice", "start → 1st send (mean / max)", "outbox", "wall", "",
)  # fmt: skip


def verdict(crashes: Crashes) -> str:
    """PASS: nothing lost, the outbox settled, and no kill repeated more than the window."""
    settled = set(crashes.outbox) == {"delivered"}
    bounded = crashes.max_duplicates_per_kill <= crashes.in_flight
    return "PASS" if crashes.lost == 0 and settled and bounded else "FAIL"


def row(crashes: Crashes) -> tuple[str, ...]:
    starts = crashes.restart_to_first_send
    return (
        crashes.platform,
        str(crashes.kills),
        str(crashes.chats),
        str(crashes.delivered),
        str(crashes.lost),
        str(crashes.duplicate_sends),
        str(crashes.max_duplicates_per_kill),
        str(crashes.in_flight),
        str(crashes.most_sending),
        str(crashes.shown_duplicates),
        f"{statistics.fmean(starts):.2f} / {max(starts):.2f} s",
        ", ".join(f"{state} {n}" for state, n in sorted(crashes.outbox.items())),
        f"{crashes.wall_s:.1f} s",
        verdict(crashes),
    )


def figures(crashes: Crashes) -> dict[str, Any]:
    starts = crashes.restart_to_first_send
    return {
        "platform": crashes.platform,
        "kills": crashes.kills,
        "chats": crashes.chats,
        "seed": crashes.seed,
        "in_flight": crashes.in_flight,
        "delivered": crashes.delivered,
        "lost": crashes.lost,
        "duplicate_sends": crashes.duplicate_sends,
        "duplicates_by_life": crashes.duplicates_by_life,
        "first_sends_by_life": crashes.first_sends_by_life,
        "max_duplicates_per_kill": crashes.max_duplicates_per_kill,
        "shown_duplicates": crashes.shown_duplicates,
        "most_sending": crashes.most_sending,
        "absorbed_repeats": crashes.absorbed_repeats,
        "start_to_first_send_s": [round(t, 3) for t in starts],
        "start_to_first_send_mean_s": round(statistics.fmean(starts), 3),
        "outbox": crashes.outbox,
        "wall_s": round(crashes.wall_s, 1),
        "verdict": verdict(crashes),
    }


async def run_all(args: argparse.Namespace) -> list[Crashes]:
    platforms = PLATFORMS if args.platform == "both" else (args.platform,)
    runs = []
    for platform in platforms:
        with tempfile.TemporaryDirectory(prefix=f"bench-crash-{platform}-") as work:
            async with side_for(platform, args.chats) as side:
                crashes = await crash_and_restart(
                    side,
                    Path(work),
                    chats=args.chats,
                    kills=args.kills,
                    seed=args.seed,
                    in_flight=args.in_flight,
                    send_seconds=args.send_ms / 1000,
                    start_up_within=args.start_up_within,
                )
        print(
            f"  {platform}: {crashes.duplicate_sends} duplicate sends over {crashes.kills} kills,"
            f" {crashes.lost} lost, {crashes.wall_s:.1f} s"
        )
        runs.append(crashes)
    return runs


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--kills", type=int, default=DEFAULT_KILLS, help="default: %(default)s")
    parser.add_argument("--chats", type=int, default=DEFAULT_CHATS, help="default: %(default)s")
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED, help="default: %(default)s")
    parser.add_argument(
        "--platform", choices=(*PLATFORMS, "both"), default="both", help="default: %(default)s"
    )
    parser.add_argument(
        "--in-flight", type=int, default=IN_FLIGHT,
        help="delivery.in_flight: the duplicate window per kill (default: %(default)s)",
    )  # fmt: skip
    parser.add_argument(
        "--send-ms", type=float, default=SEND_SECONDS * 1000,
        help="milliseconds the stand-in takes for each send (default: %(default)g)",
    )  # fmt: skip
    parser.add_argument(
        "--start-up-within", type=float, metavar="S",
        help="kill at random moments up to S seconds after each start, or at its first send",
    )  # fmt: skip
    parser.add_argument("--json", type=Path, help="also write the figures to this file")
    args = parser.parse_args(argv)
    # A program killed while writing a request leaves the stand-in a half-read body to log.
    logging.getLogger("aiohttp.server").setLevel(logging.CRITICAL)
    load_before = load_average()
    meta = {
        "chats": args.chats,
        "seed": args.seed,
        "in_flight": args.in_flight,
        "send_ms": args.send_ms,
        "kills": f"{args.kills} during start-up, within {args.start_up_within:g} s"
        if args.start_up_within is not None
        else f"{args.kills} by sends seen",
        **machine(),
    }
    print_meta(meta)
    runs = asyncio.run(run_all(args))
    print()
    print_table(HEADERS, [row(crashes) for crashes in runs])
    note_if_busy(load_before, "start-up times may be long")
    if args.json is not None:
        meta.update(load_average_1min_before=load_before)
        results = {"meta": meta, "runs": [figures(crashes) for crashes in runs]}
        write_json(args.json, results)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
