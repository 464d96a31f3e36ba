"""Admin pushes (drafted, then sent to every chat or cancelled, once) and the audit log."""

from __future__ import annotations

from bot.core.ports import MessageKind
from bot.core.store import Store
from bot.core.store.records import AuditEntry, Push, PushState
from tests.core.store.conftest import HOUR, MINUTE, NOW, outbox_rows, subscribe


def push(push_id: str = "p-1", text_en: str | None = "Hello", **changes: object) -> Push:
    fields: dict[str, object] = {
        "id": push_id,
        "summary_id": None,
        "text_en": text_en,
        "text_id": "Halo",
        "state": PushState.DRAFT,
        "created_by": "admin:1",
        "created_at": NOW,
        "sent_at": None,
    }
    return Push(**{**fields, **changes})  # type: ignore[arg-type]


# --- pushes ---


async def test_draft_stores_the_push_and_returns_it(store: Store) -> None:
    draft = push("p-1", summary_id="first")
    stored = await store.pushes.draft(draft)
    assert stored == draft
    assert stored.created_at.tzinfo is not None
    assert await store.pushes.get("p-1") == draft


async def test_draft_is_idempotent_by_id_and_returns_the_first(store: Store) -> None:
    first = await store.pushes.draft(push("p-1", "First text"))
    second = await store.pushes.draft(
        push("p-1", "Second text", created_by="admin:2", created_at=NOW + HOUR)
    )
    assert second == first
    assert (second.text_en, second.created_by, second.created_at) == ("First text", "admin:1", NOW)


async def test_draft_of_another_id_is_another_push(store: Store) -> None:
    await store.pushes.draft(push("p-1", "One"))
    other = await store.pushes.draft(push("p-2", "Two", text_id=None))
    assert (other.id, other.text_en, other.text_id) == ("p-2", "Two", None)
    first = await store.pushes.get("p-1")
    assert first is not None and first.text_en == "One"


async def test_get_of_an_unknown_push_is_none(store: Store) -> None:
    assert await store.pushes.get("nope") is None


async def test_send_marks_a_draft_sent_and_queues_it_for_every_active_chat(
    store: Store,
) -> None:
    both = await subscribe(store, "telegram:1", "both")
    ident = await subscribe(store, "discord:2", "id")
    paused = await subscribe(store, "telegram:3", "en")
    await store.subscriptions.pause(paused.id, "gone", NOW)
    await store.pushes.draft(push("p-1"))
    when = NOW + MINUTE
    body = "push:p-1:0123456789abcdef"
    assert await store.pushes.send("p-1", "push:p-1", body, MessageKind.ANNOUNCEMENT, when) == 3
    sent = await store.pushes.get("p-1")
    assert sent is not None
    assert (sent.state, sent.sent_at) == (PushState.SENT, when)
    rows = await outbox_rows(store)
    assert sorted((r.subscription_id, r.lang) for r in rows) == [
        (both.id, "en"), (both.id, "id"), (ident.id, "id"),
    ]  # fmt: skip
    # The idempotency key stays "push:<id>"; the rows carry the body they were given.
    assert {(r.occasion, r.body_id, r.kind, r.state) for r in rows} == {
        ("push:p-1", body, "announcement", "pending")
    }
    assert {r.next_attempt_at for r in rows} == {when}


async def test_send_goes_out_once(store: Store) -> None:
    await subscribe(store, "telegram:1", "en")
    await store.pushes.draft(push("p-1"))
    assert await store.pushes.send("p-1", "push:p-1", "push-body", MessageKind.DIGEST, NOW) == 1
    await subscribe(store, "telegram:2", "en")  # arrives after: a second send must not reach it
    assert (
        await store.pushes.send("p-1", "push:p-1", "push-body", MessageKind.DIGEST, NOW + HOUR)
        is None
    )
    assert len(await outbox_rows(store)) == 1
    again = await store.pushes.get("p-1")
    assert again is not None and again.sent_at == NOW


async def test_send_with_no_subscribers_still_marks_the_push_sent(store: Store) -> None:
    await store.pushes.draft(push("p-1"))
    assert await store.pushes.send("p-1", "push:p-1", "push-body", MessageKind.DIGEST, NOW) == 0
    sent = await store.pushes.get("p-1")
    assert sent is not None and sent.state is PushState.SENT


async def test_send_of_an_unknown_push_is_none_and_queues_nothing(store: Store) -> None:
    await subscribe(store)
    assert (
        await store.pushes.send("nope", "push:nope", "push-body", MessageKind.DIGEST, NOW) is None
    )
    assert await outbox_rows(store) == []


async def test_a_sent_push_cannot_be_cancelled(store: Store) -> None:
    await store.pushes.draft(push("p-1"))
    await store.pushes.send("p-1", "push:p-1", "push-body", MessageKind.DIGEST, NOW)
    assert await store.pushes.cancel("p-1") is False
    got = await store.pushes.get("p-1")
    assert got is not None and got.state is PushState.SENT


async def test_cancel_moves_a_draft_once_and_it_can_no_longer_be_sent(store: Store) -> None:
    await subscribe(store)
    await store.pushes.draft(push("p-1"))
    assert await store.pushes.cancel("p-1") is True
    cancelled = await store.pushes.get("p-1")
    assert cancelled is not None
    assert (cancelled.state, cancelled.sent_at) == (PushState.CANCELLED, None)
    assert await store.pushes.cancel("p-1") is False
    assert await store.pushes.send("p-1", "push:p-1", "push-body", MessageKind.DIGEST, NOW) is None
    assert await outbox_rows(store) == []


async def test_cancel_of_an_unknown_push_is_false(store: Store) -> None:
    assert await store.pushes.cancel("nope") is False


async def test_drafting_a_cancelled_push_again_makes_it_a_draft_anew(store: Store) -> None:
    await store.pushes.draft(push("p-1"))
    await store.pushes.cancel("p-1")
    again = await store.pushes.draft(push("p-1", created_by="admin:2", created_at=NOW + HOUR))
    assert (again.state, again.created_by, again.created_at) == (
        PushState.DRAFT, "admin:2", NOW + HOUR,
    )  # fmt: skip
    assert (
        await store.pushes.send("p-1", "push:p-1", "push-body", MessageKind.DIGEST, NOW + HOUR) == 0
    )


async def test_drafting_again_after_sending_does_not_revive_the_push(store: Store) -> None:
    await subscribe(store)
    await store.pushes.draft(push("p-1"))
    await store.pushes.send("p-1", "push:p-1", "push-body", MessageKind.DIGEST, NOW)
    again = await store.pushes.draft(push("p-1", created_by="admin:2", created_at=NOW + HOUR))
    assert (again.state, again.created_by, again.sent_at) == (PushState.SENT, "admin:1", NOW)
    assert (
        await store.pushes.send("p-1", "push:p-1", "push-body", MessageKind.DIGEST, NOW + HOUR)
        is None
    )
    assert len(await outbox_rows(store)) == 1


async def test_recent_sent_lists_sent_pushes_newest_first_up_to_the_limit(store: Store) -> None:
    for n, push_id in enumerate(["p-1", "p-2", "p-3", "p-4", "p-5"]):
        await store.pushes.draft(push(push_id, f"Text {n}"))
    await store.pushes.send("p-2", "push:p-2", "push-body", MessageKind.DIGEST, NOW + 2 * MINUTE)
    await store.pushes.send("p-1", "push:p-1", "push-body", MessageKind.DIGEST, NOW + 3 * MINUTE)
    await store.pushes.send("p-4", "push:p-4", "push-body", MessageKind.DIGEST, NOW + 1 * MINUTE)
    await store.pushes.cancel("p-3")  # p-5 stays a draft
    assert [p.id for p in await store.pushes.recent_sent(10)] == ["p-1", "p-2", "p-4"]
    assert [p.id for p in await store.pushes.recent_sent(2)] == ["p-1", "p-2"]


async def test_recent_sent_of_no_pushes_is_empty(store: Store) -> None:
    await store.pushes.draft(push("p-1"))
    assert await store.pushes.recent_sent(5) == []


# --- audit log ---


async def test_audit_recent_is_newest_first_up_to_the_limit(store: Store) -> None:
    for n in range(4):
        await store.audit.record(f"admin:{n}", "push", f"detail {n}", NOW + n * MINUTE)
    recent = await store.audit.recent(3)
    assert recent == [
        AuditEntry(NOW + 3 * MINUTE, "admin:3", "push", "detail 3"),
        AuditEntry(NOW + 2 * MINUTE, "admin:2", "push", "detail 2"),
        AuditEntry(NOW + 1 * MINUTE, "admin:1", "push", "detail 1"),
    ]
    assert len(await store.audit.recent(10)) == 4


async def test_audit_of_an_empty_log_is_empty(store: Store) -> None:
    assert await store.audit.recent(5) == []


async def test_audit_truncates_long_detail(store: Store) -> None:
    await store.audit.record("admin:1", "unsubscribe", "é" * 1500, NOW)
    [entry] = await store.audit.recent(1)
    assert entry.detail == "é" * 1000
    assert entry.at == NOW


async def test_audit_keeps_empty_and_unicode_detail(store: Store) -> None:
    await store.audit.record("admin:1", "pause", "", NOW)
    await store.audit.record("admin:2", "push", "“Kami akan berunding.” 📰", NOW)
    assert [e.detail for e in await store.audit.recent(2)] == ["“Kami akan berunding.” 📰", ""]


# --- markers ---


async def test_a_marker_is_none_until_put_then_the_last_value_put(store: Store) -> None:
    assert await store.markers.get("discord.commands:global") is None

    await store.markers.put("discord.commands:global", "first")
    await store.markers.put("discord.commands:global", "second")
    await store.markers.put("discord.commands:guild:1", "other")

    assert await store.markers.get("discord.commands:global") == "second"
    assert await store.markers.get("discord.commands:guild:1") == "other"
