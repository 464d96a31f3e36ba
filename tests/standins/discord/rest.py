"""The HTTP front door: every request, REST or a websocket upgrade, arrives here. A REST request
is recorded, faulted if a fault is due, authenticated, routed to its handler and answered with
the rate-limit headers and the ``Via`` header discord.py reads (without ``Via`` it takes a 429
for a Cloudflare ban and raises instead of retrying). Also here: the network cut, and the routes
discord.py calls to log in and find the gateway (users, DMs, the application, /gateway)."""

from __future__ import annotations

import contextlib
import json
import re
import time
from collections.abc import Awaitable, Callable, Mapping
from typing import Any, NamedTuple

from aiohttp import web

from tests.standins.discord.constants import (
    API_PREFIX,
    API_VERSION,
    APPLICATION_FLAGS,
    APPLICATION_ID,
    BOT_USERNAME,
)
from tests.standins.discord.errors import Reply, error
from tests.standins.discord.faults import Faults
from tests.standins.discord.gateway import Gateway
from tests.standins.discord.model import OWNER
from tests.standins.discord.payloads import bot_user_payload
from tests.standins.discord.records import Request

Handler = Callable[[web.Request, "re.Match[str]", Any], Awaitable[web.StreamResponse]]


class Route(NamedTuple):
    method: str
    pattern: re.Pattern[str]  # of the path relative to the API base, matched in full
    handler: Handler
    auth: bool  # needs the bot's token in Authorization


def json_response(
    payload: Any, status: int = 200, headers: Mapping[str, str] | None = None
) -> web.Response:
    """JSON with Content-Type exactly application/json (discord.py parses nothing else)."""
    out = {"Content-Type": "application/json", "Via": "1.1 google"}
    out.update(headers or {})
    return web.Response(body=json.dumps(payload).encode(), status=status, headers=out)


def no_content() -> web.Response:
    return web.Response(status=204, headers={"Via": "1.1 google"})


async def _read_body(request: web.Request) -> Any:
    """The JSON body (for multipart: the payload_json part, with the files as ``_files``: each
    its form field, file name, size and bytes)."""
    if not request.body_exists:
        return None
    ctype = request.content_type
    if ctype.startswith("multipart/"):
        form = await request.post()
        payload: dict[str, Any] = {}
        raw = form.get("payload_json")
        if isinstance(raw, str):
            with contextlib.suppress(ValueError):
                payload = json.loads(raw)
        files = []
        for key, value in form.items():
            if isinstance(value, web.FileField):
                data = value.file.read()
                files.append(
                    {"field": key, "filename": value.filename, "size": len(data), "data": data}
                )
        if files:
            payload["_files"] = files
        return payload
    text = await request.text()
    if not text:
        return None
    try:
        return json.loads(text)
    except ValueError:
        return text


class Rest(Faults, Gateway):
    """The REST side of the stand-in (see the module docstring); the routes of messages,
    commands and interactions are in the parts that build on it."""

    def __init__(self, shards: int, routes: list[Route]) -> None:
        self.shards = shards
        self._routes = routes
        self._network_cut = False  # see stop_network

    @property
    def api_base(self) -> str:
        return self._server.url("http", f"/api/v{API_VERSION}")

    async def stop_network(self) -> None:
        """Cut the network: the open gateway connections are lost (aborted, no close frame, so
        their sessions stay resumable), and until ``restore_network`` every new connection, to
        the gateway or to REST, is closed as soon as it arrives (the client sees a dropped
        connection). Nothing sent in a cut network reaches Discord: it is not recorded in
        ``requests`` or ``connections``. Events dispatched meanwhile wait in their sessions, for
        a RESUME."""
        self._network_cut = True
        await self.drop_gateway(abort=True)

    def restore_network(self) -> None:
        self._network_cut = False

    async def _handle(self, request: web.Request) -> web.StreamResponse:
        if self._network_cut:  # the request never reached Discord: its connection is closed
            if request.transport is not None:
                request.transport.close()
            return web.Response(status=500)  # never written: the connection is gone
        if (
            request.path in ("/", "/resume")
            and request.headers.get("Upgrade", "").lower() == "websocket"
        ):
            return await self._serve_gateway(request)
        at = time.monotonic()
        m = API_PREFIX.match(request.path)
        path = request.path[m.end() :] if m else request.path
        body = await _read_body(request)
        self.requests.append(Request(request.method, path, body, at))
        headers = self._ratelimit_headers(request.method, path)
        try:
            if m is None:
                raise Reply(404, {"message": "404: Not Found", "code": 0})
            late = await self._apply_faults(request.method, path)
            for method, pattern, handler, auth in self._routes:
                match = pattern.fullmatch(path)
                if match is None:
                    continue
                if method != request.method:
                    continue
                if auth and request.headers.get("Authorization") != f"Bot {self.token}":
                    raise Reply(401, {"message": "401: Unauthorized", "code": 0})
                response = await handler(request, match, body)
                for rule in late:
                    await self._fault(rule)
                response.headers.update(headers)
                return response
            if any(route.pattern.fullmatch(path) for route in self._routes):
                raise Reply(405, {"message": "405: Method Not Allowed", "code": 0})
            raise Reply(404, {"message": "404: Not Found", "code": 0})
        except Reply as reply:
            if reply.status == 429:
                self.rejected_429 += 1
            headers.update(reply.headers)
            return json_response(reply.body, reply.status, headers)

    # -- Users, the application, the gateway --

    async def _get_me(self, request: web.Request, m: re.Match[str], body: Any) -> web.Response:
        return json_response(bot_user_payload())

    async def _get_user(self, request: web.Request, m: re.Match[str], body: Any) -> web.Response:
        user = self._users.get(int(m["user"]))
        if user is None:
            raise error(404, "unknown_user")
        return json_response(user.payload())

    async def _create_dm(self, request: web.Request, m: re.Match[str], body: Any) -> web.Response:
        recipient = int((body or {}).get("recipient_id", 0))
        user = self._users.get(recipient)
        if user is None:
            raise error(404, "unknown_user")
        return json_response(self._dm_payload(self._dm_channel(user)))

    async def _get_application(
        self, request: web.Request, m: re.Match[str], body: Any
    ) -> web.Response:
        return json_response(
            {
                "id": str(APPLICATION_ID),
                "name": BOT_USERNAME,
                "icon": None,
                "description": "Stand-in application",
                "summary": "",
                "type": None,
                "bot_public": True,
                "bot_require_code_grant": False,
                "verify_key": "0" * 64,
                "flags": APPLICATION_FLAGS,
                "owner": OWNER.payload(),
                "team": None,
                "bot": bot_user_payload(),
                "hook": True,
                "redirect_uris": [],
                "interactions_endpoint_url": None,
                "tags": [],
                "approximate_guild_count": len(self.guilds),
                "integration_types_config": {"0": {}},
            }
        )

    async def _get_gateway(self, request: web.Request, m: re.Match[str], body: Any) -> web.Response:
        return json_response({"url": self.gateway_url.rstrip("/")})

    async def _get_gateway_bot(
        self, request: web.Request, m: re.Match[str], body: Any
    ) -> web.Response:
        """``shards`` is what it recommends; ``max_concurrency`` how many IDENTIFY buckets."""
        return json_response(
            {
                "url": self.gateway_url.rstrip("/"),
                "shards": self.shards,
                "session_start_limit": {
                    "total": 1000,
                    "remaining": 999,
                    "reset_after": 14_400_000,
                    "max_concurrency": self.max_concurrency,
                },
            }
        )
