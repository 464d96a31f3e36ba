"""The metrics: what the dispatcher reports, counted; what the store holds, read at scrape time
into gauges; a paused chat's reason reduced to a few kinds."""

from __future__ import annotations

import datetime as dt
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from prometheus_client import generate_latest
from sqlalchemy.ext.asyncio import create_async_engine

from bot.core.delivery.dispatcher import DispatchReport
from bot.core.library import Library
from bot.core.ports import ChatKind, ChatRef, Delivered, Format, MessageKind, RetryAfter
from bot.core.store import Store
from bot.core.store.outbox import Settlement
from bot.core.subscription import Plan
from bot.core.text.compose import DigestOptions
from bot.ops.metrics import REASONS, Metrics, ServiceState, reason_kind
from tests.conftest import CONTENT
from tests.fakes import SettableClock
from tests.ops.doubles import StubAdapter

NOW = dt.datetime(2025, 10, 8, 6, 0, tzinfo=dt.UTC)
PLAN = Plan("en", (), True, "Asia/Jakarta")


@pytest.mark.parametrize(
    ("reason", "kind"),
    [
        # What Telegram and Discord answer (the senders record their words as the reason).
        ("Forbidden: bot was blocked by the user", "blocked"),
        ("Forbidden: user is deactivated", "blocked"),
        ("Forbidden: bot can't initiate conversation with a user", "blocked"),
        ("403 Forbidden (error code: 50007): Cannot send messages to this user", "blocked"),
        ("Bad Request: chat not found", "not_found"),
        ("Bad Request: message thread not found", "not_found"),
        ("Bad Request: TOPIC_DELETED", "not_found"),
        ("404 Not Found (error code: 10003): Unknown Channel", "not_found"),
        ("'general' is not a Discord channel id", "not_found"),
        ("Forbidden: bot was kicked from the supergroup chat", "removed"),
        ("Forbidden: bot is not a member of the channel chat", "removed"),
        ("Bad Request: not enough rights to send text messages to the chat", "removed"),
        ("Bad Request: TOPIC_CLOSED", "removed"),
        ("403 Forbidden (error code: 50001): Missing Access", "removed"),
        ("", "other"),
        ("something no platform has said yet", "other"),
    ],
)
def test_a_pause_reason_is_one_of_a_few_kinds(reason: str, kind: str) -> None:
    assert reason_kind(reason) == kind
    assert kind in REASONS


def test_the_dispatchers_reports_are_counted_by_platform_and_outcome() -> None:
    metrics = Metrics(["telegram", "discord"])
    sample = metrics.registry.get_sample_value

    metrics.settled("telegram", DispatchReport(delivered=3, retried=1, paused=1))
    metrics.settled("telegram", DispatchReport(delivered=2, failed=1))
    metrics.sent("telegram", Delivered("1"), 0.2)
    metrics.sent("telegram", RetryAfter(3), 0.04)
    metrics.held("telegram", 3.0)
    metrics.held("telegram", 0.0)  # within the first hold

    def deliveries(platform: str, outcome: str) -> float | None:
        return sample("ringkas_deliveries_total", {"platform": platform, "outcome": outcome})

    assert [deliveries("telegram", o) for o in ("delivered", "retried", "failed", "paused")] == [
        5,
        1,
        1,
        1,
    ]
    # The other platform's series exist from the start, at 0.
    assert deliveries("discord", "delivered") == 0
    assert sample("ringkas_rate_limited_total", {"platform": "telegram"}) == 2
    assert sample("ringkas_rate_limit_held_seconds_total", {"platform": "telegram"}) == 3.0
    assert sample("ringkas_send_duration_seconds_count", {"platform": "telegram"}) == 2
    assert sample("ringkas_send_duration_seconds_bucket", {"platform": "telegram", "le": "0.05"})
    assert sample("ringkas_send_duration_seconds_sum", {"platform": "telegram"}) == pytest.approx(
        0.24
    )


def test_two_runtimes_in_one_process_count_apart() -> None:
    first, second = Metrics(["telegram"]), Metrics(["telegram"])

    first.settled("telegram", DispatchReport(delivered=1))

    labels = {"platform": "telegram", "outcome": "delivered"}
    assert first.registry.get_sample_value("ringkas_deliveries_total", labels) == 1
    assert second.registry.get_sample_value("ringkas_deliveries_total", labels) == 0


@pytest.fixture
async def store(tmp_path: Path) -> AsyncIterator[Store]:
    async with await Store.open(tmp_path / "ringkas.sqlite3") as opened:
        yield opened


async def fill(store: Store) -> None:
    """On Telegram, three deliveries: one delivered and one still pending of a push an hour
    ago, one pending since now; two chats paused, blocked and kicked out. On Discord, a chat
    paused because its channel is gone."""
    subs = [
        await store.subscriptions.subscribe(
            ChatRef("telegram", str(n)), ChatKind.PRIVATE, PLAN, "test", NOW
        )
        for n in range(5)
    ]
    gone = await store.subscriptions.subscribe(
        ChatRef("discord", "77"), ChatKind.GROUP, PLAN, "test", NOW
    )
    await store.outbox.put_text("b", "en", Format.TELEGRAM, "The digest", NOW)
    hour_ago = NOW - dt.timedelta(hours=1)
    await store.outbox.enqueue([(subs[0], "push:a"), (subs[1], "push:a")], "b", MessageKind.DIGEST,
                               hour_ago)  # fmt: skip
    await store.outbox.enqueue([(subs[2], "push:b")], "b", MessageKind.DIGEST, NOW)
    [first] = await store.outbox.claim("telegram", NOW, 1)
    await store.outbox.settle(Settlement(delivered=[(first.id, "m1")]), NOW)
    await store.subscriptions.pause(subs[3].id, "Forbidden: bot was blocked by the user", NOW)
    await store.subscriptions.pause(subs[4].id, "Forbidden: bot was kicked from the group", NOW)
    await store.subscriptions.pause(gone.id, "404 Not Found: Unknown Channel", NOW)


async def test_a_scrape_reads_the_store_content_roles_and_connections(store: Store) -> None:
    await fill(store)
    clock = SettableClock(NOW + dt.timedelta(minutes=5))
    library = await Library.load(CONTENT, DigestOptions(), NOW)
    telegram = StubAdapter("telegram", up=True)
    discord = StubAdapter("discord", up=False)
    state = ServiceState(
        store,
        library,
        clock,
        lambda: ["sender:telegram", "planner", "shard:discord:0/1"],
        lambda: frozenset({"sender:telegram", "planner"}),
        [telegram, discord],
    )
    metrics = Metrics(["telegram", "discord"])
    metrics.registry.register(state)
    sample = metrics.registry.get_sample_value

    await state.refresh()

    assert sample("ringkas_store_up") == 1
    depth = {
        state: sample("ringkas_outbox_deliveries", {"state": state})
        for state in ("pending", "sending", "failed", "delivered")
    }
    # Delivered rows are the outbox's history, not its queue: counted by ringkas_deliveries.
    assert depth == {"pending": 2, "sending": 0, "failed": 0, "delivered": None}
    # The push's second delivery, queued an hour before the clock's five minutes later.
    assert sample("ringkas_outbox_oldest_pending_age_seconds", {"platform": "telegram"}) == 3900
    assert sample("ringkas_outbox_oldest_pending_age_seconds", {"platform": "discord"}) == 0
    paused = {
        (platform, reason): sample(
            "ringkas_paused_subscriptions", {"platform": platform, "reason": reason}
        )
        for platform, reason in [
            ("telegram", "blocked"),
            ("telegram", "removed"),
            ("discord", "not_found"),
        ]
    }
    assert paused == {
        ("telegram", "blocked"): 1,
        ("telegram", "removed"): 1,
        ("discord", "not_found"): 1,
    }
    edition = library.edition.selection
    assert edition is not None
    assert sample("ringkas_content_edition_info", {"edition": edition}) == 1
    assert sample("ringkas_content_problems") == 0
    assert sample("ringkas_content_loaded_timestamp_seconds") == NOW.timestamp()
    assert sample("ringkas_role_held", {"role": "sender:telegram"}) == 1
    assert sample("ringkas_role_held", {"role": "shard:discord:0/1"}) == 0
    assert sample("ringkas_platform_connected", {"platform": "telegram"}) == 1
    assert sample("ringkas_platform_connected", {"platform": "discord"}) == 0
    # And the whole registry renders in the text format.
    assert b"# TYPE ringkas_deliveries_total counter" in generate_latest(metrics.registry)


async def test_a_scrape_when_the_store_does_not_answer_says_so_and_shows_the_rest() -> None:
    # Nothing listens on port 1: every connection is refused.
    unreachable = Store(create_async_engine("postgresql+asyncpg://ringkas@127.0.0.1:1/ringkas"))
    library = await Library.load(CONTENT, DigestOptions(), NOW)
    state = ServiceState(
        unreachable,
        library,
        SettableClock(NOW),
        lambda: [],
        frozenset,
        [StubAdapter("telegram", up=True)],
    )
    metrics = Metrics(["telegram"])
    metrics.registry.register(state)
    try:
        await state.refresh()
    finally:
        await unreachable.engine.dispose()

    sample = metrics.registry.get_sample_value
    assert sample("ringkas_store_up") == 0
    assert sample("ringkas_outbox_deliveries", {"state": "pending"}) is None
    assert sample("ringkas_content_problems") == 0
    assert sample("ringkas_platform_connected", {"platform": "telegram"}) == 1
