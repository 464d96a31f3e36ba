"""The subscriptions table: subscribe, re-subscribe, remove, pause, and the scheduler's queries."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import event

from bot.core.ports import ChatKind, ChatRef, MessageKind
from bot.core.store import Store
from bot.core.store.outbox import Settlement
from bot.core.store.subscriptions import Advance
from bot.core.subscription import State, Subscription
from tests.core.store.conftest import (
    HOUR,
    MINUTE,
    NOW,
    at,
    chat,
    outbox_rows,
    plan,
    subscribe,
    subscription_rows,
)


async def queue(store: Store, sub: Subscription, key: str = "k1") -> None:
    await store.outbox.enqueue([(sub, key)], f"body-{key}", MessageKind.DIGEST, NOW)


# --- subscribe, get ---


async def test_subscribe_creates_an_active_subscription_with_its_next_due(store: Store) -> None:
    sub = await subscribe(
        store, "telegram:-100/7", "both", ("19:00", "07:00"), instant=True,
        kind=ChatKind.GROUP, by="user:42", title="Berita",
    )  # fmt: skip
    assert sub.id > 0
    assert sub.chat == ChatRef("telegram", "-100", "7")
    assert sub.chat_kind is ChatKind.GROUP
    assert sub.chat_title == "Berita"
    assert sub.plan == plan("both", ("19:00", "07:00"), instant=True)
    assert sub.plan.langs == ("en", "id")
    assert sub.state is State.ACTIVE
    assert sub.paused_reason is None and sub.paused_at is None
    assert sub.subscribed_by == "user:42"
    assert sub.subscribed_at == NOW
    # NOW is 07:30 WIB: the next slot is 19:00 WIB, 12:00 UTC.
    assert sub.next_due == at(2025, 10, 6, 12)
    assert sub.last_edition is None and sub.last_sent_at is None
    assert await store.subscriptions.get(chat("telegram:-100/7")) == sub


async def test_subscribe_returns_aware_utc_datetimes(store: Store) -> None:
    sub = await subscribe(store)
    assert sub.subscribed_at.tzinfo is dt.UTC
    assert sub.next_due is not None and sub.next_due.tzinfo is dt.UTC


async def test_subscribe_without_times_has_no_next_due(store: Store) -> None:
    sub = await subscribe(store, times=(), instant=True)
    assert sub.plan.times == ()
    assert sub.next_due is None


async def test_resubscribe_changes_the_plan_but_keeps_id_and_who_and_when(store: Store) -> None:
    first = await subscribe(store, "discord:55", "en", ("07:00",), by="alice", title="Old")
    later = NOW + 3 * HOUR  # 10:30 WIB
    again = await subscribe(
        store, "discord:55", "id", ("08:00", "20:00"), instant=True, zone="Asia/Makassar",
        kind=ChatKind.CHANNEL, by="bob", now=later,
    )  # fmt: skip
    assert again.id == first.id
    assert again.subscribed_by == "alice"
    assert again.subscribed_at == NOW
    assert again.plan == plan("id", ("08:00", "20:00"), instant=True, zone="Asia/Makassar")
    assert again.chat_kind is ChatKind.CHANNEL
    assert again.chat_title == "Old"  # no title given: the old one stays
    assert again.next_due == at(2025, 10, 6, 12)  # 20:00 WITA, the first slot after 11:30 WITA
    assert len(await subscription_rows(store)) == 1


async def test_resubscribe_with_a_title_replaces_the_title(store: Store) -> None:
    await subscribe(store, title="Old")
    again = await subscribe(store, title="New")
    assert again.chat_title == "New"


async def test_get_of_an_unknown_chat_is_none(store: Store) -> None:
    await subscribe(store, "telegram:1")
    assert await store.subscriptions.get(chat("telegram:2")) is None
    assert await store.subscriptions.get(chat("discord:1")) is None
    assert await store.subscriptions.get(chat("telegram:1/9")) is None


async def test_threads_of_one_chat_are_separate_subscriptions(store: Store) -> None:
    whole = await subscribe(store, "telegram:-100", "en")
    topic = await subscribe(store, "telegram:-100/42", "id")
    other = await subscribe(store, "telegram:-100/43", "both")
    assert len({whole.id, topic.id, other.id}) == 3
    got = [await store.subscriptions.get(chat(r)) for r in ("telegram:-100", "telegram:-100/42")]
    assert [s.plan.languages for s in got if s] == ["en", "id"]
    assert await store.subscriptions.remove(chat("telegram:-100/42"), NOW)
    assert await store.subscriptions.get(chat("telegram:-100/42")) is None
    assert await store.subscriptions.get(chat("telegram:-100")) == whole
    assert await store.subscriptions.get(chat("telegram:-100/43")) == other


async def test_the_same_chat_id_on_two_platforms_is_two_subscriptions(store: Store) -> None:
    a = await subscribe(store, "telegram:7")
    b = await subscribe(store, "discord:7")
    assert a.id != b.id
    assert (await store.subscriptions.get(chat("discord:7"))) == b


# --- remove ---


async def test_remove_deletes_and_cancels_what_was_waiting(store: Store) -> None:
    gone = await subscribe(store, "telegram:1", "both")
    kept = await subscribe(store, "telegram:2", "en")
    await queue(store, gone, "k1")
    await queue(store, kept, "k1")
    [first] = await store.outbox.claim("telegram", NOW, 1)  # gone/en is now being sent
    assert first.subscription_id == gone.id
    later = NOW + MINUTE
    assert await store.subscriptions.remove(chat("telegram:1"), later) is True
    assert await store.subscriptions.get(chat("telegram:1")) is None
    rows = {(r.subscription_id, r.lang): r for r in await outbox_rows(store)}
    assert rows[gone.id, "en"].state == "sending"  # already on its way: left alone
    assert rows[gone.id, "id"].state == "cancelled"
    assert rows[gone.id, "id"].last_error == "unsubscribed"
    assert rows[gone.id, "id"].updated_at == later
    assert rows[kept.id, "en"].state == "pending"


async def test_remove_of_an_unknown_chat_is_false_and_changes_nothing(store: Store) -> None:
    sub = await subscribe(store)
    await queue(store, sub)
    assert await store.subscriptions.remove(chat("telegram:999"), NOW) is False
    assert await store.subscriptions.remove(chat("telegram:1/1"), NOW) is False
    assert await store.subscriptions.get(chat("telegram:1")) == sub
    assert [r.state for r in await outbox_rows(store)] == ["pending"]


async def test_remove_twice_is_false_the_second_time(store: Store) -> None:
    await subscribe(store)
    assert await store.subscriptions.remove(chat("telegram:1"), NOW) is True
    assert await store.subscriptions.remove(chat("telegram:1"), NOW) is False


async def test_remove_leaves_delivered_rows_as_they_were(store: Store) -> None:
    sub = await subscribe(store)
    await queue(store, sub)
    [delivery] = await store.outbox.claim("telegram", NOW, 10)
    await store.outbox.settle(Settlement(delivered=[(delivery.id, "m1")]), NOW)
    await store.subscriptions.remove(chat("telegram:1"), NOW)
    [row] = await outbox_rows(store)
    assert (row.state, row.message_id) == ("delivered", "m1")


# --- pause, and coming back ---


async def test_pause_keeps_every_setting_and_fails_what_was_waiting(store: Store) -> None:
    sub = await subscribe(store, "telegram:1", "both", ("07:00", "19:00"), instant=True,
                          title="Chat", by="alice")  # fmt: skip
    other = await subscribe(store, "telegram:2")
    await store.subscriptions.advance([Advance(sub.id, sub.next_due, "ed-1")], NOW)
    await queue(store, sub)
    await queue(store, other)
    when = NOW + HOUR
    await store.subscriptions.pause(sub.id, "bot was blocked", when)

    paused = await store.subscriptions.get(chat("telegram:1"))
    assert paused is not None
    assert paused.state is State.PAUSED
    assert paused.paused_reason == "bot was blocked"
    assert paused.paused_at == when
    assert paused.last_edition is None  # the chat missed news meanwhile
    assert paused.last_sent_at == NOW
    assert (paused.id, paused.plan, paused.chat_kind, paused.chat_title) == (
        sub.id, sub.plan, sub.chat_kind, sub.chat_title,
    )  # fmt: skip
    assert (paused.subscribed_by, paused.subscribed_at, paused.next_due) == (
        sub.subscribed_by, sub.subscribed_at, sub.next_due,
    )  # fmt: skip
    rows = await outbox_rows(store, subscription_id=sub.id)
    assert [(r.lang, r.state, r.last_error) for r in rows] == [
        ("en", "failed", "chat gone"), ("id", "failed", "chat gone"),
    ]  # fmt: skip
    assert [r.state for r in await outbox_rows(store, subscription_id=other.id)] == ["pending"]
    assert (await store.subscriptions.get(chat("telegram:2"))) == other


async def test_subscribe_after_pause_resumes_active_with_the_same_plan(store: Store) -> None:
    sub = await subscribe(store, "telegram:1", "id", ("07:00", "19:00"), by="alice")
    await store.subscriptions.pause(sub.id, "kicked", NOW)
    back_at = NOW + 12 * HOUR  # 19:30 WIB
    back = await subscribe(store, "telegram:1", "id", ("07:00", "19:00"), by="bob", now=back_at)
    assert back.id == sub.id
    assert back.state is State.ACTIVE
    assert back.paused_reason is None and back.paused_at is None
    assert back.plan == sub.plan
    assert back.subscribed_by == "alice" and back.subscribed_at == NOW
    assert back.next_due == at(2025, 10, 7, 0)  # 07:00 WIB the next morning


# --- the scheduler's queries ---


async def test_due_returns_active_subscriptions_whose_slot_has_come_most_overdue_first(
    store: Store,
) -> None:
    async def in_utc(ref: str, time: str) -> Subscription:
        return await subscribe(store, ref, times=(time,), zone="UTC", now=at(2025, 10, 6))

    later = await in_utc("telegram:3", "03:00")  # created first, due last
    exact = await in_utc("telegram:2", "02:00")
    oldest = await in_utc("telegram:1", "01:00")
    paused = await in_utc("discord:1", "00:45")
    await subscribe(store, "discord:2", times=(), instant=True, zone="UTC")  # never due
    await store.subscriptions.pause(paused.id, "gone", NOW)
    due = await store.subscriptions.due(at(2025, 10, 6, 2), limit=10)
    assert [s.id for s in due] == [oldest.id, exact.id]  # next_due == now counts as due
    assert [s.id for s in await store.subscriptions.due(at(2025, 10, 6, 3), 10)] == [
        oldest.id, exact.id, later.id,
    ]  # fmt: skip
    assert await store.subscriptions.due(at(2025, 10, 6, 0, 59), 10) == []


async def test_due_honours_the_limit_keeping_the_most_overdue(store: Store) -> None:
    subs = [
        await subscribe(
            store, f"telegram:{n}", times=(f"0{n}:00",), zone="UTC", now=at(2025, 10, 6)
        )
        for n in (5, 1, 4, 2, 3)
    ]
    by_hour = {s.plan.times[0].hour: s.id for s in subs}
    due = await store.subscriptions.due(at(2025, 10, 6, 6), limit=2)
    assert [s.id for s in due] == [by_hour[1], by_hour[2]]


async def test_all_streams_every_subscription_in_id_order_a_batch_at_a_time(
    store: Store,
) -> None:
    subs = [await subscribe(store, f"telegram:{n}") for n in range(5)]
    selects: list[str] = []

    def seen(_conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        if statement.lstrip().upper().startswith("SELECT"):
            selects.append(statement)

    event.listen(store.engine.sync_engine, "before_cursor_execute", seen)
    try:
        streamed = [s async for s in store.subscriptions.all(batch=2)]
    finally:
        event.remove(store.engine.sync_engine, "before_cursor_execute", seen)
    assert streamed == subs
    assert len(selects) == 3  # 2 + 2 + 1


async def test_all_with_an_exact_multiple_of_the_batch_stops_after_an_empty_batch(
    store: Store,
) -> None:
    subs = [await subscribe(store, f"telegram:{n}") for n in range(4)]
    assert [s async for s in store.subscriptions.all(batch=2)] == subs
    assert [s async for s in store.subscriptions.all(batch=4)] == subs
    assert [s async for s in store.subscriptions.all(batch=100)] == subs


async def test_all_of_an_empty_store_yields_nothing(store: Store) -> None:
    assert [s async for s in store.subscriptions.all(batch=2)] == []


async def test_all_filters_by_platform_across_batches(store: Store) -> None:
    subs = [await subscribe(store, f"{p}:{n}") for n, p in enumerate(
        ["telegram", "discord", "telegram", "discord", "telegram", "telegram", "discord"]
    )]  # fmt: skip
    telegram = [s async for s in store.subscriptions.all("telegram", batch=2)]
    discord = [s async for s in store.subscriptions.all(platform="discord", batch=2)]
    assert telegram == [s for s in subs if s.chat.platform == "telegram"]
    assert discord == [s for s in subs if s.chat.platform == "discord"]
    assert [s async for s in store.subscriptions.all("slack", batch=2)] == []


async def test_all_includes_paused_subscriptions(store: Store) -> None:
    sub = await subscribe(store)
    await store.subscriptions.pause(sub.id, "gone", NOW)
    [only] = [s async for s in store.subscriptions.all()]
    assert only.state is State.PAUSED


async def test_counts_by_platform_and_state(store: Store) -> None:
    assert await store.subscriptions.counts() == {}
    a = await subscribe(store, "telegram:1")
    await subscribe(store, "telegram:2")
    await subscribe(store, "telegram:3")
    await subscribe(store, "discord:1")
    await store.subscriptions.pause(a.id, "gone", NOW)
    assert await store.subscriptions.counts() == {
        ("telegram", State.ACTIVE): 2,
        ("telegram", State.PAUSED): 1,
        ("discord", State.ACTIVE): 1,
    }


async def test_paused_reasons_count_paused_chats_by_platform_and_reason(store: Store) -> None:
    subs = [await subscribe(store, f"telegram:{n}") for n in range(4)]
    gone = await subscribe(store, "discord:1")
    await store.subscriptions.pause(subs[0].id, "blocked", NOW)
    await store.subscriptions.pause(subs[1].id, "blocked", NOW)
    await store.subscriptions.pause(subs[2].id, "kicked", NOW)
    await store.subscriptions.pause(gone.id, "blocked", NOW)

    assert await store.subscriptions.paused_reasons() == {
        ("telegram", "blocked"): 2,
        ("telegram", "kicked"): 1,
        ("discord", "blocked"): 1,
    }


async def test_paused_lists_paused_chats_most_recent_first_up_to_the_limit(
    store: Store,
) -> None:
    subs = [await subscribe(store, f"telegram:{n}") for n in range(4)]
    await store.subscriptions.pause(subs[0].id, "first", NOW)
    await store.subscriptions.pause(subs[2].id, "third", NOW + 2 * HOUR)
    await store.subscriptions.pause(subs[1].id, "second", NOW + HOUR)
    paused = await store.subscriptions.paused(limit=10)
    assert [(s.id, s.paused_reason) for s in paused] == [
        (subs[2].id, "third"), (subs[1].id, "second"), (subs[0].id, "first"),
    ]  # fmt: skip
    assert [s.id for s in await store.subscriptions.paused(limit=1)] == [subs[2].id]


async def test_instant_behind_lists_active_instant_chats_not_sent_the_edition(
    store: Store,
) -> None:
    never = await subscribe(store, "telegram:1", instant=True)
    old = await subscribe(store, "telegram:2", instant=True)
    current = await subscribe(store, "telegram:3", instant=True)
    await subscribe(store, "telegram:4", instant=False)  # scheduled only
    paused = await subscribe(store, "telegram:5", instant=True)
    await store.subscriptions.advance(
        [Advance(old.id, None, "ed-1"), Advance(current.id, None, "ed-2")], NOW
    )
    await store.subscriptions.pause(paused.id, "gone", NOW)
    behind = await store.subscriptions.instant_behind("ed-2", limit=10)
    assert [s.id for s in behind] == [never.id, old.id]
    assert [s.id for s in await store.subscriptions.instant_behind("ed-2", limit=1)] == [never.id]
    assert [s.id for s in await store.subscriptions.instant_behind("ed-3", 10)] == [
        never.id, old.id, current.id,
    ]  # fmt: skip


async def test_advance_with_an_edition_records_the_send(store: Store) -> None:
    sub = await subscribe(store)
    due = at(2025, 10, 7, 0)
    when = NOW + MINUTE
    await store.subscriptions.advance([Advance(sub.id, due, "ed-1")], when)
    got = await store.subscriptions.get(sub.chat)
    assert got is not None
    assert (got.next_due, got.last_edition, got.last_sent_at) == (due, "ed-1", when)


async def test_advance_without_an_edition_moves_only_the_next_slot(store: Store) -> None:
    sub = await subscribe(store)
    await store.subscriptions.advance([Advance(sub.id, at(2025, 10, 7, 0), "ed-1")], NOW)
    await store.subscriptions.advance([Advance(sub.id, at(2025, 10, 8, 0), None)], NOW + HOUR)
    got = await store.subscriptions.get(sub.chat)
    assert got is not None
    assert (got.next_due, got.last_edition, got.last_sent_at) == (at(2025, 10, 8, 0), "ed-1", NOW)


async def test_advance_updates_many_subscriptions_each_its_own_way(store: Store) -> None:
    a = await subscribe(store, "telegram:1")
    b = await subscribe(store, "telegram:2")
    c = await subscribe(store, "telegram:3")
    await store.subscriptions.advance(
        [Advance(a.id, at(2025, 10, 7), "ed"), Advance(b.id, None, None)], NOW
    )
    got = {s.id: s async for s in store.subscriptions.all()}
    assert (got[a.id].next_due, got[a.id].last_edition) == (at(2025, 10, 7), "ed")
    assert (got[b.id].next_due, got[b.id].last_edition, got[b.id].last_sent_at) == (
        None, None, None,
    )  # fmt: skip
    assert got[c.id] == c


async def test_advance_of_nothing_changes_nothing(store: Store) -> None:
    sub = await subscribe(store)
    await store.subscriptions.advance([], NOW)
    assert await store.subscriptions.get(sub.chat) == sub


async def test_add_many_inserts_ready_made_rows(store: Store) -> None:
    rows = [
        {
            "platform": "telegram", "chat_id": str(n), "thread": "", "chat_kind": "private",
            "chat_title": f"Chat {n}", "languages": "both", "times": "07:00 19:00",
            "instant": n % 2 == 0, "timezone": "Asia/Jakarta", "state": "active",
            "subscribed_by": "import", "subscribed_at": NOW, "next_due": at(2025, 10, 6, 12),
        }
        for n in range(3)
    ]  # fmt: skip
    await store.subscriptions.add_many(iter(rows))
    subs = [s async for s in store.subscriptions.all()]
    assert [s.chat for s in subs] == [ChatRef("telegram", str(n)) for n in range(3)]
    assert all(s.plan == plan("both", ("07:00", "19:00"), instant=s.plan.instant) for s in subs)
    assert [s.plan.instant for s in subs] == [True, False, True]
    assert {s.subscribed_at for s in subs} == {NOW}
    assert await store.subscriptions.counts() == {("telegram", State.ACTIVE): 3}
    assert len(await store.subscriptions.due(at(2025, 10, 6, 12), 10)) == 3
