"""The dispatcher over a real SQLite outbox: exactly-once delivery, what each outcome does to the
rows and the subscription, the in-flight bound, crash recovery, stopping, and pacing as the
recording sender saw it."""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import itertools
import time
from collections import Counter
from collections.abc import AsyncIterator, Sequence
from pathlib import Path

import pytest
from sqlalchemy import func, select

from bot.core.delivery import dispatcher as dispatching
from bot.core.delivery.dispatcher import Dispatcher, RetryPolicy
from bot.core.delivery.pacing import PlatformLimits, Rate
from bot.core.delivery.planning import Broadcaster
from bot.core.delivery.pushes import Pusher
from bot.core.library import Library
from bot.core.models import LANGS, Lang
from bot.core.ports import (
    ChatGone,
    ChatKind,
    ChatMoved,
    ChatRef,
    Format,
    MessageKind,
    Outbound,
    RetryAfter,
    SystemClock,
    Transient,
)
from bot.core.store import Store
from bot.core.store.outbox import Delivery, Progress
from bot.core.store.tables import outbox
from bot.core.subscription import Languages, Plan, State, Subscription
from bot.core.text.compose import DigestOptions
from tests.conftest import CONTENT
from tests.core.store.conftest import outbox_rows
from tests.fakes import RecordingSender, Sent, SettableClock

# 07:30 in Jakarta: after that day's 07:00 WIB slot.
NOW = dt.datetime(2025, 10, 6, 0, 30, tzinfo=dt.UTC)
SECOND = dt.timedelta(seconds=1)
NO_LIMITS = PlatformLimits()
DEFAULT_POLICY = RetryPolicy()
# How early a sleep may end (the event loop's clock resolution, and float rounding).
JITTER = 0.005
# How late a paced send may go out on a busy machine: a message sent late can land closer to
# the next one than its slot was; the platforms do not count that finely.
LATENESS = 0.05


def ref(chat_id: str | int) -> ChatRef:
    return ChatRef("telegram", str(chat_id))


def plan_of(
    languages: Languages = "en", times: Sequence[str] = ("07:00",), zone: str = "Asia/Jakarta"
) -> Plan:
    return Plan(languages, tuple(dt.time.fromisoformat(t) for t in times), False, zone)


@pytest.fixture
def database(tmp_path: Path) -> Path:
    return tmp_path / "ringkas.sqlite3"


@pytest.fixture
async def store(database: Path) -> AsyncIterator[Store]:
    opened = await Store.open(database)
    try:
        yield opened
    finally:
        await opened.close()


@pytest.fixture
def clock() -> SettableClock:
    return SettableClock(NOW)


@pytest.fixture
def sender() -> RecordingSender:
    return RecordingSender()


def dispatcher(
    store: Store,
    sender: RecordingSender,
    clock: SettableClock | SystemClock,
    limits: PlatformLimits = NO_LIMITS,
    policy: RetryPolicy = DEFAULT_POLICY,
    in_flight: int = 50,
) -> Dispatcher:
    platform = sender.platform
    return Dispatcher(store, {platform: sender}, {platform: limits}, clock, policy, in_flight)


async def subscribe(
    store: Store,
    chat_id: str | int,
    languages: Languages = "en",
    kind: ChatKind = ChatKind.PRIVATE,
    times: Sequence[str] = ("07:00",),
    zone: str = "Asia/Jakarta",
    now: dt.datetime = NOW,
) -> Subscription:
    return await store.subscriptions.subscribe(
        ref(chat_id), kind, plan_of(languages, times, zone), "user:1", now
    )


def text_of(key: str, lang: Lang) -> str:
    return f"{key} in {lang}"


async def queue(
    store: Store, subs: Sequence[Subscription], key: str = "k1", now: dt.datetime = NOW
) -> int:
    """Queue a message for each subscription and language; its body says key and language."""
    for lang in ("en", "id"):
        await store.outbox.put_text(f"body-{key}", lang, Format.TELEGRAM, text_of(key, lang), now)
    return await store.outbox.enqueue(
        [(sub, key) for sub in subs], f"body-{key}", MessageKind.DIGEST, now
    )


async def queue_one(store: Store, now: dt.datetime = NOW) -> None:
    """Chat 1 subscribed in English, with one message (key k1) queued for it."""
    await queue(store, [await subscribe(store, 1)], now=now)


async def count_sending(store: Store) -> int:
    query = select(func.count()).select_from(outbox).where(outbox.c.state == "sending")
    async with store.engine.connect() as connection:
        return int((await connection.execute(query)).scalar_one())


async def queue_many(store: Store, sub: Subscription, count: int) -> None:
    """`count` messages (keys m0, m1, …) for one subscription, queued in one transaction."""
    for lang in ("en", "id"):
        await store.outbox.put_text("body-m", lang, Format.TELEGRAM, text_of("m", lang), NOW)
    entries = [(sub, f"m{i}") for i in range(count)]
    await store.outbox.enqueue(entries, "body-m", MessageKind.DIGEST, NOW)


def outstanding_at_claims(store: Store, sender: RecordingSender) -> list[int]:
    """Record, at each claim, how many rows claimed before it had not finished sending yet."""
    seen: list[int] = []
    claimed = 0
    claim = store.outbox.claim

    async def counting(platform: str, now: dt.datetime, limit: int, epoch: int) -> list[Delivery]:
        nonlocal claimed
        seen.append(claimed - len(sender.sent))
        rows = await claim(platform, now, limit, epoch)
        claimed += len(rows)
        return rows

    store.outbox.claim = counting  # type: ignore[method-assign]
    return seen


def delivered_to(sender: RecordingSender, chat: ChatRef) -> list[Sent]:
    return [s for s in sender.delivered() if s.chat == chat]


def sends_per_chat(sent: Sequence[Sent]) -> Counter[ChatRef]:
    return Counter(s.chat for s in sent)


# --- exactly once ---


async def test_push_reaches_every_chat_exactly_once(
    store: Store, sender: RecordingSender, clock: SettableClock
) -> None:
    library = await Library.load(CONTENT, DigestOptions(), NOW)
    pusher = Pusher(store, library)
    languages: list[Languages] = ["en", "id", "both"]
    kinds = [ChatKind.PRIVATE, ChatKind.GROUP, ChatKind.CHANNEL]
    subs = [await subscribe(store, i, languages[i % 3], kinds[i % 3 - 1]) for i in range(1, 31)]
    push = await store.pushes.draft(pusher.draft("admin", NOW, text_en="Hello", text_id="Halo"))
    queued = await pusher.send(push, NOW)
    assert queued == 40  # 10 English, 10 Indonesian, 10 both

    report = await dispatcher(store, sender, clock).drain()

    assert report.delivered == 40
    expected = {sub.chat: len(sub.plan.langs) for sub in subs}
    assert sends_per_chat(sender.sent) == expected
    for sub in subs:
        texts = {s.message.text for s in sender.to(sub.chat)}
        assert texts == {pusher.text(push, lang, Format.TELEGRAM) for lang in sub.plan.langs}
        assert {s.message.kind for s in sender.to(sub.chat)} == {MessageKind.ANNOUNCEMENT}
    assert await store.outbox.progress(f"push:{push.id}") == Progress(40, 40, 0)
    assert len({s.outcome for s in sender.sent}) == 40  # each has its own message id

    # Sending again queues nothing (it is no longer a draft), and draining sends nothing more.
    assert await pusher.send(push, NOW + SECOND) is None
    assert len(await outbox_rows(store)) == 40
    assert (await dispatcher(store, sender, clock).drain()).delivered == 0
    assert len(sender.sent) == 40


async def test_scheduled_digest_reaches_every_due_chat_exactly_once(
    store: Store, sender: RecordingSender, clock: SettableClock
) -> None:
    library = await Library.load(CONTENT, DigestOptions(), NOW)
    broadcaster = Broadcaster(store, library)
    subs = [await subscribe(store, i, "both" if i % 2 else "en") for i in range(1, 21)]
    due = subs[0].next_due
    assert due == dt.datetime(2025, 10, 7, 0, 0, tzinfo=dt.UTC)  # 07:00 WIB
    clock.set(due)
    planned = await broadcaster.plan_due(clock.now())
    assert planned.queued == 30

    deliver = dispatcher(store, sender, clock)
    await deliver.drain()
    await broadcaster.plan_due(clock.now())  # the slot is served: nothing more
    await deliver.drain()

    assert sends_per_chat(sender.sent) == {sub.chat: len(sub.plan.langs) for sub in subs}
    digest: dict[Lang, str] = {}
    for lang in LANGS:
        text = library.digest(lang, Format.TELEGRAM)
        assert text is not None
        digest[lang] = text
    for sub in subs:
        assert sorted(s.message.text for s in sender.to(sub.chat)) == sorted(
            digest[lang] for lang in sub.plan.langs
        )
    served = await outbox_rows(store)
    assert {r.state for r in served} == {"delivered"}
    [body] = {r.body_id for r in served}  # one body, keyed by the digest's text
    assert body.startswith("digest:") and body != f"digest:{library.edition.selection}"
    for lang in ("en", "id"):
        assert await store.outbox.text(body, lang, Format.TELEGRAM) == digest[lang]


# --- outcomes ---


async def test_retry_after_reschedules_the_row_and_holds_the_pacer(
    store: Store, sender: RecordingSender, clock: SettableClock
) -> None:
    first = await subscribe(store, 1)
    second = await subscribe(store, 2)
    await queue(store, [first])
    sender.script("1", RetryAfter(0.2))
    deliver = dispatcher(store, sender, clock)

    report = await deliver.drain()

    assert (report.delivered, report.retried) == (0, 1)
    [row] = await outbox_rows(store)
    assert row.state == "pending"
    assert row.next_attempt_at == NOW + dt.timedelta(seconds=0.2)
    assert (row.attempts, row.last_error) == (1, "rate limited for 0.2 s")
    await deliver.drain()  # not due yet on the bot's clock
    assert len(sender.sent) == 1

    await queue(store, [second], "k2")
    clock.advance(0.2)
    report = await deliver.drain()

    assert report.delivered == 2
    assert {r.state for r in await outbox_rows(store)} == {"delivered"}
    asked_to_wait = sender.sent[0].at
    # Every later send, to that chat or any other, waited out the platform's 0.2 s.
    assert all(s.at - asked_to_wait >= 0.2 - JITTER for s in sender.sent[1:])


async def test_drain_waits_for_a_retry_falling_due_within_wait_up_to(
    store: Store, sender: RecordingSender
) -> None:
    await queue_one(store, now=SystemClock().now())
    sender.script("1", RetryAfter(0.1))

    report = await dispatcher(store, sender, SystemClock()).drain(wait_up_to=2.0)

    assert (report.retried, report.delivered) == (1, 1)
    [row] = await outbox_rows(store)
    assert (row.state, row.attempts) == ("delivered", 2)


async def test_transient_failures_back_off_then_fail_with_the_last_error(
    store: Store, sender: RecordingSender, clock: SettableClock
) -> None:
    await queue_one(store)
    sender.always("1", Transient("timed out"))
    deliver = dispatcher(store, sender, clock, policy=RetryPolicy(max_attempts=3, backoff=10.0))

    await deliver.drain()
    [row] = await outbox_rows(store)
    assert (row.state, row.attempts, row.last_error) == ("pending", 1, "timed out")
    assert NOW + 8 * SECOND <= row.next_attempt_at <= NOW + 10 * SECOND  # 10 s less jitter

    await deliver.drain()  # the backoff has not passed
    assert len(sender.sent) == 1

    clock.advance(10)
    await deliver.drain()
    [row] = await outbox_rows(store)
    assert (row.state, row.attempts) == ("pending", 2)
    assert clock.now() + 16 * SECOND <= row.next_attempt_at <= clock.now() + 20 * SECOND

    clock.advance(20)
    report = await deliver.drain()
    [row] = await outbox_rows(store)
    assert (row.state, row.attempts, row.last_error) == ("failed", 3, "timed out")
    assert report.failed == 1
    assert await store.outbox.progress("k1") == Progress(1, 0, 1)

    clock.advance(dt.timedelta(days=1))
    await deliver.drain()
    assert len(sender.sent) == 3  # recorded as failed: not tried again, not dropped


async def test_drain_report_says_why_rows_failed(
    store: Store, sender: RecordingSender, clock: SettableClock
) -> None:
    await queue_one(store)
    sender.always("1", Transient("timed out"))

    report = await dispatcher(store, sender, clock, policy=RetryPolicy(max_attempts=1)).drain()

    assert report.failed == 1
    assert report.errors == ["telegram:1: timed out"]


async def test_a_sender_that_raises_is_treated_as_transient(
    store: Store, sender: RecordingSender, clock: SettableClock
) -> None:
    await queue_one(store)
    sender.script("1", RuntimeError("connection reset"))
    deliver = dispatcher(store, sender, clock, policy=RetryPolicy(backoff=1.0))

    report = await deliver.drain()

    assert report.retried == 1
    [row] = await outbox_rows(store)
    assert (row.state, row.attempts) == ("pending", 1)
    assert row.last_error == "sender error: RuntimeError"
    clock.advance(1)
    assert (await deliver.drain()).delivered == 1
    [row] = await outbox_rows(store)
    assert row.state == "delivered"


async def test_chat_gone_pauses_the_subscription_and_fails_what_waits_for_it(
    store: Store, sender: RecordingSender, clock: SettableClock
) -> None:
    gone = await store.subscriptions.subscribe(
        ref(-100), ChatKind.GROUP, plan_of("both", ("07:00", "19:00"), "Asia/Makassar"),
        "user:7", NOW, "Reading group",
    )  # fmt: skip
    other = await subscribe(store, 2)
    await queue(store, [gone, other], "k1")
    await queue(store, [gone], "k2")
    sender.always("-100", ChatGone("bot was kicked"))

    report = await dispatcher(store, sender, clock, in_flight=1).drain()

    assert (report.paused, report.delivered) == (1, 1)
    assert sender.chats() == [ref(-100), ref(2)]  # one try for the gone chat; others go on
    paused = await store.subscriptions.get(ref(-100))
    assert paused is not None
    assert (paused.state, paused.paused_reason, paused.paused_at) == (
        State.PAUSED, "bot was kicked", NOW,
    )  # fmt: skip
    assert (paused.id, paused.plan, paused.chat_kind, paused.chat_title) == (
        gone.id, gone.plan, ChatKind.GROUP, "Reading group",
    )  # fmt: skip
    for_gone = await outbox_rows(store, subscription_id=gone.id)
    assert [(r.state, r.last_error) for r in for_gone] == [
        ("failed", "chat gone: bot was kicked"),
        ("failed", "chat gone"),
        ("failed", "chat gone"),
        ("failed", "chat gone"),
    ]
    [row] = await outbox_rows(store, subscription_id=other.id)
    assert row.state == "delivered"

    # The chat comes back and subscribes again with its old plan: it is served again.
    sender.unscript("-100")
    later = clock.advance(dt.timedelta(hours=1))
    back = await store.subscriptions.subscribe(
        ref(-100), ChatKind.GROUP, paused.plan, "user:7", later
    )
    assert (back.id, back.state, back.paused_reason, back.plan) == (
        gone.id, State.ACTIVE, None, gone.plan,
    )  # fmt: skip
    assert back.chat_title == "Reading group"
    await queue(store, [back], "k3", later)
    report = await dispatcher(store, sender, clock).drain()
    assert report.delivered == 2
    assert sorted(s.message.text for s in delivered_to(sender, ref(-100))) == [
        text_of("k3", "en"), text_of("k3", "id"),
    ]  # fmt: skip


async def test_chat_moved_follows_the_subscription_and_delivers_in_the_same_drain(
    store: Store, sender: RecordingSender, clock: SettableClock
) -> None:
    sub = await subscribe(store, -100, "both", ChatKind.GROUP)
    await queue(store, [sub])
    sender.always("-100", ChatMoved("-100999"))

    report = await dispatcher(store, sender, clock).drain()

    assert (report.moved, report.delivered) == (2, 2)
    assert await store.subscriptions.get(ref(-100)) is None
    moved = await store.subscriptions.get(ref(-100999))
    assert moved is not None
    assert (moved.id, moved.plan, moved.state) == (sub.id, sub.plan, State.ACTIVE)
    delivered = delivered_to(sender, ref(-100999))
    assert sorted(s.message.text for s in delivered) == [text_of("k1", "en"), text_of("k1", "id")]
    assert [(r.chat_id, r.state) for r in await outbox_rows(store)] == [
        ("-100999", "delivered")
    ] * 2


# --- the in-flight bound, crashes and stopping ---


async def test_no_more_than_in_flight_rows_are_sending_at_once(
    store: Store, clock: SettableClock
) -> None:
    subs = [await subscribe(store, i) for i in range(23)]
    await queue(store, subs)
    sender = RecordingSender(delay=0.01)
    seen_sending: list[int] = []

    async def look(chat: ChatRef, message: Outbound) -> None:
        seen_sending.append(await count_sending(store))

    sender.hook = look
    report = await dispatcher(store, sender, clock, in_flight=5).drain()

    assert report.delivered == 23
    assert max(seen_sending) == 5
    assert sender.max_concurrent == 5
    assert len({s.chat for s in sender.sent}) == 23


async def test_a_crash_mid_batch_resends_at_most_one_batch(
    database: Path, clock: SettableClock
) -> None:
    in_flight = 5
    first_run = RecordingSender()
    tried: list[ChatRef] = []
    hung = asyncio.Event()

    async def hang_after_one_batch(chat: ChatRef, message: Outbound) -> None:
        tried.append(chat)
        if len(tried) > in_flight:
            if len(tried) == 2 * in_flight:
                hung.set()
            await asyncio.Event().wait()  # the process dies in here

    first_run.hook = hang_after_one_batch
    store = await Store.open(database)
    subs = [await subscribe(store, i) for i in range(12)]
    await queue(store, subs)
    drain = asyncio.create_task(dispatcher(store, first_run, clock, in_flight=in_flight).drain())
    await asyncio.wait_for(hung.wait(), 5)
    drain.cancel()  # as a crash would: the second batch is never settled
    with contextlib.suppress(asyncio.CancelledError):
        await drain
    assert Counter(r.state for r in await outbox_rows(store)) == {
        "delivered": 5, "sending": 5, "pending": 2,
    }  # fmt: skip
    delivered_before = {s.chat for s in first_run.sent}
    await store.close()

    second_run = RecordingSender()
    async with await Store.open(database) as reopened:
        assert await reopened.outbox.release("telegram", 0, clock.now()) == 5
        report = await dispatcher(reopened, second_run, clock, in_flight=in_flight).drain()
        assert report.delivered == 7
        assert {r.state for r in await outbox_rows(reopened)} == {"delivered"}

    received = Counter(tried) + Counter(second_run.chats())  # a hung send may have gone out
    assert set(received) == {sub.chat for sub in subs}
    assert all(received[chat] == 1 for chat in delivered_before)
    assert len(delivered_before) == 5
    assert 0 < sum(received.values()) - len(subs) <= in_flight


async def test_abandoned_claim_is_recovered_after_reopening(
    database: Path, clock: SettableClock
) -> None:
    store = await Store.open(database)
    subs = [await subscribe(store, i) for i in range(8)]
    await queue(store, subs)
    claimed = await store.outbox.claim("telegram", clock.now(), 3)
    assert len(claimed) == 3
    await store.close()  # and nothing settles them

    sender = RecordingSender()
    async with await Store.open(database) as reopened:
        # Without recovery the claimed rows stay in sending; the others go out.
        assert (await dispatcher(reopened, sender, clock).drain()).delivered == 5
        assert await count_sending(reopened) == 3
        assert await reopened.outbox.release("telegram", 0, clock.now()) == 3
        await dispatcher(reopened, sender, clock).drain()
        assert await count_sending(reopened) == 0
    assert sends_per_chat(sender.sent) == {sub.chat: 1 for sub in subs}


async def test_stop_before_a_drain_claims_nothing(
    store: Store, sender: RecordingSender, clock: SettableClock
) -> None:
    subs = [await subscribe(store, i) for i in range(3)]
    await queue(store, subs)
    deliver = dispatcher(store, sender, clock)
    deliver.stop()

    report = await deliver.drain()

    assert report.delivered == 0
    assert sender.sent == []
    assert {r.state for r in await outbox_rows(store)} == {"pending"}


async def test_stop_during_a_batch_records_it_and_claims_no_more(
    store: Store, sender: RecordingSender, clock: SettableClock
) -> None:
    subs = [await subscribe(store, i) for i in range(7)]
    await queue(store, subs)
    deliver = dispatcher(store, sender, clock, in_flight=3)

    async def stop_now(chat: ChatRef, message: Outbound) -> None:
        deliver.stop()

    sender.hook = stop_now
    report = await deliver.drain()

    assert report.delivered == 3
    assert Counter(r.state for r in await outbox_rows(store)) == {"delivered": 3, "pending": 4}


async def test_run_delivers_when_woken_and_ends_on_stop(
    store: Store, sender: RecordingSender, clock: SettableClock
) -> None:
    sub = await subscribe(store, 1)
    deliver = dispatcher(store, sender, clock)
    wake, finish = asyncio.Event(), asyncio.Event()
    running = asyncio.create_task(deliver.run(wake, idle_seconds=30, finish=finish))
    await asyncio.sleep(0.05)
    await queue(store, [sub])
    wake.set()
    for _ in range(100):
        if sender.sent:
            break
        await asyncio.sleep(0.01)
    assert sender.chats() == [ref(1)]

    deliver.stop()
    await asyncio.wait_for(running, 1)
    [row] = await outbox_rows(store)
    assert row.state == "delivered"


async def test_run_makes_one_last_pass_when_finishing(
    store: Store, sender: RecordingSender, clock: SettableClock
) -> None:
    await queue_one(store)
    finish = asyncio.Event()
    finish.set()
    await asyncio.wait_for(
        dispatcher(store, sender, clock).run(asyncio.Event(), idle_seconds=30, finish=finish), 1
    )
    assert sender.chats() == [ref(1)]


# --- the sliding window: sends finish, are settled and replaced without waiting for the rest ---


async def test_a_slow_send_holds_up_no_other_chat(
    store: Store, sender: RecordingSender, clock: SettableClock
) -> None:
    subs = [await subscribe(store, i) for i in range(30)]
    await queue(store, subs)
    seen_by_the_slow_send: list[dict[str, int]] = []

    async def slow_for_chat_0(chat: ChatRef, message: Outbound) -> None:
        if chat == ref(0):  # the first row claimed: a hung call, say
            await asyncio.sleep(1.0)
            seen_by_the_slow_send.append(await store.outbox.counts())

    sender.hook = slow_for_chat_0
    started = time.monotonic()

    report = await dispatcher(store, sender, clock, in_flight=5).drain()

    assert report.delivered == 30
    others = [s.at - started for s in sender.sent if s.chat != ref(0)]
    assert len(others) == 29 and max(others) < 0.5
    # Meanwhile the others were not only sent but recorded.
    assert seen_by_the_slow_send == [{"delivered": 29, "sending": 1}]


async def test_a_chat_waiting_out_its_limit_holds_up_no_other_chat(
    store: Store, sender: RecordingSender, clock: SettableClock
) -> None:
    limits = PlatformLimits(overall=Rate(100, 1.0), per_chat=Rate(1, 1.0))  # Telegram's per chat
    x = await subscribe(store, "x")
    await queue(store, [x], "k1", NOW - 2 * SECOND)
    await queue(store, [x], "k2", NOW - SECOND)  # claimed right behind k1: it waits 1 s
    subs = [await subscribe(store, i) for i in range(10)]
    await queue(store, subs, "k1")

    await dispatcher(store, sender, clock, limits, in_flight=2).drain()

    first, second = sender.to(ref("x"))
    assert second.at - first.at >= 1.0 - LATENESS
    others = [s.at for s in sender.sent if s.chat != ref("x")]
    assert len(others) == 10 and max(others) < second.at
    assert_limits_held(sender.sent, limits)


async def test_sending_rows_never_exceed_in_flight_while_the_window_slides(
    store: Store, sender: RecordingSender, clock: SettableClock
) -> None:
    in_flight = 8
    await queue_many(store, await subscribe(store, 1), 200)
    seen_sending: list[int] = []
    sends = 0

    async def uneven(chat: ChatRef, message: Outbound) -> None:
        nonlocal sends
        sends += 1
        seen_sending.append(await count_sending(store))
        await asyncio.sleep(0.001 * (sends % 7))  # sends finish out of order

    sender.hook = uneven
    at_claims = outstanding_at_claims(store, sender)
    claim = store.outbox.claim

    async def claim_and_look(
        platform: str, now: dt.datetime, limit: int, epoch: int
    ) -> list[Delivery]:
        rows = await claim(platform, now, limit, epoch)
        seen_sending.append(await count_sending(store))  # the window at its fullest
        return rows

    store.outbox.claim = claim_and_look  # type: ignore[method-assign]

    report = await dispatcher(store, sender, clock, in_flight=in_flight).drain()

    assert report.delivered == 200
    assert max(seen_sending) == in_flight
    assert sender.max_concurrent == in_flight
    assert await count_sending(store) == 0
    # The window was topped up while sends were still out: no batch waited for its slowest.
    assert sum(1 for outstanding in at_claims if outstanding > 0) >= len(at_claims) // 2


async def test_stop_mid_drain_settles_every_outstanding_send(
    store: Store, sender: RecordingSender, clock: SettableClock
) -> None:
    await queue_many(store, await subscribe(store, 1), 60)
    deliver = dispatcher(store, sender, clock, in_flight=10)
    sends = 0

    async def stop_at_the_fifteenth(chat: ChatRef, message: Outbound) -> None:
        nonlocal sends
        sends += 1
        if sends == 15:
            deliver.stop()
        await asyncio.sleep(0.002 * (sends % 5))

    sender.hook = stop_at_the_fifteenth

    report = await deliver.drain()

    sent = len(sender.sent)
    assert 15 <= sent < 15 + 10  # what was claimed before the stop, and nothing more
    assert report.delivered == sent
    assert Counter(r.state for r in await outbox_rows(store)) == {
        "delivered": sent, "pending": 60 - sent,
    }  # fmt: skip


async def test_each_text_is_looked_up_once_before_the_sends(
    store: Store, sender: RecordingSender, clock: SettableClock
) -> None:
    subs = [await subscribe(store, i, "both") for i in range(20)]
    await queue(store, subs)
    lookups: list[tuple[str, Lang]] = []
    look_up = store.outbox.text

    async def counting(body: str, lang: Lang, fmt: Format) -> str | None:
        lookups.append((body, lang))
        return await look_up(body, lang, fmt)

    store.outbox.text = counting  # type: ignore[method-assign]

    report = await dispatcher(store, sender, clock, in_flight=7).drain()

    assert report.delivered == 40
    assert sorted(lookups) == [("body-k1", "en"), ("body-k1", "id")]


# --- pacing, as the recording sender saw it (real time, platform limits scaled up) ---


def most_in_any_window(times: Sequence[float], seconds: float) -> int:
    """The most sends in any span of `seconds` (less how late a send may go out)."""
    ordered = sorted(times)
    return max(
        sum(1 for t in ordered[i:] if t < start + seconds - LATENESS)
        for i, start in enumerate(ordered)
    )


def assert_limits_held_overall(times: Sequence[float], rate: Rate) -> None:
    assert most_in_any_window(times, rate.seconds) <= rate.count


def assert_limits_held(sent: Sequence[Sent], limits: PlatformLimits) -> None:
    """No window of the overall or per-chat rate saw more sends than the rate allows."""
    assert limits.overall is not None and limits.per_chat is not None
    overall, per_chat = limits.overall, limits.per_chat
    assert most_in_any_window([s.at for s in sent], overall.seconds) <= overall.count
    for chat in {s.chat for s in sent}:
        times = [s.at for s in sent if s.chat == chat]
        assert most_in_any_window(times, per_chat.seconds) <= per_chat.count, chat


# One message per chat per 0.3 s; the overall rate is loose enough not to matter.
PER_CHAT_LIMITS = PlatformLimits(overall=Rate(100, 1.0), per_chat=Rate(1, 0.3))


async def warmed(
    store: Store,
    sender: RecordingSender,
    clock: SettableClock,
    limits: PlatformLimits,
    in_flight: int = 50,
) -> Dispatcher:
    """A dispatcher under `limits` that has sent one message with key k1's body first, so it has
    that text cached and the batch under test starts its sends in row order."""
    deliver = dispatcher(store, sender, clock, limits, in_flight=in_flight)
    # One chat per language: a chat's second message would wait out the per-chat rate.
    warmers = [await subscribe(store, f"warm-{lang}", lang) for lang in ("en", "id")]
    await queue(store, warmers, "k1")
    await deliver.drain()
    return deliver


async def test_overall_rate_holds_against_the_recording_sender(
    store: Store, sender: RecordingSender, clock: SettableClock
) -> None:
    limits = PlatformLimits(overall=Rate(50, 0.5), per_chat=Rate(1, 0.3))
    deliver = await warmed(store, sender, clock, limits, in_flight=100)
    subs = [await subscribe(store, i) for i in range(60)]
    await queue(store, subs)
    started = time.monotonic()

    report = await deliver.drain()

    assert report.delivered == 60
    assert time.monotonic() - started >= 0.59 - JITTER
    assert_limits_held(sender.sent, limits)


async def test_per_chat_rate_holds_against_the_recording_sender(
    store: Store, sender: RecordingSender, clock: SettableClock
) -> None:
    deliver = await warmed(store, sender, clock, PER_CHAT_LIMITS)
    both = await subscribe(store, "x", "both")
    await queue(store, [both])

    await deliver.drain()

    first, second = sender.to(ref("x"))
    assert second.at - first.at >= 0.3 - LATENESS
    assert_limits_held(sender.sent, PER_CHAT_LIMITS)


async def test_per_chat_rate_holds_for_a_chat_queued_behind_others(
    store: Store, sender: RecordingSender, clock: SettableClock
) -> None:
    deliver = await warmed(store, sender, clock, PER_CHAT_LIMITS, in_flight=100)
    subs = [await subscribe(store, i) for i in range(20)]
    both = await subscribe(store, "x", "both")
    await queue(store, [*subs, both])
    started = time.monotonic()

    await deliver.drain()

    first, second = sender.to(ref("x"))
    # Its first message waited behind the 20 others (the order of the claim; how long that took
    # depends on how late the machine ran the pacer's slots: the limits below are what hold).
    others = [sent.at for sent in sender.sent if sent.chat in {sub.chat for sub in subs}]
    assert len(others) == 20
    assert first.at >= max(others)
    assert first.at - started >= 0.19 - LATENESS  # 100 a second: 20 sends take a fifth of one
    assert second.at - first.at >= 0.3 - LATENESS
    assert_limits_held(sender.sent, PER_CHAT_LIMITS)


async def test_a_steady_paced_drain_keeps_the_overall_rate(
    store: Store, clock: SettableClock
) -> None:
    rate = Rate(200, 1.0)
    # A quick HTTP call: waiting for the last of each batch of 20 (and then settling and
    # claiming) would cost a batch-at-a-time dispatcher a fifth of the rate.
    sender = RecordingSender(delay=0.02)
    deliver = dispatcher(store, sender, clock, PlatformLimits(overall=rate), in_flight=20)
    await queue_many(store, await subscribe(store, 1), 400)
    at_claims = outstanding_at_claims(store, sender)

    report = await deliver.drain()

    assert report.delivered == 400
    times = sorted(s.at for s in sender.sent)
    achieved = (len(times) - 1) / (times[-1] - times[0])
    # About 0.99 on an idle machine; the margin is for a busy one, whose event loop runs late.
    assert achieved >= 0.9 * rate.count / rate.seconds
    assert_limits_held_overall(times, rate)
    # Claims came while earlier rows were still out: no claim waited for a whole batch.
    assert sum(1 for outstanding in at_claims if outstanding > 0) >= len(at_claims) // 2


async def test_outcomes_the_store_fails_to_record_are_recorded_later_and_never_resent(
    store: Store,
    sender: RecordingSender,
    clock: SettableClock,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    # The store locked by another process past its busy timeout, or a dropped connection, as
    # the sends' outcomes are written: they were sent, so releasing the rows would repeat them.
    await queue(store, [await subscribe(store, chat) for chat in range(1, 4)])
    fail_calls(monkeypatch, store, "settle", {1, 2})
    monkeypatch.setattr(dispatching, "RECORD_RETRY_FIRST", 0.01)

    report = await dispatcher(store, sender, clock).drain()

    assert report.delivered == 3
    assert await store.outbox.counts() == {"delivered": 3}
    assert len(sender.sent) == 3  # each sent once
    assert caplog.text.count("could not record the outcomes of 3 sends; trying again") == 2


async def test_a_pass_failing_on_a_claim_records_what_it_sent_and_the_next_delivers_the_rest(
    store: Store,
    sender: RecordingSender,
    clock: SettableClock,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    await queue(store, [await subscribe(store, chat) for chat in range(1, 9)])
    fail_calls(monkeypatch, store, "claim", {2})
    deliver = dispatcher(store, sender, clock, in_flight=4)
    wake, finish = asyncio.Event(), asyncio.Event()
    running = asyncio.create_task(deliver.run(wake, idle_seconds=0.05, finish=finish))
    try:
        await asyncio.wait_for(_until_all_delivered(store, 8), 5)
    finally:
        deliver.stop()
        await running

    assert await store.outbox.counts() == {"delivered": 8}
    assert "delivery pass failed" in caplog.text
    assert len(sender.sent) == 8  # what was sent before the failure was recorded, not repeated


def fail_calls(
    monkeypatch: pytest.MonkeyPatch, store: Store, method: str, failing: set[int]
) -> None:
    """The outbox's `method` raises, as a store gone away does, on the calls numbered in
    `failing` (from 1), and works on the others."""
    works = getattr(store.outbox, method)
    calls = itertools.count(1)

    async def sometimes(*args: object) -> object:
        if next(calls) in failing:
            raise ConnectionError("the database went away")
        return await works(*args)

    monkeypatch.setattr(store.outbox, method, sometimes)


async def _until_all_delivered(store: Store, count: int) -> None:
    while (await store.outbox.counts()).get("delivered", 0) < count:
        await asyncio.sleep(0.02)


async def test_paid_broadcast_covers_only_the_occasions_it_names_at_its_own_rate(
    store: Store, sender: RecordingSender, clock: SettableClock
) -> None:
    limits = PlatformLimits(overall=Rate(5, 1.0), paid=Rate(100, 1.0), paid_for=frozenset({"push"}))
    deliver = dispatcher(store, sender, clock, limits)
    pushed = [await subscribe(store, f"p{i}") for i in range(20)]
    scheduled = [await subscribe(store, f"s{i}") for i in range(3)]
    await queue(store, pushed, "push:abc")
    await queue(store, scheduled, "scheduled:2025-10-07T00:00Z")
    started = time.monotonic()

    await deliver.drain()

    paid = [s for s in sender.sent if s.chat.chat_id.startswith("p")]
    free = [s for s in sender.sent if s.chat.chat_id.startswith("s")]
    assert all(s.message.paid for s in paid) and not any(s.message.paid for s in free)
    assert max(s.at for s in paid) - started < 0.5  # 100 a second, not the free 5
    assert max(s.at for s in free) - started >= 0.4 - JITTER  # 5 a second
