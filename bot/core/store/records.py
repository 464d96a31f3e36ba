"""Admin pushes and the audit log of admin actions."""

from __future__ import annotations

import datetime as dt
import enum
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Row, select, update
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.core.ports import MessageKind
from bot.core.store.outbox import enqueue_all_active_in, insert_ignoring_duplicates, upsert
from bot.core.store.tables import audit, choices, markers, pushes


class PushState(enum.StrEnum):
    DRAFT = "draft"  # previewed, waiting for the admin's confirmation
    SENT = "sent"
    CANCELLED = "cancelled"


@dataclass(frozen=True, slots=True)
class Push:
    """A summary or an announcement for every subscriber. The id is derived from the content,
    so submitting the same push twice (a double click, a retried script) sends it once."""

    id: str
    summary_id: str | None
    text_en: str | None
    text_id: str | None
    state: PushState
    created_by: str
    created_at: dt.datetime
    sent_at: dt.datetime | None

    @property
    def is_digest(self) -> bool:
        """The digest as it stands (neither a summary nor an announcement): a bare /push."""
        return self.summary_id is None and self.text_en is None and self.text_id is None


@dataclass(frozen=True, slots=True)
class AuditEntry:
    at: dt.datetime
    actor: str
    action: str
    detail: str


class Pushes:
    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = engine

    async def draft(self, push: Push) -> Push:
        """Record the push as a draft unless it was sent already; returns the stored one."""
        async with self._engine.begin() as connection:
            await connection.execute(
                insert_ignoring_duplicates(connection, pushes).values(
                    id=push.id,
                    summary_id=push.summary_id,
                    text_en=push.text_en,
                    text_id=push.text_id,
                    state=push.state,
                    created_by=push.created_by,
                    created_at=push.created_at,
                )
            )
            # A push cancelled earlier may be proposed again; a sent one never goes back.
            await connection.execute(
                update(pushes)
                .where(pushes.c.id == push.id, pushes.c.state == PushState.CANCELLED)
                .values(
                    state=PushState.DRAFT, created_by=push.created_by, created_at=push.created_at
                )
            )
        stored = await self.get(push.id)
        assert stored is not None
        return stored

    async def get(self, push_id: str) -> Push | None:
        async with self._engine.connect() as connection:
            row = (await connection.execute(select(pushes).where(pushes.c.id == push_id))).first()
        return None if row is None else _push_of(row)

    async def recent_sent(self, limit: int) -> list[Push]:
        query = (
            select(pushes)
            .where(pushes.c.state == PushState.SENT)
            .order_by(pushes.c.sent_at.desc())
            .limit(limit)
        )
        async with self._engine.connect() as connection:
            return [_push_of(row) for row in await connection.execute(query)]

    async def send(
        self, push_id: str, occasion: str, body_id: str, kind: MessageKind, now: dt.datetime
    ) -> int | None:
        """Mark a draft sent and queue it, carrying `body_id`, for every active subscription, in
        one transaction; None (and nothing queued) if it was no longer a draft."""
        async with self._engine.begin() as connection:
            marked = await connection.execute(
                update(pushes)
                .where(pushes.c.id == push_id, pushes.c.state == PushState.DRAFT)
                .values(state=PushState.SENT, sent_at=now)
            )
            if marked.rowcount != 1:
                return None
            return await enqueue_all_active_in(connection, occasion, body_id, kind, now)

    async def cancel(self, push_id: str) -> bool:
        """Cancel a draft; False if it was no longer a draft."""
        async with self._engine.begin() as connection:
            result = await connection.execute(
                update(pushes)
                .where(pushes.c.id == push_id, pushes.c.state == PushState.DRAFT)
                .values(state=PushState.CANCELLED)
            )
        return result.rowcount == 1


def _push_of(row: Row[Any]) -> Push:
    return Push(
        id=row.id,
        summary_id=row.summary_id,
        text_en=row.text_en,
        text_id=row.text_id,
        state=PushState(row.state),
        created_by=row.created_by,
        created_at=row.created_at,
        sent_at=row.sent_at,
    )


class AuditLog:
    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = engine

    async def record(self, actor: str, action: str, detail: str, now: dt.datetime) -> None:
        async with self._engine.begin() as connection:
            await connection.execute(
                audit.insert().values(at=now, actor=actor, action=action, detail=detail[:1000])
            )

    async def recent(self, limit: int) -> list[AuditEntry]:
        query = select(audit).order_by(audit.c.id.desc()).limit(limit)
        async with self._engine.connect() as connection:
            return [
                AuditEntry(row.at, row.actor, row.action, row.detail)
                for row in await connection.execute(query)
            ]


class Markers:
    """Named values kept between runs (see `tables.markers`)."""

    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = engine

    async def get(self, name: str) -> str | None:
        query = select(markers.c.value).where(markers.c.name == name)
        async with self._engine.connect() as connection:
            return (await connection.execute(query)).scalar_one_or_none()

    async def put(self, name: str, value: str) -> None:
        """Set the marker, in one statement: two instances setting it at once cannot both
        insert."""
        async with self._engine.begin() as connection:
            await connection.execute(upsert(connection, markers, name=name, value=value))


class Choices:
    """Long button commands by their short keys (see `tables.choices`)."""

    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = engine

    async def keep(self, key: str, command: str, now: dt.datetime) -> None:
        """Keep the command, or mark it drawn again `now` (`created_at`: the retention pass
        deletes those not drawn for `retention.days`)."""
        async with self._engine.begin() as connection:
            await connection.execute(
                upsert(connection, choices, key=key, command=command, created_at=now)
            )

    async def command(self, key: str) -> str | None:
        query = select(choices.c.command).where(choices.c.key == key)
        async with self._engine.connect() as connection:
            return (await connection.execute(query)).scalar_one_or_none()
