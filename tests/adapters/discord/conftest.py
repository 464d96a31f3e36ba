"""The real Discord adapter, the real runtime (store, scheduler, dispatcher) and the stand-in
gateway and REST API on 127.0.0.1: what a Discord user sees, end to end."""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import os
import sys
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from bot.adapters.discord import DiscordAdapter
from bot.config import Settings
from bot.core.models import Lang
from bot.core.ports import ChatKind, ChatRef, Format
from bot.core.subscription import Languages, Plan, State, Subscription
from tests.adapters.running import Serving, settings_with, start_serving, stop_all
from tests.conftest import CONTENT, REPO
from tests.reliability import leaks
from tests.standins.discord import (
    MANAGE_CHANNELS,
    SUPPRESS_EMBEDS,
    Channel,
    ChannelMessage,
    DiscordStandIn,
    Dispatched,
    Followup,
    Guild,
    InteractionResponse,
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
    return settings_with(data, overrides)


@dataclass(kw_only=True)
class Running(Serving):
    dc: DiscordStandIn
    adapter: DiscordAdapter


StartBot = Callable[..., Any]


# Discord's IDENTIFY window (5 s), shortened: a test that starts the bot again identifies soon.
IDENTIFY_WINDOW = 0.1


@pytest.fixture
async def dc() -> AsyncIterator[DiscordStandIn]:
    async with DiscordStandIn(
        token=TOKEN, guilds=[make_guild()], heartbeat_interval=0.5, identify_window=IDENTIFY_WINDOW
    ) as standin:
        with pointed_at(standin):
            yield standin
        # Whatever the test did: no IDENTIFY broke Discord's bucket rule, and no server's
        # events reached two sessions (each would answer its interactions).
        assert (standin.identifies_too_soon, standin.overlaps) == (0, 0)


@pytest.fixture
async def start_bot(dc: DiscordStandIn, tmp_path: Path) -> AsyncIterator[StartBot]:
    running: list[Running] = []

    async def start(**overrides: Any) -> Running:
        settings = settings_for(dc, tmp_path, **overrides)
        adapter = DiscordAdapter(
            settings.discord, TOKEN, settings.language, progress_every=0.2,
            identify_window=IDENTIFY_WINDOW, guild_ready_timeout=0.05,
        )  # fmt: skip
        runtime, done, task = await start_serving(settings, adapter)
        await dc.wait_for(lambda: dc.connected, what="the bot's gateway connection")
        # Ready (the guilds are in): discord.py dispatches its ready event even after a close,
        # and a test that stopped the bot before then would leave that task to a closed loop.
        await dc.wait_for(lambda: adapter.shards.ready, what="the bot's shards ready")
        bot = Running(dc=dc, runtime=runtime, adapter=adapter, done=done, task=task)
        running.append(bot)
        return bot

    yield start
    await stop_all(running)


# --- helpers the tests share ---

SEVEN = (dt.time(7, 0),)


def ref(channel_id: int) -> ChatRef:
    """The core's name for a Discord channel, thread or DM: its own channel id."""
    return ChatRef("discord", str(channel_id))


async def subscribe_directly(
    bot: Running,
    channel_id: int,
    languages: Languages = "en",
    kind: ChatKind = ChatKind.GROUP,
    times: tuple[dt.time, ...] = SEVEN,
    instant: bool = False,
) -> Subscription:
    """A subscription made in the store, as `ringkas subscribers add` would make it."""
    plan = Plan(languages, times, instant, "Asia/Jakarta")
    store = bot.runtime.services.store
    return await store.subscriptions.subscribe(
        ref(channel_id), kind, plan, "test", dt.datetime.now(dt.UTC)
    )


async def subscription(bot: Running, channel_id: int) -> Subscription | None:
    return await bot.runtime.services.store.subscriptions.get(ref(channel_id))


async def state_of(bot: Running, channel_id: int) -> State | None:
    found = await subscription(bot, channel_id)
    return None if found is None else found.state


def previews_off(message: ChannelMessage | InteractionResponse | Followup) -> bool:
    """The message unfolds no link into a preview: its embeds are suppressed, or it is a
    digest's own embed (links in an embed's text never unfold) with no content."""
    own_embed = bool(message.embeds) and not message.content
    return bool(message.flags & SUPPRESS_EMBEDS) or own_embed


def digest(bot: Running, lang: Lang) -> str:
    """The digest in service, as Discord markdown: what /digest and a delivery send."""
    text = bot.runtime.services.library.digest(lang, Format.DISCORD)
    assert text is not None
    return text


async def ask(
    dc: DiscordStandIn, name: str, options: dict[str, Any] | None = None, **kwargs: Any
) -> tuple[Dispatched, InteractionResponse]:
    """A slash command (or, with `focused`, an autocomplete) and the bot's one callback."""
    sent = await dc.dispatch_interaction(name, options, **kwargs)
    [response] = await dc.wait_for(lambda: dc.responses_for(sent), what=f"the answer to /{name}")
    return sent, response


async def press(
    dc: DiscordStandIn, message_id: int, custom_id: str, **kwargs: Any
) -> tuple[Dispatched, InteractionResponse]:
    """A button press on a message the bot sent, and the bot's one callback."""
    sent = await dc.dispatch_component(message_id, custom_id, **kwargs)
    [response] = await dc.wait_for(
        lambda: dc.responses_for(sent), what=f"the answer to {custom_id}"
    )
    return sent, response


def buttons(components: list[dict[str, Any]]) -> list[tuple[str, str]]:
    """(label, custom_id) of every button in a message's action rows."""
    return [
        (button["label"], button["custom_id"])
        for row in components
        for button in row.get("components", [])
    ]


def everything_sent(dc: DiscordStandIn) -> list[tuple[str, dict[str, Any] | None]]:
    """(where, allowed_mentions) of every message the bot posted or edited with content."""
    found: list[tuple[str, dict[str, Any] | None]] = [
        (f"message {m.id}", m.allowed_mentions) for m in dc.messages
    ]
    found += [
        (f"response {r.interaction_id}", (r.data or {}).get("allowed_mentions"))
        for r in dc.interaction_responses
        if r.text is not None
    ]
    found += [(f"follow-up {f.id}", f.allowed_mentions) for f in dc.followups]
    found += [
        (f"edit of {e.message_id}", e.json.get("allowed_mentions"))
        for e in dc.edits
        if e.json is not None and e.json.get("content") is not None
    ]
    return found


# --- the `ringkas` command, as its own process against the stand-in ---


def write_config(dc: DiscordStandIn, folder: Path, **sections: dict[str, Any]) -> Path:
    """A config file in `folder`: the test content and database, Discord at the stand-in;
    `sections` add keys to sections (`delivery={"in_flight": 5}`), each value written as JSON,
    which YAML reads as it is."""
    settings = settings_for(dc, folder)
    blocks: dict[str, dict[str, Any]] = {
        "schedule": {"watch_seconds": 0},
        "discord": {"api_base": dc.api_base, "gateway_url": dc.gateway_url},
    }
    for name, values in sections.items():
        blocks.setdefault(name, {}).update(values)
    lines = [f"content: {settings.content}", f"database: {settings.database}"]
    for name, values in blocks.items():
        lines += [f"{name}:", *(f"  {key}: {json.dumps(value)}" for key, value in values.items())]
    config = folder / "ringkas.yaml"
    config.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return config


async def ringkas(*args: str, cwd: Path, token: str = TOKEN) -> tuple[int, str, str]:
    """Run `ringkas ARGS` with `token` in $RINGKAS_DISCORD_TOKEN (and no other Ringkas
    variable), without blocking the stand-in's loop: exit code, stdout, stderr."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("RINGKAS_")}
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(REPO), env.get("PYTHONPATH")]))
    env["RINGKAS_DISCORD_TOKEN"] = token
    leaks.register_environment(env)
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot", *args,
        cwd=cwd, env=env, stdin=asyncio.subprocess.DEVNULL,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip
    out, err = await asyncio.wait_for(process.communicate(), 30)
    leaks.check_program_output(out.decode(), err.decode())
    assert process.returncode is not None
    return process.returncode, out.decode(), err.decode()
