"""Replies relayed between instances sharing a PostgreSQL store, to the one that holds the
platform's sender lease (the why: `core.delivery.replies`).

An instance that does not hold the lease `ask`s: the reply becomes a row, and the senders wake
(a notification on the outbox's channel). The holder `claim`s rows as it claims outbox rows:
FOR UPDATE SKIP LOCKED in a CTE, the state checked again as they are taken, stamped with its
epoch and refused once a newer epoch holds the lease. It sends each and `answer`s with the
outcome, notifying the channel `ringkas_replied` with the row's id; the asker reads the outcome
and `forget`s the row.

Nothing is lost: a row stays until answered. Rows sending under an older epoch are claimed again
by the next holder (the last one died or lost the lease mid-reply). Of those, only a reply whose
call to the platform was under way at that moment may go twice (the others were waiting for a
slot, and a holder that lost the lease sends none of them): at most the `delivery.in_flight`
rows (50 by default) a holder claims at once, as for the outbox. A row is given up once its
`give_up_at` has passed, by whichever instance finds it so. An answered row whose asker did not
come for it (it died) is deleted after KEPT. Times are the database's clock.

SQLite serves one process, which holds every sender lease: nothing is relayed (`Store.relay` is
None), though the table exists there too, the schema being one.
"""

from __future__ import annotations

import asyncio
import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Float, Row, and_, delete, extract, insert, literal, or_, select, text, update
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from bot.core.ports import (
    ChatGone,
    ChatKind,
    ChatMoved,
    ChatRef,
    Delivered,
    Outcome,
    ReplyCall,
    RetryAfter,
    Transient,
)
from bot.core.store.leases import DATABASE_NOW, sender_role, superseded
from bot.core.store.outbox import ERROR_LIMIT, notify_in
from bot.core.store.tables import RelayState, relayed_replies
from bot.core.store.wakeups import listen_to

R = relayed_replies.c
# The channel askers listen on: the payload is the id of a row just answered.
CHANNEL = "ringkas_replied"
# An answered row nobody came for is deleted after this long (its asker died or gave up waiting).
KEPT = dt.timedelta(hours=1)


@dataclass(frozen=True, slots=True)
class Relayed:
    """A relayed reply as its sender claims it, with the seconds it has left (by the database's
    clock) before it is given up."""

    id: int
    chat: ChatRef
    chat_kind: ChatKind
    call: ReplyCall
    seconds_left: float


class Relay:
    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = engine

    async def ask(self, chat: ChatRef, kind: ChatKind, call: ReplyCall, seconds: float) -> int:
        """Hand a reply to the sender's holder, to be given up `seconds` from now; its row."""
        statement = (
            insert(relayed_replies)
            .values(
                platform=chat.platform,
                chat_id=chat.chat_id,
                thread=chat.thread,
                chat_kind=kind,
                text=call.text,
                buttons=[list(button) for button in call.buttons],
                message_id=call.message_id,
                photo=call.photo,
                photo_name=call.photo_name,
                state=RelayState.PENDING,
                epoch=0,
                give_up_at=_in_seconds(seconds),
                updated_at=DATABASE_NOW,
            )
            .returning(R.id)
        )
        async with self._engine.begin() as connection:
            row = int((await connection.execute(statement)).scalar_one())
            await notify_in(connection)
        return row

    async def claim(self, platform: str, epoch: int, limit: int) -> list[Relayed]:
        """Mark up to `limit` of the platform's relayed replies as sending under `epoch`, oldest
        first: those waiting, and those an older epoch's holder left sending; none once a newer
        epoch holds the sender lease."""
        claimable = or_(
            R.state == RelayState.PENDING,
            and_(R.state == RelayState.SENDING, R.epoch < epoch),
        )
        ready = (
            select(R.id)
            .where(R.platform == platform, claimable)
            .order_by(R.id)
            .limit(limit)
            .with_for_update(skip_locked=True)
            .cte("ready")  # evaluated once, as in `Outbox.claim`
        )
        seconds_left = extract("epoch", R.give_up_at - DATABASE_NOW)
        statement = (
            update(relayed_replies)
            .where(R.id == ready.c.id, claimable, ~superseded(sender_role(platform), epoch))
            .values(state=RelayState.SENDING, epoch=epoch, updated_at=DATABASE_NOW)
            .returning(*relayed_replies.c, seconds_left.label("seconds_left"))
        )
        async with self._engine.begin() as connection:
            rows = (await connection.execute(statement)).all()
        return [_relayed(row) for row in sorted(rows, key=lambda row: row.id)]

    async def answer(self, row: int, epoch: int, outcome: Outcome) -> bool:
        """Record what the reply claimed under `epoch` came to, and tell its asker; False if a
        newer holder has claimed it since (its outcome will be that one's)."""
        statement = (
            update(relayed_replies)
            .where(R.id == row, R.state == RelayState.SENDING, R.epoch == epoch)
            .values(state=RelayState.ANSWERED, updated_at=DATABASE_NOW, **_written(outcome))
            .returning(R.id)
        )
        return await self._settle(statement, row)

    async def expire(self, row: int, outcome: Outcome) -> bool:
        """Give the reply up with `outcome` if no holder has claimed it and its time has run
        out; whether it was."""
        statement = (
            update(relayed_replies)
            .where(R.id == row, R.state == RelayState.PENDING, R.give_up_at <= DATABASE_NOW)
            .values(state=RelayState.ANSWERED, updated_at=DATABASE_NOW, **_written(outcome))
            .returning(R.id)
        )
        return await self._settle(statement, row)

    async def outcome(self, row: int) -> Outcome | None:
        """What the reply came to; None until it is answered."""
        query = select(R.state, R.outcome, R.detail).where(R.id == row)
        async with self._engine.connect() as connection:
            found = (await connection.execute(query)).one_or_none()
        if found is None or found.state != RelayState.ANSWERED:
            return None
        return _read(found.outcome, found.detail or "")

    async def forget(self, row: int) -> None:
        """The asker has read the outcome: the row goes (only once answered)."""
        async with self._engine.begin() as connection:
            await connection.execute(
                delete(relayed_replies).where(R.id == row, R.state == RelayState.ANSWERED)
            )

    async def purge(self) -> int:
        """Delete the answered rows no asker came for within KEPT; how many."""
        cutoff = DATABASE_NOW - _interval(KEPT.total_seconds())
        async with self._engine.begin() as connection:
            result = await connection.execute(
                delete(relayed_replies).where(R.state == RelayState.ANSWERED, R.updated_at < cutoff)
            )
        return max(result.rowcount, 0)

    async def listen(self, heard: Callable[[str], None], done: asyncio.Event) -> None:
        """Call `heard` with the id of each row answered, and with "" whenever listening
        (re)starts, until `done`."""
        await listen_to(self._engine, CHANNEL, heard, done)

    async def _settle(self, statement: Any, row: int) -> bool:
        async with self._engine.begin() as connection:
            settled = (await connection.execute(statement)).first() is not None
            if settled:
                await _notify_answered(connection, row)
        return settled


async def _notify_answered(connection: AsyncConnection, row: int) -> None:
    """Tell the askers, as the transaction commits, that the row is answered."""
    await connection.execute(
        text("SELECT pg_notify(:channel, :row)"), {"channel": CHANNEL, "row": str(row)}
    )


def _interval(seconds: float) -> Any:
    return literal(seconds, Float) * text("interval '1 second'")


def _in_seconds(seconds: float) -> Any:
    return DATABASE_NOW + _interval(seconds)


def _relayed(row: Row[Any]) -> Relayed:
    buttons = tuple((str(label), str(data)) for label, data in row.buttons)
    return Relayed(
        id=row.id,
        chat=ChatRef(row.platform, row.chat_id, row.thread),
        chat_kind=ChatKind(row.chat_kind),
        call=ReplyCall(row.text, buttons, row.message_id, row.photo, row.photo_name),
        seconds_left=float(row.seconds_left),
    )


def _written(outcome: Outcome) -> dict[str, str]:
    """An outcome as the row keeps it: its kind, and its one detail."""
    match outcome:
        case Delivered(message_id):
            kind, detail = "delivered", message_id
        case RetryAfter(seconds):
            kind, detail = "retry_after", repr(seconds)
        case ChatGone(reason):
            kind, detail = "chat_gone", reason
        case ChatMoved(new_chat_id):
            kind, detail = "chat_moved", new_chat_id
        case Transient(reason):
            kind, detail = "transient", reason
    return {"outcome": kind, "detail": detail[:ERROR_LIMIT]}


def _read(kind: str | None, detail: str) -> Outcome:
    match kind:
        case "delivered":
            return Delivered(detail)
        case "retry_after":
            return RetryAfter(float(detail))
        case "chat_gone":
            return ChatGone(detail)
        case "chat_moved":
            return ChatMoved(detail)
        case _:
            return Transient(detail)
