"""What the Telegram and Discord end-to-end conftests share: test settings with overrides merged
in, and the real runtime serving an adapter in a task of its own until the test stops it."""

from __future__ import annotations

import asyncio
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from bot.app import Runtime, open_runtime, serve
from bot.config import Settings
from bot.core.ports import SystemClock
from bot.core.store.records import PushState


def settings_with(defaults: dict[str, Any], overrides: Mapping[str, Any]) -> Settings:
    """`defaults` with each override merged in: a section (a dict) into the section, anything
    else in place of the value."""
    data = dict(defaults)
    for key, value in overrides.items():
        section = data.setdefault(key, {})
        if isinstance(section, dict) and isinstance(value, dict):
            data[key] = {**section, **value}
        else:
            data[key] = value
    return Settings.model_validate(data)


@dataclass(kw_only=True)
class Serving:
    """The runtime serving the platform until `done` is set; `task` ends when it has stopped."""

    runtime: Runtime
    done: asyncio.Event
    task: asyncio.Task[None]

    async def stop(self) -> None:
        self.done.set()
        await self.task


async def start_serving(
    settings: Settings, *adapters: Any
) -> tuple[Runtime, asyncio.Event, asyncio.Task[None]]:
    """Open the runtime with the adapters' senders and serve the adapters in a task, as
    `ringkas run` does; return once the runtime is open (raising what failed, if it never
    opened): runtime, done, task."""
    ready = asyncio.Event()
    done = asyncio.Event()
    holder: dict[str, Runtime] = {}

    async def main() -> None:
        senders = [adapter.sender for adapter in adapters]
        async with open_runtime(settings, SystemClock(), senders) as runtime:
            holder["runtime"] = runtime
            ready.set()
            await serve(runtime, adapters, done)

    task = asyncio.create_task(main())
    waiting = asyncio.ensure_future(ready.wait())
    await asyncio.wait([task, waiting], return_when=asyncio.FIRST_COMPLETED)
    if task.done():
        waiting.cancel()
        await task  # raises what failed
    return holder["runtime"], done, task


async def stop_all(bots: Iterable[Serving]) -> None:
    """At the end of a test: stop every bot still serving."""
    for bot in bots:
        if not bot.task.done():
            await bot.stop()


async def push_state(bot: Serving, push_id: str) -> PushState | None:
    """Where the push stands in the store (None: no such push)."""
    stored = await bot.runtime.services.store.pushes.get(push_id)
    return None if stored is None else stored.state
