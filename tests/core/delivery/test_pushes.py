"""Admin pushes over a real SQLite store and the real content: sent once, and only from a
draft; their ids, texts and stored bodies; their status messages, moved and resumed."""

from __future__ import annotations

import asyncio
import re
from collections.abc import Callable, Sequence
from typing import Any

import pytest
from sqlalchemy import Row

from bot.core.delivery.pushes import (
    FOLLOWED,
    STATUS_MARKER,
    AnnouncementTooLong,
    Pusher,
    PushStatus,
    push_id,
)
from bot.core.library import Library
from bot.core.models import LANGS
from bot.core.ports import (
    ChatKind,
    ChatRef,
    Format,
    MessageKind,
    StatusDisplay,
    StatusExpired,
    StatusPlace,
)
from bot.core.services import Services
from bot.core.store import Store
from bot.core.store.outbox import Settlement
from bot.core.store.records import Push, PushState
from bot.core.subscription import Languages
from tests.conftest import CONTENT
from tests.core.commands.conftest import START, make_services
from tests.core.delivery.test_planning import (
    DAY,
    MINUTE,
    NOW,
    drafted,
    rows,
    stored,
    subscribe,
)
from tests.fakes import SettableClock


def push_body_of(queued: Sequence[Row[Any]], push: Push) -> str:
    """The one body id the rows share, checked to be a body id of this push: "push:<id>:" and
    a hash of its texts in every language and format."""
    bodies = {r.body_id for r in queued}
    assert len(bodies) == 1, bodies
    [body] = bodies
    assert body.startswith(f"push:{push.id}:"), body
    assert re.fullmatch(rf"push:{re.escape(push.id)}:[0-9a-f]{{16}}", body), body
    return str(body)


async def assert_push_stored(store: Store, body: str, pusher: Pusher, push: Push) -> None:
    """The body holds the push's text, as the pusher renders it, in every language and
    format."""
    for lang in LANGS:
        for fmt in Format:
            text = await store.outbox.text(body, lang, fmt)
            assert text is not None
            assert text == pusher.text(push, lang, fmt)


# --- pushes ---


async def test_send_push_is_idempotent(store: Store, pusher: Pusher) -> None:
    chats: tuple[tuple[int, Languages], ...] = ((1, "en"), (2, "id"), (3, "both"))
    subs = [await subscribe(store, i, lang) for i, lang in chats]
    push = await drafted(store, pusher, text_en="Hello", text_id="Halo")

    assert await pusher.send(push, NOW) == 4
    queued = await rows(store)
    assert await pusher.send(push, NOW + MINUTE) is None  # sent already

    assert await rows(store) == queued
    assert sorted((r.subscription_id, r.lang) for r in queued) == [
        (subs[0].id, "en"), (subs[1].id, "id"), (subs[2].id, "en"), (subs[2].id, "id"),
    ]  # fmt: skip
    body = push_body_of(queued, push)  # the key stays push:<id>; the body is keyed by the text
    assert {(r.occasion, r.body_id, r.kind, r.state) for r in queued} == {
        (f"push:{push.id}", body, MessageKind.ANNOUNCEMENT, "pending")
    }
    await assert_push_stored(store, body, pusher, push)
    sent = await stored(store, push)
    assert (sent.state, sent.sent_at) == (PushState.SENT, NOW)  # the first send's time


async def test_a_sent_push_is_not_queued_for_chats_that_subscribe_later(
    store: Store, pusher: Pusher
) -> None:
    first = await subscribe(store, 1)
    push = await drafted(store, pusher, text_en="Hello", text_id="Halo")
    assert await pusher.send(push, NOW) == 1
    await subscribe(store, 2, now=NOW + MINUTE)

    assert await pusher.send(push, NOW + MINUTE) is None

    assert [(r.subscription_id, r.occasion) for r in await rows(store)] == [
        (first.id, f"push:{push.id}")
    ]


async def test_a_finished_pushs_progress_is_counted_once_and_kept(
    store: Store, pusher: Pusher
) -> None:
    await subscribe(store, 1, "both")
    push = await drafted(store, pusher, text_en="Hello", text_id="Halo")
    await pusher.send(push, NOW)
    first, second = await store.outbox.claim("telegram", NOW, 2)
    await store.outbox.settle(Settlement(delivered=[(first.id, "m1")]), NOW)
    assert (await pusher.progress(push.id)).waiting == 1  # not finished: counted every time
    await store.outbox.settle(Settlement(failed=[(second.id, "x")]), NOW)
    done = await pusher.progress(push.id)
    assert (done.total, done.delivered, done.failed) == (2, 1, 1)

    await store.retention.prune(NOW + DAY)  # its rows gone: what it came to is still known

    assert await rows(store) == []
    assert await pusher.progress(push.id) == done


async def test_a_push_never_stored_as_a_draft_is_not_sent(store: Store, pusher: Pusher) -> None:
    await subscribe(store, 1)
    push = pusher.draft("admin", NOW, text_en="Hello", text_id="Halo")

    assert await pusher.send(push, NOW) is None

    assert await rows(store) == []
    assert await store.pushes.get(push.id) is None  # sending does not make it a push


async def test_a_cancelled_push_is_not_sent(store: Store, pusher: Pusher) -> None:
    await subscribe(store, 1, "both")
    push = await drafted(store, pusher, text_en="Hello", text_id="Halo")

    assert await store.pushes.cancel(push.id) is True
    assert await store.pushes.cancel(push.id) is False  # a draft no more
    assert await pusher.send(push, NOW) is None

    assert await rows(store) == []
    cancelled = await stored(store, push)
    assert (cancelled.state, cancelled.sent_at) == (PushState.CANCELLED, None)


async def test_a_sent_push_cannot_be_cancelled(store: Store, pusher: Pusher) -> None:
    await subscribe(store, 1)
    push = await drafted(store, pusher, text_en="Hello", text_id="Halo")
    assert await pusher.send(push, NOW) == 1

    assert await store.pushes.cancel(push.id) is False

    assert (await stored(store, push)).state is PushState.SENT
    assert [r.state for r in await rows(store)] == ["pending"]


async def test_a_cancelled_push_proposed_again_can_be_sent(store: Store, pusher: Pusher) -> None:
    await subscribe(store, 1)
    push = await drafted(store, pusher, text_en="Hello", text_id="Halo")
    assert await store.pushes.cancel(push.id) is True

    again = await drafted(store, pusher, text_en="Hello", text_id="Halo")
    assert again.id == push.id
    assert await pusher.send(again, NOW) == 1

    assert (await stored(store, push)).state is PushState.SENT
    # Proposing it once more finds it sent: it never goes back to a draft.
    assert (await store.pushes.draft(again)).state is PushState.SENT
    assert await pusher.send(again, NOW + MINUTE) is None
    assert len(await rows(store)) == 1


async def test_push_id_is_stable_for_the_same_content_only(pusher: Pusher) -> None:
    assert push_id(None, "Hello", "Halo") == push_id(None, "Hello", "Halo")
    assert push_id(None, "Hello", "Halo") != push_id(None, "Hello", "Halo!")
    assert push_id(None, "Hello", "Halo") != push_id(None, "Halo", "Hello")
    assert push_id("a-summary", None, None) != push_id(None, "a-summary", None)
    one = pusher.draft("admin", NOW, text_en="Hello", text_id="Halo")
    two = pusher.draft("someone else", NOW + DAY, text_en="Hello", text_id="Halo")
    assert one.id == two.id == push_id(None, "Hello", "Halo")


async def test_draft_of_a_too_long_announcement_raises(pusher: Pusher) -> None:
    long = "word " * 1000  # fits no platform's single message
    with pytest.raises(AnnouncementTooLong):
        pusher.draft("admin", NOW, text_en=long, text_id="Halo")
    with pytest.raises(AnnouncementTooLong):
        pusher.draft("admin", NOW, text_en="Hello", text_id=long)
    pusher.draft("admin", NOW, text_en="word " * 300, text_id="kata " * 300)


async def test_push_bodies_are_stored_for_every_language_and_format(
    store: Store, pusher: Pusher
) -> None:
    await subscribe(store, 1)
    push = await drafted(store, pusher, text_en="Hello", text_id="Halo")
    assert await pusher.send(push, NOW) == 1

    body = push_body_of(await rows(store), push)
    await assert_push_stored(store, body, pusher, push)
    for lang in LANGS:
        for fmt in Format:
            text = await store.outbox.text(body, lang, fmt)
            assert text is not None
            assert ("Hello" if lang == "en" else "Halo") in text


async def test_a_summary_push_is_that_summarys_digest(
    store: Store, pusher: Pusher, library: Library
) -> None:
    await subscribe(store, 1, "both")
    chosen = "2025-10-07-reactions-to-talks"
    push = await drafted(store, pusher, summary_id=chosen)

    assert await pusher.send(push, NOW) == 2

    queued = await rows(store)
    body = push_body_of(queued, push)
    assert {(r.occasion, r.kind, r.body_id) for r in queued} == {
        (f"push:{push.id}", MessageKind.DIGEST, body)
    }
    await assert_push_stored(store, body, pusher, push)
    for lang in LANGS:
        for fmt in Format:
            text = await store.outbox.text(body, lang, fmt)
            assert text is not None
            assert text == library.summary_digest(chosen, lang, fmt)


async def test_a_push_of_an_unknown_summary_fails_and_stays_a_draft(
    store: Store, pusher: Pusher
) -> None:
    await subscribe(store, 1)
    push = await drafted(store, pusher, summary_id="no-such-summary")

    with pytest.raises(LookupError):
        await pusher.send(push, NOW)

    assert await rows(store) == []
    assert (await stored(store, push)).state is PushState.DRAFT


# --- PushStatus: the status message, wherever the platform lets it be shown ---


class Shown:
    """A status message as an adapter lends it: records each text; expires after `lives`."""

    def __init__(self, lives: int | None = None) -> None:
        self.texts: list[str] = []
        self.lives = lives

    async def edit(self, text: str) -> None:
        if self.lives is not None:
            if self.lives == 0:
                raise StatusExpired("token expired")
            self.lives -= 1
        self.texts.append(text)


async def confirmed_push(services: Services, chats: int, text: str = "Hello") -> str:
    for n in range(chats):
        await services.store.subscriptions.subscribe(
            ChatRef("telegram", str(n)), ChatKind.PRIVATE, services.defaults.plan(), "u", NOW
        )
    push = await services.propose_push("telegram:42", text_en=text, text_id=text)
    assert await services.confirm_push(push, "telegram:42") == chats
    return push.id


async def deliver_all(services: Services) -> None:
    claimed = await services.store.outbox.claim("telegram", services.clock.now(), 100)
    settlement = Settlement(delivered=[(d.id, f"m{d.id}") for d in claimed])
    await services.store.outbox.settle(settlement, services.clock.now())


async def until(condition: Callable[[], bool]) -> None:
    for _ in range(500):
        if condition():
            return
        await asyncio.sleep(0.01)
    raise AssertionError("the status never got there")


@pytest.fixture
async def services(store: Store) -> Services:
    return await make_services(store, CONTENT, SettableClock(START))


async def test_a_status_is_edited_until_done_and_its_place_kept_until_then(
    services: Services,
) -> None:
    push = await confirmed_push(services, 2)
    status = PushStatus(services, "telegram", Format.TEXT, every=0.01)
    shown = Shown()
    place = StatusPlace(ChatRef("telegram", "42"), "7")
    marker = STATUS_MARKER.format(platform="telegram", push_id=push)

    await status.follow(push, "en", StatusDisplay(shown.edit, place=place))
    assert await services.store.markers.get(marker) == "telegram:42|7|en"
    await until(lambda: bool(shown.texts))
    await deliver_all(services)
    await until(lambda: "done" in shown.texts[-1])

    assert shown.texts == [
        f"Push {push}: delivered 0/2, failed 0.",
        f"Push {push}: done. Delivered 2/2, failed 0.",
    ]
    await until(lambda: not status._tasks)
    assert await services.store.markers.get(marker) == FOLLOWED


async def test_a_status_whose_edits_expire_moves_once_and_is_edited_where_it_moved(
    services: Services,
) -> None:
    push = await confirmed_push(services, 1)
    status = PushStatus(services, "discord", Format.TEXT, every=0.01)
    first, moved = Shown(lives=1), Shown()
    moves: list[str] = []

    async def move(text: str) -> StatusDisplay:
        moves.append(text)
        await moved.edit(text)
        return StatusDisplay(moved.edit)

    await status.follow(push, "en", StatusDisplay(first.edit, move=move))
    await until(lambda: bool(first.texts))
    await deliver_all(services)
    await until(lambda: bool(moved.texts) and "done" in moved.texts[-1])

    assert first.texts == [f"Push {push}: delivered 0/1, failed 0."]
    assert moves == moved.texts == [f"Push {push}: done. Delivered 1/1, failed 0."]


async def test_a_status_that_cannot_move_stops_when_its_edits_expire(services: Services) -> None:
    push = await confirmed_push(services, 1)
    status = PushStatus(services, "discord", Format.TEXT, every=0.01)
    shown = Shown(lives=0)

    await status.follow(push, "en", StatusDisplay(shown.edit))
    await until(lambda: not status._tasks)

    assert shown.texts == []


async def test_resume_follows_the_places_kept_for_pushes_not_followed_to_the_end(
    services: Services,
) -> None:
    going, finished = await confirmed_push(services, 1), "0123456789"
    kept = {going: "telegram:42|7|id", finished: FOLLOWED}
    for push, where in kept.items():
        await services.store.markers.put(
            STATUS_MARKER.format(platform="telegram", push_id=push), where
        )
    status = PushStatus(services, "telegram", Format.TEXT, every=0.01)
    places: list[StatusPlace] = []
    shown = Shown()

    def display_at(place: StatusPlace) -> StatusDisplay:
        places.append(place)
        return StatusDisplay(shown.edit, place=place)

    await status.resume(display_at)
    await until(lambda: bool(shown.texts))
    status.cancel_all()

    assert places == [StatusPlace(ChatRef("telegram", "42"), "7")]
    assert shown.texts == [f"Push {going}: terkirim 0/1, gagal 0."]
