"""The real Discord adapter, the real runtime (store, scheduler, dispatcher) and the stand-in
gateway and REST API on 127.0.0.1: what a Discord user sees, end to end."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from bot.adapters.discord import DiscordAdapter
from bot.app import Runtime, open_runtime, serve
from bot.config import Settings
from bot.core.ports import SystemClock
from tests.conftest import CONTENT
from tests.standins.discord import (
    MANAGE_CHANNELS,
    Channel,
    DiscordStandIn,
    Guild,
    Member,
    Role,
    User,
    pointed_at,
)

TOKEN = "standin-discord-token"
GUILD_ID = 1_400_000_000_000_000_001
GENERAL = 1_400_000_000_000_000_010  # a text channel
NEWS = 1_400_000_000_000_000_011  # another text channel
THREAD = 1_400_000_000_000_000_012  # a thread in GENERAL
MODS = 1_400_000_000_000_000_020  # a role with Manage Channels
ADMIN = User(1_400_000_000_000_000_100, "rina", global_name="Rina")  # a bot admin (config)
ANA = User(1_400_000_000_000_000_101, "ana", global_name="Ana")  # has Manage Channels
BUDI = User(1_400_000_000_000_000_102, "budi", global_name="Budi")  # a plain member


def make_guild() -> Guild:
    return Guild(
        id=GUILD_ID,
        name="Berita",
        channels=[
            Channel(GENERAL, "general"),
            Channel(NEWS, "ringkas"),
            Channel(THREAD, "gaza-talks", type=11, parent_id=GENERAL),
        ],
        roles=[Role(MODS, "mods", permissions=MANAGE_CHANNELS)],
        members=[Member(ADMIN), Member(ANA, roles=(MODS,)), Member(BUDI)],
    )


def settings_for(dc: DiscordStandIn, tmp_path: Path, **overrides: Any) -> Settings:
    data: dict[str, Any] = {
        "content": str(CONTENT),
        "database": str(tmp_path / "ringkas.sqlite3"),
        "admins": {"discord": [ADMIN.id]},
        "discord": {"api_base": dc.api_base, "gateway_url": dc.gateway_url, "guilds": [GUILD_ID]},
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
    dc: DiscordStandIn
    runtime: Runtime
    adapter: DiscordAdapter
    done: asyncio.Event
    task: asyncio.Task[None]

    async def stop(self) -> None:
        self.done.set()
        await self.task


StartBot = Callable[..., Any]


@pytest.fixture
async def dc() -> AsyncIterator[DiscordStandIn]:
    async with DiscordStandIn(
        token=TOKEN, guilds=[make_guild()], heartbeat_interval=0.5
    ) as standin:
        with pointed_at(standin):
            yield standin


@pytest.fixture
async def start_bot(dc: DiscordStandIn, tmp_path: Path) -> AsyncIterator[StartBot]:
    running: list[Running] = []

    async def start(**overrides: Any) -> Running:
        settings = settings_for(dc, tmp_path, **overrides)
        adapter = DiscordAdapter(
            settings.discord, TOKEN, settings.language, progress_every=0.2,
            guild_ready_timeout=0.05,
        )  # fmt: skip
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
            await task
        await dc.wait_for(lambda: dc.connected, what="the bot's gateway connection")
        bot = Running(dc, holder["runtime"], adapter, done, task)
        running.append(bot)
        return bot

    yield start
    for bot in running:
        if not bot.task.done():
            await bot.stop()
