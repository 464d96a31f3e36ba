"""Admin alerts, end to end over a real store (SQLite, and PostgreSQL when a server is given):
each condition queues one alert per admin chat through the outbox and the dispatcher delivers it;
below its threshold nothing; the same condition seen again, or by a second instance on the same
store, queues nothing more; an admin chat that is gone gets none and sets off none."""

from __future__ import annotations

import datetime as dt
import shutil
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Row, select

from bot.core.content.problems import ContentError
from bot.core.delivery.alerts import Alerter, Thresholds
from bot.core.delivery.dispatcher import Dispatcher, DispatchReport, RetryPolicy
from bot.core.delivery.scheduler import Scheduler
from bot.core.models import Lang
from bot.core.ports import (
    ChatGone,
    ChatKind,
    ChatRef,
    Format,
    MessageKind,
    RetryAfter,
    Transient,
)
from bot.core.services import Defaults
from bot.core.store import Store
from bot.core.store.tables import outbox
from bot.core.subscription import Plan, Subscription
from bot.core.text.strings import say
from tests.conftest import CONTENT
from tests.core.store.conftest import POSTGRES, empty_schema
from tests.fakes import RecordingSender, SettableClock, services_on

NOW = dt.datetime(2025, 10, 6, 0, 30, tzinfo=dt.UTC)
MINUTE = dt.timedelta(minutes=1)
ENGLISH, INDONESIAN = ChatRef("telegram", "42"), ChatRef("telegram", "7")
ADMINS = (ENGLISH, INDONESIAN)
PLAN = Plan("en", (dt.time(7),), False, "Asia/Jakarta")
BLOCKED = "Forbidden: bot was blocked by the user"


@pytest.fixture(params=["sqlite", "postgresql"])
async def database(request: pytest.FixtureRequest, tmp_path: Path, migrated: Path) -> str:
    """Where the store is: a SQLite file, or the PostgreSQL test database, emptied."""
    if request.param == "sqlite":
        path = tmp_path / "ringkas.sqlite3"
        shutil.copyfile(migrated, path)
        return str(path)
    if not POSTGRES:
        pytest.skip("no PostgreSQL server: set RINGKAS_TEST_POSTGRES to a database URL")
    await empty_schema(POSTGRES)
    return POSTGRES


@pytest.fixture
async def store(database: str) -> AsyncIterator[Store]:
    async with await Store.open(database) as opened:
        # The Indonesian admin chose Indonesian in their chat; the other never chose.
        await opened.chats.set_lang(INDONESIAN, ChatKind.PRIVATE, "id")
        yield opened


@pytest.fixture
def clock() -> SettableClock:
    return SettableClock(NOW)


@pytest.fixture
def sender() -> RecordingSender:
    return RecordingSender(format=Format.TEXT)


def alerter(store: Store, clock: SettableClock, **thresholds: Any) -> Alerter:
    return Alerter(store, clock, ADMINS, "en", Thresholds(**thresholds))


async def deliver(
    store: Store, sender: RecordingSender, clock: SettableClock, attempts: int = 8
) -> DispatchReport:
    dispatcher = Dispatcher(
        store, {"telegram": sender}, {}, clock, RetryPolicy(max_attempts=attempts)
    )
    return await dispatcher.drain()


async def alert_rows(store: Store) -> list[Row[Any]]:
    query = select(outbox).where(outbox.c.kind == MessageKind.NOTICE).order_by(outbox.c.id)
    async with store.engine.connect() as connection:
        return list((await connection.execute(query)).all())


def told(sender: RecordingSender) -> dict[ChatRef, list[str]]:
    """What each admin chat was sent."""
    found: dict[ChatRef, list[str]] = {}
    for sent in sender.delivered():
        if sent.chat in ADMINS:
            found.setdefault(sent.chat, []).append(sent.message.text)
    return found


def alert(lang: Lang, key: str, **values: object) -> str:
    """An alert as the admins read it (plain text)."""
    title, action = say(lang, "alert_title"), say(lang, f"alert_{key}_action")
    return f"{title}\n{say(lang, f'alert_{key}', **values)}\n{action}"


async def subscribed(store: Store, numbers: range, at: dt.datetime) -> list[Subscription]:
    return [
        await store.subscriptions.subscribe(
            ChatRef("telegram", str(n)), ChatKind.PRIVATE, PLAN, "user:1", at
        )
        for n in numbers
    ]


async def pause(store: Store, numbers: range, at: dt.datetime, reason: str = BLOCKED) -> None:
    for subscription in await subscribed(store, numbers, at):
        await store.subscriptions.pause(subscription.id, reason, at)


# --- many chats paused at once ---


async def test_many_chats_paused_alert_each_admin_once_in_their_language(
    store: Store, database: str, clock: SettableClock, sender: RecordingSender
) -> None:
    await pause(store, range(100, 105), NOW - 20 * MINUTE)  # before the window: not counted
    await pause(store, range(1000, 1018), NOW - 6 * MINUTE)
    await pause(store, range(1018, 1020), NOW - 2 * MINUTE, "kicked")
    alerts = alerter(store, clock)

    assert await alerts.check() == 2  # one row per admin chat
    await deliver(store, sender, clock)

    since = "2025-10-06 00:24 UTC"
    reasons = f"{BLOCKED} (18), kicked (2)"
    assert told(sender) == {
        ENGLISH: [alert("en", "paused", count=20, minutes="10", since=since, reasons=reasons)],
        INDONESIAN: [alert("id", "paused", count=20, minutes="10", since=since, reasons=reasons)],
    }
    # The same condition, seen again, or by a second instance on the same store: nothing more.
    assert await alerts.check() == 0
    async with await Store.open(database) as second:
        assert await alerter(second, clock).check() == 0
    assert len(await alert_rows(store)) == 2


async def test_fewer_paused_chats_than_the_threshold_alert_no_one(
    store: Store, clock: SettableClock
) -> None:
    await pause(store, range(1000, 1019), NOW - 6 * MINUTE)
    await pause(store, range(100, 110), NOW - 11 * MINUTE)  # before the window

    assert await alerter(store, clock).check() == 0
    assert await alert_rows(store) == []


async def test_a_new_burst_after_the_cool_down_alerts_again(
    store: Store, clock: SettableClock
) -> None:
    alerts = alerter(store, clock, cooldown=30 * MINUTE)
    await pause(store, range(1000, 1020), NOW)
    assert await alerts.check() == 2
    clock.advance(20 * MINUTE)
    await pause(store, range(2000, 2020), clock.now())
    assert await alerts.check() == 0  # within the cool-down: the same trouble, still going
    clock.advance(11 * MINUTE)
    await pause(store, range(3000, 3020), clock.now())
    assert await alerts.check() == 2
    assert [row.occasion for row in await alert_rows(store)] == [
        "alert:paused:2025-10-06T00:30:00Z",
        "alert:paused:2025-10-06T00:30:00Z",
        "alert:paused:2025-10-06T01:01:00Z",
        "alert:paused:2025-10-06T01:01:00Z",
    ]


# --- deliveries failing ---


async def failing_push(
    store: Store, sender: RecordingSender, clock: SettableClock, numbers: range, why: str
) -> None:
    """A push to these chats, each send failing for good on its one attempt."""
    subscriptions = await subscribed(store, numbers, clock.now())
    for subscription in subscriptions:
        sender.always(subscription.chat.chat_id, Transient(why))
    await store.outbox.put_text("b1", "en", Format.TEXT, "fixture announcement", clock.now())
    entries = [(subscription, f"push:{numbers.start}") for subscription in subscriptions]
    await store.outbox.enqueue(entries, "b1", MessageKind.ANNOUNCEMENT, clock.now())
    report = await deliver(store, sender, clock, attempts=1)
    assert report.failed == len(numbers)


async def test_failed_deliveries_alert_each_admin_once(
    store: Store, database: str, clock: SettableClock, sender: RecordingSender
) -> None:
    await failing_push(store, sender, clock, range(1000, 1019), "timed out")
    clock.advance(MINUTE)
    alerts = alerter(store, clock)
    assert await alerts.check() == 0  # 19: below the threshold
    await failing_push(store, sender, clock, range(2000, 2001), "Bad Gateway")

    assert await alerts.check() == 2
    await deliver(store, sender, clock)

    values = {"count": 20, "minutes": "10", "since": "2025-10-06 00:30 UTC"}
    reasons = "timed out (19), Bad Gateway (1)"
    assert told(sender) == {
        ENGLISH: [alert("en", "failed", **values, reasons=reasons)],
        INDONESIAN: [alert("id", "failed", **values, reasons=reasons)],
    }
    assert await alerts.check() == 0
    async with await Store.open(database) as second:
        assert await alerter(second, clock).check() == 0


async def test_deliveries_to_chats_gone_are_the_paused_alert_not_the_failed_one(
    store: Store, clock: SettableClock, sender: RecordingSender
) -> None:
    subscriptions = await subscribed(store, range(1000, 1025), NOW)
    for subscription in subscriptions:
        sender.always(subscription.chat.chat_id, ChatGone(BLOCKED))
    await store.outbox.put_text("b1", "en", Format.TEXT, "fixture announcement", clock.now())
    entries = [(subscription, "push:p1") for subscription in subscriptions]
    await store.outbox.enqueue(entries, "b1", MessageKind.ANNOUNCEMENT, NOW)
    assert (await deliver(store, sender, clock)).paused == 25

    await alerter(store, clock).check()

    assert [row.occasion[:13] for row in await alert_rows(store)] == ["alert:paused:"] * 2


async def test_an_admin_chat_gone_gets_no_alert_and_sets_off_none(
    store: Store, clock: SettableClock, sender: RecordingSender
) -> None:
    alerts = alerter(store, clock, failed=1, cooldown=MINUTE)
    sender.always(ENGLISH.chat_id, ChatGone(BLOCKED))  # this admin blocked the bot
    sender.always(INDONESIAN.chat_id, Transient("timed out"))  # and this one is unreachable
    await failing_push(store, sender, clock, range(1000, 1002), "timed out")
    clock.advance(9 * MINUTE)
    assert await alerts.check() == 2
    await deliver(store, sender, clock, attempts=1)  # both alerts fail
    assert told(sender) == {}

    clock.advance(2 * MINUTE)  # past the cool-down; the pushes' failures out of the window
    assert await alerts.check() == 0  # the alerts' own failures count for nothing
    sender.unscript(INDONESIAN.chat_id)
    await failing_push(store, sender, clock, range(2000, 2002), "timed out")
    assert await alerts.check() == 1  # the chat gone gets nothing more
    await deliver(store, sender, clock)
    assert list(told(sender)) == [INDONESIAN]


# --- a platform holding the sending back (429) ---


async def test_a_long_429_alerts_each_admin_once_as_the_dispatcher_meets_it(
    store: Store, database: str, clock: SettableClock, sender: RecordingSender
) -> None:
    alerts = alerter(store, clock, hold_once=0.05)
    [subscription] = await subscribed(store, range(1000, 1001), NOW)
    sender.script("1000", RetryAfter(0.08), RetryAfter(0.06))
    await store.outbox.put_text("b1", "en", Format.TEXT, "fixture announcement", clock.now())
    await store.outbox.enqueue([(subscription, "push:p1")], "b1", MessageKind.DIGEST, NOW)
    dispatcher = Dispatcher(store, {"telegram": sender}, {}, clock, on_hold=alerts.held)

    await dispatcher.drain()  # the 429 queues the alert, which goes out once the hold is over
    clock.advance(1)
    await dispatcher.drain()  # a second 429: the same hold, nothing more

    values = {"platform": "Telegram", "since": "2025-10-06 00:30 UTC"}
    assert told(sender) == {
        ENGLISH: [alert("en", "hold", **values, total="0.1", longest="0.1")],
        INDONESIAN: [alert("id", "hold", **values, total="0.1", longest="0.1")],
    }
    assert [row.occasion for row in await alert_rows(store)] == [
        "alert:hold:telegram:2025-10-06T00:30:00Z"
    ] * 2
    async with await Store.open(database) as second:  # a sender taking over meets one too
        await alerter(second, clock, hold_once=0.05).held("telegram", 61)
    assert len(await alert_rows(store)) == 2


async def test_429s_adding_up_past_the_total_alert_once(store: Store, clock: SettableClock) -> None:
    alerts = alerter(store, clock)  # 60 s at once, or 300 s in all within 10 minutes
    for _ in range(50):  # 50 sends told at once to wait 30 s hold the platform 30 s
        await alerts.held("telegram", 30)
    assert await alert_rows(store) == []
    for _ in range(8):
        clock.advance(30)
        await alerts.held("telegram", 30)
    assert await alert_rows(store) == []  # 270 s
    clock.advance(30)
    await alerts.held("telegram", 30)
    assert len(await alert_rows(store)) == 2  # 300 s
    await alerts.held("discord", 30)  # another platform's holds are its own
    clock.advance(30)
    await alerts.held("telegram", 59)
    assert len(await alert_rows(store)) == 2


# --- content problems, and who looks ---


async def test_content_problems_go_through_the_outbox_once(
    store: Store, database: str, clock: SettableClock, sender: RecordingSender
) -> None:
    problems = (ContentError("summaries/x.yaml", 3, "bad date"),)
    assert await alerter(store, clock).content_problems(problems, "e1") == 2
    async with await Store.open(database) as second:
        assert await alerter(second, clock).content_problems(problems, "e1") == 0
    await deliver(store, sender, clock)
    first_line = say("id", "content_problems", count=1)
    assert told(sender)[INDONESIAN] == [f"{first_line}\nsummaries/x.yaml:3: bad date"]
    # The same problems beside a new edition in service are news again.
    assert await alerter(store, clock).content_problems(problems, "e2") == 2


async def test_the_planners_tick_looks_and_other_instances_do_not(
    store: Store, clock: SettableClock, sender: RecordingSender
) -> None:
    await pause(store, range(1000, 1020), NOW)
    services = await services_on(
        store, CONTENT, clock, defaults=Defaults("en", "Asia/Jakarta", (dt.time(7),)),
        admins={"telegram": frozenset({"42", "7"})},
    )  # fmt: skip
    scheduler = Scheduler(services, 30, 0)
    services.planner = False
    await scheduler.run_due(NOW)
    assert await alert_rows(store) == []
    services.planner = True
    await scheduler.run_due(clock.advance(30))
    assert len(await alert_rows(store)) == 2
