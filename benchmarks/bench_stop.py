"""Stop benchmark: how long `ringkas run` takes to stop cleanly (SIGTERM) in the middle of a push,
the figure behind deploy/ringkas.service's TimeoutStopSec.

    python -m benchmarks.bench_stop [--stops 5] [--chats 300] [--in-flight 50]
                                    [--send-ms 30,1000] [--platform telegram|discord|both]
                                    [--json FILE]

The real program runs as a subprocess against a loopback stand-in of the platform (the crash
scenario's, `tests/reliability/crash.py`), with a push to `--chats` chats queued in the store
before it starts and each send held `--send-ms` by the stand-in, so that `--in-flight` sends are
under way when the SIGTERM comes (after the 20th send). A clean stop claims nothing more, waits for
the sends under way and records them, gives up its roles and closes: the figures are the seconds
from SIGTERM to the process's exit (median and worst over `--stops` stops, each on a fresh store),
and the rows it left marked *sending* (a clean stop leaves none). A slower send makes a longer
stop: its bound with the default timeouts is bot/app.py's CLEAN_STOP_SECONDS.

It reports and never fails: the exit code is 0 whatever the figures.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from benchmarks.common import load_average, machine, note_if_busy, print_meta, print_table
from benchmarks.common import write_json as write_results
from bot.app import CLEAN_STOP_SECONDS
from bot.core.store import Store
from tests.adapters.telegram.program import DATABASE, environment, finish, start
from tests.reliability.crash import LIFE_TIMEOUT, PLATFORMS, queue_broadcast, side_for

SIGTERM_AFTER_SENDS = 20


async def one_stop(
    platform: str, chats: int, in_flight: int, send_seconds: float
) -> dict[str, Any]:
    """Start the program on a fresh store mid-push, SIGTERM it: seconds to exit, rows left."""
    with tempfile.TemporaryDirectory(prefix="ringkas-stop-") as name:
        folder = Path(name)
        async with side_for(platform, chats) as side:
            config = side.config(folder, in_flight)
            await queue_broadcast(config, side, chats)
            side.slow_sends(send_seconds)
            env = environment(**{side.token_variable: side.token})
            process = await start(folder, "run", "--config", str(config), env=env)
            try:
                await side.wait_for(
                    lambda: len(side.sends()) >= SIGTERM_AFTER_SENDS, LIFE_TIMEOUT, "sends"
                )
                process.terminate()
                began = time.monotonic()
                code = (await finish(process, timeout=CLEAN_STOP_SECONDS + 30)).code
                seconds = time.monotonic() - began
            finally:
                if process.returncode is None:
                    process.kill()
                    await process.wait()
            async with await Store.open(folder / DATABASE) as store:
                counts = await store.outbox.counts()
    return {"seconds": seconds, "exit_code": code, "left_sending": counts.get("sending", 0)}


async def measure(
    platforms: Sequence[str], stops: int, chats: int, in_flight: int, send_ms: Sequence[int]
) -> list[dict[str, Any]]:
    results = []
    for platform in platforms:
        for ms in send_ms:
            runs = [await one_stop(platform, chats, in_flight, ms / 1000) for _ in range(stops)]
            seconds = [run["seconds"] for run in runs]
            results.append(
                {
                    "platform": platform,
                    "send_ms": ms,
                    "median_s": statistics.median(seconds),
                    "worst_s": max(seconds),
                    "left_sending": max(run["left_sending"] for run in runs),
                    "exit_codes": sorted({run["exit_code"] for run in runs}),
                }
            )
    return results


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--stops", type=int, default=5)
    parser.add_argument("--chats", type=int, default=300)
    parser.add_argument("--in-flight", type=int, default=50)
    parser.add_argument("--send-ms", default="30,1000", help="comma-separated")
    parser.add_argument("--platform", choices=[*PLATFORMS, "both"], default="telegram")
    parser.add_argument("--json", type=Path, metavar="FILE")
    args = parser.parse_args(argv)
    platforms = PLATFORMS if args.platform == "both" else (args.platform,)
    send_ms = [int(ms) for ms in args.send_ms.split(",")]
    load_before = load_average()
    results = asyncio.run(measure(platforms, args.stops, args.chats, args.in_flight, send_ms))
    meta = {
        **machine(),
        "stops": args.stops,
        "chats": args.chats,
        "in_flight": args.in_flight,
        "clean_stop_bound_s": CLEAN_STOP_SECONDS,
    }
    print_meta(meta)
    print_table(
        ["platform", "send", "SIGTERM → exit median", "worst", "left sending", "exit"],
        [
            [
                r["platform"],
                f"{r['send_ms']} ms",
                f"{r['median_s']:.2f} s",
                f"{r['worst_s']:.2f} s",
                str(r["left_sending"]),
                ",".join(map(str, r["exit_codes"])),
            ]
            for r in results
        ],
    )
    note_if_busy(load_before, "the stop times are longer than on an idle machine")
    if args.json:
        write_results(args.json, {"meta": meta, "results": results})
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
