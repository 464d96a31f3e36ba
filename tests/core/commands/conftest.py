"""Commands run against the real parts: a SQLite store in tmp_path (the `store` fixture of
tests/core/conftest.py), the shipped content, the real broadcaster; only the clock is the test's
own."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from bot.core.commands import Reply, Request, handle
from bot.core.ports import ChatKind, ChatRef, Format
from bot.core.services import Defaults, Services
from bot.core.store import Store
from bot.core.store.tables import audit, outbox, pushes
from bot.core.subscription import Plan, Subscription
from tests.conftest import CONTENT
from tests.fakes import services_on

# 12:00 UTC is 19:00 in Jakarta: the default 07:00 WIB slot is next due the morning after.
START = dt.datetime(2025, 10, 7, 12, 0, tzinfo=dt.UTC)
NEXT_MORNING = dt.datetime(2025, 10, 8, 0, 0, tzinfo=dt.UTC)
CHAT = ChatRef("telegram", "100")
ADMIN = "42"
DEFAULTS = Defaults("en", "Asia/Jakarta", (dt.time(7),))
ADMINS = {"telegram": frozenset({ADMIN})}


class Clock:
    """A clock that reads what the test set, and moves only when told."""

    def __init__(self, start: dt.datetime) -> None:
        self._now = start

    def now(self) -> dt.datetime:
        return self._now

    def advance(self, by: dt.timedelta) -> dt.datetime:
        self._now += by
        return self._now


@pytest.fixture
def clock() -> Clock:
    return Clock(START)


async def make_services(store: Store, content: Path, clock: Clock) -> Services:
    """The services the commands see: English, 07:00 WIB by default, and one admin."""
    return await services_on(store, content, clock, defaults=DEFAULTS, admins=ADMINS)


@pytest.fixture
async def services(store: Store, clock: Clock) -> Services:
    return await make_services(store, CONTENT, clock)


def request(text: str, **overrides: Any) -> Request:
    values: dict[str, Any] = {
        "chat": CHAT,
        "chat_kind": ChatKind.PRIVATE,
        "user": "7",
        "text": text,
        "lang": "en",
        "fmt": Format.TELEGRAM,
        "can_manage": True,
        "is_admin": False,
    }
    values.update(overrides)
    return Request(**values)


async def ask(services: Services, text: str, **overrides: Any) -> Reply:
    return await handle(request(text, **overrides), services)


async def ask_admin(services: Services, text: str, **overrides: Any) -> Reply:
    values: dict[str, Any] = {"user": ADMIN, "is_admin": True, **overrides}
    return await ask(services, text, **values)


def joined(reply: Reply) -> str:
    return "\n".join(reply.messages)


async def subscribe(
    services: Services,
    chat: ChatRef,
    languages: str = "en",
    times: tuple[dt.time, ...] = (dt.time(7),),
    instant: bool = False,
    zone: str = "Asia/Jakarta",
) -> Subscription:
    """A subscription made straight in the store, as another chat's /subscribe would."""
    plan = Plan(languages, times, instant, zone)  # type: ignore[arg-type]
    return await services.store.subscriptions.subscribe(
        chat, ChatKind.GROUP, plan, "1", services.clock.now()
    )


async def outbox_rows(store: Store) -> list[tuple[str, str, str, str]]:
    """(chat id, key, lang, state) of every delivery, in insertion order."""
    query = select(outbox.c.chat_id, outbox.c.occasion, outbox.c.lang, outbox.c.state).order_by(
        outbox.c.id
    )
    async with store.engine.connect() as connection:
        return [tuple(row) for row in await connection.execute(query)]


async def audit_actions(store: Store) -> list[tuple[str, str]]:
    """(action, detail) of every audit entry, oldest first."""
    query = select(audit.c.action, audit.c.detail).order_by(audit.c.id)
    async with store.engine.connect() as connection:
        return [(row.action, row.detail) for row in await connection.execute(query)]


async def push_rows(store: Store) -> list[tuple[str, str]]:
    """(id, state) of every push."""
    query = select(pushes.c.id, pushes.c.state).order_by(pushes.c.id)
    async with store.engine.connect() as connection:
        return [(row.id, row.state) for row in await connection.execute(query)]
