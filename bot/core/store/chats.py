"""The chats table: a chat's own settings apart from a subscription (its language, and whether
sending there has failed for good), and the chat as a follower in the outbox.

A message to a chat as a follower (not as a subscriber) is an outbox row whose recipient is the
chat's id here, negated (`recipient_of`): the outbox keys a delivery by recipient, occasion and
language, and a subscription's id is never negative, so the two never meet. The outbox calls
`gone_in` and `moved_in` for such rows as it calls the subscriptions' own for theirs.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any, cast

from sqlalchemy import Row, and_, delete, select, update
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from bot.core.models import Lang
from bot.core.ports import ChatKind, ChatRef
from bot.core.store.tables import OutboxState, chats, follows, outbox

C = chats.c
ERROR_LIMIT = 500  # the gone column's width


@dataclass(frozen=True, slots=True)
class ChatSettings:
    id: int
    chat: ChatRef
    kind: ChatKind
    lang: Lang
    gone: str | None  # why sending there cannot succeed; None while it can


def recipient_of(chat_row: int) -> int:
    """The outbox recipient of a message to a chat as a follower."""
    return -chat_row


def is_follower(recipient: int) -> bool:
    return recipient < 0


def chat_is(chat: ChatRef) -> Any:
    return and_(C.platform == chat.platform, C.chat_id == chat.chat_id, C.thread == chat.thread)


def from_row(row: Row[Any]) -> ChatSettings:
    return ChatSettings(
        id=row.id,
        chat=ChatRef(row.platform, row.chat_id, row.thread),
        kind=ChatKind(row.chat_kind),
        lang=cast(Lang, row.lang),
        gone=row.gone,
    )


async def settle_in(connection: AsyncConnection, chat: ChatRef, kind: ChatKind, lang: Lang) -> int:
    """The chat's row, made with `lang` if it has none; the chat is reachable (someone wrote
    there), so it is no longer gone. Its id."""
    found = (await connection.execute(select(C.id).where(chat_is(chat)))).scalar_one_or_none()
    if found is not None:
        await connection.execute(
            update(chats).where(C.id == found).values(gone=None, gone_at=None, chat_kind=kind)
        )
        return int(found)
    inserted = await connection.execute(
        chats.insert()
        .values(
            platform=chat.platform,
            chat_id=chat.chat_id,
            thread=chat.thread,
            chat_kind=kind,
            lang=lang,
        )
        .returning(C.id)
    )
    return int(inserted.scalar_one())


class Chats:
    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = engine

    async def get(self, chat: ChatRef) -> ChatSettings | None:
        async with self._engine.connect() as connection:
            row = (await connection.execute(select(chats).where(chat_is(chat)))).first()
        return None if row is None else from_row(row)

    async def lang(self, chat: ChatRef) -> Lang | None:
        """The language the chat chose, if it has a row."""
        async with self._engine.connect() as connection:
            found = (await connection.execute(select(C.lang).where(chat_is(chat)))).first()
        return None if found is None else cast(Lang, found.lang)

    async def set_lang(self, chat: ChatRef, kind: ChatKind, lang: Lang) -> None:
        async with self._engine.begin() as connection:
            row = await settle_in(connection, chat, kind, lang)
            await connection.execute(update(chats).where(C.id == row).values(lang=lang))

    async def returned(self, platform: str, chat_id: str) -> None:
        """The bot is back in the chat: its follows are served again."""
        async with self._engine.begin() as connection:
            await connection.execute(
                update(chats)
                .where(C.platform == platform, C.chat_id == chat_id)
                .values(gone=None, gone_at=None)
            )


async def gone_in(
    connection: AsyncConnection, gone: list[tuple[int, str]], now: dt.datetime
) -> None:
    """Follower chats the platform says are gone (blocked, kicked, deleted), by recipient: no
    more follow messages are planned for them until they are back."""
    rows = [(-recipient, why[:ERROR_LIMIT]) for recipient, why in gone if is_follower(recipient)]
    for row, why in rows:
        await connection.execute(
            update(chats).where(C.id == row).values(gone=f"chat gone: {why}", gone_at=now)
        )


async def moved_in(
    connection: AsyncConnection, recipient: int, new_chat_id: str, now: dt.datetime
) -> None:
    """A follower chat lives on under a new id (a Telegram group became a supergroup): what is
    queued for it goes there, and so do its follows (joining the new id's own, if it has some)."""
    row = -recipient
    await connection.execute(
        update(outbox)
        .where(
            outbox.c.subscription_id == recipient,
            outbox.c.state.in_([OutboxState.PENDING, OutboxState.SENDING]),
        )
        .values(chat_id=new_chat_id, updated_at=now)
    )
    old = (await connection.execute(select(chats).where(C.id == row))).first()
    if old is None:
        return
    new = ChatRef(old.platform, new_chat_id, old.thread)
    taken = (await connection.execute(select(C.id).where(chat_is(new)))).scalar_one_or_none()
    if taken is None:
        await connection.execute(update(chats).where(C.id == row).values(chat_id=new_chat_id))
        return
    # Both ids have a row: the new one keeps its own follows and gains the old one's others.
    f = follows.c
    theirs = {
        (r.person, r.topic)
        for r in await connection.execute(select(f.person, f.topic).where(f.chat == taken))
    }
    for follow in (await connection.execute(select(follows).where(f.chat == row))).all():
        if (follow.person, follow.topic) not in theirs:
            await connection.execute(update(follows).where(f.id == follow.id).values(chat=taken))
    await connection.execute(delete(follows).where(f.chat == row))
    await connection.execute(delete(chats).where(C.id == row))
