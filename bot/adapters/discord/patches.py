"""discord.py, changed where it offers no option for what Ringkas needs.

Every change of discord.py's behaviour is here, each with what discord.py does, why Ringkas
changes it and what breaks without it. They rest on discord.py's internals, listed in RELIES_ON;
the tests in tests/adapters/discord/test_patches.py check each against the installed discord.py,
so an upgrade that moves one fails there, not in production.

- `apply()`: the process-wide patches (the reconnect backoff, the voice warnings), once.
- `point_at(settings)`: where discord.py connects, which is configuration, set at each start.
- `skip_unreadable_events(client)`, `ready_task(client)`: what is each client's own.
- `SharedRest`, `share_tree(client, tree)`, `recommended_shards(client)`: a client per gateway
  shard, over the adapter's one REST client and command tree (`shards`).
"""

from __future__ import annotations

import asyncio
import logging
import random
from collections.abc import Callable
from typing import Any

import discord
import discord.client
import yarl
from discord import app_commands
from discord.backoff import ExponentialBackoff
from discord.gateway import DiscordWebSocket
from discord.http import HTTPClient, Route
from discord.state import ConnectionState

from bot.config import DiscordSettings

log = logging.getLogger(__name__)

RECONNECT_CAP = 10.0  # seconds: the longest wait between two tries to reach the gateway


class CappedBackoff(ExponentialBackoff[bool]):
    """discord.py's reconnect backoff with its waits capped at RECONNECT_CAP (jitter kept).

    discord.py waits a random time up to 2, 4, 8, … 1024 s between tries to reach the gateway,
    and only forgets the count after 34 quiet minutes: after a 30 s outage its next try may be a
    minute away, and after a few outages close together, up to 17 minutes. Meanwhile the bot
    hears no command. A failed try costs Discord nothing (a RESUME does not count against the daily
    identify limit), so every 10 s at most is a fair pace.

    `Client.connect` builds its backoff from its module's name `ExponentialBackoff`, with no
    option for another: `apply()` rebinds that name. Its reconnect loop, RESUME included, is
    otherwise kept as it is.
    """

    def delay(self) -> float:
        return min(float(super().delay()), RECONNECT_CAP * random.uniform(0.5, 1.0))


def point_at(settings: DiscordSettings) -> None:
    """Where discord.py connects: a proxy or a stand-in serves when the config says so.

    discord.py reads its REST base and its gateway from class attributes, with no option on the
    client; without this it would always reach discord.com. Configuration rather than a
    replacement, so it is set at each start with that start's settings.
    """
    Route.BASE = settings.api_base.rstrip("/")
    DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(settings.gateway_url)


def skip_unreadable_events(client: discord.Client) -> None:
    """Make every gateway event parser of `client` log and skip a payload it cannot read.

    discord.py lets a parser's exception (an interaction without a token, a field of a newer
    API version) out of its gateway reader, which ends the connection; reconnecting with a new
    session loses the events sent meanwhile. Its parsers are a dict on the client's private
    connection state, which the gateway reader looks events up in: the one place to catch this.
    """
    parsers: dict[str, Callable[[Any], None]] = client._connection.parsers

    def guarded(event: str, parse: Callable[[Any], None]) -> Callable[[Any], None]:
        def parse_or_skip(data: Any) -> None:
            try:
                parse(data)
            except Exception:
                log.exception("discord: skipping a %s event that cannot be read", event)

        return parse_or_skip

    for event, parse in list(parsers.items()):
        parsers[event] = guarded(event, parse)


def ready_task(client: discord.Client) -> asyncio.Task[None] | None:
    """The task in which `client` waits for its guilds after a READY before it dispatches
    `ready`, if one is running.

    `Client.close` does not end it; once `close` has dropped the client's loop, its dispatch
    fails and leaves the `ready` handler never run. A stop cancels it, and only the private
    connection state knows it.
    """
    task: asyncio.Task[None] | None = client._connection._ready_task
    return task


class SharedRest(discord.Client):
    """A client for one gateway shard that makes its REST calls through another client's HTTP
    client, and connects without logging in.

    discord.py gives every client an HTTP client of its own (an aiohttp session and its own
    count of the rate limits), logged in with two REST calls before the gateway may connect. Its
    gateway takes the token and the websocket from the client's (`http`); what the connection
    state builds (interactions, messages, users) makes its calls through the state's
    (`_connection.http`). With one client per shard, each would log in, count the rate limits
    apart, and a shard given up (its client closed) would close the session through which its
    interactions under way still answer. So both are pointed at the adapter's own REST client,
    which the adapter closes last; `close` closes this client's own HTTP client instead (never
    opened: nothing to close), as `Client.close` closes `http`. Without a login, the parts bound
    to the loop are set up by `_async_setup_hook`, as `login` does first.
    """

    def __init__(self, rest: discord.Client, **options: Any) -> None:
        super().__init__(**options)
        self._unopened = self.http
        self.http = self._connection.http = rest.http

    async def start_gateway(self) -> None:
        """Connect to the gateway and stay connected (discord.py reconnects and resumes) until
        closed; what ends it for good, it raises."""
        await self._async_setup_hook()
        await self.connect(reconnect=True)

    async def close(self) -> None:
        self.http = self._unopened
        await super().close()


def share_tree(client: discord.Client, tree: app_commands.CommandTree[discord.Client]) -> None:
    """Hand `client`'s slash commands and autocompletes to `tree`, another client's.

    discord.py's connection state passes them to the command tree kept on it, which
    `CommandTree(client)` sets, one tree per client: the adapter's one tree (its commands, their
    translations, the sync) serves every shard's client.
    """
    client._connection._command_tree = tree


async def recommended_shards(client: discord.Client) -> tuple[int, int]:
    """What GET /gateway/bot says: the shards Discord recommends, and how many IDENTIFYs may
    start at once (`max_concurrency`). discord.py asks it only for an AutoShardedClient."""
    shards, _url, limits = await client.http.get_bot_gateway()
    return shards, limits["max_concurrency"]


# What the patches rely on in discord.py (the object, then the attribute's name), checked by the
# tests against the installed version. Those of `Client` and `ConnectionState` are set by their
# `__init__`: the tests look for them on a client.
RELIES_ON: tuple[tuple[object, str], ...] = (
    # CappedBackoff: `Client.connect` takes its backoff by this name from its module...
    (discord.client, "ExponentialBackoff"),
    # ...and asks it how long to wait with `delay`.
    (ExponentialBackoff, "delay"),
    # apply(): the flags by which a client warns, once a process, of missing voice libraries.
    (discord.VoiceClient, "warn_nacl"),
    (discord.VoiceClient, "warn_dave"),
    # point_at: where every REST route and the first gateway connection go.
    (Route, "BASE"),
    (DiscordWebSocket, "DEFAULT_GATEWAY"),
    # skip_unreadable_events and ready_task: the client's connection state...
    (discord.Client, "_connection"),
    # ...its parsers, by event name, which the gateway reader takes...
    (ConnectionState, "parsers"),
    # ...and its wait for the guilds after a READY.
    (ConnectionState, "_ready_task"),
    # SharedRest: the HTTP client of a client and of its connection state, which Client.close
    # closes, and the set-up `login` does before the first connection...
    (discord.Client, "http"),
    (ConnectionState, "http"),
    (discord.Client, "_async_setup_hook"),
    # ...share_tree: the command tree on the connection state...
    (ConnectionState, "_command_tree"),
    # ...and recommended_shards: GET /gateway/bot.
    (HTTPClient, "get_bot_gateway"),
)


def applied() -> bool:
    """Whether discord.py already has every process-wide patch `apply()` installs."""
    voice = discord.VoiceClient
    backoff: object = discord.client.ExponentialBackoff  # type: ignore[attr-defined]
    return backoff is CappedBackoff and not voice.warn_nacl and not voice.warn_dave


def apply() -> None:
    """Install the process-wide patches: once, before a client is built. Idempotent: when they
    are in place (`applied()`), a call does nothing."""
    if applied():
        return
    discord.client.ExponentialBackoff = CappedBackoff  # type: ignore[attr-defined,assignment]
    # The first client of a process logs two warnings that the voice libraries (PyNaCl, davey)
    # are missing, then clears these flags. Ringkas uses no voice: at every start an operator
    # would look for a fault that is not there. Cleared first, as if it had already warned.
    discord.VoiceClient.warn_nacl = discord.VoiceClient.warn_dave = False
