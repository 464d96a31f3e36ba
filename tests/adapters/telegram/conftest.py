"""The real Telegram adapter, the real runtime (store, scheduler, dispatcher) and the stand-in
Bot API on 127.0.0.1: what a Telegram user sees, end to end."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from bot.adapters.telegram import TelegramAdapter
from bot.app import Runtime, open_runtime, serve
from bot.config import Settings
from bot.core.ports import SystemClock
from tests.conftest import CONTENT
from tests.standins.telegram import SentMessage, TelegramStandIn, User

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
    for key, value in overrides.items():
        section = data.setdefault(key, {})
        if isinstance(section, dict) and isinstance(value, dict):
            section.update(value)
        else:
            data[key] = value
    return Settings.model_validate(data)


@dataclass
class Running:
    """A bot serving the stand-in until the test ends (or `stop` is awaited)."""

    api: TelegramStandIn
    runtime: Runtime
    adapter: TelegramAdapter
    done: asyncio.Event
    task: asyncio.Task[None]
    seen: int = field(default=0)

    async def stop(self) -> None:
        self.done.set()
        await self.task

    async def say(
        self, chat_id: int, text: str, user: User | None = None, **kw: Any
    ) -> list[SentMessage]:
        """Feed a message; wait for the bot's next answer(s) in that chat and return them."""
        before = len(self.api.sent_to(chat_id))
        self.api.feed_message(chat_id, text, user=user, **kw)
        await self.api.wait_for(lambda: len(self.api.sent_to(chat_id)) > before)
        await asyncio.sleep(0.05)  # a reply of several messages
        return self.api.sent_to(chat_id)[before:]


StartBot = Callable[..., Any]


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

    async def start(**overrides: Any) -> Running:
        settings = settings_for(api, tmp_path, **overrides)
        adapter = TelegramAdapter(
            settings.telegram, TOKEN, settings.language, connections=10, progress_every=0.2
        )
        ready = asyncio.Event()
        done = asyncio.Event()
        holder: dict[str, Runtime] = {}

        async def main() -> None:
            async with open_runtime(settings, SystemClock(), [adapter.sender]) as runtime:
                holder["runtime"] = runtime
                ready.set()
                await serve(runtime, [adapter], done)

        task = asyncio.create_task(main())
        waiting = asyncio.ensure_future(ready.wait())
        await asyncio.wait([task, waiting], return_when=asyncio.FIRST_COMPLETED)
        if task.done():
            waiting.cancel()
            await task  # raises what failed
        # Serving: the polling has begun once the first getUpdates arrives.
        await api.wait_for(lambda: any(c.method == "getUpdates" for c in api.calls))
        bot = Running(api, holder["runtime"], adapter, done, task)
        running.append(bot)
        return bot

    yield start
    for bot in running:
        if not bot.task.done():
            await bot.stop()
