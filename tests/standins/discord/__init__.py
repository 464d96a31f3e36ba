"""Mirrors discord.py 2.7.1 (the version in the venv), which speaks Discord's API v10.

A stand-in for Discord: the gateway websocket and the REST API on 127.0.0.1, good enough for
the real discord.py client to log in, connect, receive events and answer interactions unchanged.

    async with DiscordStandIn(token="t0ken", guilds=[Guild(id=..., name=...)]) as dc:
        with pointed_at(dc):
            client = discord.Client(intents=discord.Intents.default(), guild_ready_timeout=0.05)
            task = asyncio.create_task(client.start("t0ken"))
            await client.wait_until_ready()
            sent = await dc.dispatch_interaction("digest", {"lang": "id"}, channel_id=...)
            await dc.wait_for(lambda: dc.responses_for(sent))
            ...
            await client.close()
            await task

What it does (and what discord.py needs of it):

* Gateway (``/`` and ``/resume``): HELLO, IDENTIFY (token and intents checked; 4004 on a wrong
  token), heartbeats answered with HEARTBEAT_ACK, READY then one GUILD_CREATE per guild, RESUME
  (replays the events the session missed, then RESUMED), REQUEST_GUILD_MEMBERS. Sharding as on
  Discord: events routed by shard, 4011 past a session's guild limit, IDENTIFY buckets
  (``max_concurrency``) one per window, overlapping sessions counted (see gateway.py).
  Outgoing frames are zlib-stream compressed when the client asks (discord.py does, unless
  zstandard is installed: then it asks for zstd-stream and gets plain text frames, which it also
  reads).
* REST under ``/api/v10``: what login, ``channel.send``, interaction responses, follow-ups,
  command sync and a few more calls use; every response carries the rate-limit headers and the
  ``Via`` header discord.py reads (without ``Via`` it takes a 429 for a Cloudflare ban and
  raises instead of retrying).
* discord.py sends every message with a nonce and ``enforce_nonce``: a repeated nonce (a retry
  after a lost response, see ``fail_next(..., after=True)``) gets the earlier message back, as
  on Discord, and is counted in ``nonce_replays``.
* Everything is recorded (``requests``, ``messages``, ``interaction_responses``, ``followups``,
  ``edits``, ``command_syncs``, ``gateway_events``); faults and rate limits can be switched on
  at any time, and the network cut (``stop_network``, ``restore_network``).

Times (``at``) are ``time.monotonic()``. Paths are relative to the API base
(``/channels/1/messages``).

How the package is laid out: see ``standin.py``. This module re-exports every public name of
the single module the stand-in once was, so its importers are unchanged.
"""

from tests.standins.discord.constants import (
    ADD_REACTIONS,
    ADMINISTRATOR,
    ALL_PERMISSIONS,
    ANNOUNCEMENT_THREAD,
    API_VERSION,
    APPLICATION_FLAGS,
    APPLICATION_ID,
    ATTACH_FILES,
    BAN_MEMBERS,
    BOT_PERMISSIONS,
    BOT_USER_ID,
    BOT_USERNAME,
    CHANGE_NICKNAME,
    CLOSE_ALREADY_AUTHENTICATED,
    CLOSE_AUTHENTICATION_FAILED,
    CLOSE_DECODE_ERROR,
    CLOSE_DISALLOWED_INTENTS,
    CLOSE_INVALID_INTENTS,
    CLOSE_INVALID_SHARD,
    CLOSE_NOT_AUTHENTICATED,
    CLOSE_SHARDING_REQUIRED,
    CLOSE_UNKNOWN_ERROR,
    CLOSE_UNKNOWN_OPCODE,
    CONNECT,
    CREATE_INSTANT_INVITE,
    DISCORD_EPOCH_MS,
    DM,
    EMBED_LINKS,
    EPHEMERAL,
    EVERYONE_PERMISSIONS,
    GUILD_ANNOUNCEMENT,
    GUILD_CATEGORY,
    GUILD_TEXT,
    GUILD_VOICE,
    INTENT_DIRECT_MESSAGES,
    INTENT_GUILD_MEMBERS,
    INTENT_GUILD_MESSAGES,
    INTENT_GUILD_PRESENCES,
    INTENT_GUILDS,
    INTENT_MESSAGE_CONTENT,
    KICK_MEMBERS,
    LOADING,
    LOCALES,
    MANAGE_CHANNELS,
    MANAGE_GUILD,
    MANAGE_MESSAGES,
    MENTION_EVERYONE,
    NON_RESUMABLE_CLOSE,
    OWNER_USER_ID,
    PRIVATE_THREAD,
    PRIVILEGED_INTENTS,
    PUBLIC_THREAD,
    READ_MESSAGE_HISTORY,
    SEND_MESSAGES,
    SEND_MESSAGES_IN_THREADS,
    SPEAK,
    SUPPRESS_EMBEDS,
    TEXT_TYPES,
    THREAD_TYPES,
    USE_APPLICATION_COMMANDS,
    USE_EXTERNAL_EMOJIS,
    VIEW_CHANNEL,
)
from tests.standins.discord.errors import (
    ERRORS,
)
from tests.standins.discord.model import (
    BOT_USER,
    OWNER,
    Channel,
    Guild,
    Member,
    Role,
    User,
)
from tests.standins.discord.records import (
    Attached,
    ChannelMessage,
    CommandSync,
    Dispatched,
    Edit,
    Followup,
    GatewayConnection,
    GatewayEvent,
    InteractionResponse,
    Request,
)
from tests.standins.discord.standin import (
    DiscordStandIn,
    pointed_at,
)

__all__ = [
    "ADD_REACTIONS",
    "ADMINISTRATOR",
    "ALL_PERMISSIONS",
    "ANNOUNCEMENT_THREAD",
    "API_VERSION",
    "APPLICATION_FLAGS",
    "APPLICATION_ID",
    "ATTACH_FILES",
    "BAN_MEMBERS",
    "BOT_PERMISSIONS",
    "BOT_USER",
    "BOT_USERNAME",
    "BOT_USER_ID",
    "CHANGE_NICKNAME",
    "CLOSE_ALREADY_AUTHENTICATED",
    "CLOSE_AUTHENTICATION_FAILED",
    "CLOSE_DECODE_ERROR",
    "CLOSE_DISALLOWED_INTENTS",
    "CLOSE_INVALID_INTENTS",
    "CLOSE_INVALID_SHARD",
    "CLOSE_NOT_AUTHENTICATED",
    "CLOSE_SHARDING_REQUIRED",
    "CLOSE_UNKNOWN_ERROR",
    "CLOSE_UNKNOWN_OPCODE",
    "CONNECT",
    "CREATE_INSTANT_INVITE",
    "DISCORD_EPOCH_MS",
    "DM",
    "EMBED_LINKS",
    "EPHEMERAL",
    "ERRORS",
    "EVERYONE_PERMISSIONS",
    "GUILD_ANNOUNCEMENT",
    "GUILD_CATEGORY",
    "GUILD_TEXT",
    "GUILD_VOICE",
    "INTENT_DIRECT_MESSAGES",
    "INTENT_GUILDS",
    "INTENT_GUILD_MEMBERS",
    "INTENT_GUILD_MESSAGES",
    "INTENT_GUILD_PRESENCES",
    "INTENT_MESSAGE_CONTENT",
    "KICK_MEMBERS",
    "LOADING",
    "LOCALES",
    "MANAGE_CHANNELS",
    "MANAGE_GUILD",
    "MANAGE_MESSAGES",
    "MENTION_EVERYONE",
    "NON_RESUMABLE_CLOSE",
    "OWNER",
    "OWNER_USER_ID",
    "PRIVATE_THREAD",
    "PRIVILEGED_INTENTS",
    "PUBLIC_THREAD",
    "READ_MESSAGE_HISTORY",
    "SEND_MESSAGES",
    "SEND_MESSAGES_IN_THREADS",
    "SPEAK",
    "SUPPRESS_EMBEDS",
    "TEXT_TYPES",
    "THREAD_TYPES",
    "USE_APPLICATION_COMMANDS",
    "USE_EXTERNAL_EMOJIS",
    "VIEW_CHANNEL",
    "Attached",
    "Channel",
    "ChannelMessage",
    "CommandSync",
    "DiscordStandIn",
    "Dispatched",
    "Edit",
    "Followup",
    "GatewayConnection",
    "GatewayEvent",
    "Guild",
    "InteractionResponse",
    "Member",
    "Request",
    "Role",
    "User",
    "pointed_at",
]
