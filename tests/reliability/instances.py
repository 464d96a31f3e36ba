"""Several `ringkas run` processes on one PostgreSQL store, the sender killed mid-push: the
scenario behind `tests/reliability/test_instances.py` and `benchmarks/bench_failover.py`.

Three instances serve one store against the Telegram stand-in, as strict as Telegram: 30
messages a second overall, one a second per chat, and 409 Conflict for a second poller; and, in
`run_failover`, the Discord stand-in, sharded as Discord is: two shards recommended, a session
with more than SERVERS_PER_SESSION servers closed with 4011, IDENTIFYs spaced per bucket. Before
they start, a push to `chats` chats is queued, and a few scheduled subscriptions are due at
once (the planner must queue each slot once, whichever instance plans). While the push goes
out, the instance holding `sender:telegram` is killed with SIGKILL `kills` times, each after a
share of the push, and a new instance is started in its place, as a supervisor would. Users
send /help before each kill (answered before it), in the gap it leaves, and after the takeover.
Then the instance holding Discord's shard 0 is killed too, and /help is asked on a server of
that shard until an instance answers.
(A command the poller had fetched, and Telegram had confirmed, in the instant it was killed may
go unanswered: the README states this window.)

What the scenario records, for the caller to judge: every send, each kill (when the killed
process was reaped, and when the next send arrived), the answers each command got, the 429s the
stand-in gave, and each process's log.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import json
import re
import signal
import sys
import time
from collections import Counter
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.engine import make_url

from benchmarks import bench_discord, bench_telegram
from benchmarks.broadcast import queue_push
from benchmarks.common import DISCORD_CHANNEL_BASE, DISCORD_GUILD_BASE, subscription_row
from bot.adapters.discord.shards import shard_role
from bot.app import open_runtime
from bot.config import load_settings
from bot.core.ports import ChatKind, SystemClock
from bot.core.store import Store
from bot.core.store.tables import leases
from bot.core.text.strings import say
from tests.adapters.discord import conftest as discord_side
from tests.adapters.telegram import conftest as telegram_side
from tests.adapters.telegram.program import environment, telegram_config
from tests.reliability import leaks
from tests.standins.discord import Channel, DiscordStandIn, Guild
from tests.standins.telegram import TelegramStandIn, User

INSTANCES = 3
IN_FLIGHT = 5
SCHEDULED = 20  # subscriptions due as the instances start: the planner queues each once
USERS_BASE = 7_000_000  # the users who send /help: private chats apart from the push's
# A send arriving this long after the killed process was reaped is the new holder's: what the
# dead process had written to its sockets has reached the stand-in by then.
AFTER_DEATH = 0.02
START_TIMEOUT = 30.0
FINISH_TIMEOUT = 120.0
CHANNEL_POSTS = re.compile(r"/channels/(\d+)/messages")
QUEUED = re.compile(r"queued (\d+) deliveries")
DISCORD_SHARDS = 2
SERVERS = 10  # Discord servers, spread evenly over the shards
SERVERS_PER_SESSION = 6  # more in one session: 4011, sharding required
ANSWER_WAIT = 2.0  # an interaction unanswered this long went to a session that is gone


@dataclass
class Instance:
    """One `ringkas run` process and its log, read as it writes (a full pipe would stall it)."""

    number: int
    process: asyncio.subprocess.Process
    log: list[str] = field(default_factory=list)
    reader: asyncio.Task[None] | None = None

    @property
    def pid(self) -> int:
        return self.process.pid

    async def read(self) -> None:
        stream = self.process.stderr
        assert stream is not None
        while line := await stream.readline():
            self.log.append(line.decode(errors="replace").rstrip())


@dataclass(slots=True)
class Kill:
    """One SIGKILL of the sender's holder."""

    pid: int
    reaped: float = 0.0  # time.monotonic() when the process was gone
    next_send: float | None = None  # the first send after it, from the instance taking over
    sends_before: int = 0

    @property
    def failover_s(self) -> float | None:
        return None if self.next_send is None else self.next_send - self.reaped


@dataclass(slots=True)
class Failover:
    chats: int
    kills: list[Kill] = field(default_factory=list)
    sends: Counter[str] = field(default_factory=Counter)  # push sends per chat
    answers: dict[int, int] = field(default_factory=dict)  # user → help answers
    rejected_429: int = 0
    conflicts: int = 0  # 409s a live poller logged
    plans: list[int] = field(default_factory=list)  # "queued N deliveries", from every log
    outbox: dict[str, int] = field(default_factory=dict)
    channels: int = 0  # Discord channels the push went to
    discord_sends: Counter[str] = field(default_factory=Counter)  # push sends per channel
    discord_shown: Counter[str] = field(default_factory=Counter)  # messages per channel
    shard_kill: Kill | None = None  # next_send: when an interaction on shard 0 was answered
    push_seconds: float = 0.0  # first push send to the last
    sent_meanwhile: int = 0  # every message accepted then: the push, answers, due digests
    logs: list[list[str]] = field(default_factory=list)

    @property
    def repeats(self) -> int:
        return sum(count - 1 for count in self.sends.values() if count > 1)

    @property
    def rate(self) -> float:
        """Messages sent a second from the push's first send to its last, kills included: the
        share of the platform's limit the service used."""
        return self.sent_meanwhile / self.push_seconds if self.push_seconds else 0.0


async def run_failover(
    api: TelegramStandIn,
    folder: Path,
    database: str,
    *,
    chats: int,
    kills: int,
    dc: DiscordStandIn | None = None,
    channels: int = 0,
) -> Failover:
    """Queue the push (to `chats` Telegram chats, and with `dc` to `channels` Discord
    channels), start INSTANCES instances, kill the Telegram sender `kills` times mid-push
    (restarting one each time), then with `dc` the holder of Discord's shard 0; let the push
    finish, stop them: what it came to."""
    config = config_for(folder, api, database, dc)
    await queue(config, chats, channels)
    api.limit(30, per_chat_per_second=1.0)  # as strict as Telegram, from the first send
    tokens = {"RINGKAS_TELEGRAM_TOKEN": telegram_side.TOKEN}
    if dc is not None:
        tokens["RINGKAS_DISCORD_TOKEN"] = discord_side.TOKEN
    env = environment(**tokens)
    result = Failover(chats, channels=channels)
    push_chats = {str(bench_telegram.TELEGRAM_PRIVATE_BASE + n) for n in range(chats)}
    users = iter(range(USERS_BASE, USERS_BASE + 1_000))
    asked: list[int] = []

    def push_sends() -> list[float]:
        return [m.at for m in api.sent if str(m.chat_id) in push_chats]

    async def ask() -> int:
        """A new user sends /help."""
        user = next(users)
        asked.append(user)
        api.feed_message(user, "/help", User(user, f"User {user}", language_code="en"))
        return user

    async with running(folder, config, env, INSTANCES) as instances, told(instances):
        await api.wait_for(lambda: len(push_sends()) >= 1, START_TIMEOUT, "the first send")
        for number in range(kills):
            at = chats * (number + 1) // (kills + 1)
            await api.wait_for(lambda at=at: len(push_sends()) >= at, FINISH_TIMEOUT, f"{at} sends")
            before = await ask()
            await api.wait_for(lambda before=before: answers(api, before), START_TIMEOUT, "help")
            holder = await sender_pid(database)
            victim = next(i for i in instances if i.pid == holder)
            kill = Kill(holder, sends_before=len(push_sends()))
            victim.process.send_signal(signal.SIGKILL)
            await victim.process.wait()
            kill.reaped = time.monotonic()
            await ask()  # in the gap the kill leaves
            result.kills.append(kill)
            await api.wait_for(
                lambda kill=kill: any(t > kill.reaped + AFTER_DEATH for t in push_sends()),
                FINISH_TIMEOUT,
                "a send after the kill",
            )
            after = [t for t in push_sends() if t > kill.reaped + AFTER_DEATH]
            kill.next_send = min(after)
            await ask()  # after the takeover
            instances.append(await spawn(folder, config, env, len(instances)))  # the supervisor
        if dc is not None:
            # Every command asked so far answered first: one the shard's holder had fetched as
            # Telegram's poller and not yet answered would go unanswered (the README's window).
            await api.wait_for(
                lambda: all(answers(api, u) for u in asked), START_TIMEOUT, "every /help answered"
            )
            result.shard_kill = await kill_shard_0(dc, database, instances)
            instances.append(await spawn(folder, config, env, len(instances)))
        await finished(database)
        await api.wait_for(
            lambda: all(answers(api, u) for u in asked), START_TIMEOUT, "every /help answered"
        )
        await asyncio.sleep(1.0)  # a repeated answer, if any, would arrive by now
    result.logs = [i.log for i in instances]
    times = push_sends()
    result.push_seconds = max(times) - min(times)
    result.sent_meanwhile = sum(min(times) <= m.at <= max(times) for m in api.sent)
    result.sends = Counter(str(m.chat_id) for m in api.sent if str(m.chat_id) in push_chats)
    result.answers = {user: answers(api, user) for user in asked}
    result.rejected_429 = api.rejected_429
    result.conflicts = sum("Conflict" in line for log in result.logs for line in log)
    result.plans = [int(m[1]) for log in result.logs for line in log if (m := QUEUED.search(line))]
    if dc is not None:
        result.discord_sends = Counter(
            found[1]
            for r in dc.requests
            if r.method == "POST" and (found := CHANNEL_POSTS.fullmatch(r.path))
        )
        result.discord_shown = Counter(str(m.channel_id) for m in dc.messages)
    async with await Store.open(database) as store:
        result.outbox = {str(k): v for k, v in (await store.outbox.counts()).items()}
    return result


@dataclass(slots=True)
class Cut:
    """The sender's host cut off from the database (its connections hang, none closes)."""

    at: float = 0.0  # time.monotonic() of the cut
    next_send: float | None = None  # the first send of the instance taking over
    repeats: int = 0
    rejected_429: int = 0
    outbox: dict[str, int] = field(default_factory=dict)
    logs: list[list[str]] = field(default_factory=list)

    @property
    def failover_s(self) -> float | None:
        return None if self.next_send is None else self.next_send - self.at


class Partition:
    """A TCP relay to the database whose `cut` stops carrying bytes either way while every
    connection stays open, as a network partition does: nothing is refused or closed, so only
    timeouts (the holder's own, the lease's expiry, keepalives) can tell."""

    def __init__(self, host: str, port: int) -> None:
        self._target = (host, port)
        self._flowing = asyncio.Event()
        self._flowing.set()
        self._server: asyncio.Server | None = None
        self._pipes: set[asyncio.Task[None]] = set()
        self.port = 0

    async def __aenter__(self) -> Partition:
        self._server = await asyncio.start_server(self._relay, "127.0.0.1", 0)
        self.port = self._server.sockets[0].getsockname()[1]
        return self

    async def __aexit__(self, *exc: object) -> None:
        assert self._server is not None
        self._server.close()
        for pipe in self._pipes:
            pipe.cancel()
        await asyncio.gather(*self._pipes, return_exceptions=True)

    def cut(self) -> None:
        self._flowing.clear()

    async def _relay(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        upstream_reader, upstream_writer = await asyncio.open_connection(*self._target)
        for source, sink in ((reader, upstream_writer), (upstream_reader, writer)):
            pipe = asyncio.create_task(self._pipe(source, sink))
            self._pipes.add(pipe)
            pipe.add_done_callback(self._pipes.discard)

    async def _pipe(self, source: asyncio.StreamReader, sink: asyncio.StreamWriter) -> None:
        try:
            while chunk := await source.read(65536):
                await self._flowing.wait()  # cut: the bytes stay where they are
                sink.write(chunk)
                await sink.drain()
        except (ConnectionError, asyncio.CancelledError):
            pass
        finally:
            sink.close()


async def run_cut(api: TelegramStandIn, folder: Path, database: str, *, chats: int) -> Cut:
    """Start the sender's instance through a `Partition`, two more directly, cut the first off
    the database mid-push, and let the others finish it."""
    url = make_url(database)
    result = Cut()
    async with Partition(url.host or "127.0.0.1", url.port or 5432) as partition:
        cut_off = url.set(host="127.0.0.1", port=partition.port).render_as_string(False)
        victim_config = config_for(folder / "cut-off", api, cut_off)
        config = config_for(folder, api, database)
        await queue(config, chats)
        api.limit(30, per_chat_per_second=1.0)
        env = environment(RINGKAS_TELEGRAM_TOKEN=telegram_side.TOKEN)
        push_chats = {str(bench_telegram.TELEGRAM_PRIVATE_BASE + n) for n in range(chats)}

        def push_sends() -> list[float]:
            return [m.at for m in api.sent if str(m.chat_id) in push_chats]

        victim = await spawn(folder / "cut-off", victim_config, env, 0)
        everyone = [victim]
        async with (
            killed_at_the_end(victim),
            running(folder, config, env, 0) as others,
            told(everyone),
        ):
            await api.wait_for(lambda: len(push_sends()) >= 1, START_TIMEOUT, "the first send")
            assert await sender_pid(database) == victim.pid, "the first instance sends"
            others += [await spawn(folder, config, env, n) for n in (1, 2)]
            everyone += others
            await api.wait_for(
                lambda: len(push_sends()) >= chats // 3, FINISH_TIMEOUT, "a third of the push"
            )
            partition.cut()
            result.at = time.monotonic()
            # The cut-off instance finishes the sends it had under way within a moment; the
            # next send after a quiet second is the new holder's.
            await api.wait_for(
                lambda: _after_a_quiet_second(push_sends(), result.at), FINISH_TIMEOUT,
                "a send from the instance taking over",
            )  # fmt: skip
            result.next_send = _after_a_quiet_second(push_sends(), result.at)
            await finished(database)
        result.logs = [i.log for i in (victim, *others)]
    sends = Counter(str(m.chat_id) for m in api.sent if str(m.chat_id) in push_chats)
    assert len(sends) == chats, f"{chats - len(sends)} chats without the push"
    result.repeats = sum(count - 1 for count in sends.values())
    result.rejected_429 = api.rejected_429
    async with await Store.open(database) as store:
        result.outbox = {str(k): v for k, v in (await store.outbox.counts()).items()}
    return result


def _after_a_quiet_second(times: list[float], since: float) -> float | None:
    """The first of `times` after `since` that follows a second without any."""
    before = since
    for at in sorted(t for t in times if t > since):
        if at - before >= 1.0:
            return at
        before = at
    return None


def config_for(
    folder: Path, api: TelegramStandIn, database: str, dc: DiscordStandIn | None = None
) -> Path:
    """`ringkas run`'s config against the stand-ins and the store at `database`."""
    folder.mkdir(parents=True, exist_ok=True)
    config = telegram_config(
        folder, api, delivery={"in_flight": IN_FLIGHT}, schedule={"tick_seconds": 2}
    )
    data = json.loads(config.read_text())
    if dc is not None:
        data["discord"] = {"api_base": dc.api_base, "gateway_url": dc.gateway_url}
    config.write_text(json.dumps({**data, "database": database}))
    return config


def discord_servers(channels: int) -> list[Guild]:
    """SERVERS servers holding the push's `channels` channels (as `bench_discord` numbers
    them), the nth on shard n % DISCORD_SHARDS (a server's shard is (id >> 22) % count)."""
    servers: list[Guild] = []
    for number in range(SERVERS):
        mine = range(number, channels, SERVERS)
        servers.append(
            Guild(
                id=DISCORD_GUILD_BASE + (number << 22),
                name=f"Server {number}",
                channels=[Channel(DISCORD_CHANNEL_BASE + n, f"news-{n}") for n in mine],
            )
        )
    return servers


def discord_stand_in(channels: int) -> DiscordStandIn:
    """The Discord stand-in, sharded as Discord is: `discord_servers(channels)`, 2 shards
    recommended, 4011 for a session with more than SERVERS_PER_SESSION servers."""
    return DiscordStandIn(
        token=discord_side.TOKEN,
        guilds=discord_servers(channels),
        shards=DISCORD_SHARDS,
        guilds_per_session=SERVERS_PER_SESSION,
    )


async def kill_shard_0(dc: DiscordStandIn, database: str, instances: list[Instance]) -> Kill:
    """Once live instances serve every shard (none still moving: each shard of a bucket that
    moves before it adds an IDENTIFY turn to the failover, as the README says), SIGKILL shard
    0's holder, then ask /help on a server of that shard until an instance answers: the kill,
    with `next_send` when the answer came."""
    deadline = time.monotonic() + FINISH_TIMEOUT
    while not await _every_shard_served(dc, database, instances, deadline):
        if time.monotonic() > deadline:
            raise AssertionError("no live instances came to serve every shard")
        await asyncio.sleep(0.1)
    holder = await role_pid(database, shard_role(0, DISCORD_SHARDS))
    victim = next(i for i in instances if i.pid == holder)
    kill = Kill(victim.pid)
    victim.process.send_signal(signal.SIGKILL)
    await victim.process.wait()
    kill.reaped = time.monotonic()
    if await answered_on_shard(dc, 0, kill.reaped + FINISH_TIMEOUT, kill):
        return kill
    raise AssertionError(f"no answer on shard 0 within {FINISH_TIMEOUT:g} s of the kill")


async def _every_shard_served(
    dc: DiscordStandIn, database: str, instances: list[Instance], deadline: float
) -> bool:
    """Whether each shard is held by a live instance that answers on it."""
    live = {i.pid for i in instances if i.process.returncode is None}
    for shard in range(DISCORD_SHARDS):
        holder = await role_pid(database, shard_role(shard, DISCORD_SHARDS))
        if holder not in live or not await answered_on_shard(dc, shard, deadline):
            return False
    return True


async def answered_on_shard(
    dc: DiscordStandIn, shard: int, deadline: float, kill: Kill | None = None
) -> bool:
    """Ask /help on a server of `shard` until an instance answers, or `deadline`: whether one
    did (and with `kill`, when, as its `next_send`)."""
    channel = DISCORD_CHANNEL_BASE + shard  # in server `shard`, on that shard
    while time.monotonic() < deadline:
        try:
            sent = await dc.dispatch_interaction("help", channel_id=channel)
        except AssertionError:  # no session serves the shard yet
            await asyncio.sleep(0.1)
            continue
        with contextlib.suppress(AssertionError):  # one sent to a session that is gone: again
            await dc.wait_for(lambda sent=sent: dc.responses_for(sent), ANSWER_WAIT)
            if kill is not None:
                kill.next_send = dc.responses_for(sent)[0].at
            return True
    return False


def answers(api: TelegramStandIn, user: int) -> int:
    """The help texts a user was sent."""
    help_text = say("en", "help_unsubscribe")  # a line of /help's answer
    return sum(1 for m in api.sent if m.chat_id == user and help_text in (m.text or ""))


async def queue(config: Path, chats: int, channels: int = 0) -> None:
    """The push's subscriptions (`chats` on Telegram, `channels` on Discord) and the push, and
    SCHEDULED subscriptions due now, in the store before any instance starts (without taking
    any lease)."""
    settings = load_settings(config)
    async with open_runtime(settings, SystemClock(), [], send=False) as runtime:
        now = runtime.services.clock.now()
        rows = bench_telegram.subscription_rows(chats, group_share=0.0, now=now)
        rows += bench_discord.subscription_rows(channels, now)
        queued = await queue_push(runtime.services, rows)
        due = [
            {
                **subscription_row(
                    "telegram", n, str(USERS_BASE - 1 - n), ChatKind.PRIVATE, "", now
                ),
                "next_due": now - dt.timedelta(minutes=1),
            }
            for n in range(SCHEDULED)
        ]
        await runtime.services.store.subscriptions.add_many(due)
    if queued != chats + channels:
        raise AssertionError(f"the push queued {queued} deliveries for {chats + channels} chats")


async def sender_pid(database: str) -> int:
    """The process holding `sender:telegram` now."""
    pid = await role_pid(database, "sender:telegram")
    assert pid is not None, "nobody holds sender:telegram"
    return pid


async def role_pid(database: str, role: str) -> int | None:
    """The process holding `role` now (its holder name is host:pid:random), or last held it;
    None while nobody has."""
    async with await Store.open(database) as store, store.engine.connect() as connection:
        holder = await connection.scalar(select(leases.c.holder).where(leases.c.name == role))
    return None if holder is None else int(holder.split(":")[1])


async def finished(database: str) -> None:
    deadline = time.monotonic() + FINISH_TIMEOUT
    async with await Store.open(database) as store:
        while True:
            counts = await store.outbox.counts()
            if not counts.get("pending") and not counts.get("sending"):
                return
            if time.monotonic() > deadline:
                raise AssertionError(f"the push did not finish in {FINISH_TIMEOUT:g} s: {counts}")
            await asyncio.sleep(0.1)


async def spawn(folder: Path, config: Path, env: dict[str, str], number: int) -> Instance:
    leaks.register_environment(env)
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot", "run", "--config", str(config),
        cwd=folder, env=env,
        stdin=asyncio.subprocess.DEVNULL,
        stdout=asyncio.subprocess.DEVNULL,
        stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip
    instance = Instance(number, process)
    instance.reader = asyncio.create_task(instance.read())
    return instance


@contextlib.asynccontextmanager
async def killed_at_the_end(instance: Instance) -> AsyncIterator[None]:
    """The instance cut off from the database is killed at the end, whatever happened: it
    cannot record anything, and a clean stop would wait for that."""
    try:
        yield
    finally:
        if instance.process.returncode is None:
            instance.process.kill()
        await instance.process.wait()
        if instance.reader is not None:
            await instance.reader


@contextlib.asynccontextmanager
async def told(instances: list[Instance]) -> AsyncIterator[None]:
    """A failure says what the instances logged last."""
    try:
        yield
    except Exception as error:
        tails = "\n".join(
            f"--- instance {i.number} (pid {i.pid}, exit {i.process.returncode}):\n"
            + "\n".join(i.log[-25:])
            for i in instances
        )
        raise AssertionError(f"{error}\n{tails}") from error


@contextlib.asynccontextmanager
async def running(
    folder: Path, config: Path, env: dict[str, str], count: int
) -> AsyncIterator[list[Instance]]:
    """`count` instances, started one after the other; at the end every one still running is
    stopped with SIGTERM (and must stop cleanly)."""
    instances = [await spawn(folder, config, env, n) for n in range(count)]
    try:
        yield instances
    finally:
        for instance in instances:
            if instance.process.returncode is None:
                instance.process.terminate()
        for instance in instances:
            try:
                await asyncio.wait_for(instance.process.wait(), 30)
            except TimeoutError:
                instance.process.kill()
                await instance.process.wait()
            if instance.reader is not None:
                await instance.reader


def summary(result: Failover) -> dict[str, Any]:
    """The figures, for a benchmark's table or a failed test's message."""
    return {
        "kills": len(result.kills),
        "failover_s": [k.failover_s for k in result.kills],
        "repeats": result.repeats,
        "rejected_429": result.rejected_429,
        "rate": result.rate,
        "answers": Counter(result.answers.values()),
        "plans": result.plans,
        "shard_failover_s": result.shard_kill.failover_s if result.shard_kill else None,
        "discord_repeats": result.discord_sends.total() - result.channels,
        "outbox": result.outbox,
        "conflicts": result.conflicts,
    }
