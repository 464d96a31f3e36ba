"""The stand-in as tests use it: one object composed of the parts, each in its module and each
a class owning one concern, all sharing this object's state (what Discord holds, the records):

* ``World`` (world.py): guilds, users, channels, stored messages, interactions, commands;
  ``Payloads`` (payloads.py) builds the JSON of them.
* ``Records`` (records.py): what the tests inspect.
* ``Gateway`` (gateway.py): the websocket sessions and the events dispatched to them.
* ``Faults`` (faults.py): faults, rate limits and their headers.
* ``Rest`` (rest.py): the request handler and the login routes; the routes of ``Messages``
  (messages.py), ``Commands`` (commands.py) and ``Responses`` (responses.py) build on it.
* ``Interactions`` (interactions.py): the interactions a test has users make.

Each part subclasses the parts it uses (``Gateway`` builds on ``Payloads`` and ``Records``,
``Rest`` on ``Faults`` and ``Gateway``, ...), so what it reads of them is typed; and as they all
are one object, each part's ``__init__`` sets up only its own state and settings, called by name
in the constructor here. Also here: the route table (it names the handlers of every part), start
and stop, and waiting for something to happen."""

from __future__ import annotations

import contextlib
import json
import re
from collections.abc import Callable, Iterator, Sequence
from typing import Any, TypeVar

import yarl
from aiohttp import web

from tests.standins.common import LoopbackServer, LoopbackStandIn, wait_for
from tests.standins.discord.commands import Commands
from tests.standins.discord.constants import APPLICATION_ID, PRIVILEGED_INTENTS
from tests.standins.discord.faults import Faults
from tests.standins.discord.gateway import Gateway
from tests.standins.discord.interactions import Interactions
from tests.standins.discord.messages import Messages
from tests.standins.discord.model import BOT_USER, Guild, User
from tests.standins.discord.records import Records
from tests.standins.discord.responses import Responses
from tests.standins.discord.rest import Handler, Rest, Route
from tests.standins.discord.world import World

T = TypeVar("T")


class DiscordStandIn(Interactions, Responses, Commands, Messages, LoopbackStandIn):
    """Discord's gateway and REST API on 127.0.0.1 (an ephemeral port); see the package docstring.

    ``heartbeat_interval`` is in seconds (sent as milliseconds in HELLO). ``shards`` is what
    /gateway/bot recommends, and ``max_concurrency`` its IDENTIFY buckets; a session may have at
    most ``guilds_per_session`` guilds (None: no limit; Discord's is 2,500) and a bucket one
    IDENTIFY per ``identify_window`` seconds (see gateway.py). ``bucket_limit`` requests per
    ``bucket_window`` seconds is what the X-RateLimit headers report per route and major
    parameter (reported, never enforced: at Remaining 0 discord.py waits for the reset by
    itself). An interaction must be answered within ``callback_deadline`` seconds (None: no
    limit), as on Discord (3 s).
    """

    def __init__(
        self,
        token: str = "standin-token",
        guilds: Sequence[Guild] = (),
        *,
        users: Sequence[User] = (),
        heartbeat_interval: float = 41.25,
        shards: int = 1,
        max_concurrency: int = 1,
        guilds_per_session: int | None = None,
        identify_window: float = 5.0,
        allowed_privileged_intents: int = PRIVILEGED_INTENTS,
        bucket_limit: int = 50,
        bucket_window: float = 1.0,
        callback_deadline: float | None = 3.0,
        echo_own_messages: bool = True,
    ) -> None:
        World.__init__(self, guilds, users)
        Records.__init__(self)
        Gateway.__init__(
            self,
            token,
            heartbeat_interval,
            allowed_privileged_intents,
            max_concurrency=max_concurrency,
            identify_window=identify_window,
            guilds_per_session=guilds_per_session,
        )
        Faults.__init__(self, bucket_limit, bucket_window)
        Rest.__init__(self, shards, self._route_table())
        Messages.__init__(self, echo_own_messages)
        Responses.__init__(self, callback_deadline)
        self._server = LoopbackServer()

    def _route_table(self) -> list[Route]:
        """The REST API, by paths relative to its base. Interaction callbacks and webhooks need
        no Authorization: their token is in the path, as on Discord."""
        channel = r"/channels/(?P<channel>\d+)"
        message = channel + r"/messages/(?P<message>\d+)"
        webhook = r"/webhooks/(?P<app>\d+)/(?P<token>[^/]+)"
        webhook_message = webhook + r"/messages/(?P<message>@original|\d+)"
        commands = r"/applications/(?P<app>\d+)/commands"
        guild_commands = r"/applications/(?P<app>\d+)/guilds/(?P<guild>\d+)/commands"
        table: list[tuple[str, str, Handler, bool]] = [
            ("GET", r"/users/@me", self._get_me, True),
            ("GET", r"/users/(?P<user>\d+)", self._get_user, True),
            ("POST", r"/users/@me/channels", self._create_dm, True),
            ("GET", r"/oauth2/applications/@me", self._get_application, True),
            ("GET", r"/applications/@me", self._get_application, True),
            ("GET", r"/gateway", self._get_gateway, False),
            ("GET", r"/gateway/bot", self._get_gateway_bot, True),
            ("GET", channel, self._get_channel, True),
            ("POST", channel + "/messages", self._post_message, True),
            ("POST", channel + "/typing", self._typing, True),
            ("GET", message, self._get_message, True),
            ("PATCH", message, self._patch_message, True),
            ("DELETE", message, self._delete_message, True),
            ("POST", r"/interactions/(?P<id>\d+)/(?P<token>[^/]+)/callback", self._callback, False),
            ("POST", webhook, self._post_followup, False),
            ("GET", webhook_message, self._get_webhook_message, False),
            ("PATCH", webhook_message, self._patch_webhook_message, False),
            ("DELETE", webhook_message, self._delete_webhook_message, False),
            ("GET", commands, self._get_commands, True),
            ("PUT", commands, self._put_commands, True),
            ("GET", guild_commands, self._get_commands, True),
            ("PUT", guild_commands, self._put_commands, True),
        ]
        return [Route(m, re.compile(path), handler, auth) for m, path, handler, auth in table]

    async def start(self) -> None:
        app = web.Application()
        app.router.add_route("*", "/{tail:.*}", self._handle)
        await self._server.start(app)

    async def stop(self) -> None:
        self._stopping.set()
        await self._close_connections()
        await self._server.stop()

    @property
    def bot_user(self) -> User:
        return BOT_USER

    @property
    def application_id(self) -> int:
        return APPLICATION_ID

    async def wait_for(
        self, predicate: Callable[[], T], timeout: float = 5.0, what: str | None = None
    ) -> T:
        """Poll ``predicate`` every 10 ms until it returns something truthy, and return that."""
        return await wait_for(predicate, timeout, what, self.summary)

    async def wait_connected(self, timeout: float = 5.0) -> None:
        """Wait until a client has identified (or resumed) and holds an open connection."""
        await self.wait_for(lambda: self.connected, timeout, "a connected gateway session")

    def summary(self) -> str:
        """What happened, in short: for the message of a wait that timed out."""
        lines = [
            f"requests ({len(self.requests)}), last ones:",
            *(f"  {r.method} {r.path} {_short(r.json)}" for r in self.requests[-8:]),
            f"messages: {len(self.messages)}; interaction responses:"
            f" {len(self.interaction_responses)}; follow-ups: {len(self.followups)};"
            f" edits: {len(self.edits)}; command syncs: {len(self.command_syncs)};"
            f" 429s: {self.rejected_429}; overlaps: {self.overlaps};"
            f" IDENTIFYs too soon: {self.identifies_too_soon}",
            "gateway: "
            + ", ".join(f"{e.name}#{e.connection}" for e in self.gateway_events[-12:] if e.op != 1)
            + f" ({len(self.heartbeats)} heartbeats; open shards: {self.open_shards})",
        ]
        return "\n".join(lines)


def _short(value: Any, limit: int = 120) -> str:
    text = "" if value is None else json.dumps(value, default=str)
    return text if len(text) <= limit else text[: limit - 1] + "…"


@contextlib.contextmanager
def pointed_at(standin: DiscordStandIn) -> Iterator[DiscordStandIn]:
    """Point discord.py at the stand-in (REST base and default gateway), restoring both after."""
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)  # discord.py imports audioop
        import discord.gateway
        import discord.http

    old_base = discord.http.Route.BASE
    old_gateway = discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY
    discord.http.Route.BASE = standin.api_base
    discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(standin.gateway_url)
    try:
        yield standin
    finally:
        discord.http.Route.BASE = old_base
        discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = old_gateway
