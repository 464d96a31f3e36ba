"""The subscriptions table: who gets which digest when, and which chats are paused and why."""

from __future__ import annotations

import datetime as dt
from collections.abc import AsyncIterator, Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, cast

from sqlalchemy import Row, and_, bindparam, delete, func, select, update
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from bot.core import timing
from bot.core.ports import ChatKind, ChatRef
from bot.core.store.tables import OutboxState, outbox, subscriptions
from bot.core.subscription import Languages, Plan, State, Subscription

S = subscriptions.c


@dataclass(frozen=True, slots=True)
class Advance:
    """A subscription served by one scheduler pass: its next slot, and the edition it was sent."""

    id: int
    next_due: dt.datetime | None
    edition: str | None


def _chat_is(chat: ChatRef) -> Any:
    return and_(S.platform == chat.platform, S.chat_id == chat.chat_id, S.thread == chat.thread)


_KINDS = {kind.value: kind for kind in ChatKind}
_STATES = {state.value: state for state in State}


@lru_cache(maxsize=4096)  # a few hundred distinct plans serve 100,000 chats
def _plan(languages: str, times: str, instant: bool, timezone: str) -> Plan:
    return Plan(
        languages=cast(Languages, languages),
        times=tuple(dt.time.fromisoformat(t) for t in times.split()),
        instant=instant,
        timezone=timezone,
    )


def _from_row(row: Row[Any]) -> Subscription:
    # Unpacked by position (the table's column order): the scheduler's due-scan makes a
    # thousand of these per batch, and attribute access by name was most of its time.
    (
        id_, platform, chat_id, thread, chat_kind, chat_title, languages, times, instant,
        timezone, state, paused_reason, paused_at, subscribed_by, subscribed_at, next_due,
        last_edition, last_sent_at,
    ) = cast(tuple[Any, ...], row)  # fmt: skip
    return Subscription(
        id=id_,
        chat=ChatRef(platform, chat_id, thread),
        chat_kind=_KINDS[chat_kind],
        chat_title=chat_title,
        plan=_plan(languages, times, instant, timezone),
        state=_STATES[state],
        paused_reason=paused_reason,
        paused_at=paused_at,
        subscribed_by=subscribed_by,
        subscribed_at=subscribed_at,
        next_due=next_due,
        last_edition=last_edition,
        last_sent_at=last_sent_at,
    )


def _plan_columns(plan: Plan, now: dt.datetime) -> dict[str, Any]:
    return {
        "languages": plan.languages,
        "times": " ".join(t.strftime("%H:%M") for t in plan.times),
        "instant": plan.instant,
        "timezone": plan.timezone,
        "next_due": timing.next_due(plan.times, plan.timezone, now),
    }


class Subscriptions:
    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = engine

    async def get(self, chat: ChatRef) -> Subscription | None:
        async with self._engine.connect() as connection:
            row = (await connection.execute(select(subscriptions).where(_chat_is(chat)))).first()
        return None if row is None else _from_row(row)

    async def in_chat(self, platform: str, chat_id: str) -> list[Subscription]:
        """The chat's subscriptions: its own, and each topic's or thread's."""
        query = (
            select(subscriptions)
            .where(S.platform == platform, S.chat_id == chat_id)
            .order_by(S.thread)
        )
        async with self._engine.connect() as connection:
            return [_from_row(row) for row in await connection.execute(query)]

    async def subscribe(
        self,
        chat: ChatRef,
        kind: ChatKind,
        plan: Plan,
        by: str,
        now: dt.datetime,
        title: str = "",
    ) -> Subscription:
        """Create the chat's subscription, or change its plan; either way it is active after."""
        values = {
            **_plan_columns(plan, now),
            "chat_kind": kind,
            "state": State.ACTIVE,
            "paused_reason": None,
            "paused_at": None,
        }
        if title:
            values["chat_title"] = title
        async with self._engine.begin() as connection:
            changed = await connection.execute(
                update(subscriptions).where(_chat_is(chat)).values(**values)
            )
            if not changed.rowcount:
                await connection.execute(
                    subscriptions.insert().values(
                        platform=chat.platform,
                        chat_id=chat.chat_id,
                        thread=chat.thread,
                        subscribed_by=by,
                        subscribed_at=now,
                        **{"chat_title": title, **values},
                    )
                )
            row = (await connection.execute(select(subscriptions).where(_chat_is(chat)))).one()
        return _from_row(row)

    async def set_languages(self, chat: ChatRef, languages: Languages) -> bool:
        """Change the digest's languages alone: times, zone and state stay. Whether the chat
        has a subscription."""
        async with self._engine.begin() as connection:
            changed = await connection.execute(
                update(subscriptions).where(_chat_is(chat)).values(languages=languages)
            )
        return bool(changed.rowcount)

    async def remove(self, chat: ChatRef, now: dt.datetime) -> bool:
        """Delete the subscription; deliveries not yet sent are cancelled, not left to go out."""
        async with self._engine.begin() as connection:
            found = (
                await connection.execute(select(S.id).where(_chat_is(chat)))
            ).scalar_one_or_none()
            if found is None:
                return False
            await _cancel_pending(connection, [found], "unsubscribed", now)
            await connection.execute(delete(subscriptions).where(S.id == found))
        return True

    async def pause(self, subscription_id: int, reason: str, now: dt.datetime) -> None:
        async with self._engine.begin() as connection:
            await pause_in(connection, [(subscription_id, reason)], now)

    async def add_many(self, rows: Iterable[dict[str, Any]]) -> None:
        """Bulk insert of ready-made rows (benchmarks and imports); columns as in the table."""
        async with self._engine.begin() as connection:
            await connection.execute(subscriptions.insert(), list(rows))

    async def due(self, now: dt.datetime, limit: int) -> list[Subscription]:
        """Active subscriptions whose next slot has come, the most overdue first."""
        query = (
            select(subscriptions)
            .where(S.state == State.ACTIVE, S.next_due <= now)
            .order_by(S.next_due)
            .limit(limit)
        )
        async with self._engine.connect() as connection:
            return [_from_row(row) for row in await connection.execute(query)]

    async def all(
        self, platform: str | None = None, batch: int = 1000
    ) -> AsyncIterator[Subscription]:
        """Every subscription in id order, fetched a batch at a time (never all in memory)."""
        after = 0
        while True:
            query = select(subscriptions).where(S.id > after).order_by(S.id).limit(batch)
            if platform is not None:
                query = query.where(S.platform == platform)
            async with self._engine.connect() as connection:
                rows = (await connection.execute(query)).all()
            for row in rows:
                yield _from_row(row)
            if len(rows) < batch:
                return
            after = rows[-1].id

    async def counts(self) -> dict[tuple[str, State], int]:
        query = select(S.platform, S.state, func.count()).group_by(S.platform, S.state)
        async with self._engine.connect() as connection:
            return {
                (platform, State(state)): count
                for platform, state, count in await connection.execute(query)
            }

    async def paused_reasons(self) -> dict[tuple[str, str], int]:
        """The paused subscriptions by platform and the reason recorded ("" for none)."""
        query = (
            select(S.platform, S.paused_reason, func.count())
            .where(S.state == State.PAUSED)
            .group_by(S.platform, S.paused_reason)
        )
        async with self._engine.connect() as connection:
            return {
                (platform, reason or ""): count
                for platform, reason, count in await connection.execute(query)
            }

    async def paused(self, limit: int) -> list[Subscription]:
        query = (
            select(subscriptions)
            .where(S.state == State.PAUSED)
            .order_by(S.paused_at.desc())
            .limit(limit)
        )
        async with self._engine.connect() as connection:
            return [_from_row(row) for row in await connection.execute(query)]

    async def advance(self, served: Sequence[Advance], now: dt.datetime) -> None:
        """Record one scheduler pass: next slots, and the edition each chat was sent."""
        if not served:
            return
        async with self._engine.begin() as connection:
            await advance_in(connection, served, now)

    async def instant_behind(self, edition: str, limit: int) -> list[Subscription]:
        """Active instant subscriptions that have not been sent `edition` yet."""
        query = (
            select(subscriptions)
            .where(
                S.state == State.ACTIVE,
                S.instant.is_(True),
                (S.last_edition.is_(None)) | (S.last_edition != edition),
            )
            .order_by(S.id)
            .limit(limit)
        )
        async with self._engine.connect() as connection:
            return [_from_row(row) for row in await connection.execute(query)]


async def advance_in(
    connection: AsyncConnection, served: Sequence[Advance], now: dt.datetime
) -> None:
    # One executemany per shape of update, not a statement per subscription.
    sent = [{"sid": i.id, "due": i.next_due, "edition": i.edition} for i in served if i.edition]
    skipped = [{"sid": i.id, "due": i.next_due} for i in served if not i.edition]
    where = S.id == bindparam("sid")
    if sent:
        await connection.execute(
            update(subscriptions)
            .where(where)
            .values(next_due=bindparam("due"), last_edition=bindparam("edition"), last_sent_at=now),
            sent,
        )
    if skipped:
        await connection.execute(
            update(subscriptions).where(where).values(next_due=bindparam("due")), skipped
        )


async def pause_in(
    connection: AsyncConnection, paused: Sequence[tuple[int, str]], now: dt.datetime
) -> None:
    """Pause chats that went away, keeping every setting; what was waiting for them fails."""
    for subscription_id, reason in paused:
        await connection.execute(
            update(subscriptions)
            .where(S.id == subscription_id)
            # The chat missed what was sent meanwhile: when it is back, the next digest is news.
            .values(state=State.PAUSED, paused_reason=reason, paused_at=now, last_edition=None)
        )
    await _cancel_pending(connection, [i for i, _ in paused], "chat gone", now, OutboxState.FAILED)


async def _cancel_pending(
    connection: AsyncConnection,
    subscription_ids: Sequence[int],
    why: str,
    now: dt.datetime,
    state: OutboxState = OutboxState.CANCELLED,
) -> None:
    await connection.execute(
        update(outbox)
        .where(
            outbox.c.subscription_id.in_(subscription_ids), outbox.c.state == OutboxState.PENDING
        )
        .values(state=state, last_error=why, updated_at=now)
    )
