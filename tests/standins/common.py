"""What the stand-ins share: an aiohttp app served on 127.0.0.1 at a free port, and polling
until something is true."""

from __future__ import annotations

import asyncio
import inspect
from collections.abc import Callable
from typing import Any, Self, TypeVar

from aiohttp import web

T = TypeVar("T")


class LoopbackServer:
    """An aiohttp application served on 127.0.0.1 at a port the system picks."""

    def __init__(self) -> None:
        self._runner: web.AppRunner | None = None
        self.port = 0

    async def start(self, app: web.Application) -> None:
        self._runner = web.AppRunner(app, access_log=None, shutdown_timeout=1.0)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        self.port = int(self._runner.addresses[0][1])

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    def url(self, scheme: str, path: str) -> str:
        return f"{scheme}://127.0.0.1:{self.port}{path}"


class LoopbackStandIn:
    """What both stand-ins are as servers: started and stopped around an ``async with``, at a
    port of their own (``start`` serves the app on ``self._server``)."""

    _server: LoopbackServer

    async def start(self) -> None:
        raise NotImplementedError

    async def stop(self) -> None:
        raise NotImplementedError

    async def __aenter__(self) -> Self:
        await self.start()
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.stop()

    @property
    def port(self) -> int:
        return self._server.port


async def wait_for(
    predicate: Callable[[], T],
    timeout: float,
    what: str | None,
    summary: Callable[[], str],
) -> T:
    """Poll `predicate` every 10 ms until it returns something truthy, and return that; else an
    AssertionError naming what was waited for (`what`, or the predicate's source) and the
    stand-in's `summary`."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not (value := predicate()):
        if loop.time() >= deadline:
            waited = what or describe(predicate)
            raise AssertionError(f"timed out after {timeout:g}s waiting for {waited}\n{summary()}")
        await asyncio.sleep(0.01)
    return value


def describe(predicate: Callable[..., Any]) -> str:
    try:
        return inspect.getsource(predicate).strip()
    except (OSError, TypeError):
        return repr(predicate)
