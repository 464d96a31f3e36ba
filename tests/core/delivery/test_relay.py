"""Replies relayed between instances on one PostgreSQL store: a reply asked on an instance that
does not hold the platform's sender lease is sent by the one that does, in its reply lane ahead
of its deliveries, and the outcome (the message id) comes back; nothing is lost when the holder
dies mid-reply, when the asker goes, or while nobody holds the lease.

Stores in one process stand for instances (each its own lease connection, as separate
processes would); the holder that dies mid-reply is a real process, killed with SIGKILL."""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import signal
import subprocess
import sys
import textwrap
import time
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field

import pytest
from sqlalchemy import select

from bot.core.delivery import replies
from bot.core.delivery.dispatcher import Dispatcher
from bot.core.delivery.pacing import PlatformLimits, Rate
from bot.core.ports import (
    ChatGone,
    ChatKind,
    ChatRef,
    Delivered,
    Format,
    MessageKind,
    Outcome,
    ReplyCall,
    RetryAfter,
    SystemClock,
    Transient,
)
from bot.core.store import Store
from bot.core.store import relay as relay_module
from bot.core.store.leases import sender_role
from bot.core.store.relay import Relay
from bot.core.store.tables import relayed_replies
from bot.core.store.wakeups import listen
from bot.core.subscription import Plan
from tests.core.store.conftest import POSTGRES, empty_schema
from tests.fakes import RecordingSender

TELEGRAM = sender_role("telegram")
ANA = ChatRef("telegram", "7002")
HELLO = ReplyCall.new("Halo", (("Yes", "/push confirm p"),))
LIMITS = {"telegram": PlatformLimits(overall=Rate(20, 1.0), per_chat=Rate(1, 1.0))}


@dataclass
class Instance:
    """One `ringkas run` as far as the relay goes: its store, its sender and its dispatcher,
    running (`start`) as `serve` runs it."""

    store: Store
    sender: RecordingSender = field(default_factory=RecordingSender)
    dispatcher: Dispatcher = field(init=False)
    task: asyncio.Task[None] | None = None
    listening: asyncio.Task[None] | None = None
    left: asyncio.Event = field(default_factory=asyncio.Event)

    def __post_init__(self) -> None:
        self.dispatcher = Dispatcher(
            self.store, {"telegram": self.sender}, LIMITS, SystemClock(), epochs={}
        )

    @property
    def replies(self) -> replies.Replies:
        return self.dispatcher.replies

    async def take(self) -> int:
        """Take the sender lease (waiting for a dead holder's to go) and send for Telegram."""
        for _ in range(200):
            if (lease := await self.store.leases.take(TELEGRAM)) is not None:
                await self.dispatcher.hold("telegram", lease.epoch)
                return lease.epoch
            await asyncio.sleep(0.05)
        raise AssertionError("the sender lease was never free")

    def start(self) -> None:
        """Deliver, with the wake-ups of the outbox's channel, as `serve` does."""
        wake = asyncio.Event()
        self.task = asyncio.create_task(
            self.dispatcher.run(wake, idle_seconds=1.0, finish=asyncio.Event())
        )
        self.listening = asyncio.create_task(listen(self.store.engine, wake.set, self.left))

    async def stop(self) -> None:
        if self.task is not None and not self.task.done():
            self.dispatcher.stop()
            await self.task
        self.left.set()
        if self.listening is not None:
            await self.listening
        await self.store.close()


@pytest.fixture
async def instances() -> AsyncIterator[list[Instance]]:
    if not POSTGRES:
        pytest.skip("no PostgreSQL server: set RINGKAS_TEST_POSTGRES to a database URL")
    await empty_schema(POSTGRES)
    three = [Instance(await Store.open(POSTGRES)) for _ in range(3)]
    try:
        yield three
    finally:
        for instance in three:
            await instance.stop()


async def rows(store: Store) -> list[tuple[str, int, str | None, str | None]]:
    """Every relayed reply: state, epoch, outcome and detail, in id order."""
    R = relayed_replies.c
    query = select(R.state, R.epoch, R.outcome, R.detail).order_by(R.id)
    async with store.engine.connect() as connection:
        return [tuple(row) for row in await connection.execute(query)]  # type: ignore[misc]


async def until(check: Callable[[], bool], timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        assert time.monotonic() < deadline, f"not true within {timeout} s"
        await asyncio.sleep(0.01)


async def push_to(store: Store, count: int) -> list[ChatRef]:
    """`count` private chats subscribed, each with a digest queued: bulk for the sender."""
    now = SystemClock().now()
    subs = []
    for n in range(count):
        chat = ChatRef("telegram", str(5_000_000 + n))
        plan = Plan("en", (), True, "Asia/Jakarta")
        subs.append(await store.subscriptions.subscribe(chat, ChatKind.PRIVATE, plan, "t", now))
    await store.outbox.put_text("body-p", "en", Format.TELEGRAM, "the push", now)
    await store.outbox.enqueue([(s, "push:p") for s in subs], "body-p", MessageKind.DIGEST, now)
    return [s.chat for s in subs]


async def test_a_reply_asked_elsewhere_goes_out_at_the_holder_ahead_of_its_push(
    instances: list[Instance],
) -> None:
    a, b, _ = instances
    await a.take()
    a.start()
    b.start()  # holds nothing: it listens for its relayed replies' answers
    chats = await push_to(a.store, 40)  # two seconds of sending at 20 a second
    await until(lambda: len(a.sender.sent) >= 10)  # the push is under way

    asked = time.monotonic()
    outcome = await b.replies.send(ANA, ChatKind.PRIVATE, HELLO)
    answered = time.monotonic()

    [reply] = a.sender.replied
    assert (reply.chat, reply.call) == (ANA, HELLO)
    assert outcome == reply.outcome and isinstance(outcome, Delivered)  # its message id, at B
    assert answered - asked < 0.5  # woken by notifications both ways, not by a poll
    await until(lambda: len(a.sender.sent) == len(chats))
    assert sum(sent.at > reply.at for sent in a.sender.sent) >= 20  # not behind the push
    assert b.sender.sent == [] and b.sender.replied == []  # B sent nothing itself
    assert (a.replies.counts.sent, b.replies.counts.sent) == (1, 0)
    assert await rows(a.store) == []  # the asker read the outcome and let the row go


async def test_a_reply_asked_while_nobody_holds_the_lease_goes_out_once_someone_does(
    instances: list[Instance],
) -> None:
    a, b, _ = instances
    b.start()
    asking = asyncio.create_task(b.replies.send(ANA, ChatKind.PRIVATE, HELLO))
    await asyncio.sleep(0.5)
    assert not asking.done() and await rows(a.store) == [("pending", 0, None, None)]

    epoch = await a.take()
    a.start()

    assert await asking == a.sender.replied[0].outcome
    assert epoch == 1


async def test_a_reply_nobody_sends_in_time_is_given_up_and_counted_where_it_was_asked(
    instances: list[Instance], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(replies, "GIVE_UP_AFTER", 0.3)
    a, b, _ = instances
    b.start()

    outcome = await b.replies.send(ANA, ChatKind.PRIVATE, HELLO)

    assert outcome == Transient("not sent within 0.3 s")
    assert b.replies.counts.failed == {"not sent within 0.3 s": 1}
    await a.take()  # a holder that comes later sends nothing
    a.start()
    await asyncio.sleep(0.3)
    assert a.sender.replied == [] and await rows(a.store) == []


async def test_the_asker_gone_its_reply_still_goes_out(
    instances: list[Instance], monkeypatch: pytest.MonkeyPatch
) -> None:
    a, b, _ = instances
    asking = asyncio.create_task(b.replies.send(ANA, ChatKind.PRIVATE, HELLO))
    await until(lambda: bool(b.replies._heard))  # asked: the row is in the store
    asking.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await asking
    await b.stop()  # the asker is gone before anyone holds the lease

    await a.take()
    a.start()

    await until(lambda: bool(a.sender.replied))
    [reply] = a.sender.replied
    assert reply.chat == ANA and reply.call == HELLO
    await until_answered(a.store)
    [(state, _, outcome, detail)] = await rows(a.store)  # kept for an asker that never comes...
    assert (state, outcome, detail) == ("answered", "delivered", reply.outcome.message_id)  # type: ignore[union-attr]
    assert a.store.relay is not None
    assert await a.store.relay.purge() == 0
    monkeypatch.setattr(relay_module, "KEPT", dt.timedelta(0))
    assert await a.store.relay.purge() == 1  # ...for a while


async def until_answered(store: Store) -> None:
    for _ in range(500):
        if [row[0] for row in await rows(store)] == ["answered"]:
            return
        await asyncio.sleep(0.01)
    raise AssertionError("the reply was never answered")


async def test_an_asker_gone_and_no_holder_in_time_the_next_holder_gives_it_up(
    instances: list[Instance], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(replies, "GIVE_UP_AFTER", 0.2)
    a, b, _ = instances
    relay = b.store.relay
    assert relay is not None
    await relay.ask(ANA, ChatKind.PRIVATE, HELLO, 0.2)  # and the asker died at once
    await asyncio.sleep(0.3)

    await a.take()
    a.start()

    await until_answered(a.store)
    assert await rows(a.store) == [("answered", 1, "transient", "not sent within 0.2 s")]
    assert a.sender.replied == []
    assert a.replies.counts.failed == {"not sent within 0.2 s": 1}


HOLDER = textwrap.dedent(
    """
    import asyncio, sys
    from bot.core.delivery.dispatcher import Dispatcher
    from bot.core.ports import Delivered, Format, SystemClock
    from bot.core.store import Store

    class Hanging:
        platform, format = "telegram", Format.TELEGRAM

        async def send(self, chat, message):
            return Delivered("0")

        async def reply(self, chat, call):
            print("replying", chat, flush=True)
            await asyncio.sleep(3600)  # killed mid-reply

    async def main():
        store = await Store.open(sys.argv[1])
        lease = await store.leases.take("sender:telegram")
        dispatcher = Dispatcher(store, {"telegram": Hanging()}, {}, SystemClock(), epochs={})
        await dispatcher.hold("telegram", lease.epoch)
        print("holding", lease.epoch, flush=True)
        await dispatcher.run(asyncio.Event(), 1.0, asyncio.Event())

    asyncio.run(main())
    """
)


async def test_a_holder_killed_mid_reply_leaves_it_to_the_next_holder(
    instances: list[Instance],
) -> None:
    _, b, c = instances
    b.start()
    with subprocess.Popen(
        [sys.executable, "-c", HOLDER, POSTGRES], stdout=subprocess.PIPE, text=True
    ) as holder:
        try:
            assert holder.stdout is not None
            assert holder.stdout.readline().split() == ["holding", "1"]
            asking = asyncio.create_task(b.replies.send(ANA, ChatKind.PRIVATE, HELLO))
            line = await asyncio.to_thread(holder.stdout.readline)
            assert line.split() == ["replying", str(ANA)]  # its call is under way...
            holder.send_signal(signal.SIGKILL)  # ...when it dies
            holder.wait(timeout=10)
        finally:
            holder.kill()

        assert await c.take() == 2
        c.start()

        outcome = await asyncio.wait_for(asking, 10)
    [reply] = c.sender.replied  # the one repeat a death mid-reply may cost, if its call went
    assert outcome == reply.outcome and reply.call == HELLO


async def test_a_reply_waiting_here_when_the_lease_goes_is_relayed_to_the_new_holder(
    instances: list[Instance],
) -> None:
    a, _, c = instances
    await a.take()
    a.start()
    pacer = a.dispatcher._pacers["telegram"]
    pacer.hold(0.5)  # a 429 holds A's sends: its own reply waits for a slot
    asking = asyncio.create_task(a.replies.send(ANA, ChatKind.PRIVATE, HELLO))
    await asyncio.sleep(0.1)
    a.dispatcher.drop("telegram")  # A loses the lease meanwhile...
    await a.store.leases.give_up(TELEGRAM)
    await c.take()  # ...and C takes it
    c.start()

    outcome = await asyncio.wait_for(asking, 10)

    assert a.sender.replied == []  # not sent outside the holder's pace
    [reply] = c.sender.replied
    assert outcome == reply.outcome


async def test_a_lost_holder_cannot_claim_and_its_outcome_does_not_overwrite_the_new_claim(
    instances: list[Instance],
) -> None:
    a, b, c = instances
    assert a.store.relay and b.store.relay and c.store.relay
    old = await a.take()
    row = await b.store.relay.ask(ANA, ChatKind.PRIVATE, HELLO, 60)
    [claimed] = await a.store.relay.claim("telegram", old, 10)
    assert claimed.id == row and claimed.call == HELLO and claimed.chat == ANA
    assert 59 < claimed.seconds_left <= 60

    await a.store.leases.give_up(TELEGRAM)
    new = await c.take()
    assert await a.store.relay.claim("telegram", old, 10) == []  # fenced out
    [again] = await c.store.relay.claim("telegram", new, 10)  # left sending by an older epoch
    assert again.id == row
    assert not await a.store.relay.answer(row, old, Delivered("1"))  # too late
    assert await c.store.relay.answer(row, new, Delivered("2"))
    assert await b.store.relay.outcome(row) == Delivered("2")


async def test_claims_racing_on_three_instances_never_take_a_relayed_reply_twice(
    instances: list[Instance],
) -> None:
    relays = [instance.store.relay for instance in instances]
    assert all(relays)
    first = relays[0]
    assert first is not None
    asked = [await first.ask(ANA, ChatKind.PRIVATE, HELLO, 60) for _ in range(150)]

    async def claim_all(relay: Relay | None) -> list[int]:
        assert relay is not None
        taken: list[int] = []
        while batch := await relay.claim("telegram", 0, 7):
            taken += [row.id for row in batch]
        return taken

    claimed = await asyncio.gather(*(claim_all(relay) for relay in relays))
    every = [row for rows in claimed for row in rows]
    assert sorted(every) == asked
    assert all(claimed), "each instance took some: they really raced"


@pytest.mark.parametrize(
    "outcome",
    [Delivered("42"), Delivered(""), Transient("timed out"), RetryAfter(2.5), ChatGone("blocked")],
)
async def test_an_outcome_comes_back_as_it_was_written(
    instances: list[Instance], outcome: Outcome
) -> None:
    relay = instances[0].store.relay
    assert relay is not None
    row = await relay.ask(ANA, ChatKind.GROUP, ReplyCall.edit("9", None), 60)
    [claimed] = await relay.claim("telegram", 0, 1)
    assert claimed.call == ReplyCall.edit("9", None) and claimed.chat_kind is ChatKind.GROUP
    assert await relay.outcome(row) is None
    await relay.answer(row, 0, outcome)
    assert await relay.outcome(row) == outcome
    await relay.forget(row)
    assert await relay.outcome(row) is None and await rows(instances[0].store) == []
