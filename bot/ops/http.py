"""The endpoints over HTTP, on aiohttp's server (aiohttp is the adapters' client already):
`GET /healthz`, `GET /readyz` (200 or 503, with each check in JSON) and `GET /metrics` (the
Prometheus text format, or OpenMetrics if the scraper asks for it)."""

from __future__ import annotations

import asyncio
import os
from collections.abc import Sequence

from aiohttp import web
from prometheus_client import CollectorRegistry
from prometheus_client.exposition import choose_encoder

from bot.ops import OpsUnavailable
from bot.ops.health import Check, Health, verdict
from bot.ops.metrics import ServiceState


class OpsServer:
    def __init__(self, health: Health, registry: CollectorRegistry, state: ServiceState) -> None:
        """`state`: the gauges read at scrape time, in `registry` while the server listens."""
        self.health = health  # the process's loops are watched through it as they start
        self._registry = registry
        self._state = state
        self._scraping = asyncio.Lock()  # one refresh and its rendering at a time
        app = web.Application()
        app.add_routes(
            [
                web.get("/healthz", self._healthz),
                web.get("/readyz", self._readyz),
                web.get("/metrics", self._metrics),
            ]
        )
        # No access log: a probe every few seconds would bury the bot's own lines.
        self._runner = web.AppRunner(app, access_log=None, handle_signals=False)

    async def start(self, host: str, port: int) -> None:
        await self._runner.setup()
        try:
            await web.TCPSite(self._runner, host, port).start()
        except OSError as error:
            await self._runner.cleanup()
            # asyncio words a failed bind at length, address included: the errno's words suffice.
            reason = os.strerror(error.errno) if error.errno else str(error)
            raise OpsUnavailable(f"ops.listen: cannot listen on {host}:{port}: {reason}") from None
        self._registry.register(self._state)

    async def close(self) -> None:
        await self._runner.cleanup()
        # A later server on the same runtime's registry registers its own.
        self._registry.unregister(self._state)

    async def _healthz(self, request: web.Request) -> web.Response:
        return _answer(self.health.liveness())

    async def _readyz(self, request: web.Request) -> web.Response:
        return _answer(await self.health.readiness())

    async def _metrics(self, request: web.Request) -> web.Response:
        encode, content_type = choose_encoder(request.headers.get("Accept", ""))
        async with self._scraping:
            await self._state.refresh()
            body = encode(self._registry)
        return web.Response(body=body, headers={"Content-Type": content_type})


def _answer(checks: Sequence[Check]) -> web.Response:
    ok, body = verdict(checks)
    return web.json_response(body, status=200 if ok else 503)
