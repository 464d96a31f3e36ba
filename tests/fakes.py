"""Test doubles for the core's seams: a sender that records what it was asked to send, and a
clock the test moves by hand; and the real services built over them. Everything else in the
tests is the real thing."""

from __future__ import annotations

import asyncio
import datetime as dt
import itertools
import time
from collections import defaultdict, deque
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bot.core.delivery.planning import Broadcaster
from bot.core.library import Library
from bot.core.ports import ChatRef, Clock, Delivered, Format, Outbound, Outcome, ReplyCall
from bot.core.services import Defaults, Services
from bot.core.store import Store
from bot.core.text.compose import DigestOptions

# What a scripted send comes to: an outcome, or an exception the sender raises (which a real
# sender must never do; the dispatcher has to cope anyway).
Scripted = Outcome | Exception


@dataclass(frozen=True, slots=True)
class Sent:
    """One call of `send`: when (time.monotonic), where, what, and what it came to."""

    at: float
    chat: ChatRef
    message: Outbound
    outcome: Outcome | None  # None when the call raised


@dataclass(frozen=True, slots=True)
class Replied:
    """One call of `reply`: when, where, what, and what it came to."""

    at: float
    chat: ChatRef
    call: ReplyCall
    outcome: Outcome


class RecordingSender:
    """A `bot.core.ports.Sender` (and `Replier`) that records every send (and reply).

    Outcomes are scripted per chat id: `script(chat_id, *outcomes)` queues outcomes used one per
    send, in order; `always(chat_id, outcome)` answers every send to that chat alike. Anything
    unscripted is `Delivered` with increasing message ids. `hook`, if set, is awaited inside
    every send (to look at the store mid-send, stop a dispatcher, or block like a hung call).
    """

    def __init__(
        self,
        platform: str = "telegram",
        format: Format = Format.TELEGRAM,
        delay: float = 0.0,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self._platform = platform
        self._format = format
        self._delay = delay
        self._monotonic = monotonic
        self._ids = itertools.count(1)
        self._queued: dict[str, deque[Scripted]] = defaultdict(deque)
        self._always: dict[str, Scripted] = {}
        self.sent: list[Sent] = []
        self.replied: list[Replied] = []
        self.hook: Callable[[ChatRef, Outbound], Awaitable[None]] | None = None
        self.concurrent = 0
        self.max_concurrent = 0

    @property
    def platform(self) -> str:
        return self._platform

    @property
    def format(self) -> Format:
        return self._format

    def script(self, chat_id: str, *outcomes: Scripted) -> None:
        self._queued[chat_id].extend(outcomes)

    def always(self, chat_id: str, outcome: Scripted) -> None:
        self._always[chat_id] = outcome

    def unscript(self, chat_id: str) -> None:
        """Sends to the chat succeed again."""
        self._queued.pop(chat_id, None)
        self._always.pop(chat_id, None)

    async def send(self, chat: ChatRef, message: Outbound) -> Outcome:
        at = self._monotonic()
        self.concurrent += 1
        self.max_concurrent = max(self.max_concurrent, self.concurrent)
        try:
            if self.hook is not None:
                await self.hook(chat, message)
            if self._delay:
                await asyncio.sleep(self._delay)
            scripted = self._next(chat.chat_id)
        finally:
            self.concurrent -= 1
        if isinstance(scripted, Exception):
            self.sent.append(Sent(at, chat, message, None))
            raise scripted
        self.sent.append(Sent(at, chat, message, scripted))
        return scripted

    async def reply(self, chat: ChatRef, call: ReplyCall) -> Outcome:
        """Scripted as sends are (an exception scripted is raised), recorded in `replied`."""
        at = self._monotonic()
        if self._delay:
            await asyncio.sleep(self._delay)
        scripted = self._next(chat.chat_id)
        if isinstance(scripted, Exception):
            raise scripted
        self.replied.append(Replied(at, chat, call, scripted))
        return scripted

    def _next(self, chat_id: str) -> Outcome | Exception:
        queued = self._queued.get(chat_id)
        if queued:
            return queued.popleft()
        if chat_id in self._always:
            return self._always[chat_id]
        return Delivered(str(next(self._ids)))

    # --- what the tests ask ---

    def chats(self) -> list[ChatRef]:
        """Every chat sent to, once per send (whatever the outcome)."""
        return [sent.chat for sent in self.sent]

    def delivered(self) -> list[Sent]:
        return [sent for sent in self.sent if isinstance(sent.outcome, Delivered)]

    def to(self, chat: ChatRef) -> list[Sent]:
        return [sent for sent in self.sent if sent.chat == chat]


class SettableClock:
    """A `bot.core.ports.Clock` that reads what the test set, and moves only when told."""

    def __init__(self, start: dt.datetime) -> None:
        if start.tzinfo is None:
            raise ValueError("SettableClock needs an aware datetime")
        self._now = start.astimezone(dt.UTC)

    def now(self) -> dt.datetime:
        return self._now

    def set(self, when: dt.datetime) -> None:
        self._now = when.astimezone(dt.UTC)

    def advance(self, by: dt.timedelta | float) -> dt.datetime:
        """Move on by a timedelta or a number of seconds; returns the new time."""
        self._now += by if isinstance(by, dt.timedelta) else dt.timedelta(seconds=by)
        return self._now


async def services_on(
    store: Store, content: Path, clock: Clock, *, defaults: Defaults, **overrides: Any
) -> Services:
    """The real services over an open store and the content in `content`, loaded at the clock's
    time; `overrides` are the other `Services` fields (admins, wake, alert_thresholds)."""
    library = await Library.load(content, DigestOptions(), clock.now())
    return Services(
        store=store,
        library=library,
        broadcaster=Broadcaster(store, library),
        clock=clock,
        defaults=defaults,
        **overrides,
    )


@asynccontextmanager
async def services_over(
    content: Path, database: Path, clock: Clock, *, defaults: Defaults, **overrides: Any
) -> AsyncIterator[Services]:
    """`services_on` a store opened (and migrated) at `database`, closed on the way out."""
    async with await Store.open(database) as store:
        yield await services_on(store, content, clock, defaults=defaults, **overrides)
