"""The follows table: what each chat follows; the statements already matched against the
follows, so that only new ones are (see `delivery/follows.py`); and messages queued to chats as
chats, not as subscribers (`ChatMessage`): follow messages, and the admins' alerts."""

from __future__ import annotations

import datetime as dt
import enum
from collections.abc import AsyncIterator, Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

from sqlalchemy import and_, delete, func, literal, or_, select
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from bot.core.follow import Target
from bot.core.models import Lang
from bot.core.ports import ChatKind, ChatRef, Format, MessageKind
from bot.core.store.chats import ChatSettings, chat_is, from_row, settle_in
from bot.core.store.outbox import (
    FROM_SELECT_COLUMNS,
    insert_ignoring_duplicates,
    store_bodies_in,
)
from bot.core.store.tables import OutboxState, chats, follows, outbox, statements_seen

F = follows.c
C = chats.c
SEEN = statements_seen.c.statement
# A row no statement id can have (ids begin with a letter or digit): statements have been
# marked seen at least once, so an empty table means "none yet", not "never started".
SEEDED = ""
CHUNK = 500  # values in one IN list: far below every database's limit on bound parameters
Chunked = TypeVar("Chunked", str, int)


class Added(enum.Enum):
    ADDED = "added"
    ALREADY = "already"  # the chat follows it already
    TOO_MANY = "too many"  # the chat follows as many things as it may


@dataclass(frozen=True, slots=True)
class ChatMessage:
    """One message for many chats as chats (`chats.recipient_of`): the same new statements for
    the same follows, or an alert to the admins. Its texts in each language and format; each
    chat gets it in its own language."""

    chats: tuple[int, ...]  # the chats' rows
    occasion: str
    body_id: str
    texts: Mapping[tuple[Lang, Format], str]
    kind: MessageKind = MessageKind.FOLLOW


def _chunks(values: Collection[Chunked]) -> Iterable[list[Chunked]]:
    """The values in order, CHUNK at a time: one IN list each."""
    ordered = sorted(values)
    for start in range(0, len(ordered), CHUNK):
        yield ordered[start : start + CHUNK]


class Follows:
    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = engine

    async def add(
        self,
        chat: ChatRef,
        kind: ChatKind,
        lang: Lang,
        target: Target,
        by: str,
        now: dt.datetime,
        limit: int,
    ) -> Added:
        """Follow `target` in the chat (a chat new here gets `lang` as its language), unless it
        does already or follows `limit` things."""
        async with self._engine.begin() as connection:
            row = await settle_in(connection, chat, kind, lang)
            mine = F.chat == row
            if (
                await connection.execute(
                    select(F.id).where(mine, F.person == target.person, F.topic == target.topic)
                )
            ).first() is not None:
                return Added.ALREADY
            query = select(func.count()).select_from(follows).where(mine)
            count = (await connection.execute(query)).scalar_one()
            if count >= limit:
                return Added.TOO_MANY
            await connection.execute(
                follows.insert().values(
                    chat=row,
                    person=target.person,
                    topic=target.topic,
                    followed_by=by,
                    followed_at=now,
                )
            )
        return Added.ADDED

    async def remove(self, chat: ChatRef, target: Target) -> bool:
        async with self._engine.begin() as connection:
            row = (await connection.execute(select(C.id).where(chat_is(chat)))).scalar()
            if row is None:
                return False
            removed = await connection.execute(
                delete(follows).where(
                    F.chat == row, F.person == target.person, F.topic == target.topic
                )
            )
        return bool(removed.rowcount)

    async def of_chat(self, chat: ChatRef) -> list[Target]:
        """What the chat follows, in the order it was followed."""
        query = (
            select(F.person, F.topic)
            .join(chats, C.id == F.chat)
            .where(chat_is(chat))
            .order_by(F.id)
        )
        async with self._engine.connect() as connection:
            return [Target(r.person, r.topic) for r in await connection.execute(query)]

    async def by_chat(
        self, platform: str | None = None
    ) -> AsyncIterator[tuple[ChatSettings, list[Target]]]:
        """Every chat that follows something, with what it follows, in the chats' order."""
        query = select(chats, F.person, F.topic).join(follows, F.chat == C.id)
        if platform is not None:
            query = query.where(C.platform == platform)
        async with self._engine.connect() as connection:
            result = await connection.stream(query.order_by(C.id, F.id))
            current: ChatSettings | None = None
            targets: list[Target] = []
            async for row in result:
                if current is None or current.id != row.id:
                    if current is not None:
                        yield current, targets
                    current, targets = from_row(row), []
                targets.append(Target(row.person, row.topic))
            if current is not None:
                yield current, targets

    async def topics(self, people: Collection[str]) -> list[str]:
        """The topics followed alone, or on one of `people`: the ones a new edition's
        statements by `people` may match."""
        on_people = [F.person == ""] + [F.person.in_(c) for c in _chunks(people)]
        query = select(F.topic).where(F.topic != "", or_(*on_people)).distinct()
        async with self._engine.connect() as connection:
            return list((await connection.execute(query)).scalars())

    async def followers(
        self, people: Collection[str], topics: Collection[str]
    ) -> dict[int, tuple[Target, ...]]:
        """What chats follow that a new edition may match, by chat row, in the order followed:
        `people` alone, a topic among `topics` alone, or one of `people` on one of `topics`.
        One speaker or topic may be followed by tens of thousands of chats: only what matching
        needs is read (whether a chat is gone, and where it is, matter when it is sent to:
        `see`), each target made once."""
        wanted: list[Any] = [and_(F.topic == "", F.person.in_(chunk)) for chunk in _chunks(people)]
        people_or_anyone = [F.person == ""] + [F.person.in_(c) for c in _chunks(people)]
        wanted += [and_(F.topic.in_(chunk), or_(*people_or_anyone)) for chunk in _chunks(topics)]
        if not wanted:
            return {}
        # Unsorted: ordering tens of thousands of rows took the database a third of its time.
        query = select(F.chat, F.id, F.person, F.topic).where(or_(*wanted))
        async with self._engine.connect() as connection:
            rows = (await connection.execute(query)).all()
        made: dict[tuple[str, str], Target] = {}
        by_chat: dict[int, list[tuple[int, Target]]] = {}
        for chat, follow, person, topic in rows:
            target = made.get((person, topic))
            if target is None:
                target = made[person, topic] = Target(person, topic)
            by_chat.setdefault(chat, []).append((follow, target))
        return {
            chat: tuple(target for _, target in sorted(its))
            for chat, its in sorted(by_chat.items())
        }

    async def seen(self) -> set[str] | None:
        """The statements already matched against the follows; None before the first time."""
        async with self._engine.connect() as connection:
            found = set((await connection.execute(select(SEEN))).scalars())
        if SEEDED not in found:
            return None
        found.discard(SEEDED)
        return found

    async def see(
        self, statements: Iterable[str], now: dt.datetime, messages: Sequence[ChatMessage] = ()
    ) -> int:
        """Mark the statements seen, and queue the follow messages made for them (to each chat
        not gone, in its language), their texts with them, in one transaction: a crash leaves
        all or nothing, so a statement is never matched twice, nor a message made for it lost.
        The rows queued."""
        marks = [{"statement": statement} for statement in (SEEDED, *statements)]
        queued = 0
        async with self._engine.begin() as connection:
            for message in messages:
                queued += await queue_in(connection, message, now)
            await connection.execute(insert_ignoring_duplicates(connection, statements_seen), marks)
        return queued


async def queue_in(connection: AsyncConnection, message: ChatMessage, now: dt.datetime) -> int:
    """The message's texts, and a row for each of its chats not gone, in its language; the rows
    queued (a chat already queued this occasion gets no second)."""
    rows = [
        {"body_id": message.body_id, "lang": lang, "format": fmt, "text": text}
        for (lang, fmt), text in message.texts.items()
    ]
    await store_bodies_in(connection, rows, now)
    queued = 0
    for chunk in _chunks(message.chats):
        queued += await _queue_chunk_in(connection, message, chunk, now)
    return queued


async def _queue_chunk_in(
    connection: AsyncConnection, message: ChatMessage, chats_: Sequence[int], now: dt.datetime
) -> int:
    """The message's rows for these chats, made inside the database from the chats table."""
    source = select(
        -C.id,  # the chat as a chat: `chats.recipient_of` its row
        C.platform,
        C.chat_id,
        C.thread,
        C.chat_kind,
        literal(message.occasion),
        literal(message.body_id),
        C.lang,
        literal(str(message.kind)),
        literal(str(OutboxState.PENDING)),
        literal(0),
        literal(now, outbox.c.next_attempt_at.type),
        literal(now, outbox.c.created_at.type),
        literal(now, outbox.c.updated_at.type),
    ).where(C.id.in_(chats_), C.gone.is_(None))
    statement = insert_ignoring_duplicates(connection, outbox).from_select(
        FROM_SELECT_COLUMNS, source
    )
    return max((await connection.execute(statement)).rowcount, 0)
