"""What the service is doing, as plain facts: gathered once, shown by the admins' /status and by
`ringkas status` (text, or JSON for scripts)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from bot.core.services import Services
from bot.core.store.outbox import Progress
from bot.core.store.records import AuditEntry
from bot.core.store.tables import OutboxState
from bot.core.subscription import State
from bot.core.text.notices import LISTED

PUSHES_SHOWN = 3
AUDIT_SHOWN = 5
# Finished deliveries are counted over this last stretch: the store keeps weeks of them, and
# counting them all would make /status take seconds (benchmarks/bench_retention.py).
RECENT = dt.timedelta(hours=24)


@dataclass(frozen=True, slots=True)
class PausedChat:
    chat: str
    since: dt.datetime
    reason: str


@dataclass(frozen=True, slots=True)
class SentPush:
    id: str
    progress: Progress


@dataclass(frozen=True, slots=True)
class Status:
    # platform → state (active, paused) → subscriptions
    subscriptions: dict[str, dict[str, int]]
    # Outbox rows by state: pending and sending now; delivered, failed and cancelled in the last
    # RECENT (24 hours).
    deliveries: dict[str, int]
    summaries: int
    statements: int
    content_loaded_at: dt.datetime
    problems: tuple[str, ...]  # of the last reload, when it failed: the last good content serves
    paused: tuple[PausedChat, ...]  # the most recently paused, up to LISTED
    pushes: tuple[SentPush, ...]  # the most recently sent, newest first
    audit: tuple[AuditEntry, ...]  # the newest first


async def gather(services: Services) -> Status:
    store, library = services.store, services.library
    subscriptions: dict[str, dict[str, int]] = {}
    for (platform, state), number in sorted((await store.subscriptions.counts()).items()):
        by_state = subscriptions.setdefault(platform, {s.value: 0 for s in State})
        by_state[state.value] = number
    now = services.clock.now()
    outbox = await store.outbox.counts(since=now - RECENT)
    paused = await store.subscriptions.paused(LISTED)
    # A push sent before the retention period has had its deliveries pruned: no progress left.
    kept = now - services.retention
    recent = await store.pushes.recent_sent(PUSHES_SHOWN)
    pushes = [sent for sent in recent if sent.sent_at is not None and sent.sent_at >= kept]
    return Status(
        subscriptions=subscriptions,
        deliveries={state.value: outbox.get(state, 0) for state in OutboxState},
        summaries=len(library.catalog.summaries),
        statements=len(library.catalog.statements),
        content_loaded_at=library.edition.loaded_at,
        problems=tuple(map(str, library.problems)),
        paused=tuple(
            PausedChat(str(s.chat), s.paused_at or s.subscribed_at, s.paused_reason or "")
            for s in paused
        ),
        pushes=tuple([SentPush(p.id, await services.pusher.progress(p.id)) for p in pushes]),
        audit=tuple(await store.audit.recent(AUDIT_SHOWN)),
    )


def as_json(status: Status) -> dict[str, Any]:
    """The facts as JSON values; the keys are stable (the README lists them)."""
    return {
        "subscriptions": status.subscriptions,
        "deliveries": status.deliveries,
        "content": {
            "summaries": status.summaries,
            "statements": status.statements,
            "loaded_at": _iso(status.content_loaded_at),
            "problems": list(status.problems),
        },
        "paused": [
            {"chat": p.chat, "since": _iso(p.since), "reason": p.reason} for p in status.paused
        ],
        "pushes": [
            {
                "id": p.id,
                "total": p.progress.total,
                "delivered": p.progress.delivered,
                "failed": p.progress.failed,
                "waiting": p.progress.waiting,
            }
            for p in status.pushes
        ],
        "audit": [
            {"at": _iso(e.at), "actor": e.actor, "action": e.action, "detail": e.detail}
            for e in status.audit
        ],
    }


def _iso(moment: dt.datetime) -> str:
    return moment.astimezone(dt.UTC).isoformat(timespec="seconds")
