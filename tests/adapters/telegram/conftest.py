"""The real Telegram adapter, the real runtime (store, scheduler, dispatcher) and the stand-in
Bot API on 127.0.0.1: what a Telegram user sees, end to end."""

from __future__ import annotations

import asyncio
import datetime as dt
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

import pytest
from sqlalchemy import update

from bot.adapters.telegram import TelegramAdapter
from bot.config import Settings
from bot.core.models import Lang
from bot.core.ports import ChatKind, ChatRef, Format
from bot.core.store import tables
from bot.core.subscription import Languages, Plan, State, Subscription
from tests.adapters.running import Serving, settings_with, start_serving, stop_all
from tests.conftest import CONTENT
from tests.standins.telegram import Call, SentMessage, TelegramStandIn, User

TOKEN = "4242:standin-secret-token"
ADMIN = User(7001, "Rina", "rina_admin", language_code="id")  # a bot admin (config: admins)
ANA = User(7002, "Ana", "ana", language_code="en")
BUDI = User(7003, "Budi", "budi", language_code="id")
GROUP = -1001001  # a supergroup where ANA is an administrator and BUDI a member
FORUM = -1002002  # a forum supergroup, ANA an administrator
CHANNEL = -1003003  # the bot is an administrator


def settings_for(api: TelegramStandIn, tmp_path: Path, **overrides: Any) -> Settings:
    """The defaults, pointed at the stand-in, with short intervals for tests."""
    data: dict[str, Any] = {
        "content": str(CONTENT),
        "database": str(tmp_path / "ringkas.sqlite3"),
        "admins": {"telegram": [ADMIN.id]},
        "telegram": {
            "base_url": api.base_url,
            "base_file_url": api.base_file_url,
            "poll_timeout": 1,
            "timeouts": {"connect": 2, "read": 2, "write": 2, "pool": 2},
        },
        "schedule": {"tick_seconds": 1, "watch_seconds": 0},
        "delivery": {"backoff_seconds": 0.2},
    }
    return settings_with(data, overrides)


@dataclass(kw_only=True)
class Running(Serving):
    """A bot serving the stand-in until the test ends (or `stop` is awaited)."""

    api: TelegramStandIn
    adapter: TelegramAdapter
    seen: int = field(default=0)

    async def say(
        self, chat_id: int, text: str, user: User | None = None, expect: int = 1, **kw: Any
    ) -> list[SentMessage]:
        """Feed a message; wait for the bot's next `expect` answers in that chat (the pacer
        sends one a second to a chat) and return what came."""
        before = len(self.api.sent_to(chat_id))
        self.api.feed_message(chat_id, text, user=user, **kw)
        await self.api.wait_for(lambda: len(self.api.sent_to(chat_id)) >= before + expect)
        await asyncio.sleep(0.05)  # anything more sent at once
        return self.api.sent_to(chat_id)[before:]


StartBot = Callable[..., Any]
T = TypeVar("T")


@pytest.fixture
async def api() -> AsyncIterator[TelegramStandIn]:
    async with TelegramStandIn(TOKEN, max_poll_seconds=0.5) as standin:
        standin.add_chat(GROUP, "supergroup", "Berita Pagi")
        standin.add_chat(FORUM, "supergroup", "Forum Berita", is_forum=True)
        standin.add_chat(CHANNEL, "channel", "Ringkas Harian")
        standin.set_member(GROUP, ANA.id, "administrator")
        standin.set_member(GROUP, BUDI.id, "member")
        standin.set_member(FORUM, ANA.id, "administrator")
        standin.set_member(CHANNEL, standin.bot_user.id, "administrator")
        yield standin


@pytest.fixture
async def start_bot(
    api: TelegramStandIn, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> AsyncIterator[StartBot]:
    """Start the bot (again, after a stop) on the same database; stopped at the end."""
    monkeypatch.setenv("PTB_TIMEDELTA", "true")
    running: list[Running] = []

    async def start(serving_when: str = "getUpdates", **overrides: Any) -> Running:
        """`overrides` are config sections merged into the test defaults; the bot is serving
        once the stand-in has seen a call of `serving_when` (setWebhook in webhook mode)."""
        settings = settings_for(api, tmp_path, **overrides)
        adapter = TelegramAdapter(
            settings.telegram, TOKEN, settings.language, connections=10, progress_every=0.2
        )
        seen = len(api.calls)  # a restart waits for its own first call, not the last run's
        runtime, done, task = await start_serving(settings, adapter)
        # Serving: polling has begun once the first getUpdates arrives (a webhook: setWebhook).
        await api.wait_for(lambda: any(c.method == serving_when for c in api.calls[seen:]))
        bot = Running(api=api, runtime=runtime, adapter=adapter, done=done, task=task)
        running.append(bot)
        return bot

    yield start
    await stop_all(running)


# --- helpers the tests share ---

SEVEN = (dt.time(7, 0),)


def ref(chat_id: int, thread: int | str = "") -> ChatRef:
    """The core's name for a Telegram chat (and forum topic)."""
    return ChatRef("telegram", str(chat_id), str(thread))


async def subscribe_directly(
    bot: Running,
    chat_id: int,
    kind: ChatKind,
    languages: Languages = "en",
    times: tuple[dt.time, ...] = SEVEN,
    instant: bool = False,
    thread: int | str = "",
) -> Subscription:
    """A subscription made in the store, as `ringkas subscribers add` would make it."""
    plan = Plan(languages, times, instant, "Asia/Jakarta")
    store = bot.runtime.services.store
    return await store.subscriptions.subscribe(
        ref(chat_id, thread), kind, plan, "test", dt.datetime.now(dt.UTC)
    )


async def subscription(bot: Running, chat_id: int, thread: int | str = "") -> Subscription | None:
    return await bot.runtime.services.store.subscriptions.get(ref(chat_id, thread))


def digest(bot: Running, lang: Lang) -> str:
    """The digest in service, as Telegram HTML: what /digest and a delivery send."""
    text = bot.runtime.services.library.digest(lang, Format.TELEGRAM)
    assert text is not None
    return text


async def press_a_person(
    api: TelegramStandIn, start_bot: StartBot
) -> tuple[Running, SentMessage, dict[str, Any]]:
    """Ana asks /whosaid minister (several people match: a question with a button each) and
    presses Bezalel Smotrich: the bot, the question, and the callback update, still queued (a
    test may change it before the bot polls it)."""
    bot = await start_bot()
    [question] = await bot.say(ANA.id, "/whosaid minister", user=ANA)
    update = api.feed_callback(ANA, question, "/whosaid bezalel-smotrich")
    return bot, question, update


def calls(api: TelegramStandIn, method: str, chat_id: int | None = None) -> list[Call]:
    """The calls of a Bot API method (in one chat), in order."""
    return [
        c
        for c in api.calls
        if c.method == method and (chat_id is None or c.params.get("chat_id") == chat_id)
    ]


def feed_channel_post(api: TelegramStandIn, chat_id: int, text: str) -> dict[str, Any]:
    """A post in a channel, with the bot_command entity Telegram marks a command with (the
    stand-in's own `feed_channel_post` leaves entities out, so a command would not read as
    one)."""
    update = api.feed_channel_post(chat_id, text)
    if text.startswith("/"):
        command = text.split(maxsplit=1)[0]
        entity = {
            "type": "bot_command",
            "offset": 0,
            "length": len(command.encode("utf-16-le")) // 2,
        }
        update["channel_post"]["entities"] = [entity]  # still queued: the bot has not seen it
    return update


async def eventually(check: Callable[[], Awaitable[T]], timeout: float = 5.0) -> T:
    """Await `check` every 20 ms until it returns something truthy, and return that."""
    deadline = asyncio.get_running_loop().time() + timeout
    while not (value := await check()):
        if asyncio.get_running_loop().time() >= deadline:
            raise AssertionError(f"not true within {timeout} s: {check}")
        await asyncio.sleep(0.02)
    return value


async def state_of(bot: Running, chat_id: int, thread: int | str = "") -> State | None:
    found = await subscription(bot, chat_id, thread)
    return None if found is None else found.state


async def make_due(bot: Running, chat_id: int, minutes_ago: int = 1) -> None:
    """Move a subscription's next slot into the past, as if the clock had reached it: the
    scheduler's next tick (1 s here) queues its digest. A delivery is one per chat and slot
    (to the minute): a second slot for the same chat must be further back."""
    table = tables.subscriptions
    due = dt.datetime.now(dt.UTC) - dt.timedelta(minutes=minutes_ago)
    async with bot.runtime.services.store.engine.begin() as connection:
        await connection.execute(
            update(table)
            .where(
                table.c.platform == "telegram",
                table.c.chat_id == str(chat_id),
            )
            .values(next_due=due)
        )
