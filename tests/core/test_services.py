"""Services: planning and content reloads as the scheduler and commands call them, over a real
store and a copy of the real content."""

from __future__ import annotations

import datetime as dt
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Row, select

from bot.core.delivery.planning import Planned
from bot.core.library import Reloaded, ReloadFailed
from bot.core.models import LANGS
from bot.core.ports import ChatKind, ChatRef, Format, MessageKind
from bot.core.services import Defaults, Services
from bot.core.store.records import PushState
from bot.core.store.tables import bodies, outbox
from bot.core.subscription import Plan, State
from bot.core.text.notices import problems_notice
from tests.core.test_library import add_summary, break_content, copy_content
from tests.fakes import SettableClock, services_over

NOW = dt.datetime(2025, 10, 6, 0, 30, tzinfo=dt.UTC)  # 07:30 WIB
DUE = dt.datetime(2025, 10, 7, 0, 0, tzinfo=dt.UTC)  # the next 07:00 WIB
SEVEN = (dt.time(7, 0),)


class Recorder:
    """How often the services woke the dispatcher."""

    def __init__(self) -> None:
        self.wakes = 0

    def wake(self) -> None:
        self.wakes += 1


@pytest.fixture
def recorder() -> Recorder:
    return Recorder()


@pytest.fixture
def clock() -> SettableClock:
    return SettableClock(NOW)


@pytest.fixture
async def services(
    tmp_path: Path, recorder: Recorder, clock: SettableClock
) -> AsyncIterator[Services]:
    async with services_over(
        copy_content(tmp_path),
        tmp_path / "ringkas.sqlite3",
        clock,
        defaults=Defaults("id", "Asia/Jakarta", SEVEN),
        admins={"telegram": frozenset({"42"})},
        wake=recorder.wake,
    ) as services:
        yield services


async def subscribe(services: Services, chat_id: str, plan: Plan) -> None:
    await services.store.subscriptions.subscribe(
        ChatRef("telegram", chat_id), ChatKind.PRIVATE, plan, "user:1", services.clock.now()
    )


INSTANT = Plan("en", (), True, "Asia/Jakarta")
SCHEDULED = Plan("en", SEVEN, False, "Asia/Jakarta")


async def rows(services: Services) -> list[Row[Any]]:
    async with services.store.engine.connect() as connection:
        return list((await connection.execute(select(outbox).order_by(outbox.c.id))).all())


async def keys_for(services: Services, chat_id: str) -> list[str]:
    return [r.occasion for r in await rows(services) if r.chat_id == chat_id]


async def alerts(services: Services) -> list[Row[Any]]:
    """The alerts queued to the admins."""
    return [r for r in await rows(services) if r.occasion.startswith("alert:")]


async def test_plan_queues_what_is_due_and_instant_and_wakes_the_dispatcher(
    services: Services, recorder: Recorder, clock: SettableClock
) -> None:
    await subscribe(services, "1", INSTANT)
    await subscribe(services, "2", SCHEDULED)
    key = services.library.edition.selection

    assert await services.plan() == Planned(1, 0)  # the instant one; 2 is not due yet
    assert recorder.wakes == 1
    clock.set(DUE)
    assert await services.plan() == Planned(1, 0)
    assert recorder.wakes == 2
    assert await services.plan() == Planned(0, 0)
    assert recorder.wakes == 2  # nothing queued: nothing to wake for

    assert await keys_for(services, "1") == [f"instant:{key}"]
    assert await keys_for(services, "2") == ["scheduled:2025-10-07T00:00Z"]


async def test_reload_with_a_new_summary_plans_instant_deliveries(
    services: Services, recorder: Recorder
) -> None:
    await subscribe(services, "1", INSTANT)
    await subscribe(services, "2", SCHEDULED)
    await services.plan()
    old_key = services.library.edition.selection
    wakes = recorder.wakes

    add_summary(services.library.directory)
    result = await services.reload()

    assert isinstance(result, Reloaded)
    assert result.changed is True
    assert result.edition.selection != old_key
    assert await keys_for(services, "1") == [
        f"instant:{old_key}",
        f"instant:{result.edition.selection}",
    ]
    assert await keys_for(services, "2") == []  # not due: the new edition waits for 07:00
    assert recorder.wakes == wakes + 1
    assert await alerts(services) == []


async def test_reload_without_changes_plans_nothing(services: Services, recorder: Recorder) -> None:
    await subscribe(services, "1", INSTANT)
    await services.plan()
    before = await rows(services)

    result = await services.reload()

    assert isinstance(result, Reloaded)
    assert result.changed is False
    assert await rows(services) == before
    assert recorder.wakes == 1


async def test_a_broken_reload_keeps_the_content_and_tells_the_admins(
    services: Services, recorder: Recorder
) -> None:
    await subscribe(services, "1", INSTANT)
    await services.plan()
    catalog, key = services.library.catalog, services.library.edition.selection
    before = await rows(services)
    broken = break_content(services.library.directory)

    result = await services.reload()

    assert isinstance(result, ReloadFailed)
    assert [f"{e.path}:{e.line}" for e in result.errors] == [f"{broken}:7"]
    assert services.library.catalog is catalog
    assert services.library.edition.selection == key
    assert services.library.problems == result.errors
    # The admin's chat (telegram:42) is told, through the outbox, in the default language.
    [told] = [row for row in await rows(services) if row not in before]
    assert told.occasion.startswith("alert:content:")
    assert (told.chat_id, told.kind, told.lang) == ("42", MessageKind.NOTICE, "id")
    text = await services.store.outbox.text(told.body_id, "id", Format.TELEGRAM)
    assert text == problems_notice(result.errors, "id", Format.TELEGRAM)
    assert recorder.wakes == 2  # the plan, and the alert


async def test_reload_if_changed_reloads_only_when_files_changed(
    services: Services, recorder: Recorder
) -> None:
    assert await services.reload_if_changed() is None

    broken = break_content(services.library.directory)
    failed = await services.reload_if_changed()
    assert isinstance(failed, ReloadFailed)
    # The broken files are reported once, not on every pass of the watcher.
    assert await services.reload_if_changed() is None
    assert len(await alerts(services)) == 1

    broken.unlink()
    add_summary(services.library.directory)
    fixed = await services.reload_if_changed()
    assert isinstance(fixed, Reloaded)
    assert fixed.changed is True
    assert services.library.problems == ()
    assert await services.reload_if_changed() is None


async def test_defaults_and_admins(services: Services) -> None:
    assert services.defaults.plan() == Plan("id", SEVEN, False, "Asia/Jakarta")
    assert services.defaults.plan("en").languages == "en"
    assert Defaults("en", "UTC", ()).plan() == Plan("en", (), True, "UTC")  # no times: instant
    assert services.is_admin("telegram", "42")
    assert not services.is_admin("discord", "42")
    assert not services.is_admin("telegram", "43")
    assert services.admin_chats() == [ChatRef("telegram", "42")]


async def test_chat_returned_resumes_a_paused_subscription_as_it_was(
    services: Services, clock: SettableClock
) -> None:
    chat = ChatRef("telegram", "-100")
    plan = Plan("both", (dt.time(7, 0), dt.time(19, 0)), True, "Asia/Makassar")
    original = await services.store.subscriptions.subscribe(
        chat, ChatKind.GROUP, plan, "user:7", NOW, "Reading group"
    )
    await services.store.subscriptions.pause(original.id, "bot was kicked", NOW)
    clock.set(DUE)

    [back] = await services.chat_returned("telegram", "-100")

    assert (back.id, back.state, back.paused_reason, back.paused_at) == (
        original.id, State.ACTIVE, None, None,
    )  # fmt: skip
    assert (back.plan, back.chat_kind, back.chat_title, back.subscribed_by) == (
        plan, ChatKind.GROUP, "Reading group", "user:7",
    )  # fmt: skip
    assert back.next_due is not None and back.next_due > DUE
    # An active chat is left as it is; a chat never subscribed stays unsubscribed.
    assert await services.chat_returned("telegram", "-100") == [back]
    assert await services.chat_returned("telegram", "-200") == []


async def test_chat_returned_resumes_every_topic_of_the_chat_and_no_other_chat(
    services: Services,
) -> None:
    plan = Plan("en", (dt.time(7, 0),), False, "Asia/Jakarta")
    chats = [ChatRef("telegram", "-100"), ChatRef("telegram", "-100", "42"),
             ChatRef("telegram", "-100", "43"), ChatRef("telegram", "-300")]  # fmt: skip
    for chat in chats:
        sub = await services.store.subscriptions.subscribe(chat, ChatKind.GROUP, plan, "u", NOW)
        await services.store.subscriptions.pause(sub.id, "bot was kicked", NOW)

    back = await services.chat_returned("telegram", "-100")

    assert [(s.chat, s.state) for s in back] == [(chat, State.ACTIVE) for chat in chats[:3]]
    other = await services.store.subscriptions.get(chats[3])
    assert other is not None and other.state is State.PAUSED


async def test_a_confirmed_push_is_queued_once_and_recorded(
    services: Services, recorder: Recorder
) -> None:
    await subscribe(services, "1", Plan("both", SEVEN, False, "Asia/Jakarta"))
    await subscribe(services, "2", SCHEDULED)
    push = await services.propose_push("telegram:42", text_en="Hello", text_id="Halo")
    assert push.state is PushState.DRAFT

    assert await services.confirm_push(push, "telegram:42") == 3
    assert recorder.wakes == 1
    queued = await rows(services)
    assert await services.confirm_push(push, "telegram:42") is None  # sent already
    assert await services.confirm_push(push, "telegram:43") is None  # a second admin's button
    again = await services.propose_push("telegram:42", text_en="Hello", text_id="Halo")

    assert (again.id, again.state, again.sent_at) == (push.id, PushState.SENT, NOW)
    assert await services.confirm_push(again, "telegram:42") is None
    assert await rows(services) == queued
    assert len(queued) == 3
    assert recorder.wakes == 1  # nothing more queued: nothing to wake for
    [entry] = await services.store.audit.recent(5)
    assert (entry.actor, entry.action) == ("telegram:42", "push")
    assert entry.detail == f"{push.id}: announcement “Hello”, 3 deliveries"


async def test_a_cancelled_push_is_not_sent(services: Services) -> None:
    await subscribe(services, "1", SCHEDULED)
    push = await services.propose_push("telegram:42", text_en="Hello", text_id="Halo")

    assert await services.cancel_push(push, "telegram:42") is True
    assert await services.cancel_push(push, "telegram:42") is False

    stored = await services.store.pushes.get(push.id)
    assert stored is not None and stored.state is PushState.CANCELLED
    assert await rows(services) == []
    [entry] = await services.store.audit.recent(5)
    assert (entry.actor, entry.action, entry.detail) == ("telegram:42", "push-cancel", push.id)


async def test_confirming_a_push_cancelled_meanwhile_sends_nothing(
    services: Services, recorder: Recorder
) -> None:
    await subscribe(services, "1", SCHEDULED)
    push = await services.propose_push("telegram:42", text_en="Hello", text_id="Halo")
    await services.cancel_push(push, "telegram:43")

    assert await services.confirm_push(push, "telegram:42") is None  # a stale button
    assert await rows(services) == []
    assert recorder.wakes == 0
    stored = await services.store.pushes.get(push.id)
    assert stored is not None and (stored.state, stored.sent_at) == (PushState.CANCELLED, None)
    assert [e.action for e in await services.store.audit.recent(5)] == ["push-cancel"]


async def test_a_sent_push_cannot_be_cancelled(services: Services) -> None:
    await subscribe(services, "1", SCHEDULED)
    push = await services.propose_push("telegram:42", text_en="Hello", text_id="Halo")
    assert await services.confirm_push(push, "telegram:42") == 1

    assert await services.cancel_push(push, "telegram:43") is False

    stored = await services.store.pushes.get(push.id)
    assert stored is not None and stored.state is PushState.SENT
    assert [r.state for r in await rows(services)] == ["pending"]
    assert [e.action for e in await services.store.audit.recent(5)] == ["push"]


async def test_a_push_cancelled_then_proposed_again_can_be_confirmed(
    services: Services, recorder: Recorder, clock: SettableClock
) -> None:
    await subscribe(services, "1", SCHEDULED)
    push = await services.propose_push("telegram:42", text_en="Hello", text_id="Halo")
    assert await services.cancel_push(push, "telegram:42") is True
    clock.set(DUE)

    again = await services.propose_push("telegram:43", text_en="Hello", text_id="Halo")
    assert (again.id, again.state, again.created_by) == (push.id, PushState.DRAFT, "telegram:43")
    assert await services.confirm_push(again, "telegram:43") == 1

    assert [(r.occasion, r.chat_id) for r in await rows(services)] == [(f"push:{push.id}", "1")]
    stored = await services.store.pushes.get(push.id)
    assert stored is not None and (stored.state, stored.sent_at) == (PushState.SENT, DUE)
    assert recorder.wakes == 1


async def test_confirming_a_push_never_proposed_sends_nothing(
    services: Services, recorder: Recorder
) -> None:
    await subscribe(services, "1", SCHEDULED)
    push = services.pusher.draft("telegram:42", NOW, text_en="Hello", text_id="Halo")

    assert await services.confirm_push(push, "telegram:42") is None

    assert await rows(services) == []
    assert await services.store.pushes.get(push.id) is None
    assert await services.store.audit.recent(5) == []
    assert recorder.wakes == 0


async def test_a_summary_push_confirmed_after_a_fix_delivers_the_fixed_text(
    services: Services,
) -> None:
    await subscribe(services, "1", SCHEDULED)
    summary = services.library.catalog.summaries[0]
    push = await services.propose_push("telegram:42", summary_id=summary.id)
    await services.cancel_push(push, "telegram:43")
    assert await services.confirm_push(push, "telegram:42") is None  # a stale button
    path = services.library.directory / "summaries" / f"{summary.id}.yaml"
    text = path.read_text(encoding="utf-8")
    assert summary.title.en in text
    path.write_text(text.replace(summary.title.en, "Corrected headline"), encoding="utf-8")
    assert isinstance(await services.reload(), Reloaded)

    again = await services.propose_push("telegram:42", summary_id=summary.id)
    preview = services.pusher.text(again, "en", Format.TELEGRAM)
    assert "Corrected headline" in preview
    assert await services.confirm_push(again, "telegram:42") == 1

    [row] = await rows(services)
    assert row.occasion == f"push:{again.id}"  # the idempotency key is still the push's id
    assert row.body_id.startswith(f"push:{again.id}:")  # the body id carries a hash of the texts
    assert await services.store.outbox.text(row.body_id, "en", Format.TELEGRAM) == preview
    for lang in LANGS:
        for fmt in Format:
            stored = await services.store.outbox.text(row.body_id, lang, fmt)
            assert stored == services.pusher.text(again, lang, fmt)
    # The stale confirmation had stored the text before the fix under another body id, which
    # stays as it was: the delivery is queued with the new one.
    async with services.store.engine.connect() as connection:
        keys = set(
            await connection.scalars(
                select(bodies.c.body_id).where(bodies.c.body_id.startswith(f"push:{again.id}:"))
            )
        )
    assert len(keys) == 2 and row.body_id in keys
    [old_body] = keys - {row.body_id}
    old_text = await services.store.outbox.text(old_body, "en", Format.TELEGRAM)
    assert old_text is not None and "Corrected headline" not in old_text
