"""Crash and restart, over and over, in the middle of a broadcast: the reusable scenario behind
`tests/reliability/test_crash.py` and `benchmarks/bench_crash.py`.

The real program (`python -m bot run`) runs as a subprocess against a loopback stand-in served in
the caller's own event loop. Before the first start, a push to every subscribed chat is queued in
the store, as an admin's `/push` and its confirmation would queue it. Each send takes the stand-in
a little while (`send_seconds`), so that `delivery.in_flight` sends are under way at any moment
and a kill lands among them. The program is killed with SIGKILL as soon as the stand-in has seen
a number of sends drawn from a seeded generator (the kill points are spread over the whole
broadcast), `kills` times, each time started again on the same store once the killed process is
dead (one process at a time may send from a store); a last run then finishes the broadcast and is
stopped with SIGTERM. A variant kills each life at a random moment of its start-up instead.

What the scenario records, for the caller to judge: every send that reached the platform (its
chat, when it arrived, and so in which life of the program), what each chat was shown, the most
rows the outbox had marked *sending* at once (sampled beside the program), and the outbox as the
last run left it. A send reaching a chat that had been sent to before is a
*duplicate send*; it is blamed on the life that made the earlier send, whose kill kept the
outcome of that send from being recorded. The README's promise is that each kill causes at most
`delivery.in_flight` of them.
"""

from __future__ import annotations

import asyncio
import bisect
import contextlib
import datetime as dt
import random
import re
import time
from collections import Counter
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from benchmarks import bench_discord, bench_telegram
from benchmarks.broadcast import NO_RATES, queue_push
from bot.app import open_runtime
from bot.config import load_settings
from bot.core.ports import SystemClock
from bot.core.store import Store
from tests.adapters.discord import conftest as discord_side
from tests.adapters.telegram import conftest as telegram_side
from tests.adapters.telegram.program import (
    DATABASE,
    environment,
    finish,
    start,
    telegram_config,
)
from tests.standins.discord import DiscordStandIn
from tests.standins.telegram import TelegramStandIn

PLATFORMS = ("telegram", "discord")
IN_FLIGHT = 5  # small, so that a kill catches the whole window often
SEND_SECONDS = 0.03  # what one send takes the stand-in: the window stays full
# Starting the program on a busy machine takes a few seconds; sending a life's share of the
# broadcast, well under one. A life that takes longer than this has hung.
LIFE_TIMEOUT = 40.0
UNFINISHED = ("pending", "sending")


@dataclass(frozen=True, slots=True)
class SendSeen:
    """One send request that reached the platform: to which chat, and when (time.monotonic)."""

    chat: str
    at: float


class Side(Protocol):
    """One platform's stand-in, and how the scenario reads and configures it."""

    platform: str
    token_variable: str
    token: str

    def config(self, folder: Path, in_flight: int) -> Path:
        """A config file for `ringkas run` against the stand-in, unpaced, with `in_flight`."""

    def subscriptions(self, chats: int, now: dt.datetime) -> list[dict[str, Any]]:
        """`chats` active subscriptions, each receiving exactly one message of the push."""

    def slow_sends(self, seconds: float) -> None:
        """From now on, each send takes the stand-in `seconds` before it is carried out (and is
        carried out even if the program died meanwhile)."""

    def sends(self) -> list[SendSeen]:
        """Every send request that reached the platform so far, in arrival order."""

    def shown(self) -> Counter[str]:
        """How many messages each chat shows."""

    def absorbed_repeats(self) -> int:
        """Sends the platform took for repeats of earlier ones and did not show again."""

    async def wait_for(self, predicate: Callable[[], Any], timeout: float, what: str) -> Any: ...


@dataclass
class TelegramSide:
    """Telegram has no idempotency: every send that reaches it is shown."""

    api: TelegramStandIn
    platform: str = "telegram"
    token_variable: str = "RINGKAS_TELEGRAM_TOKEN"
    token: str = telegram_side.TOKEN

    def config(self, folder: Path, in_flight: int) -> Path:
        return telegram_config(
            folder, self.api, delivery={"in_flight": in_flight}, telegram={"rate_limits": NO_RATES}
        )

    def subscriptions(self, chats: int, now: dt.datetime) -> list[dict[str, Any]]:
        return bench_telegram.subscription_rows(chats, group_share=0.0, now=now)

    def slow_sends(self, seconds: float) -> None:
        self.api.delay_next("sendMessage", seconds, count=1_000_000)

    def sends(self) -> list[SendSeen]:
        return [
            SendSeen(str(call.params["chat_id"]), call.at)
            for call in self.api.calls
            if call.method == "sendMessage"
        ]

    def shown(self) -> Counter[str]:
        return Counter(str(message.chat_id) for message in self.api.sent)

    def absorbed_repeats(self) -> int:
        return 0  # the Bot API has no idempotency key

    async def wait_for(self, predicate: Callable[[], Any], timeout: float, what: str) -> Any:
        return await self.api.wait_for(predicate, timeout, what)


MESSAGES = re.compile(r"/channels/(\d+)/messages")


@dataclass
class DiscordSide:
    """Discord takes a nonce with `enforce_nonce`: a send repeating an earlier one's nonce is
    answered with the earlier message (`nonce_replays`), not shown again."""

    dc: DiscordStandIn
    platform: str = "discord"
    token_variable: str = "RINGKAS_DISCORD_TOKEN"
    token: str = discord_side.TOKEN

    def config(self, folder: Path, in_flight: int) -> Path:
        return discord_side.write_config(
            self.dc,
            folder,
            schedule={"tick_seconds": 60},
            delivery={"in_flight": in_flight},
            discord={"rate_limits": NO_RATES},
        )

    def subscriptions(self, chats: int, now: dt.datetime) -> list[dict[str, Any]]:
        return bench_discord.subscription_rows(chats, now)

    def slow_sends(self, seconds: float) -> None:
        self.dc.delay_next("POST", "/channels/*/messages", seconds, count=1_000_000)

    def sends(self) -> list[SendSeen]:
        return [
            SendSeen(found[1], request.at)
            for request in self.dc.requests
            if request.method == "POST" and (found := MESSAGES.fullmatch(request.path))
        ]

    def shown(self) -> Counter[str]:
        return Counter(str(message.channel_id) for message in self.dc.messages)

    def absorbed_repeats(self) -> int:
        return self.dc.nonce_replays

    async def wait_for(self, predicate: Callable[[], Any], timeout: float, what: str) -> Any:
        return await self.dc.wait_for(predicate, timeout, what)


@contextlib.asynccontextmanager
async def side_for(platform: str, chats: int) -> AsyncIterator[Side]:
    """The platform's stand-in, serving in this event loop, with room for `chats` chats."""
    if platform == "telegram":
        # Every private chat has started the bot; short polls keep each life's exit quick.
        async with TelegramStandIn(
            telegram_side.TOKEN, max_poll_seconds=0.5, auto_chats=True
        ) as api:
            yield TelegramSide(api)
    elif platform == "discord":
        guilds = bench_discord.guilds_for(chats)
        async with DiscordStandIn(token=discord_side.TOKEN, guilds=guilds) as dc:
            yield DiscordSide(dc)
    else:
        raise ValueError(f"no such platform: {platform!r}")


@dataclass(slots=True)
class Life:
    """One run of the program, in time.monotonic seconds."""

    spawned: float
    first_send: float | None = None
    killed: float | None = None  # None: the last run, stopped with SIGTERM
    sends_seen_at_kill: int = 0  # sends the stand-in had seen (over every life) when it died
    exit_code: int | None = None  # -9 for a kill

    @property
    def to_first_send(self) -> float | None:
        """Seconds from starting the process to its first send reaching the platform."""
        return None if self.first_send is None else self.first_send - self.spawned


@dataclass(slots=True)
class Crashes:
    """What a crash-and-restart run came to."""

    platform: str
    chats: int
    kills: int
    in_flight: int
    seed: int
    lives: list[Life] = field(default_factory=list)
    sends: list[SendSeen] = field(default_factory=list)
    shown: Counter[str] = field(default_factory=Counter)
    absorbed_repeats: int = 0  # duplicate sends the platform did not show (Discord's nonce)
    subscribed: frozenset[str] = frozenset()
    outbox: dict[str, int] = field(default_factory=dict)  # rows by state, after the last run
    most_sending: int = 0  # the most rows seen marked sending at once, while the program ran
    wall_s: float = 0.0

    def life_of(self, send: SendSeen) -> int:
        """The life whose process made the send: the last one started before it arrived (the
        next one starts only once the previous one is dead)."""
        return bisect.bisect_right([life.spawned for life in self.lives], send.at) - 1

    @property
    def duplicates_by_life(self) -> list[int]:
        """For each life, how many later sends repeated one of its sends (to the same chat):
        the repeats its end caused."""
        caused = [0] * len(self.lives)
        previous: dict[str, SendSeen] = {}
        for send in sorted(self.sends, key=lambda seen: seen.at):
            if (earlier := previous.get(send.chat)) is not None:
                caused[self.life_of(earlier)] += 1
            previous[send.chat] = send
        return caused

    @property
    def first_sends_by_life(self) -> list[int]:
        """For each life, the chats it was the first to send to: its progress."""
        made = [0] * len(self.lives)
        for chat_send in {send.chat: send for send in reversed(self.sends)}.values():
            made[self.life_of(chat_send)] += 1
        return made

    @property
    def duplicate_sends(self) -> int:
        """Sends that reached the platform for a chat already sent to."""
        return len(self.sends) - len({send.chat for send in self.sends})

    @property
    def shown_duplicates(self) -> int:
        """Messages a chat shows beyond its one."""
        return sum(count - 1 for count in self.shown.values() if count > 1)

    @property
    def delivered(self) -> int:
        """Chats that show the push."""
        return len(self.subscribed & set(self.shown))

    @property
    def lost(self) -> int:
        return len(self.subscribed) - self.delivered

    @property
    def max_duplicates_per_kill(self) -> int:
        return max(self.duplicates_by_life[: self.kills], default=0)

    @property
    def restart_to_first_send(self) -> list[float]:
        """Seconds from each start (the first and every restart) to its first send."""
        return [t for life in self.lives if (t := life.to_first_send) is not None]


@dataclass(frozen=True, slots=True)
class KillAt:
    """When a life ends in SIGKILL: once the stand-in has seen `sends` sends over every life
    (and one at least in this life); or `seconds` after the start, or at the life's first send
    if that comes sooner (a kill during start-up)."""

    sends: int | None = None
    seconds: float | None = None


def kill_points(chats: int, kills: int, seed: int) -> list[KillAt]:
    """Kills by sends seen: `kills` distinct points drawn over the broadcast's length, so kills
    land early, midway and near the end."""
    if not 0 < kills < chats:
        raise ValueError(f"{kills} kills do not fit in a broadcast to {chats} chats")
    return [KillAt(sends=n) for n in sorted(random.Random(seed).sample(range(1, chats), kills))]


def start_up_kills(kills: int, seed: int, within: float) -> list[KillAt]:
    """Kills at random moments of start-up: up to `within` seconds after the start, or at the
    first send. They land in the interpreter's start, the store's opening and recovery, the
    platform's log-in, or among the first sends."""
    draw = random.Random(seed)
    return [KillAt(seconds=draw.uniform(0.0, within)) for _ in range(kills)]


async def crash_and_restart(
    side: Side,
    folder: Path,
    *,
    chats: int,
    kills: int,
    seed: int,
    in_flight: int = IN_FLIGHT,
    send_seconds: float = SEND_SECONDS,
    start_up_within: float | None = None,
) -> Crashes:
    """Queue a push to `chats` chats, kill `ringkas run` `kills` times in the middle of it,
    restarting it each time, and let a last run finish it: what it came to. The kills come
    after numbers of sends spread over the broadcast, or with `start_up_within`, at random
    moments of each start-up (see `start_up_kills`)."""
    if start_up_within is None:
        plan = kill_points(chats, kills, seed)
    else:
        plan = start_up_kills(kills, seed, start_up_within)
    began = time.monotonic()
    config = side.config(folder, in_flight)
    subscribed = await queue_broadcast(config, side, chats)
    side.slow_sends(send_seconds)
    env = environment(**{side.token_variable: side.token})
    crashes = Crashes(side.platform, chats, kills, in_flight, seed, subscribed=subscribed)
    async with watching_sending(folder / DATABASE) as watch:
        for kill in plan:
            await one_life(side, folder, config, env, crashes, kill)
        await one_life(side, folder, config, env, crashes, kill=None)
    crashes.most_sending = watch.most
    crashes.sends, crashes.shown = side.sends(), side.shown()
    crashes.absorbed_repeats = side.absorbed_repeats()
    crashes.wall_s = time.monotonic() - began
    return crashes


async def queue_broadcast(config: Path, side: Side, chats: int) -> frozenset[str]:
    """The subscriptions and the push, in the store the program will use, before any start:
    the chat ids subscribed."""
    settings = load_settings(config)
    async with open_runtime(settings, SystemClock(), []) as runtime:
        rows = side.subscriptions(chats, runtime.services.clock.now())
        queued = await queue_push(runtime.services, rows)
    if queued != chats:
        raise AssertionError(f"the push queued {queued} deliveries for {chats} chats")
    return frozenset(row["chat_id"] for row in rows)


async def one_life(
    side: Side,
    folder: Path,
    config: Path,
    env: dict[str, str],
    crashes: Crashes,
    kill: KillAt | None,
) -> None:
    """Start the program and kill it (SIGKILL) as `kill` says, or, with None, let it finish
    the broadcast and stop it (SIGTERM). Returns once the process is dead."""
    seen_before = len(side.sends())
    life = Life(spawned=time.monotonic())
    crashes.lives.append(life)
    name = f"life {len(crashes.lives)}"
    process = await start(folder, "run", "--config", str(config), env=env)

    def seen(count: int) -> bool:
        # An exit ends a wait at once: `until_sends` tells why it exited.
        return len(side.sends()) >= count or process.returncode is not None

    async def until_sends(count: int) -> None:
        await side.wait_for(lambda: seen(count), LIFE_TIMEOUT, f"{count} sends ({name})")
        if process.returncode is not None:
            raise AssertionError(f"ringkas run exited with {process.returncode}")

    try:
        if kill is not None and kill.seconds is not None:
            deadline = life.spawned + kill.seconds
            while time.monotonic() < deadline and not seen(seen_before + 1):
                await asyncio.sleep(0.005)
        else:
            await until_sends(seen_before + 1)
            if kill is None:
                await wait_until_finished(folder / DATABASE, LIFE_TIMEOUT)
            else:
                await until_sends(max(kill.sends or 0, seen_before + 1))
        if kill is None:
            process.terminate()
        else:
            life.killed, life.sends_seen_at_kill = time.monotonic(), len(side.sends())
            process.kill()
    except BaseException as error:
        if process.returncode is None:
            process.kill()  # never leave the program running
        _, err = await process.communicate()
        raise AssertionError(f"{error}\nringkas run said:\n{err.decode()[-3000:]}") from error
    life.exit_code = (await finish(process)).code
    if len(sends := side.sends()) > seen_before:
        life.first_send = sends[seen_before].at
    if kill is None:
        async with await Store.open(folder / DATABASE) as store:
            crashes.outbox = await store.outbox.counts()


async def wait_until_finished(database: Path, timeout: float) -> None:
    """Until the outbox holds no pending or sending row, read from the store beside the running
    program (readers do not take its sending lock)."""
    deadline = time.monotonic() + timeout
    async with await Store.open(database) as store:
        while True:
            counts = await store.outbox.counts()
            if not any(counts.get(state) for state in UNFINISHED):
                return
            if time.monotonic() > deadline:
                raise AssertionError(f"the broadcast did not finish in {timeout:g} s: {counts}")
            await asyncio.sleep(0.05)


@dataclass(slots=True)
class SendingWatch:
    most: int = 0  # the most rows marked sending in one sample


@contextlib.asynccontextmanager
async def watching_sending(database: Path, every: float = 0.02) -> AsyncIterator[SendingWatch]:
    """Sample the outbox every `every` seconds, beside the program, for the most rows marked
    sending at once: the window a kill can repeat, which the dispatcher keeps to `in_flight`
    (rows a killed process left sending count until the next one puts them back)."""
    watch = SendingWatch()
    stop = asyncio.Event()

    async def sample() -> None:
        async with await Store.open(database) as store:
            while not stop.is_set():
                counts = await store.outbox.counts()
                watch.most = max(watch.most, counts.get("sending", 0))
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(stop.wait(), every)

    sampling = asyncio.create_task(sample())
    try:
        yield watch
    finally:
        stop.set()
        await sampling
