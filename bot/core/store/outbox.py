"""The outbox: every delivery is a row before it is sent, so none is lost or sent twice.

A row goes pending → sending → delivered. At most `delivery.in_flight` rows per platform are
marked sending at once, each stamped with its claimer's sender-lease epoch; the next holder of the
lease (a restart, or another instance taking over) puts rows left sending back to pending: a
crash resends at most those. On PostgreSQL every enqueue notifies the channel `ringkas_outbox`
as it commits, so the sender wakes at once whichever instance queued.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, cast

from sqlalchemy import (
    Insert,
    Row,
    Table,
    bindparam,
    func,
    literal,
    select,
    text,
    union_all,
    update,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from bot.core.models import Lang
from bot.core.ports import ChatKind, ChatRef, Format, MessageKind
from bot.core.store import chats
from bot.core.store.leases import sender_role, superseded
from bot.core.store.subscriptions import Advance, advance_in, pause_in
from bot.core.store.tables import FINISHED, OutboxState, bodies, outbox, subscriptions
from bot.core.subscription import State, Subscription

OUT = outbox.c
ERROR_LIMIT = 500  # the error columns' width
S = subscriptions.c


@dataclass(frozen=True, slots=True)
class Delivery:
    id: int
    subscription_id: int
    chat: ChatRef
    chat_kind: ChatKind
    occasion: str
    body_id: str
    lang: Lang
    kind: MessageKind
    attempts: int


@dataclass(slots=True)
class Settlement:
    """What became of some claimed rows, written back in one transaction."""

    delivered: list[tuple[int, str]] = field(default_factory=list)  # row, message id
    retry: list[tuple[int, dt.datetime, str]] = field(default_factory=list)  # row, when, why
    failed: list[tuple[int, str]] = field(default_factory=list)  # row, why (gave up)
    gone: list[tuple[Delivery, str]] = field(default_factory=list)
    moved: list[tuple[Delivery, str]] = field(default_factory=list)  # row, new chat id

    @property
    def size(self) -> int:
        """How many rows it settles."""
        parts = (self.delivered, self.retry, self.failed, self.gone, self.moved)
        return sum(len(part) for part in parts)


@dataclass(frozen=True, slots=True)
class Progress:
    total: int
    delivered: int
    failed: int

    @property
    def waiting(self) -> int:
        return self.total - self.delivered - self.failed


def insert_ignoring_duplicates(connection: AsyncConnection, table: Table) -> Insert:
    """INSERT that skips rows whose unique key exists: what makes enqueueing idempotent."""
    dialect = postgresql if connection.dialect.name == "postgresql" else sqlite
    return cast(Insert, dialect.insert(table).on_conflict_do_nothing())


def upsert(
    connection: AsyncConnection,
    table: Table,
    *,
    changing: Collection[str] | None = None,
    **values: Any,
) -> Insert:
    """INSERT the row, or UPDATE the one with its primary key to these values: one statement,
    so that two instances writing at once cannot both insert. Without `values`, the rows are
    given to `execute`, and `changing` names the columns an existing row takes from them
    (by default every column given that is not in the key)."""
    dialect = postgresql if connection.dialect.name == "postgresql" else sqlite
    insert = dialect.insert(table).values(**values) if values else dialect.insert(table)
    keys = [column.name for column in table.primary_key]
    names = changing if changing is not None else [name for name in values if name not in keys]
    changed = {name: insert.excluded[name] for name in names}
    return cast(Insert, insert.on_conflict_do_update(index_elements=keys, set_=changed))


def _from_row(row: Row[Any]) -> Delivery:
    return Delivery(
        id=row.id,
        subscription_id=row.subscription_id,
        chat=ChatRef(row.platform, row.chat_id, row.thread),
        chat_kind=ChatKind(row.chat_kind),
        occasion=row.occasion,
        body_id=row.body_id,
        lang=cast(Lang, row.lang),
        kind=MessageKind(row.kind),
        attempts=row.attempts,
    )


class Outbox:
    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = engine

    async def enqueue(
        self,
        entries: Iterable[tuple[Subscription, str]],
        body_id: str,
        kind: MessageKind,
        now: dt.datetime,
        advances: Sequence[Advance] = (),
    ) -> int:
        """One row per (subscription, occasion) and language, and the scheduler's bookkeeping with
        it, in one transaction: a slot is either queued and advanced, or neither."""
        rows = [
            {
                "subscription_id": sub.id,
                "platform": sub.chat.platform,
                "chat_id": sub.chat.chat_id,
                "thread": sub.chat.thread,
                "chat_kind": sub.chat_kind,
                "occasion": occasion,
                "body_id": body_id,
                "lang": lang,
                "kind": kind,
                "state": OutboxState.PENDING,
                "attempts": 0,
                "next_attempt_at": now,
                "created_at": now,
                "updated_at": now,
            }
            for sub, occasion in entries
            for lang in sub.plan.langs
        ]
        async with self._engine.begin() as connection:
            added = 0
            if rows:
                # RETURNING counts the rows really added: drivers report no row count for a
                # many-row insert (asyncpg), and duplicates skipped must not count.
                statement = insert_ignoring_duplicates(connection, outbox).returning(OUT.id)
                added = len((await connection.execute(statement, rows)).all())
            await advance_in(connection, advances, now)
            if added:
                await notify_in(connection)
        return added

    async def enqueue_all_active(
        self, occasion: str, body_id: str, kind: MessageKind, now: dt.datetime
    ) -> int:
        """Queue one delivery for every active subscription and each of its languages."""
        async with self._engine.begin() as connection:
            return await enqueue_all_active_in(connection, occasion, body_id, kind, now)

    async def claim(
        self, platform: str, now: dt.datetime, limit: int, epoch: int = 0
    ) -> list[Delivery]:
        """Mark up to `limit` ready rows as sending under the sender lease's `epoch` and return
        them, oldest first; none once a newer epoch holds the platform's sender lease (the
        holder of this one lost it). Rows another claimer has locked are skipped, not waited
        for, and their state is checked again as they are taken: two claimers never take the
        same row. Epoch 0 is a store's first sender, before any lease was taken."""
        ready = (
            select(OUT.id)
            .where(
                OUT.state == OutboxState.PENDING,
                OUT.platform == platform,
                OUT.next_attempt_at <= now,
            )
            .order_by(OUT.next_attempt_at, OUT.lang, OUT.id)
            .limit(limit)
            .with_for_update(skip_locked=True)
            # A CTE is evaluated once: as an IN subquery, PostgreSQL may run it again per row
            # and take more than `limit`.
            .cte("ready")
        )
        statement = (
            update(outbox)
            .where(OUT.id == ready.c.id, OUT.state == OutboxState.PENDING)
            .where(~superseded(sender_role(platform), epoch))
            .values(state=OutboxState.SENDING, epoch=epoch, updated_at=now)
            .returning(*outbox.c)
        )
        async with self._engine.begin() as connection:
            rows = (await connection.execute(statement)).all()
        # RETURNING follows no order: the sends go out oldest first all the same.
        ordered = sorted(rows, key=lambda row: (row.next_attempt_at, row.lang, row.id))
        return [_from_row(row) for row in ordered]

    async def settle(self, settlement: Settlement, now: dt.datetime, epoch: int = 0) -> None:
        """Record what became of rows claimed under `epoch`. A row claimed since under a newer
        epoch (after a takeover) is left to its new claimer."""
        async with self._engine.begin() as connection:
            await _settle_in(connection, settlement, now, epoch)

    async def release(self, platform: str, epoch: int, now: dt.datetime) -> int:
        """Put back to pending the platform's rows left sending under `epoch` (a pass that
        failed) or under an older one (a holder that is gone): they may or may not have gone
        out, and are sent again. Rows sending under a newer epoch are a live holder's."""
        async with self._engine.begin() as connection:
            result = await connection.execute(
                update(outbox)
                .where(
                    OUT.state == OutboxState.SENDING,
                    OUT.platform == platform,
                    OUT.epoch <= epoch,
                )
                .values(state=OutboxState.PENDING, updated_at=now)
            )
        return max(result.rowcount, 0)

    async def next_attempt(self, platforms: Sequence[str]) -> dt.datetime | None:
        query = select(func.min(OUT.next_attempt_at)).where(
            OUT.state == OutboxState.PENDING, OUT.platform.in_(platforms)
        )
        async with self._engine.connect() as connection:
            return cast(dt.datetime | None, (await connection.execute(query)).scalar())

    async def progress(self, occasion: str) -> Progress:
        query = select(OUT.state, func.count()).where(OUT.occasion == occasion).group_by(OUT.state)
        async with self._engine.connect() as connection:
            counts = {state: number for state, number in await connection.execute(query)}
        return Progress(
            total=sum(counts.values()) - counts.get(OutboxState.CANCELLED, 0),
            delivered=counts.get(OutboxState.DELIVERED, 0),
            failed=counts.get(OutboxState.FAILED, 0),
        )

    async def counts(
        self, states: Sequence[OutboxState] = (), since: dt.datetime | None = None
    ) -> dict[OutboxState, int]:
        """Rows by state: of every state, or of `states` only; with `since`, of the finished
        rows only those that finished since then. The store keeps weeks of finished rows
        (`retention.days`): counting them all reads millions of index entries, counting a day's
        range of them (`ix_outbox_settled`) does not, and the unfinished rows are few but while
        a push goes out."""
        wanted = tuple(states) or tuple(OutboxState)
        if since is None:
            query: Any = select(OUT.state, func.count()).group_by(OUT.state)
            if states:
                query = query.where(OUT.state.in_(wanted))
        else:
            unfinished = (
                select(OUT.state, func.count())
                .where(OUT.state.in_([s for s in wanted if s not in FINISHED]))
                .group_by(OUT.state)
            )
            finished = (
                select(OUT.state, func.count())
                .where(OUT.state.in_([s for s in wanted if s in FINISHED]), OUT.updated_at >= since)
                .group_by(OUT.state)
            )
            query = union_all(unfinished, finished)
        async with self._engine.connect() as connection:
            return {OutboxState(state): number for state, number in await connection.execute(query)}

    async def oldest_pending(self) -> dict[str, dt.datetime]:
        """When the oldest delivery still pending was queued, by platform (those with any)."""
        query = (
            select(OUT.platform, func.min(OUT.created_at))
            .where(OUT.state == OutboxState.PENDING)
            .group_by(OUT.platform)
        )
        async with self._engine.connect() as connection:
            return {platform: oldest for platform, oldest in await connection.execute(query)}

    async def cancel_waiting(self, queued_before: dt.datetime, why: str, now: dt.datetime) -> int:
        """Cancel the deliveries queued before `queued_before` and not sent yet (pending, or
        sending: to be used with no sender running); how many. After restoring a backup, those
        that went out since it would otherwise go out again."""
        statement = (
            update(outbox)
            .where(
                OUT.state.in_([OutboxState.PENDING, OutboxState.SENDING]),
                OUT.created_at < queued_before,
            )
            .values(state=OutboxState.CANCELLED, last_error=why[:ERROR_LIMIT], updated_at=now)
        )
        async with self._engine.begin() as connection:
            return max((await connection.execute(statement)).rowcount, 0)

    async def put_text(
        self, body_id: str, lang: Lang, fmt: Format, text: str, now: dt.datetime
    ) -> None:
        async with self._engine.begin() as connection:
            await store_bodies_in(
                connection, [{"body_id": body_id, "lang": lang, "format": fmt, "text": text}], now
            )

    async def text(self, body_id: str, lang: Lang, fmt: Format) -> str | None:
        query = select(bodies.c.text).where(
            bodies.c.body_id == body_id, bodies.c.lang == lang, bodies.c.format == fmt
        )
        async with self._engine.connect() as connection:
            return cast(str | None, (await connection.execute(query)).scalar())


# The columns an INSERT … SELECT fills, in the order of its select: the recipient and its chat
# (platform, chat id, thread, kind), what is sent, then the row's state and times.
FROM_SELECT_COLUMNS = [
    "subscription_id", "platform", "chat_id", "thread", "chat_kind", "occasion", "body_id",
    "lang", "kind", "state", "attempts", "next_attempt_at", "created_at", "updated_at",
]  # fmt: skip


async def enqueue_all_active_in(
    connection: AsyncConnection, occasion: str, body_id: str, kind: MessageKind, now: dt.datetime
) -> int:
    """The rows are made inside the database: a push to 100,000 chats never holds them in
    memory."""

    def chats_reading(lang: Lang) -> Any:
        return select(
            S.id,
            S.platform,
            S.chat_id,
            S.thread,
            S.chat_kind,
            literal(occasion),
            literal(body_id),
            literal(lang),
            literal(str(kind)),
            literal(str(OutboxState.PENDING)),
            literal(0),
            literal(now, OUT.next_attempt_at.type),
            literal(now, OUT.created_at.type),
            literal(now, OUT.updated_at.type),
        ).where(S.state == State.ACTIVE, S.languages.in_([lang, "both"]))

    statement = insert_ignoring_duplicates(connection, outbox).from_select(
        FROM_SELECT_COLUMNS, union_all(chats_reading("en"), chats_reading("id"))
    )
    added = max((await connection.execute(statement)).rowcount, 0)
    if added:
        await notify_in(connection)
    return added


async def store_bodies_in(
    connection: AsyncConnection, rows: Sequence[Mapping[str, Any]], now: dt.datetime
) -> None:
    """Store texts (each row's body id, language, format and text), or touch those stored
    already: a stored text never changes (its id is made from it), but its `stored_at` says it
    is wanted again, so that the retention pass leaves it (`store.retention`). One statement a
    row: two instances storing the same text at once cannot both insert."""
    statement = upsert(connection, bodies, changing=["stored_at"])
    await connection.execute(statement, [{**row, "stored_at": now} for row in rows])


# The channel the senders listen on (PostgreSQL): something was queued for them.
CHANNEL = "ringkas_outbox"


async def notify_in(connection: AsyncConnection) -> None:
    """Wake the senders of every instance when this transaction commits (PostgreSQL delivers a
    notification only then, and only once however often it was sent in one transaction)."""
    if connection.dialect.name == "postgresql":
        await connection.execute(text(f"NOTIFY {CHANNEL}"))


async def _settle_in(
    connection: AsyncConnection, settlement: Settlement, now: dt.datetime, epoch: int
) -> None:
    async def set_rows(rows: list[dict[str, Any]], **values: Any) -> None:
        """One executemany over the rows (each with its "row" id), counting an attempt."""
        if rows:
            statement = (
                update(outbox)
                .where(OUT.id == bindparam("row"), OUT.epoch == epoch)
                .values(attempts=OUT.attempts + 1, updated_at=now, **values)
            )
            await connection.execute(statement, rows)

    await set_rows(
        [{"row": row, "message_id": message} for row, message in settlement.delivered],
        state=OutboxState.DELIVERED,
        message_id=bindparam("message_id"),
        last_error=None,
    )
    await set_rows(
        [
            *(
                {"row": row, "at": at, "error": why[:ERROR_LIMIT]}
                for row, at, why in settlement.retry
            ),
            *({"row": d.id, "at": now, "error": f"moved to {new}"} for d, new in settlement.moved),
        ],
        state=OutboxState.PENDING,
        next_attempt_at=bindparam("at"),
        last_error=bindparam("error"),
    )
    await set_rows(
        [
            *({"row": row, "error": why[:ERROR_LIMIT]} for row, why in settlement.failed),
            *(
                {"row": d.id, "error": f"chat gone: {why}"[:ERROR_LIMIT]}
                for d, why in settlement.gone
            ),
        ],
        state=OutboxState.FAILED,
        last_error=bindparam("error"),
    )
    if settlement.gone:
        gone = [(d.subscription_id, why[:ERROR_LIMIT]) for d, why in settlement.gone]
        await pause_in(connection, gone, now)
        await chats.gone_in(connection, gone, now)  # follower chats among them
    for delivery, new_chat_id in settlement.moved:
        await _move_in(connection, delivery, new_chat_id, now)


async def _move_in(
    connection: AsyncConnection, delivery: Delivery, new_chat_id: str, now: dt.datetime
) -> None:
    """The chat has a new id: its subscription and everything queued for it follow."""
    if chats.is_follower(delivery.subscription_id):
        await chats.moved_in(connection, delivery.subscription_id, new_chat_id, now)
        return
    old = delivery.chat
    taken = (
        await connection.execute(
            select(S.id).where(
                S.platform == old.platform, S.chat_id == new_chat_id, S.thread == old.thread
            )
        )
    ).scalar_one_or_none()
    if taken is not None and taken != delivery.subscription_id:
        # The new chat already subscribed on its own: it keeps its setup; the old one goes.
        await connection.execute(
            update(outbox)
            .where(
                OUT.subscription_id == delivery.subscription_id, OUT.state == OutboxState.PENDING
            )
            .values(
                state=OutboxState.CANCELLED, last_error=f"moved to {new_chat_id}", updated_at=now
            )
        )
        await connection.execute(subscriptions.delete().where(S.id == delivery.subscription_id))
        return
    await connection.execute(
        update(subscriptions).where(S.id == delivery.subscription_id).values(chat_id=new_chat_id)
    )
    await connection.execute(
        update(outbox)
        .where(
            OUT.subscription_id == delivery.subscription_id,
            OUT.state.in_([OutboxState.PENDING, OutboxState.SENDING]),
        )
        .values(chat_id=new_chat_id, updated_at=now)
    )
