"""What the benchmark scripts share: where things are, the machine and the report, the figures'
arithmetic, memory, subscriptions in bulk, and the loopback stand-ins with the settings that
point the bot at them. What one script alone uses stays in that script; what only the broadcast
benchmarks share (the push they queue and drain, their figures) is in `broadcast`.

`bench_core` imports this module and reports its peak memory, so only light modules are
imported here; the store, the settings, the stand-ins' servers and asyncio are imported where
they are used (importing the store alone adds some 25 MB, asyncio 2 MB).
"""

from __future__ import annotations

import contextlib
import cProfile
import datetime as dt
import io
import itertools
import json
import math
import os
import platform
import pstats
import random
import resource
import subprocess
import sys
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

from bot.core.ports import ChatKind
from bot.core.subscription import State

if TYPE_CHECKING:
    from bot.config import Settings
    from bot.core.delivery.pacing import Rate
    from bot.core.store import Store
    from tests.standins.discord import Guild

REPO = Path(__file__).resolve().parent.parent
CONTENT = REPO / "digests"
DEFAULT_IN_FLIGHT = 50  # DeliverySettings.in_flight, the configured default
INSERT_BATCH = 5_000  # subscriptions written per `add_many`
SLOTS = [dt.time(h, m) for h in range(24) for m in (0, 30)]  # delivery times on the half hour


# --- the machine and the report ---


# A 1-minute load average above this before a run: other work is running, and the figures suspect.
BUSY_LOAD = 0.5


def load_average() -> float:
    return round(os.getloadavg()[0], 2)


def note_if_busy(load_before: float, consequence: str) -> None:
    """Say so under the figures when the machine was busy before the run."""
    if load_before > BUSY_LOAD:
        print(
            f"\nnote: the machine was busy before the run (load average {load_before}): "
            f"{consequence}"
        )


def machine() -> dict[str, object]:
    return {
        "python": platform.python_version(),
        "platform": platform.platform(),
        "processor": platform.processor() or platform.machine(),
        "cpus": os.cpu_count(),
    }


def print_meta(meta: Mapping[str, object]) -> None:
    """What is measured, on what: the line above the figures."""
    print(", ".join(f"{key}: {value}" for key, value in meta.items()), end="\n\n")


def print_table(headers: Sequence[str], rows: Sequence[Sequence[str]]) -> None:
    widths = [max(len(str(row[i])) for row in (headers, *rows)) for i in range(len(headers))]
    for number, row in enumerate((headers, *rows)):
        print("  ".join(str(cell).ljust(width) for cell, width in zip(row, widths, strict=True)))
        if number == 0:
            print("  ".join("-" * width for width in widths))


def write_json(path: Path, results: Mapping[str, Any]) -> None:
    """The figures as `--json FILE` asks; what JSON cannot hold as it is, as text."""
    path.write_text(json.dumps(results, indent=2, default=str) + "\n", encoding="utf-8")
    print(f"\nwrote {path}")


# --- figures ---


@dataclass(frozen=True)
class Figure:
    measure: str
    stat: str
    value: float
    unit: str
    target: float | None = None

    @property
    def verdict(self) -> str:
        if self.target is None:
            return ""
        return "PASS" if self.value <= self.target else "FAIL"

    def row(self) -> tuple[str, ...]:
        target = "" if self.target is None else f"≤ {self.target:g} {self.unit}"
        return (self.measure, self.stat, f"{self.value:,.3f} {self.unit}", target, self.verdict)


def percentile(samples: Sequence[int], q: float) -> int:
    """The nearest-rank percentile: the smallest sample with at least q% of samples at or below."""
    ordered = sorted(samples)
    return ordered[max(0, math.ceil(q / 100 * len(ordered)) - 1)]


def costliest(profiler: cProfile.Profile, lines: int) -> str:
    """The profile's costliest functions by their own time, without pstats' header."""
    out = io.StringIO()
    pstats.Stats(profiler, stream=out).strip_dirs().sort_stats("tottime").print_stats(lines)
    return out.getvalue().split("\n\n", 1)[-1].rstrip()


def print_profile(label: str, profiler: cProfile.Profile, lines: int = 25) -> None:
    print(f"\n=== profile: {label} (by own time) ===")
    print(costliest(profiler, lines))


# --- memory ---


def peak_rss_bytes() -> int:
    scale = 1 if sys.platform == "darwin" else 1024  # ru_maxrss: KiB on Linux, bytes on macOS
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * scale


def current_rss_bytes() -> int | None:
    """The resident set now (Linux only): shows whether a peak was a passing one."""
    try:
        pages = int(Path("/proc/self/statm").read_text().split()[1])
    except (OSError, IndexError, ValueError):
        return None
    return pages * os.sysconf("SC_PAGE_SIZE")


# --- subscriptions in bulk ---


def pick(rng: random.Random, weights: dict[Any, int]) -> Any:
    return rng.choices(list(weights), weights=list(weights.values()))[0]


def subscription_row(
    platform: str, number: int, chat_id: str, kind: ChatKind, title: str, now: dt.datetime
) -> dict[str, Any]:
    """One active subscription, due tomorrow so the scheduler leaves it alone; the language
    alternates with `number`, one each, so each chat gets exactly one message of the push."""
    return {
        "platform": platform,
        "chat_id": chat_id,
        "thread": "",
        "chat_kind": str(kind),
        "chat_title": title,
        "languages": "id" if number % 2 else "en",
        "times": "07:00",
        "instant": False,
        "timezone": "Asia/Jakarta",
        "state": State.ACTIVE,
        "paused_reason": None,
        "paused_at": None,
        "subscribed_by": f"user:{number}",
        "subscribed_at": now - dt.timedelta(days=1),
        "next_due": now + dt.timedelta(days=1),
        "last_edition": None,
        "last_sent_at": None,
    }


async def add_subscriptions(store: Store, rows: Iterable[dict[str, Any]]) -> None:
    """Write ready rows of the subscriptions table, INSERT_BATCH at a time: rows made on the
    fly are never all held at once."""
    batches = iter(rows)
    while batch := list(itertools.islice(batches, INSERT_BATCH)):
        await store.subscriptions.add_many(batch)


async def scalar(store: Store, query: Any) -> int:
    async with store.engine.connect() as connection:
        return int((await connection.execute(query)).scalar_one())


# --- the stand-ins ---


# Telegram's ids: private chats are user ids, supergroups the -100… ids.
TELEGRAM_PRIVATE_BASE = 10_000_000
TELEGRAM_GROUP_BASE = -1_000_000_000_000
TELEGRAM_PER_CHAT = 1.0  # messages per second to one chat, at the stand-in and the pacer
TELEGRAM_PER_GROUP = (20, 60.0)  # Telegram's 20 messages a minute to one group

DISCORD_GUILD_BASE = 1_500_000_000_000_000_000
DISCORD_CHANNEL_BASE = 1_510_000_000_000_000_000
CHANNELS_PER_GUILD = 500  # Discord's most channels in one guild


def telegram_endpoints(port: int) -> dict[str, str]:
    """The Bot API's URLs of a Telegram stand-in on this port, as `TelegramSettings` has them."""
    return {
        "base_url": f"http://127.0.0.1:{port}/bot",
        "base_file_url": f"http://127.0.0.1:{port}/file/bot",
    }


def telegram_rates(limit: int) -> dict[str, Any]:
    """The pacer's Telegram limits: `limit` a second overall, and Telegram's own per chat and
    per group."""
    count, seconds = TELEGRAM_PER_GROUP
    return {
        "overall": {"count": limit, "seconds": 1.0},
        "per_chat": {"count": 1, "seconds": 1.0 / TELEGRAM_PER_CHAT},
        "per_group": {"count": count, "seconds": seconds},
    }


def discord_per_channel() -> Rate:
    """The configured rate per Discord channel (Discord's 5 messages per 5 s)."""
    from bot.core.delivery.pacing import DISCORD_LIMITS

    per_channel = DISCORD_LIMITS.per_chat
    assert per_channel is not None
    return per_channel


def discord_rates(limit: int) -> dict[str, Any]:
    """The pacer's Discord limits: `limit` a second overall and the configured rate per
    channel; Discord has no limit per guild."""
    per_channel = discord_per_channel()
    return {
        "overall": {"count": limit, "seconds": 1.0},
        "per_chat": {"count": per_channel.count, "seconds": per_channel.seconds},
        "per_group": None,
    }


def guilds_for(channels: int) -> list[Guild]:
    """`channels` text channels for the Discord stand-in, CHANNELS_PER_GUILD to a guild."""
    from tests.standins.discord import Channel, Guild

    starts = range(0, channels, CHANNELS_PER_GUILD)
    return [
        Guild(
            id=DISCORD_GUILD_BASE + number,
            name=f"Guild {number}",
            channels=[
                Channel(DISCORD_CHANNEL_BASE + n, f"news-{n}")
                for n in range(start, min(start + CHANNELS_PER_GUILD, channels))
            ],
        )
        for number, start in enumerate(starts)
    ]


def settings_for(
    content: Path,
    database: Path,
    in_flight: int,
    platforms: Mapping[str, tuple[Mapping[str, str], Mapping[str, Any]]],
) -> Settings:
    """The defaults, each of `platforms` (name → its stand-in's endpoints and the pacer's rate
    limits) pointed at its stand-in."""
    from bot.config import Settings

    sections = {
        name: {**endpoints, "rate_limits": dict(rates)}
        for name, (endpoints, rates) in platforms.items()
    }
    return Settings.model_validate(
        {
            "content": str(content),
            "database": str(database),
            **sections,
            "delivery": {"in_flight": in_flight},
        }
    )


class StandInProcess:
    """The parent's handle on a stand-in served by a child process (`python -m module
    arguments…`), so that the stand-in neither competes with the bot for the event loop nor
    grows the measured process: the child says where it serves in one JSON line, then answers
    each JSON command (`serve_commands`)."""

    def __init__(self, module: str, *arguments: str) -> None:
        self._process = subprocess.Popen(
            [sys.executable, "-m", module, *arguments],
            cwd=REPO,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        self.started = self._read()

    def _read(self) -> dict[str, Any]:
        assert self._process.stdout is not None
        line = self._process.stdout.readline()
        if not line:
            raise RuntimeError(f"the stand-in ended (exit code {self._process.wait()})")
        answer: dict[str, Any] = json.loads(line)
        return answer

    def ask(self, **command: Any) -> dict[str, Any]:
        stdin: IO[str] | None = self._process.stdin
        assert stdin is not None
        stdin.write(json.dumps(command) + "\n")
        stdin.flush()
        return self._read()

    def close(self) -> None:
        with contextlib.suppress(OSError, RuntimeError):
            self.ask(do="stop")
        try:
            self._process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self._process.kill()
            self._process.wait()
        for stream in (self._process.stdin, self._process.stdout):
            if stream is not None:
                stream.close()


async def serve_commands(
    started: Mapping[str, Any], answer: Callable[[dict[str, Any]], dict[str, Any]]
) -> None:
    """The child's side of `StandInProcess`: say where it serves, then answer each command
    read from stdin (without blocking the stand-in's event loop) until "stop" or its end."""
    import asyncio

    loop = asyncio.get_running_loop()
    print(json.dumps(started), flush=True)
    while line := await loop.run_in_executor(None, sys.stdin.readline):
        command = json.loads(line)
        if command["do"] == "stop":
            break
        print(json.dumps(answer(command)), flush=True)
