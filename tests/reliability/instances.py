"""Several `ringkas run` processes on one PostgreSQL store, the sender killed mid-push: the
scenario behind `tests/reliability/test_instances.py` and `benchmarks/bench_failover.py`.

Three instances serve one store against the Telegram stand-in, as strict as Telegram: 30
messages a second overall, one a second per chat, and 409 Conflict for a second poller. Before
they start, a push to `chats` chats is queued, and a few scheduled subscriptions are due at
once (the planner must queue each slot once, whichever instance plans). While the push goes
out, the instance holding `sender:telegram` is killed with SIGKILL `kills` times, each after a
share of the push, and a new instance is started in its place, as a supervisor would. Users
send /help before each kill (answered before it), in the gap it leaves, and after the takeover.
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

from sqlalchemy import select, text

from benchmarks import bench_telegram
from benchmarks.broadcast import queue_push
from benchmarks.common import subscription_row
from bot.app import open_runtime
from bot.config import load_settings
from bot.core.ports import ChatKind, SystemClock
from bot.core.store import Store
from bot.core.store.tables import leases
from bot.core.text.strings import say
from tests.adapters.telegram import conftest as telegram_side
from tests.adapters.telegram.program import environment, telegram_config
from tests.reliability import leaks
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
QUEUED = re.compile(r"queued (\d+) deliveries")


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
    push_seconds: float = 0.0  # first push send to the last
    logs: list[list[str]] = field(default_factory=list)

    @property
    def repeats(self) -> int:
        return sum(count - 1 for count in self.sends.values() if count > 1)

    @property
    def rate(self) -> float:
        """Push sends a second, from the first to the last, kills included."""
        return sum(self.sends.values()) / self.push_seconds if self.push_seconds else 0.0


async def run_failover(
    api: TelegramStandIn, folder: Path, database: str, *, chats: int, kills: int
) -> Failover:
    """Queue the push, start INSTANCES instances, kill the sender `kills` times mid-push
    (restarting one each time), let the push finish, stop them: what it came to."""
    config = telegram_config(
        folder, api, delivery={"in_flight": IN_FLIGHT}, schedule={"tick_seconds": 2}
    )
    data = json.loads(config.read_text())
    config.write_text(json.dumps({**data, "database": database}))
    await queue(config, chats)
    api.limit(30, per_chat_per_second=1.0)  # as strict as Telegram, from the first send
    env = environment(RINGKAS_TELEGRAM_TOKEN=telegram_side.TOKEN)
    result = Failover(chats)
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
        await finished(database)
        await api.wait_for(
            lambda: all(answers(api, u) for u in asked), START_TIMEOUT, "every /help answered"
        )
        await asyncio.sleep(1.0)  # a repeated answer, if any, would arrive by now
    result.logs = [i.log for i in instances]
    times = push_sends()
    result.push_seconds = max(times) - min(times)
    result.sends = Counter(str(m.chat_id) for m in api.sent if str(m.chat_id) in push_chats)
    result.answers = {user: answers(api, user) for user in asked}
    result.rejected_429 = api.rejected_429
    result.conflicts = sum("Conflict" in line for log in result.logs for line in log)
    result.plans = [int(m[1]) for log in result.logs for line in log if (m := QUEUED.search(line))]
    async with await Store.open(database) as store:
        result.outbox = {str(k): v for k, v in (await store.outbox.counts()).items()}
    return result


def answers(api: TelegramStandIn, user: int) -> int:
    """The help texts a user was sent."""
    help_text = say("en", "help_unsubscribe")  # a line of /help's answer
    return sum(1 for m in api.sent if m.chat_id == user and help_text in (m.text or ""))


async def queue(config: Path, chats: int) -> None:
    """The push's subscriptions and the push, and SCHEDULED subscriptions due now, in the store
    before any instance starts (without taking any lease)."""
    settings = load_settings(config)
    async with open_runtime(settings, SystemClock(), [], send=False) as runtime:
        now = runtime.services.clock.now()
        rows = bench_telegram.subscription_rows(chats, group_share=0.0, now=now)
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
    if queued != chats:
        raise AssertionError(f"the push queued {queued} deliveries for {chats} chats")


async def sender_pid(database: str) -> int:
    """The process holding `sender:telegram` now (its holder name is host:pid:random)."""
    async with await Store.open(database) as store, store.engine.connect() as connection:
        holder = await connection.scalar(
            select(leases.c.holder).where(leases.c.name == "sender:telegram")
        )
    assert holder is not None, "nobody holds the sender"
    return int(holder.split(":")[1])


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


async def fresh_database(url: str) -> None:
    """Empty the public schema of the test server's database."""
    from sqlalchemy.ext.asyncio import create_async_engine

    engine = create_async_engine(url)
    try:
        async with engine.begin() as connection:
            await connection.execute(text("DROP SCHEMA public CASCADE"))
            await connection.execute(text("CREATE SCHEMA public"))
    finally:
        await engine.dispose()


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
        "outbox": result.outbox,
        "conflicts": result.conflicts,
    }
