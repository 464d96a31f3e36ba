"""Planning over a real SQLite store and the real content: scheduled slots (once, coalesced,
DST-correct), skipping unchanged editions, instant deliveries, digest bodies keyed by their
text, (pushes: test_pushes.py)."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Row, select

from bot.core.delivery.dispatcher import Dispatcher
from bot.core.delivery.planning import Broadcaster, Planned
from bot.core.delivery.pushes import Pusher
from bot.core.library import Library
from bot.core.models import LANGS
from bot.core.ports import ChatKind, ChatRef, Format
from bot.core.store import Store
from bot.core.store.records import Push, PushState
from bot.core.store.tables import outbox
from bot.core.subscription import Languages, Plan, Subscription
from bot.core.text.compose import DigestOptions
from tests.conftest import CONTENT
from tests.core.delivery.conftest import NOW
from tests.core.test_library import NEW_TITLE, add_summary, copy_content
from tests.fakes import RecordingSender, SettableClock

DAY = dt.timedelta(days=1)
MINUTE = dt.timedelta(minutes=1)
DUE = dt.datetime(2025, 10, 7, 0, 0, tzinfo=dt.UTC)  # the next 07:00 WIB
# A digest's body id: "digest:" and a hash of its texts in every language and format.
DIGEST_BODY = re.compile(r"digest:[0-9a-f]{16}")


def at(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> dt.datetime:
    return dt.datetime(year, month, day, hour, minute, tzinfo=dt.UTC)


async def subscribe(
    store: Store,
    chat_id: str | int,
    languages: Languages = "en",
    times: Sequence[str] = ("07:00",),
    *,
    instant: bool = False,
    zone: str = "Asia/Jakarta",
    now: dt.datetime = NOW,
) -> Subscription:
    plan = Plan(languages, tuple(dt.time.fromisoformat(t) for t in times), instant, zone)
    return await store.subscriptions.subscribe(
        ChatRef("telegram", str(chat_id)), ChatKind.PRIVATE, plan, "user:1", now
    )


async def rows(store: Store) -> list[Row[Any]]:
    async with store.engine.connect() as connection:
        return list((await connection.execute(select(outbox).order_by(outbox.c.id))).all())


async def current(store: Store, sub: Subscription) -> Subscription:
    found = await store.subscriptions.get(sub.chat)
    assert found is not None
    return found


def body_of(queued: Sequence[Row[Any]]) -> str:
    """The one body id the rows share, checked to be a digest's body id."""
    bodies = {r.body_id for r in queued}
    assert len(bodies) == 1, bodies
    [body] = bodies
    assert DIGEST_BODY.fullmatch(body), body
    return str(body)


async def assert_digest_stored(store: Store, body: str, library: Library) -> None:
    """The body holds the library's current digest in every language and format."""
    for lang in LANGS:
        for fmt in Format:
            text = await store.outbox.text(body, lang, fmt)
            assert text is not None
            assert text == library.digest(lang, fmt)


async def drafted(store: Store, pusher: Pusher, **content: str) -> Push:
    """A push as an admin's preview stores it: a draft, waiting for confirmation."""
    push = await store.pushes.draft(pusher.draft("admin", NOW, **content))
    assert push.state is PushState.DRAFT
    return push


async def stored(store: Store, push: Push) -> Push:
    found = await store.pushes.get(push.id)
    assert found is not None
    return found


# --- scheduled digests ---


async def test_nothing_is_queued_before_the_slot(store: Store, broadcaster: Broadcaster) -> None:
    sub = await subscribe(store, 1)
    assert sub.next_due == DUE
    assert await broadcaster.plan_due(DUE - MINUTE) == Planned(0, 0)
    assert await rows(store) == []


async def test_plan_due_queues_due_subscriptions_once_and_advances_them(
    store: Store, broadcaster: Broadcaster, library: Library
) -> None:
    a = await subscribe(store, 1, "en")
    b = await subscribe(store, 2, "id")
    later = await subscribe(store, 3, "en", ("07:01",))

    assert await broadcaster.plan_due(DUE) == Planned(2, 0)

    queued = await rows(store)
    assert [(r.subscription_id, r.lang, r.occasion) for r in queued] == [
        (a.id, "en", "scheduled:2025-10-07T00:00Z"),
        (b.id, "id", "scheduled:2025-10-07T00:00Z"),
    ]
    assert {(r.state, r.kind) for r in queued} == {("pending", "digest")}
    body = body_of(queued)
    assert body != f"digest:{library.edition.selection}"  # keyed by the text, not the edition
    await assert_digest_stored(store, body, library)
    for sub in (a, b):
        served = await current(store, sub)
        assert served.next_due == DUE + DAY
        assert (served.last_edition, served.last_sent_at) == (library.edition.selection, DUE)
    assert (await current(store, later)).next_due == DUE + MINUTE


async def test_plan_due_twice_at_the_same_time_queues_nothing_more(
    store: Store, broadcaster: Broadcaster
) -> None:
    await subscribe(store, 1, "both")
    await subscribe(store, 2, "en")
    first = await broadcaster.plan_due(DUE)

    again = await broadcaster.plan_due(DUE)
    a_minute_on = await broadcaster.plan_due(DUE + MINUTE)

    assert first == Planned(3, 0)
    assert again == a_minute_on == Planned(0, 0)
    assert len(await rows(store)) == 3


async def test_a_subscription_three_days_overdue_gets_one_digest(
    store: Store, broadcaster: Broadcaster
) -> None:
    sub = await subscribe(store, 1, now=NOW - 3 * DAY)
    assert sub.next_due == DUE - 3 * DAY

    assert await broadcaster.plan_due(NOW) == Planned(1, 0)
    assert await broadcaster.plan_due(NOW) == Planned(0, 0)

    [row] = await rows(store)
    assert row.occasion == "scheduled:2025-10-04T00:00Z"
    served = await current(store, sub)
    assert served.next_due is not None and served.next_due > NOW
    assert served.next_due == DUE


async def test_skip_unchanged_skips_a_chat_that_has_the_edition_but_advances_it(
    store: Store, broadcaster: Broadcaster
) -> None:
    sub = await subscribe(store, 1)
    assert await broadcaster.plan_due(DUE) == Planned(1, 0)

    assert await broadcaster.plan_due(DUE + DAY) == Planned(0, 1)

    assert len(await rows(store)) == 1
    assert (await current(store, sub)).next_due == DUE + 2 * DAY
    assert (await current(store, sub)).last_sent_at == DUE  # nothing was sent


async def test_without_skip_unchanged_the_edition_goes_again_at_the_next_slot(
    store: Store, library: Library
) -> None:
    broadcaster = Broadcaster(store, library, skip_unchanged=False)
    sub = await subscribe(store, 1)
    await broadcaster.plan_due(DUE)

    assert await broadcaster.plan_due(DUE + DAY) == Planned(1, 0)

    assert [r.occasion for r in await rows(store)] == [
        "scheduled:2025-10-07T00:00Z", "scheduled:2025-10-08T00:00Z",
    ]  # fmt: skip
    assert (await current(store, sub)).next_due == DUE + 2 * DAY


async def test_a_new_edition_goes_out_at_the_next_slot_despite_skip_unchanged(
    store: Store, tmp_path: Path
) -> None:
    library = await Library.load(copy_content(tmp_path), DigestOptions(), NOW)
    broadcaster = Broadcaster(store, library)
    sub = await subscribe(store, 1)
    await broadcaster.plan_due(DUE)
    add_summary(library.directory)
    await library.reload(DUE + MINUTE)

    assert await broadcaster.plan_due(DUE + DAY) == Planned(1, 0)

    first, new = await rows(store)
    assert body_of([new]) != body_of([first])
    await assert_digest_stored(store, new.body_id, library)
    text = await store.outbox.text(new.body_id, "en", Format.TELEGRAM)
    assert text is not None and NEW_TITLE in text
    assert (await current(store, sub)).last_edition == library.edition.selection


async def test_both_languages_get_a_row_each(store: Store, broadcaster: Broadcaster) -> None:
    sub = await subscribe(store, 1, "both")
    await broadcaster.plan_due(DUE)
    assert [(r.subscription_id, r.lang) for r in await rows(store)] == [
        (sub.id, "en"), (sub.id, "id"),
    ]  # fmt: skip


async def test_paused_subscriptions_get_nothing(
    store: Store, broadcaster: Broadcaster, pusher: Pusher, library: Library
) -> None:
    scheduled = await subscribe(store, 1)
    instant = await subscribe(store, 2, times=(), instant=True)
    for sub in (scheduled, instant):
        await store.subscriptions.pause(sub.id, "blocked", NOW)

    assert await broadcaster.plan_due(DUE) == Planned(0, 0)
    assert await broadcaster.plan_instant(DUE) == Planned(0, 0)
    push = await drafted(store, pusher, text_en="Hello", text_id="Halo")
    assert await pusher.send(push, DUE) == 0  # sent, to no one
    assert await rows(store) == []
    assert (await stored(store, push)).state is PushState.SENT


async def test_dst_moves_a_berlin_morning_slot_by_an_hour_in_utc(
    store: Store, library: Library
) -> None:
    broadcaster = Broadcaster(store, library, skip_unchanged=False)
    sub = await subscribe(store, 1, zone="Europe/Berlin", now=at(2025, 10, 24, 12))
    assert sub.next_due == at(2025, 10, 25, 5)  # 07:00 CEST

    assert await broadcaster.plan_due(at(2025, 10, 25, 5)) == Planned(1, 0)
    assert (await current(store, sub)).next_due == at(2025, 10, 26, 6)  # 07:00 CET
    assert await broadcaster.plan_due(at(2025, 10, 26, 5, 30)) == Planned(0, 0)
    assert await broadcaster.plan_due(at(2025, 10, 26, 6)) == Planned(1, 0)

    assert [r.occasion for r in await rows(store)] == [
        "scheduled:2025-10-25T05:00Z", "scheduled:2025-10-26T06:00Z",
    ]  # fmt: skip
    assert (await current(store, sub)).next_due == at(2025, 10, 27, 6)


# --- instant digests ---


async def test_plan_instant_queues_once_per_edition(
    store: Store, broadcaster: Broadcaster, library: Library
) -> None:
    instant = await subscribe(store, 1, "both", times=(), instant=True)
    await subscribe(store, 2)  # scheduled only: not an instant subscriber

    assert await broadcaster.plan_instant(NOW) == Planned(2, 0)
    assert await broadcaster.plan_instant(NOW + MINUTE) == Planned(0, 0)

    assert [(r.subscription_id, r.occasion) for r in await rows(store)] == [
        (instant.id, f"instant:{library.edition.selection}")
    ] * 2
    assert (await current(store, instant)).last_edition == library.edition.selection


async def test_plan_instant_queues_again_after_a_new_summary(store: Store, tmp_path: Path) -> None:
    library = await Library.load(copy_content(tmp_path), DigestOptions(), NOW)
    broadcaster = Broadcaster(store, library)
    instant = await subscribe(store, 1, times=(), instant=True)
    await broadcaster.plan_instant(NOW)
    old_key = library.edition.selection

    add_summary(library.directory)
    await library.reload(NOW + MINUTE)
    assert await broadcaster.plan_instant(NOW + MINUTE) == Planned(1, 0)

    old, new = await rows(store)
    assert [old.occasion, new.occasion] == [
        f"instant:{old_key}",
        f"instant:{library.edition.selection}",
    ]
    assert body_of([new]) != body_of([old])
    await assert_digest_stored(store, new.body_id, library)
    text = await store.outbox.text(new.body_id, "en", Format.TELEGRAM)
    assert text is not None and NEW_TITLE in text
    old_text = await store.outbox.text(old.body_id, "en", Format.TELEGRAM)
    assert old_text is not None and NEW_TITLE not in old_text  # queued rows keep their text
    assert (await current(store, instant)).last_edition == library.edition.selection


async def test_a_chat_sent_the_edition_instantly_is_skipped_at_its_slot(
    store: Store, broadcaster: Broadcaster
) -> None:
    sub = await subscribe(store, 1, instant=True)
    await broadcaster.plan_instant(NOW)
    assert (await current(store, sub)).next_due == DUE  # instant sends keep the schedule

    assert await broadcaster.plan_due(DUE) == Planned(0, 1)
    assert (await current(store, sub)).next_due == DUE + DAY


# --- digest bodies ---


async def test_digest_bodies_are_stored_for_every_language_and_format(
    store: Store, broadcaster: Broadcaster, library: Library
) -> None:
    await subscribe(store, 1)
    await broadcaster.plan_due(DUE)

    await assert_digest_stored(store, body_of(await rows(store)), library)


async def test_one_edition_has_one_digest_body_stored_once(
    store: Store, library: Library, monkeypatch: pytest.MonkeyPatch
) -> None:
    put: list[str] = []
    original = store.outbox.put_text

    async def counting(body: str, *args: Any) -> None:
        put.append(body)
        await original(body, *args)

    monkeypatch.setattr(store.outbox, "put_text", counting)
    broadcaster = Broadcaster(store, library, skip_unchanged=False)
    await subscribe(store, 1, times=(), instant=True)
    await subscribe(store, 2)

    assert await broadcaster.plan_instant(DUE) == Planned(1, 0)
    assert await broadcaster.plan_due(DUE) == Planned(1, 0)

    body = body_of(await rows(store))  # instant and scheduled rows share it
    texts = len(LANGS) * len(Format)
    assert put == [body] * texts  # stored once, not once per plan
    # An hour on, the edition still in service, it is stored again (touched), so that the
    # retention pass never takes it for an old text nothing carries.
    assert await broadcaster.plan_due(DUE + DAY) == Planned(1, 0)
    assert put == [body] * 2 * texts

    # A restart, or a reload that changed nothing, gives the same texts and so the same key.
    restarted = Broadcaster(store, await Library.load(CONTENT, DigestOptions(), DUE), False)
    assert await restarted.plan_due(DUE + 2 * DAY) == Planned(1, 0)
    await library.reload(DUE + 2 * DAY)
    assert await broadcaster.plan_due(DUE + 3 * DAY) == Planned(1, 0)
    assert body_of(await rows(store)) == body
    await assert_digest_stored(store, body, library)


async def test_a_typo_fix_reaches_later_deliveries_of_the_same_edition(
    store: Store, tmp_path: Path
) -> None:
    library = await Library.load(copy_content(tmp_path), DigestOptions(), NOW)
    broadcaster = Broadcaster(store, library)
    clock = SettableClock(DUE)
    sender = RecordingSender()
    deliver = Dispatcher(store, {sender.platform: sender}, {}, clock)
    early = await subscribe(store, 1)
    assert await broadcaster.plan_due(DUE) == Planned(1, 0)
    assert (await deliver.drain()).delivered == 1

    path = library.directory / "summaries" / "2025-10-07-sharm-el-sheikh-indirect-talks.yaml"
    text = path.read_text(encoding="utf-8")
    first_title = library.catalog.summaries[0].title.en
    assert first_title in text
    path.write_text(text.replace(first_title, "Corrected headline"), encoding="utf-8")
    edition = library.edition.selection
    reloaded = await library.reload(DUE + MINUTE)
    assert not getattr(reloaded, "changed", True)  # same summaries: the same edition
    assert library.edition.selection == edition

    late = await subscribe(store, 2, now=DUE + MINUTE)  # subscribes after the fix
    assert late.next_due == DUE + DAY
    clock.set(DUE + DAY)
    # The early chat had this edition: the fix alone does not send it the digest again.
    assert await broadcaster.plan_due(DUE + DAY) == Planned(1, 1)
    assert (await deliver.drain()).delivered == 1

    old_row, new_row = await rows(store)
    assert (old_row.subscription_id, new_row.subscription_id) == (early.id, late.id)
    assert body_of([new_row]) != body_of([old_row])
    await assert_digest_stored(store, new_row.body_id, library)
    assert (await current(store, late)).last_edition == edition
    [old_send] = sender.to(early.chat)
    [new_send] = sender.to(late.chat)
    assert first_title in old_send.message.text
    assert new_send.message.text == library.digest("en", Format.TELEGRAM)
    assert "Corrected headline" in new_send.message.text
    assert first_title not in new_send.message.text
