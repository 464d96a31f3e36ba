"""What the admins' alerts read from the store, and how they are queued: to each admin's private
chat as a chat (`chats.recipient_of` its row, as a follow message goes), through the outbox, so an
alert is retried, never lost, and, its occasion unique per chat, queued once however many
instances see the same condition (see `delivery/alerts.py`); and when each kind of alert was last
queued, for the cool-down (a marker, `tables.markers`)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, or_, select
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.core.models import Lang
from bot.core.ports import ChatKind, ChatRef, Format, MessageKind
from bot.core.store.chats import chat_is
from bot.core.store.follows import ChatMessage, queue_in
from bot.core.store.outbox import insert_ignoring_duplicates, notify_in, upsert
from bot.core.store.tables import OutboxState, chats, markers, outbox, subscriptions
from bot.core.subscription import State

OUT = outbox.c
S = subscriptions.c
M = markers.c
REASONS = 3  # the commonest reasons an alert names
GONE = "chat gone"  # how the error of a delivery to a chat that is gone begins (`store.outbox`)


@dataclass(frozen=True, slots=True)
class Burst:
    """Things that happened within a window: how many, when the first did, and the commonest
    reasons given (each with its count, most first)."""

    count: int
    since: dt.datetime
    reasons: tuple[tuple[str, int], ...]


def _burst(rows: Sequence[Any]) -> Burst | None:
    """From (reason, count, first) rows grouped by reason."""
    if not rows:
        return None
    ranked = sorted(rows, key=lambda row: (-row[1], row[0] or ""))
    return Burst(
        count=sum(row[1] for row in rows),
        since=min(row[2] for row in rows),
        reasons=tuple((row[0] or "", row[1]) for row in ranked[:REASONS]),
    )


def _marker(kind: str) -> str:
    return f"alert:{kind}"


class Alerts:
    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = engine

    async def paused_since(self, since: dt.datetime) -> Burst | None:
        """The subscriptions paused since `since` and paused still."""
        query = (
            select(S.paused_reason, func.count(), func.min(S.paused_at))
            .where(S.state == State.PAUSED, S.paused_at >= since)
            .group_by(S.paused_reason)
        )
        async with self._engine.connect() as connection:
            return _burst((await connection.execute(query)).all())

    async def failed_since(self, since: dt.datetime) -> Burst | None:
        """The deliveries given up since `since`, after every attempt. Not counted: those to a
        chat that is gone (its subscription is paused, which has an alert of its own), and the
        alerts' own, so an alert that cannot reach an admin never alerts again."""
        query = (
            select(OUT.last_error, func.count(), func.min(OUT.updated_at))
            .where(
                OUT.state == OutboxState.FAILED,
                OUT.updated_at >= since,
                OUT.kind != MessageKind.NOTICE,
                or_(OUT.last_error.is_(None), ~OUT.last_error.startswith(GONE)),
            )
            .group_by(OUT.last_error)
        )
        async with self._engine.connect() as connection:
            return _burst((await connection.execute(query)).all())

    async def last_queued(self, kind: str) -> dt.datetime | None:
        """When an alert of `kind` was last queued, if ever: a marker, read by its name (the
        outbox has no index a search by occasion prefix could use under every collation)."""
        async with self._engine.connect() as connection:
            found = (
                await connection.execute(select(M.value).where(M.name == _marker(kind)))
            ).scalar()
        return None if found is None else dt.datetime.fromisoformat(found)

    async def queue(
        self,
        admins: Sequence[ChatRef],
        lang: Lang,
        kind: str,
        occasion: str,
        body_id: str,
        texts: Mapping[tuple[Lang, Format], str],
        now: dt.datetime,
    ) -> int:
        """Queue the alert to each admin's private chat not gone, in the chat's own language
        (`lang` for a chat new to the store), its texts with it, and mark its `kind` queued
        now, in one transaction; the rows queued (none for a chat that has this occasion
        already)."""
        if not admins:
            return 0
        async with self._engine.begin() as connection:
            new = [
                {"platform": c.platform, "chat_id": c.chat_id, "thread": c.thread,
                 "chat_kind": ChatKind.PRIVATE, "lang": lang}
                for c in admins
            ]  # fmt: skip
            # A chat already here keeps its language, and stays gone if it is.
            await connection.execute(insert_ignoring_duplicates(connection, chats), new)
            rows = [
                (await connection.execute(select(chats.c.id).where(chat_is(chat)))).scalar_one()
                for chat in admins
            ]
            message = ChatMessage(tuple(rows), occasion, body_id, texts, MessageKind.NOTICE)
            queued = await queue_in(connection, message, now)
            await connection.execute(
                upsert(connection, markers, name=_marker(kind), value=now.isoformat())
            )
            if queued:
                await notify_in(connection)
        return queued
