"""The outbox: queueing deliveries once, claiming them, settling what became of them, recovery."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from bot.core.ports import ChatKind, ChatRef, Format, MessageKind
from bot.core.store import Store
from bot.core.store.outbox import Delivery, Progress, Settlement
from bot.core.store.subscriptions import Advance
from bot.core.store.tables import OutboxState
from bot.core.subscription import State, Subscription
from tests.core.store.conftest import (
    HOUR,
    MINUTE,
    NOW,
    at,
    chat,
    outbox_rows,
    subscribe,
    subscription_rows,
)

DIGEST = MessageKind.DIGEST


async def enqueue(
    store: Store, subs: list[Subscription], key: str = "k1", now: dt.datetime = NOW
) -> int:
    return await store.outbox.enqueue([(s, key) for s in subs], f"body-{key}", DIGEST, now)


async def claim_one(store: Store, platform: str = "telegram") -> Delivery:
    [delivery] = await store.outbox.claim(platform, NOW, 1)
    return delivery


# --- enqueue ---


async def test_enqueue_makes_one_row_per_language(store: Store) -> None:
    en = await subscribe(store, "telegram:1", "en", kind=ChatKind.PRIVATE)
    both = await subscribe(store, "telegram:-100/42", "both", kind=ChatKind.GROUP)
    ident = await subscribe(store, "discord:9", "id", kind=ChatKind.CHANNEL)
    added = await store.outbox.enqueue(
        [(en, "slot:1"), (both, "slot:1"), (ident, "slot:1")],
        "digest:ed-1",
        MessageKind.DIGEST,
        NOW,
    )
    assert added == 4
    rows = await outbox_rows(store)
    assert [(r.subscription_id, r.lang) for r in rows] == [
        (en.id, "en"), (both.id, "en"), (both.id, "id"), (ident.id, "id"),
    ]  # fmt: skip
    group = rows[1]
    assert (group.platform, group.chat_id, group.thread, group.chat_kind) == (
        "telegram", "-100", "42", "group",
    )  # fmt: skip
    assert (group.occasion, group.body_id, group.kind) == ("slot:1", "digest:ed-1", "digest")
    assert (group.state, group.attempts, group.last_error, group.message_id) == (
        "pending", 0, None, None,
    )  # fmt: skip
    assert group.next_attempt_at == NOW
    assert group.created_at == NOW == group.updated_at


async def test_enqueue_is_idempotent_per_subscription_and_key(store: Store) -> None:
    a = await subscribe(store, "telegram:1", "both")
    b = await subscribe(store, "telegram:2", "en")
    assert await enqueue(store, [a], "k1") == 2
    assert await enqueue(store, [a], "k1", NOW + HOUR) == 0
    assert await enqueue(store, [a, b], "k1") == 1  # only b's row is new
    assert await enqueue(store, [a, b], "k2") == 3  # another key is another delivery
    rows = await outbox_rows(store)
    assert len(rows) == 6
    assert {r.created_at for r in rows if r.occasion == "k1"} == {NOW}


async def test_enqueue_of_nothing_adds_nothing(store: Store) -> None:
    assert await store.outbox.enqueue([], "b", DIGEST, NOW) == 0
    assert await outbox_rows(store) == []


async def test_enqueue_accepts_a_one_shot_iterable(store: Store) -> None:
    subs = [await subscribe(store, f"telegram:{n}") for n in range(3)]
    added = await store.outbox.enqueue(((s, "k") for s in subs), "b", DIGEST, NOW)
    assert added == 3


async def test_enqueue_applies_the_schedulers_advances_in_the_same_call(store: Store) -> None:
    sent = await subscribe(store, "telegram:1")
    skipped = await subscribe(store, "telegram:2")
    untouched = await subscribe(store, "telegram:3")
    tomorrow = at(2025, 10, 7, 0)
    added = await store.outbox.enqueue(
        [(sent, "slot")],
        "digest:ed-1",
        DIGEST,
        NOW,
        advances=[Advance(sent.id, tomorrow, "ed-1"), Advance(skipped.id, tomorrow, None)],
    )
    assert added == 1
    got = {s.id: s async for s in store.subscriptions.all()}
    assert (got[sent.id].next_due, got[sent.id].last_edition, got[sent.id].last_sent_at) == (
        tomorrow, "ed-1", NOW,
    )  # fmt: skip
    assert (got[skipped.id].next_due, got[skipped.id].last_edition) == (tomorrow, None)
    assert got[skipped.id].last_sent_at is None
    assert got[untouched.id] == untouched


async def test_enqueue_applies_advances_even_with_no_rows(store: Store) -> None:
    sub = await subscribe(store)
    await store.outbox.enqueue([], "b", DIGEST, NOW, advances=[Advance(sub.id, None, None)])
    got = await store.subscriptions.get(sub.chat)
    assert got is not None and got.next_due is None


# --- enqueue_all_active ---


async def test_enqueue_all_active_queues_every_active_chat_in_each_language(store: Store) -> None:
    en = await subscribe(store, "telegram:1", "en")
    ident = await subscribe(store, "discord:2", "id", kind=ChatKind.CHANNEL)
    both = await subscribe(store, "telegram:3/5", "both", kind=ChatKind.GROUP)
    paused = await subscribe(store, "telegram:4", "both")
    await store.subscriptions.pause(paused.id, "gone", NOW)
    added = await store.outbox.enqueue_all_active(
        "push:p1", "push:p1", MessageKind.ANNOUNCEMENT, NOW
    )
    assert added == 4
    rows = await outbox_rows(store, occasion="push:p1")
    assert sorted((r.subscription_id, r.lang) for r in rows) == [
        (en.id, "en"), (ident.id, "id"), (both.id, "en"), (both.id, "id"),
    ]  # fmt: skip
    by_sub = {r.subscription_id: r for r in rows}
    assert (by_sub[both.id].platform, by_sub[both.id].chat_id, by_sub[both.id].thread) == (
        "telegram", "3", "5",
    )  # fmt: skip
    assert by_sub[ident.id].chat_kind == "channel"
    for row in rows:
        assert (row.body_id, row.kind, row.state, row.attempts) == (
            "push:p1", "announcement", "pending", 0,
        )  # fmt: skip
        assert row.next_attempt_at == NOW
        assert row.created_at == NOW == row.updated_at


async def test_enqueue_all_active_is_idempotent(store: Store) -> None:
    await subscribe(store, "telegram:1", "both")
    await subscribe(store, "telegram:2", "en")
    assert await store.outbox.enqueue_all_active("push:p1", "b", DIGEST, NOW) == 3
    assert await store.outbox.enqueue_all_active("push:p1", "b", DIGEST, NOW + HOUR) == 0
    await subscribe(store, "telegram:3", "id")  # a chat that arrived meanwhile gets it too
    assert await store.outbox.enqueue_all_active("push:p1", "b", DIGEST, NOW) == 1
    assert await store.outbox.enqueue_all_active("push:p2", "b", DIGEST, NOW) == 4
    assert len(await outbox_rows(store)) == 8


async def test_enqueue_all_active_with_no_subscriptions_adds_nothing(store: Store) -> None:
    assert await store.outbox.enqueue_all_active("push:p1", "b", DIGEST, NOW) == 0


async def test_rows_from_enqueue_all_active_are_claimable_at_their_time(store: Store) -> None:
    """The times it writes compare with the claim's like any other row's."""
    await subscribe(store, "telegram:1", "both")
    await store.outbox.enqueue_all_active("push:p1", "b", DIGEST, NOW)
    assert await store.outbox.claim("telegram", NOW - dt.timedelta(microseconds=1), 10) == []
    claimed = await store.outbox.claim("telegram", NOW, 10)
    assert sorted(d.lang for d in claimed) == ["en", "id"]
    assert {d.kind for d in claimed} == {MessageKind.DIGEST}
    assert await store.outbox.next_attempt(["telegram"]) is None


# --- claim ---


async def test_claim_marks_ready_rows_sending_and_returns_them(store: Store) -> None:
    sub = await subscribe(store, "telegram:-100/42", "both", kind=ChatKind.GROUP)
    await enqueue(store, [sub], "slot:1")
    claimed = await store.outbox.claim("telegram", NOW + MINUTE, 10)
    rows = await outbox_rows(store)
    assert [d.id for d in claimed] == [r.id for r in rows]
    assert [d.lang for d in claimed] == ["en", "id"]
    first = claimed[0]
    assert first == Delivery(
        id=rows[0].id,
        subscription_id=sub.id,
        chat=ChatRef("telegram", "-100", "42"),
        chat_kind=ChatKind.GROUP,
        occasion="slot:1",
        body_id="body-slot:1",
        lang="en",
        kind=MessageKind.DIGEST,
        attempts=0,
    )
    assert {r.state for r in rows} == {"sending"}
    assert {r.updated_at for r in rows} == {NOW + MINUTE}
    assert await store.outbox.claim("telegram", NOW + HOUR, 10) == []


async def test_claim_takes_only_the_given_platform(store: Store) -> None:
    tg = await subscribe(store, "telegram:1")
    dc = await subscribe(store, "discord:1")
    await enqueue(store, [tg, dc])
    [claimed] = await store.outbox.claim("discord", NOW, 10)
    assert claimed.subscription_id == dc.id
    assert [r.state for r in await outbox_rows(store, subscription_id=tg.id)] == ["pending"]
    assert await store.outbox.claim("slack", NOW, 10) == []


async def test_claim_respects_the_limit_and_takes_the_oldest_first(store: Store) -> None:
    subs = [await subscribe(store, f"telegram:{n}") for n in range(3)]
    await enqueue(store, [subs[0], subs[1]], "k", NOW)
    await enqueue(store, [subs[2]], "k", NOW - HOUR)  # queued last, ready first
    first = await store.outbox.claim("telegram", NOW, 2)
    assert [d.subscription_id for d in first] == [subs[2].id, subs[0].id]
    second = await store.outbox.claim("telegram", NOW, 2)
    assert [d.subscription_id for d in second] == [subs[1].id]
    assert await store.outbox.claim("telegram", NOW, 2) == []


async def test_claim_leaves_rows_not_yet_due(store: Store) -> None:
    sub = await subscribe(store)
    await enqueue(store, [sub], "k", NOW + HOUR)
    assert await store.outbox.claim("telegram", NOW, 10) == []
    assert await store.outbox.claim("telegram", NOW + HOUR - MINUTE, 10) == []
    assert len(await store.outbox.claim("telegram", NOW + HOUR, 10)) == 1


async def test_claim_skips_rows_that_are_not_pending(store: Store) -> None:
    sub = await subscribe(store, "telegram:1", "both")
    await enqueue(store, [sub])
    await store.subscriptions.remove(sub.chat, NOW)  # cancelled
    assert await store.outbox.claim("telegram", NOW, 10) == []


# --- settle ---


async def test_settle_delivered_records_the_message_id(store: Store) -> None:
    sub = await subscribe(store)
    await enqueue(store, [sub])
    delivery = await claim_one(store)
    await store.outbox.settle(Settlement(delivered=[(delivery.id, "msg-77")]), NOW + MINUTE)
    [row] = await outbox_rows(store)
    assert (row.state, row.message_id, row.attempts, row.last_error) == (
        "delivered", "msg-77", 1, None,
    )  # fmt: skip
    assert row.updated_at == NOW + MINUTE
    assert await store.outbox.claim("telegram", NOW + HOUR, 10) == []


async def test_settle_retry_puts_the_row_back_for_later(store: Store) -> None:
    sub = await subscribe(store)
    await enqueue(store, [sub])
    delivery = await claim_one(store)
    when = NOW + 30 * dt.timedelta(seconds=1)
    await store.outbox.settle(Settlement(retry=[(delivery.id, when, "429: retry after 30")]), NOW)
    [row] = await outbox_rows(store)
    assert (row.state, row.attempts, row.last_error) == ("pending", 1, "429: retry after 30")
    assert row.next_attempt_at == when
    assert await store.outbox.claim("telegram", when - dt.timedelta(seconds=1), 10) == []
    [again] = await store.outbox.claim("telegram", when, 10)
    assert (again.id, again.attempts) == (delivery.id, 1)


async def test_settle_failed_gives_up_on_the_row(store: Store) -> None:
    sub = await subscribe(store)
    await enqueue(store, [sub])
    delivery = await claim_one(store)
    await store.outbox.settle(Settlement(failed=[(delivery.id, "x" * 700)]), NOW)
    [row] = await outbox_rows(store)
    assert (row.state, row.attempts, row.last_error) == ("failed", 1, "x" * 500)
    assert await store.outbox.claim("telegram", NOW + HOUR, 10) == []
    got = await store.subscriptions.get(sub.chat)
    assert got is not None and got.state is State.ACTIVE  # one failure does not pause a chat


async def test_settle_attempts_count_every_try(store: Store) -> None:
    sub = await subscribe(store)
    await enqueue(store, [sub])
    for n in range(3):
        delivery = await claim_one(store)
        assert delivery.attempts == n
        await store.outbox.settle(Settlement(retry=[(delivery.id, NOW, "timeout")]), NOW)
    delivery = await claim_one(store)
    await store.outbox.settle(Settlement(delivered=[(delivery.id, "m")]), NOW)
    [row] = await outbox_rows(store)
    assert (row.state, row.attempts, row.last_error) == ("delivered", 4, None)


async def test_settle_gone_pauses_the_chat_and_fails_what_waits_for_it(store: Store) -> None:
    sub = await subscribe(store, "telegram:1", "both")
    other = await subscribe(store, "telegram:2")
    await enqueue(store, [sub, other], "k1")
    await enqueue(store, [sub], "k2")
    delivery = await claim_one(store)  # sub, k1, en
    assert (delivery.subscription_id, delivery.occasion, delivery.lang) == (sub.id, "k1", "en")
    later = NOW + MINUTE
    await store.outbox.settle(Settlement(gone=[(delivery, "bot was blocked by the user")]), later)
    rows = {(r.subscription_id, r.occasion, r.lang): r for r in await outbox_rows(store)}
    first = rows[sub.id, "k1", "en"]
    assert (first.state, first.attempts, first.last_error) == (
        "failed", 1, "chat gone: bot was blocked by the user",
    )  # fmt: skip
    for waiting in [(sub.id, "k1", "id"), (sub.id, "k2", "en"), (sub.id, "k2", "id")]:
        assert (rows[waiting].state, rows[waiting].last_error) == ("failed", "chat gone")
    assert rows[other.id, "k1", "en"].state == "pending"
    paused = await store.subscriptions.get(sub.chat)
    assert paused is not None
    assert (paused.state, paused.paused_reason, paused.paused_at) == (
        State.PAUSED, "bot was blocked by the user", later,
    )  # fmt: skip
    assert paused.plan == sub.plan
    still = await store.subscriptions.get(other.chat)
    assert still is not None and still.state is State.ACTIVE


async def test_settle_moved_follows_the_chat_to_its_new_id(store: Store) -> None:
    sub = await subscribe(store, "telegram:-1/3", "both", kind=ChatKind.GROUP)
    await enqueue(store, [sub], "k1")
    await enqueue(store, [sub], "k2")
    delivery = await claim_one(store)
    later = NOW + MINUTE
    await store.outbox.settle(Settlement(moved=[(delivery, "-1009")]), later)

    assert await store.subscriptions.get(chat("telegram:-1/3")) is None
    moved = await store.subscriptions.get(chat("telegram:-1009/3"))
    assert moved is not None
    assert (moved.id, moved.plan, moved.state) == (sub.id, sub.plan, State.ACTIVE)
    rows = await outbox_rows(store)
    assert {(r.chat_id, r.thread, r.state) for r in rows} == {("-1009", "3", "pending")}
    row = next(r for r in rows if r.id == delivery.id)
    assert (row.attempts, row.last_error) == (1, "moved to -1009")
    assert row.next_attempt_at == later
    claimed = await store.outbox.claim("telegram", later, 10)
    assert {d.chat for d in claimed} == {ChatRef("telegram", "-1009", "3")}
    assert len(claimed) == 4


async def test_settle_moved_leaves_finished_rows_at_the_old_id(store: Store) -> None:
    sub = await subscribe(store, "telegram:-1", "both")
    await enqueue(store, [sub])
    en, ident = await store.outbox.claim("telegram", NOW, 2)
    await store.outbox.settle(Settlement(delivered=[(en.id, "m1")], moved=[(ident, "-1009")]), NOW)
    rows = {r.id: r for r in await outbox_rows(store)}
    assert (rows[en.id].chat_id, rows[en.id].state) == ("-1", "delivered")
    assert (rows[ident.id].chat_id, rows[ident.id].state) == ("-1009", "pending")


async def test_settle_moved_twice_for_one_chat_in_a_batch(store: Store) -> None:
    sub = await subscribe(store, "telegram:-1", "both")
    await enqueue(store, [sub])
    en, ident = await store.outbox.claim("telegram", NOW, 2)
    await store.outbox.settle(Settlement(moved=[(en, "-1009"), (ident, "-1009")]), NOW)
    assert [s.id for s in await subscription_rows(store)] == [sub.id]
    moved = await store.subscriptions.get(chat("telegram:-1009"))
    assert moved is not None and moved.id == sub.id
    assert {(r.chat_id, r.state) for r in await outbox_rows(store)} == {("-1009", "pending")}


async def test_settle_moved_onto_a_chat_with_its_own_subscription_drops_the_old_one(
    store: Store,
) -> None:
    old = await subscribe(store, "telegram:-1", "both", times=("07:00",))
    new = await subscribe(store, "telegram:-1009", "id", times=("19:00",))
    await enqueue(store, [old], "k1")
    await enqueue(store, [old], "k2")
    await enqueue(store, [new], "k1")
    delivery = await claim_one(store)
    assert delivery.subscription_id == old.id
    later = NOW + MINUTE
    await store.outbox.settle(Settlement(moved=[(delivery, "-1009")]), later)

    assert await store.subscriptions.get(chat("telegram:-1")) is None
    kept = await store.subscriptions.get(chat("telegram:-1009"))
    assert kept == new  # its own setup wins, untouched
    old_rows = await outbox_rows(store, subscription_id=old.id)
    assert len(old_rows) == 4
    assert {(r.state, r.last_error) for r in old_rows} == {("cancelled", "moved to -1009")}
    assert [r.state for r in await outbox_rows(store, subscription_id=new.id)] == ["pending"]
    assert [d.subscription_id for d in await store.outbox.claim("telegram", later, 10)] == [new.id]


async def test_settle_writes_a_mixed_batch_at_once(store: Store) -> None:
    subs = [await subscribe(store, f"telegram:{n}") for n in range(5)]
    await enqueue(store, subs)
    d = await store.outbox.claim("telegram", NOW, 5)
    retry_at = NOW + HOUR
    await store.outbox.settle(
        Settlement(
            delivered=[(d[0].id, "m0")],
            retry=[(d[1].id, retry_at, "timeout")],
            failed=[(d[2].id, "bad request")],
            gone=[(d[3], "kicked")],
            moved=[(d[4], "44")],
        ),
        NOW,
    )
    rows = {r.subscription_id: r for r in await outbox_rows(store)}
    assert [(rows[s.id].state, rows[s.id].last_error) for s in subs] == [
        ("delivered", None),
        ("pending", "timeout"),
        ("failed", "bad request"),
        ("failed", "chat gone: kicked"),
        ("pending", "moved to 44"),
    ]
    assert {r.attempts for r in rows.values()} == {1}
    assert await store.outbox.counts() == {"delivered": 1, "pending": 2, "failed": 2}
    assert (await store.subscriptions.counts()) == {
        ("telegram", State.ACTIVE): 4, ("telegram", State.PAUSED): 1,
    }  # fmt: skip


async def test_settle_of_nothing_changes_nothing(store: Store) -> None:
    sub = await subscribe(store)
    await enqueue(store, [sub])
    await store.outbox.claim("telegram", NOW, 10)
    await store.outbox.settle(Settlement(), NOW)
    assert [r.state for r in await outbox_rows(store)] == ["sending"]


async def test_settle_retry_keeps_long_errors_within_the_column(store: Store) -> None:
    sub = await subscribe(store)
    await enqueue(store, [sub])
    delivery = await claim_one(store)
    await store.outbox.settle(Settlement(retry=[(delivery.id, NOW, "e" * 700)]), NOW)
    [row] = await outbox_rows(store)
    assert len(row.last_error) <= 500


async def test_settle_gone_keeps_a_long_reason_within_the_column(store: Store) -> None:
    sub = await subscribe(store)
    await enqueue(store, [sub])
    delivery = await claim_one(store)
    await store.outbox.settle(Settlement(gone=[(delivery, "r" * 700)]), NOW)
    [row] = await subscription_rows(store)
    assert len(row.paused_reason) <= 500


# --- recovery ---


async def test_release_puts_rows_caught_sending_back_to_pending(store: Store) -> None:
    sub = await subscribe(store, "telegram:1", "both")
    done = await subscribe(store, "telegram:2")
    await enqueue(store, [done])
    [delivered] = await store.outbox.claim("telegram", NOW, 1)
    await store.outbox.settle(Settlement(delivered=[(delivered.id, "m")]), NOW)
    await enqueue(store, [sub])
    assert len(await store.outbox.claim("telegram", NOW, 10)) == 2
    later = NOW + MINUTE
    assert await store.outbox.release("telegram", 0, later) == 2
    rows = await outbox_rows(store, subscription_id=sub.id)
    assert {(r.state, r.updated_at) for r in rows} == {("pending", later)}
    assert [r.state for r in await outbox_rows(store, subscription_id=done.id)] == ["delivered"]
    assert len(await store.outbox.claim("telegram", later, 10)) == 2
    assert await store.outbox.release("telegram", 0, later) == 2


async def test_release_with_nothing_sending_is_zero(store: Store) -> None:
    assert await store.outbox.release("telegram", 0, NOW) == 0


async def test_release_takes_the_platforms_rows_of_its_epoch_and_older_only(store: Store) -> None:
    """A takeover under epoch 2 releases what epochs 1 and 2 left sending; a newer holder's rows
    (epoch 3) and another platform's stay as they are."""
    subs = [await subscribe(store, f"telegram:{i}") for i in range(3)]
    other = await subscribe(store, "discord:9")
    await enqueue(store, [*subs, other])
    for epoch in (1, 2, 3):
        assert len(await store.outbox.claim("telegram", NOW, 1, epoch)) == 1
    assert len(await store.outbox.claim("discord", NOW, 1, 1)) == 1

    assert await store.outbox.release("telegram", 2, NOW + MINUTE) == 2

    states = {(r.platform, r.epoch): r.state for r in await outbox_rows(store)}
    assert states == {
        ("telegram", 1): "pending", ("telegram", 2): "pending", ("telegram", 3): "sending",
        ("discord", 1): "sending",
    }  # fmt: skip


async def test_release_after_a_crash_survives_reopening_the_database(database: Path) -> None:
    first = await Store.open(database)
    try:
        sub = await subscribe(first, "telegram:1", "both")
        await enqueue(first, [sub])
        claimed = await first.outbox.claim("telegram", NOW, 10)
        assert len(claimed) == 2
    finally:
        await first.close()  # the process dies with the batch in flight

    second = await Store.open(database)
    try:
        assert [r.state for r in await outbox_rows(second)] == ["sending", "sending"]
        assert await second.outbox.release("telegram", 1, NOW + MINUTE) == 2
        again = await second.outbox.claim("telegram", NOW + MINUTE, 10, 1)
        assert [d.id for d in again] == [d.id for d in claimed]
    finally:
        await second.close()


# --- progress, counts, next attempt ---


async def test_progress_counts_a_keys_deliveries(store: Store) -> None:
    subs = [await subscribe(store, f"telegram:{n}") for n in range(5)]
    await enqueue(store, subs, "push:p1")
    await enqueue(store, subs[:2], "push:p2")
    assert await store.outbox.progress("push:p1") == Progress(total=5, delivered=0, failed=0)
    d = await store.outbox.claim("telegram", NOW, 3)  # the first three of push:p1
    assert {x.occasion for x in d} == {"push:p1"}
    await store.outbox.settle(
        Settlement(delivered=[(d[0].id, "m0"), (d[1].id, "m1")], failed=[(d[2].id, "no")]), NOW
    )
    await store.subscriptions.remove(subs[4].chat, NOW)  # cancelled: not counted at all
    progress = await store.outbox.progress("push:p1")
    assert progress == Progress(total=4, delivered=2, failed=1)
    assert progress.waiting == 1
    assert await store.outbox.progress("push:p2") == Progress(total=2, delivered=0, failed=0)
    assert await store.outbox.progress("nothing") == Progress(total=0, delivered=0, failed=0)


async def test_progress_counts_rows_being_sent_as_waiting(store: Store) -> None:
    sub = await subscribe(store, "telegram:1", "both")
    await enqueue(store, [sub], "k")
    await store.outbox.claim("telegram", NOW, 1)
    progress = await store.outbox.progress("k")
    assert (progress.total, progress.waiting) == (2, 2)


async def test_counts_by_state(store: Store) -> None:
    assert await store.outbox.counts() == {}
    sub = await subscribe(store, "telegram:1", "both")
    other = await subscribe(store, "telegram:2", "both")
    await enqueue(store, [sub, other])
    [d] = await store.outbox.claim("telegram", NOW, 1)
    await store.outbox.settle(Settlement(delivered=[(d.id, "m")]), NOW)
    await store.outbox.claim("telegram", NOW, 1)  # other's English copy: claims go by language
    await store.subscriptions.remove(other.chat, NOW)
    assert await store.outbox.counts() == {
        "delivered": 1,
        "sending": 1,
        "pending": 1,
        "cancelled": 1,
    }


async def test_counts_of_some_states_only(store: Store) -> None:
    sub = await subscribe(store, "telegram:1", "both")
    await enqueue(store, [sub])
    [d] = await store.outbox.claim("telegram", NOW, 1)
    await store.outbox.settle(Settlement(delivered=[(d.id, "m")]), NOW)

    queued = (OutboxState.PENDING, OutboxState.SENDING, OutboxState.FAILED)
    assert await store.outbox.counts(queued) == {"pending": 1}


async def test_oldest_pending_is_when_each_platforms_oldest_waiting_row_was_queued(
    store: Store,
) -> None:
    assert await store.outbox.oldest_pending() == {}
    early, late = await subscribe(store, "telegram:1"), await subscribe(store, "telegram:2")
    dc = await subscribe(store, "discord:1")
    await enqueue(store, [early], "k1", NOW - HOUR)
    await enqueue(store, [late, dc], "k2", NOW)
    await enqueue(store, [late], "k0", NOW - 2 * HOUR)
    await store.outbox.claim("telegram", NOW, 1)  # the oldest row, sending: no longer pending

    assert await store.outbox.oldest_pending() == {"telegram": NOW - HOUR, "discord": NOW}


async def test_counts_since_count_what_waits_and_what_finished_since(store: Store) -> None:
    sub = await subscribe(store, "telegram:1", "both")
    other = await subscribe(store, "telegram:2", "both")
    await enqueue(store, [sub, other], now=NOW - 3 * HOUR)
    rows = await store.outbox.claim("telegram", NOW, 3)
    early, late = Settlement(delivered=[(rows[0].id, "m")]), Settlement(failed=[(rows[1].id, "x")])
    await store.outbox.settle(early, NOW - 2 * HOUR)
    await store.outbox.settle(late, NOW)

    assert await store.outbox.counts(since=NOW - HOUR) == {"failed": 1, "sending": 1, "pending": 1}
    assert await store.outbox.counts(since=NOW + HOUR) == {"sending": 1, "pending": 1}
    assert await store.outbox.counts() == {"delivered": 1, "failed": 1, "sending": 1, "pending": 1}


async def test_a_chats_two_languages_are_claimed_in_different_batches(store: Store) -> None:
    """A chat reading both languages gets two messages; the platforms allow about one a second
    per chat, so the two must not sit in one batch, where the second would hold up the rest."""
    subs = [await subscribe(store, f"telegram:{n}", "both") for n in range(3)]
    await enqueue(store, subs)

    first = await store.outbox.claim("telegram", NOW, 3)
    second = await store.outbox.claim("telegram", NOW, 3)

    assert [(d.chat.chat_id, d.lang) for d in first] == [("0", "en"), ("1", "en"), ("2", "en")]
    assert [(d.chat.chat_id, d.lang) for d in second] == [("0", "id"), ("1", "id"), ("2", "id")]


async def test_counts_and_progress_warn_nothing(store: Store) -> None:
    """Warnings are errors here: no deprecated SQLAlchemy API (Result.tuples() in 2.1)."""
    sub = await subscribe(store)
    await enqueue(store, [sub], "k")
    assert await store.outbox.progress("k") == Progress(total=1, delivered=0, failed=0)
    assert await store.outbox.counts() == {"pending": 1}


async def test_next_attempt_is_the_earliest_pending_time_on_the_platforms(store: Store) -> None:
    assert await store.outbox.next_attempt(["telegram"]) is None
    tg = await subscribe(store, "telegram:1")
    dc = await subscribe(store, "discord:1")
    await enqueue(store, [tg], "k1", NOW + 2 * HOUR)
    await enqueue(store, [tg], "k2", NOW + 3 * HOUR)
    await enqueue(store, [dc], "k1", NOW + HOUR)
    first = await store.outbox.next_attempt(["telegram"])
    assert first == NOW + 2 * HOUR
    assert first is not None and first.tzinfo is not None
    assert await store.outbox.next_attempt(["discord"]) == NOW + HOUR
    assert await store.outbox.next_attempt(["telegram", "discord"]) == NOW + HOUR
    assert await store.outbox.next_attempt(["slack"]) is None
    assert await store.outbox.next_attempt([]) is None


async def test_next_attempt_ignores_rows_that_are_not_pending(store: Store) -> None:
    sub = await subscribe(store)
    await enqueue(store, [sub], "k1", NOW)
    await enqueue(store, [sub], "k2", NOW + HOUR)
    await store.outbox.claim("telegram", NOW, 1)  # k1 is sending
    assert await store.outbox.next_attempt(["telegram"]) == NOW + HOUR


# --- bodies ---


async def test_put_body_and_body_round_trip(store: Store) -> None:
    text = "📰 *Ringkasan* — 6 Oktober\n\n“Kami akan berunding.”"
    await store.outbox.put_text("digest:ed-1", "id", Format.TELEGRAM, text, NOW)
    assert await store.outbox.text("digest:ed-1", "id", Format.TELEGRAM) == text


async def test_body_is_kept_per_language_and_format(store: Store) -> None:
    for lang in ("en", "id"):
        for fmt in Format:
            await store.outbox.put_text("b", lang, fmt, f"{lang}/{fmt}", NOW)  # type: ignore[arg-type]
    assert await store.outbox.text("b", "en", Format.DISCORD) == "en/discord"
    assert await store.outbox.text("b", "id", Format.TEXT) == "id/text"
    assert await store.outbox.text("other", "en", Format.DISCORD) is None


async def test_put_body_twice_keeps_the_first_text(store: Store) -> None:
    await store.outbox.put_text("b", "en", Format.DISCORD, "first", NOW)
    await store.outbox.put_text("b", "en", Format.DISCORD, "first", NOW)
    await store.outbox.put_text("b", "en", Format.DISCORD, "second", NOW)
    assert await store.outbox.text("b", "en", Format.DISCORD) == "first"


async def test_body_of_an_unknown_body_is_none(store: Store) -> None:
    assert await store.outbox.text("missing", "en", Format.TEXT) is None
