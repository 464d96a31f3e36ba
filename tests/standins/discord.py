"""A stand-in for Discord: the gateway websocket and the REST API on 127.0.0.1, good enough for
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
  (replays the events the session missed, then RESUMED), REQUEST_GUILD_MEMBERS. Outgoing frames
  are zlib-stream compressed when the client asks (discord.py does, unless zstandard is
  installed: then it asks for zstd-stream and gets plain text frames, which it also reads).
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
"""

from __future__ import annotations

import asyncio
import contextlib
import fnmatch
import hashlib
import itertools
import json
import math
import random
import re
import secrets
import time
import zlib
from collections import Counter
from collections.abc import Awaitable, Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, NamedTuple, TypeVar

import yarl
from aiohttp import WSCloseCode, WSMsgType, web

from tests.standins.common import LoopbackServer, LoopbackStandIn, wait_for

T = TypeVar("T")

# --- Constants ------------------------------------------------------------------------------

API_VERSION = 10
DISCORD_EPOCH_MS = 1_420_070_400_000

BOT_USER_ID = 1_290_000_000_000_000_001
APPLICATION_ID = 1_290_000_000_000_000_002  # deliberately not the bot user's id
BOT_USERNAME = "Ringkas"
OWNER_USER_ID = 1_290_000_000_000_000_003
APPLICATION_FLAGS = 1 << 23  # APPLICATION_COMMAND_BADGE: what a bot with slash commands has

# Permission bits (https://discord.com/developers/docs/topics/permissions).
CREATE_INSTANT_INVITE = 1 << 0
KICK_MEMBERS = 1 << 1
BAN_MEMBERS = 1 << 2
ADMINISTRATOR = 1 << 3
MANAGE_CHANNELS = 1 << 4
MANAGE_GUILD = 1 << 5
ADD_REACTIONS = 1 << 6
VIEW_CHANNEL = 1 << 10
SEND_MESSAGES = 1 << 11
MANAGE_MESSAGES = 1 << 13
EMBED_LINKS = 1 << 14
ATTACH_FILES = 1 << 15
READ_MESSAGE_HISTORY = 1 << 16
MENTION_EVERYONE = 1 << 17
USE_EXTERNAL_EMOJIS = 1 << 18
CONNECT = 1 << 20
SPEAK = 1 << 21
CHANGE_NICKNAME = 1 << 26
USE_APPLICATION_COMMANDS = 1 << 31
SEND_MESSAGES_IN_THREADS = 1 << 38
ALL_PERMISSIONS = (1 << 51) - 1

EVERYONE_PERMISSIONS = (
    CREATE_INSTANT_INVITE
    | ADD_REACTIONS
    | VIEW_CHANNEL
    | SEND_MESSAGES
    | EMBED_LINKS
    | ATTACH_FILES
    | READ_MESSAGE_HISTORY
    | USE_EXTERNAL_EMOJIS
    | CONNECT
    | SPEAK
    | CHANGE_NICKNAME
    | USE_APPLICATION_COMMANDS
    | SEND_MESSAGES_IN_THREADS
)
BOT_PERMISSIONS = EVERYONE_PERMISSIONS | MANAGE_MESSAGES

# Gateway intents.
INTENT_GUILDS = 1 << 0
INTENT_GUILD_MEMBERS = 1 << 1
INTENT_GUILD_PRESENCES = 1 << 8
INTENT_GUILD_MESSAGES = 1 << 9
INTENT_DIRECT_MESSAGES = 1 << 12
INTENT_MESSAGE_CONTENT = 1 << 15
PRIVILEGED_INTENTS = INTENT_GUILD_MEMBERS | INTENT_GUILD_PRESENCES | INTENT_MESSAGE_CONTENT

# Channel types.
GUILD_TEXT = 0
DM = 1
GUILD_VOICE = 2
GUILD_CATEGORY = 4
GUILD_ANNOUNCEMENT = 5
ANNOUNCEMENT_THREAD = 10
PUBLIC_THREAD = 11
PRIVATE_THREAD = 12
THREAD_TYPES = frozenset({ANNOUNCEMENT_THREAD, PUBLIC_THREAD, PRIVATE_THREAD})
TEXT_TYPES = frozenset({GUILD_TEXT, DM, GUILD_VOICE, GUILD_ANNOUNCEMENT}) | THREAD_TYPES

# Message flags.
EPHEMERAL = 1 << 6
LOADING = 1 << 7
SUPPRESS_EMBEDS = 1 << 2

# Locales Discord accepts in name_localizations/description_localizations.
_LOCALE_LIST = (
    "id da de en-GB en-US es-ES es-419 fr hr it lt hu nl no pl pt-BR ro fi sv-SE vi tr cs el bg ru"
    " uk hi th zh-CN ja zh-TW ko"
)
LOCALES = frozenset(_LOCALE_LIST.split(" "))

# Close codes.
CLOSE_UNKNOWN_ERROR = 4000
CLOSE_UNKNOWN_OPCODE = 4001
CLOSE_DECODE_ERROR = 4002
CLOSE_NOT_AUTHENTICATED = 4003
CLOSE_AUTHENTICATION_FAILED = 4004
CLOSE_ALREADY_AUTHENTICATED = 4005
CLOSE_INVALID_SHARD = 4010
CLOSE_INVALID_INTENTS = 4013
CLOSE_DISALLOWED_INTENTS = 4014
NON_RESUMABLE_CLOSE = frozenset({1000, 1001, 4004, 4010, 4011, 4012, 4013, 4014})

_COMMAND_NAME = re.compile(r"^[-_'\w]{1,32}$")
_API_PREFIX = re.compile(r"^/api/v\d+(?=/)")

# Error bodies Discord answers with (message, code).
ERRORS: dict[str, tuple[str, int]] = {
    "unknown_channel": ("Unknown Channel", 10003),
    "unknown_message": ("Unknown Message", 10008),
    "unknown_webhook": ("Unknown Webhook", 10015),
    "invalid_webhook_token": ("Invalid Webhook Token", 50027),
    "unknown_user": ("Unknown User", 10013),
    "unknown_interaction": ("Unknown interaction", 10062),
    "missing_access": ("Missing Access", 50001),
    "missing_permissions": ("Missing Permissions", 50013),
    "cannot_dm": ("Cannot send messages to this user", 50007),
    "empty_message": ("Cannot send an empty message", 50006),
    "not_author": ("Cannot edit a message authored by another user", 50005),
    "non_text": ("Cannot send messages in a non-text channel", 50008),
    "already_acknowledged": ("Interaction has already been acknowledged.", 40060),
}

_DEFAULT_FAULT_BODIES: dict[int, dict[str, Any]] = {
    400: {"message": "400: Bad Request", "code": 0},
    401: {"message": "401: Unauthorized", "code": 0},
    403: {"message": "Missing Access", "code": 50001},
    404: {"message": "404: Not Found", "code": 0},
    500: {"message": "500: Internal Server Error", "code": 0},
    502: {"message": "502: Bad Gateway", "code": 0},
    503: {"message": "503: Service Unavailable", "code": 0},
    504: {"message": "504: Gateway Timeout", "code": 0},
}


# --- Configuration ----------------------------------------------------------------------------


@dataclass(frozen=True)
class User:
    id: int
    username: str
    global_name: str | None = None
    bot: bool = False
    discriminator: str = "0"

    def payload(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "id": str(self.id),
            "username": self.username,
            "global_name": self.global_name,
            "discriminator": self.discriminator,
            "avatar": None,
            "public_flags": 0,
            "avatar_decoration_data": None,
        }
        if self.bot:
            data["bot"] = True
        return data


BOT_USER = User(BOT_USER_ID, BOT_USERNAME, bot=True, discriminator="4821")
OWNER = User(OWNER_USER_ID, "owner", global_name="Guild Owner")


@dataclass(frozen=True)
class Role:
    id: int
    name: str
    permissions: int = 0
    position: int = 1
    color: int = 0
    managed: bool = False

    def payload(self) -> dict[str, Any]:
        return {
            "id": str(self.id),
            "name": self.name,
            "permissions": str(self.permissions),
            "position": self.position,
            "color": self.color,
            "colors": {
                "primary_color": self.color,
                "secondary_color": None,
                "tertiary_color": None,
            },
            "hoist": False,
            "icon": None,
            "unicode_emoji": None,
            "managed": self.managed,
            "mentionable": False,
            "flags": 0,
        }


@dataclass(frozen=True)
class Channel:
    """A guild channel: text (0), announcement (5), voice (2), category (4), or a thread (10/11/12)
    whose ``parent_id`` is its text channel."""

    id: int
    name: str
    type: int = GUILD_TEXT
    position: int = 0
    topic: str | None = None
    parent_id: int | None = None
    nsfw: bool = False
    permission_overwrites: tuple[Mapping[str, Any], ...] = ()


@dataclass(frozen=True)
class Member:
    """A guild member. ``permissions`` are its resolved permissions (as an interaction's
    ``member.permissions`` carries them); None derives them from @everyone and its roles."""

    user: User
    roles: tuple[int, ...] = ()
    nick: str | None = None
    permissions: int | None = None


@dataclass
class Guild:
    id: int
    name: str
    channels: Sequence[Channel] = ()
    roles: Sequence[Role] = ()  # @everyone (id == guild id) is added unless given
    members: Sequence[Member] = ()  # the bot's member is added
    owner_id: int = OWNER_USER_ID
    locale: str = "en-US"
    everyone_permissions: int = EVERYONE_PERMISSIONS
    bot_permissions: int = BOT_PERMISSIONS  # of the bot's managed role
    member_count: int | None = None  # None: the number of members


# --- Records -----------------------------------------------------------------------------------


class Request(NamedTuple):
    method: str
    path: str  # relative to the API base, without the query
    json: Any  # the JSON body (for multipart: the payload_json part), or None
    at: float


@dataclass(frozen=True)
class ChannelMessage:
    """A message accepted by POST /channels/{id}/messages."""

    channel_id: int
    content: str | None
    embeds: list[dict[str, Any]]
    allowed_mentions: dict[str, Any] | None
    flags: int
    at: float
    id: int
    components: list[dict[str, Any]] = field(default_factory=list)
    attachments: list[str] = field(default_factory=list)  # file names
    message_reference: dict[str, Any] | None = None


@dataclass(frozen=True)
class InteractionResponse:
    """One accepted POST /interactions/{id}/{token}/callback."""

    interaction_id: int
    token: str
    type: int  # 4 message, 5 deferred message, 6 deferred update, 7 update, 8 autocomplete, 9 modal
    data: dict[str, Any] | None
    at: float

    @property
    def flags(self) -> int:
        return int((self.data or {}).get("flags") or 0)

    @property
    def content(self) -> str | None:
        return (self.data or {}).get("content")

    @property
    def ephemeral(self) -> bool:
        return bool(self.flags & EPHEMERAL)

    @property
    def choices(self) -> list[dict[str, Any]]:
        return list((self.data or {}).get("choices") or [])


@dataclass(frozen=True)
class Followup:
    """One accepted POST /webhooks/{application_id}/{token}."""

    token: str
    id: int
    content: str | None
    embeds: list[dict[str, Any]]
    allowed_mentions: dict[str, Any] | None
    flags: int
    components: list[dict[str, Any]]
    at: float

    @property
    def ephemeral(self) -> bool:
        return bool(self.flags & EPHEMERAL)


@dataclass(frozen=True)
class Edit:
    """An accepted edit (or deletion, json None) of a message: ``via`` is "channel" (PATCH
    /channels/…/messages/…), "original" (…/messages/@original) or "webhook" (a follow-up)."""

    via: str
    message_id: int
    json: dict[str, Any] | None
    at: float
    token: str | None = None


@dataclass(frozen=True)
class CommandSync:
    guild_id: int | None  # None: global
    commands: list[dict[str, Any]]  # as sent
    at: float


@dataclass(frozen=True)
class GatewayEvent:
    """A frame the client sent on the gateway."""

    op: int
    d: Any
    at: float
    connection: int  # 1, 2, … in order of connection

    @property
    def name(self) -> str:
        return _OP_NAMES.get(self.op, f"OP{self.op}")


_OP_NAMES = {
    1: "HEARTBEAT",
    2: "IDENTIFY",
    3: "PRESENCE_UPDATE",
    4: "VOICE_STATE_UPDATE",
    6: "RESUME",
    8: "REQUEST_GUILD_MEMBERS",
}


@dataclass(frozen=True)
class GatewayConnection:
    """A websocket connection to the gateway: ``path`` is "/" (the gateway URL) or "/resume"
    (the resume_gateway_url READY gave); ``query`` holds v, encoding, compress."""

    number: int
    path: str
    query: dict[str, str]
    at: float


@dataclass(frozen=True)
class Dispatched:
    """An INTERACTION_CREATE that was dispatched."""

    id: int
    token: str
    type: int
    guild_id: int | None
    channel_id: int
    payload: dict[str, Any]
    application_id: int = APPLICATION_ID


# --- Internals ---------------------------------------------------------------------------------


class _Snowflakes:
    def __init__(self) -> None:
        self._counter = itertools.count()

    def __call__(self) -> int:
        ms = int(time.time() * 1000) - DISCORD_EPOCH_MS
        return (ms << 22) | (1 << 17) | (next(self._counter) & 0xFFF)


def _timestamp(snowflake: int) -> str:
    ms = (snowflake >> 22) + DISCORD_EPOCH_MS
    return datetime.fromtimestamp(ms / 1000, tz=UTC).isoformat()


def _now_iso() -> str:
    return datetime.now(UTC).isoformat()


class _Conn:
    def __init__(
        self,
        number: int,
        ws: web.WebSocketResponse,
        compress: str | None,
        path: str,
        transport: Any,
    ) -> None:
        self.number = number
        self.ws = ws
        self.transport = transport
        self.path = path
        self.compress = compress
        self.zlib = zlib.compressobj() if compress == "zlib-stream" else None
        self.lock = asyncio.Lock()
        self.session: _Session | None = None
        self.closed_by_server = False

    async def send(self, payload: Mapping[str, Any]) -> bool:
        text = json.dumps(payload, separators=(",", ":"))
        async with self.lock:
            if self.ws.closed:
                return False
            try:
                if self.zlib is not None:
                    data = self.zlib.compress(text.encode()) + self.zlib.flush(zlib.Z_SYNC_FLUSH)
                    await self.ws.send_bytes(data)
                else:
                    await self.ws.send_str(text)
            except (ConnectionError, RuntimeError):
                return False
            return True


class _Session:
    def __init__(self, id: str, token: str, intents: int, shard: tuple[int, int] | None) -> None:
        self.id = id
        self.token = token
        self.intents = intents
        self.shard = shard
        self.seq = 0
        self.buffer: list[dict[str, Any]] = []
        self.conn: _Conn | None = None
        self.lock = asyncio.Lock()
        self.ended = False

    def wants(self, guild_id: int | None) -> bool:
        if self.shard is None:
            return True
        shard_id, count = self.shard
        if guild_id is None:
            return shard_id == 0
        return (guild_id >> 22) % count == shard_id


@dataclass
class _Interaction:
    id: int
    token: str
    type: int
    guild_id: int | None
    channel_id: int
    user_id: int
    at: float
    source_message_id: int | None = None
    acknowledged: int | None = None  # the response type
    original_id: int | None = None
    followup_ids: list[int] = field(default_factory=list)
    expired: bool = False  # see DiscordStandIn.expire_interaction


@dataclass
class _Rule:
    method: str
    pattern: str
    count: int
    status: int = 0
    body: Any = None
    delay: float = 0.0
    headers: Mapping[str, str] = field(default_factory=dict)
    after: bool = False  # handle the request first (its effects happen), then fault the answer
    # A chaos timeout carried out after its hang (see `faults`): counted once the request was
    # handled, as "carried out late" in `faults_injected`.
    carried_out_late: bool = False

    def matches(self, method: str, path: str) -> bool:
        if self.method not in ("*", method):
            return False
        if "*" in self.pattern or "?" in self.pattern:
            return fnmatch.fnmatchcase(path, self.pattern)
        return path.startswith(self.pattern)


class _TokenBucket:
    def __init__(self, rate: float, burst: float) -> None:
        self.rate = rate
        self.capacity = burst
        self.tokens = burst
        self.last = time.monotonic()

    def take(self) -> float:
        """Take a token: 0 if there was one, else the seconds until there is."""
        now = time.monotonic()
        self.tokens = min(self.capacity, self.tokens + (now - self.last) * self.rate)
        self.last = now
        if self.tokens >= 1.0:
            self.tokens -= 1.0
            return 0.0
        return (1.0 - self.tokens) / self.rate


class _Reply(Exception):
    """Raised by a route handler to answer with an error."""

    def __init__(self, status: int, body: Any, headers: Mapping[str, str] | None = None) -> None:
        super().__init__(status, body)
        self.status = status
        self.body = body
        self.headers = dict(headers or {})


def _error(status: int, key: str) -> _Reply:
    message, code = ERRORS[key]
    return _Reply(status, {"message": message, "code": code})


def _form_error(errors: dict[str, Any]) -> _Reply:
    return _Reply(400, {"message": "Invalid Form Body", "code": 50035, "errors": errors})


def _put_error(tree: dict[str, Any], path: Sequence[str | int], code: str, message: str) -> None:
    node = tree
    for key in path:
        node = node.setdefault(str(key), {})
    node.setdefault("_errors", []).append({"code": code, "message": message})


def _truthy(value: str | None) -> bool:
    return (value or "").lower() in ("1", "true", "yes")


# --- The stand-in ------------------------------------------------------------------------------


Handler = Callable[[web.Request, "re.Match[str]", Any], Awaitable[web.StreamResponse]]


class DiscordStandIn(LoopbackStandIn):
    """Discord's gateway and REST API on 127.0.0.1 (an ephemeral port); see the module docstring.

    ``heartbeat_interval`` is in seconds (sent as milliseconds in HELLO). ``shards`` is what
    /gateway/bot recommends. ``bucket_limit`` requests per ``bucket_window`` seconds is what the
    X-RateLimit headers report per route and major parameter (reported, never enforced: at
    Remaining 0 discord.py waits for the reset by itself). An interaction must be answered within
    ``callback_deadline`` seconds (None: no limit), as on Discord (3 s).
    """

    def __init__(
        self,
        token: str = "standin-token",
        guilds: Sequence[Guild] = (),
        *,
        users: Sequence[User] = (),
        heartbeat_interval: float = 41.25,
        shards: int = 1,
        allowed_privileged_intents: int = PRIVILEGED_INTENTS,
        bucket_limit: int = 50,
        bucket_window: float = 1.0,
        callback_deadline: float | None = 3.0,
        echo_own_messages: bool = True,
    ) -> None:
        self.token = token
        self.guilds: list[Guild] = list(guilds)
        self.heartbeat_interval = heartbeat_interval
        self.shards = shards
        self.allowed_privileged_intents = allowed_privileged_intents
        self.bucket_limit = bucket_limit
        self.bucket_window = bucket_window
        self.callback_deadline = callback_deadline
        self.echo_own_messages = echo_own_messages
        self.ack_heartbeats = True

        # Records.
        self.requests: list[Request] = []
        self.messages: list[ChannelMessage] = []
        self.interaction_responses: list[InteractionResponse] = []
        self.followups: list[Followup] = []
        self.edits: list[Edit] = []
        self.command_syncs: list[CommandSync] = []
        self.gateway_events: list[GatewayEvent] = []
        self.dispatched: list[Dispatched] = []
        self.rejected_429 = 0
        self.faults_injected: Counter[str] = Counter()
        self.connections: list[GatewayConnection] = []

        self._snowflake = _Snowflakes()
        self._users: dict[int, User] = {BOT_USER.id: BOT_USER, OWNER.id: OWNER}
        for user in users:
            self._users[user.id] = user
        self._bot_roles: dict[int, int] = {}
        self._channels: dict[int, tuple[Guild | None, Channel]] = {}
        for guild in self.guilds:
            self._bot_roles[guild.id] = self._snowflake()
            for channel in guild.channels:
                self._channels[channel.id] = (guild, channel)
            for member in guild.members:
                self._users[member.user.id] = member.user
        self._dm_channels: dict[int, int] = {}  # user id -> DM channel id
        self._dm_recipients: dict[int, int] = {}  # DM channel id -> user id
        self._forbidden: dict[int, int] = {}  # channel id -> error code
        self._deleted: set[int] = set()
        self._blocked_dms: set[int] = set()
        self._stored: dict[int, dict[str, Any]] = {}  # message id -> payload
        self._nonces: dict[tuple[int, str], int] = {}  # (channel id, nonce) -> message id
        self.nonce_replays = 0  # sends answered with the earlier message (enforce_nonce)
        self._interactions: dict[str, _Interaction] = {}  # token -> interaction
        self._global_commands: list[dict[str, Any]] = []
        self._guild_commands: dict[int, list[dict[str, Any]]] = {}
        self._command_ids: dict[tuple[int | None, str, int], int] = {}
        self._rules: list[_Rule] = []
        self._global: _TokenBucket | None = None
        self._random: dict[str, Any] | None = None
        self._rng = random.Random(0)
        self._buckets: dict[tuple[str, str], list[float]] = {}
        self._sessions: dict[str, _Session] = {}
        self._open: set[_Conn] = set()
        self._network_cut = False  # see stop_network
        self._stopping = asyncio.Event()
        self._server = LoopbackServer()
        self._routes: list[tuple[str, re.Pattern[str], Handler, bool]] = []
        self._install_routes()

    # -- Lifecycle --

    async def start(self) -> None:
        app = web.Application()
        app.router.add_route("*", "/{tail:.*}", self._handle)
        await self._server.start(app)

    async def stop(self) -> None:
        self._stopping.set()
        for conn in list(self._open):
            conn.closed_by_server = True
            with contextlib.suppress(Exception):
                await asyncio.wait_for(conn.ws.close(code=WSCloseCode.GOING_AWAY), 2.0)
        await self._server.stop()

    @property
    def api_base(self) -> str:
        return self._server.url("http", f"/api/v{API_VERSION}")

    @property
    def gateway_url(self) -> str:
        return self._server.url("ws", "/")

    @property
    def resume_gateway_url(self) -> str:
        return self._server.url("ws", "/resume")

    @property
    def bot_user(self) -> User:
        return BOT_USER

    @property
    def application_id(self) -> int:
        return APPLICATION_ID

    # -- Faults and limits (any time) --

    def forbid(self, channel_id: int, *, code: int = 50001) -> None:
        """Requests on the channel answer 403: 50001 Missing Access (or 50013 Missing
        Permissions)."""
        self._forbidden[channel_id] = code

    def allow(self, channel_id: int) -> None:
        self._forbidden.pop(channel_id, None)

    def delete_channel(self, channel_id: int) -> None:
        """Requests on the channel answer 404 Unknown Channel (10003)."""
        self._deleted.add(channel_id)

    def block_dms(self, user_id: int) -> None:
        """Messages to the user's DM channel answer 403 (50007 Cannot send messages to this
        user)."""
        self._blocked_dms.add(user_id)

    def expire_interaction(self, interaction: Dispatched | int | str) -> None:
        """The interaction's token expires, as Discord's do 15 minutes after the interaction:
        from now on every webhook request with it (a follow-up; getting, editing or deleting
        its original response or a follow-up) answers 401 Invalid Webhook Token (50027), and
        its callback 404 Unknown interaction."""
        self._interactions[self._token_of(interaction)].expired = True

    def fail_next(
        self,
        method: str,
        path_prefix: str,
        status: int,
        count: int = 1,
        json: Any = None,
        *,
        retry_after: float = 0.05,
        headers: Mapping[str, str] | None = None,
        after: bool = False,
    ) -> None:
        """The next ``count`` requests matching answer ``status`` (with ``json`` or Discord's usual
        body). ``method`` may be "*"; ``path_prefix`` is relative to the API base, a prefix or a
        glob ("/channels/*/messages"). A 429 carries ``retry_after`` (not global). With ``after``
        the request is handled first (a message is sent and recorded) and only the answer fails:
        a lost response."""
        if json is None:
            if status == 429:
                json = {
                    "message": "You are being rate limited.",
                    "retry_after": retry_after,
                    "global": False,
                }
            else:
                json = _DEFAULT_FAULT_BODIES.get(status, {"message": f"{status}", "code": 0})
        extra = dict(headers or {})
        if status == 429:
            extra.setdefault("Retry-After", str(math.ceil(retry_after)))
            extra.setdefault("X-RateLimit-Scope", "user")
        self._rules.append(
            _Rule(
                method.upper(),
                self._relative(path_prefix),
                count,
                status=status,
                body=json,
                headers=extra,
                after=after,
            )
        )

    def delay_next(
        self, method: str, path_prefix: str, seconds: float, count: int = 1, *, after: bool = False
    ) -> None:
        """Hold the next ``count`` matching requests for ``seconds`` before handling them (with
        ``after``: handle them, then hold the answer)."""
        rule = _Rule(method.upper(), self._relative(path_prefix), count, delay=seconds, after=after)
        self._rules.append(rule)

    def clear_faults(self) -> None:
        self._rules.clear()
        self._random = None

    def faults(
        self,
        p500: float = 0.0,
        p_timeout: float = 0.0,
        p429: float = 0.0,
        seed: int = 0,
        *,
        paths: Sequence[str] = ("/channels/", "/interactions/", "/webhooks/"),
        retry_after: float = 0.05,
        hang: float = 30.0,
        carry_out_late: bool = False,
    ) -> None:
        """Random faults on requests under ``paths``: 500, 429 (``retry_after``) or a hang of
        ``hang`` seconds (then 504), drawn from a Random(seed). All zero switches them off.

        With ``carry_out_late`` a hung request is then carried out all the same (a message is
        sent and recorded) and still answered 504, as when Discord's proxy gives up waiting on
        a slow backend: the client's retry is the one a nonce must catch."""
        if p500 <= 0 and p_timeout <= 0 and p429 <= 0:
            self._random = None
            return
        self._rng = random.Random(seed)
        self._random = {
            "p500": p500,
            "p429": p429,
            "p_timeout": p_timeout,
            "paths": tuple(self._relative(p) for p in paths),
            "retry_after": retry_after,
            "hang": hang,
            "carry_out_late": carry_out_late,
        }

    def limit_global(self, per_second: float | None, burst: float | None = None) -> None:
        """A global token bucket over POST /channels/*/messages (None: off)."""
        if per_second is None or per_second <= 0:
            self._global = None
        else:
            self._global = _TokenBucket(
                per_second, burst if burst is not None else max(1.0, per_second)
            )

    # -- Queries --

    def duplicates(self) -> dict[tuple[int, str | None], int]:
        """(channel id, content) sent more than once, with how often."""
        counts = Counter((m.channel_id, m.content) for m in self.messages)
        return {key: n for key, n in counts.items() if n > 1}

    def messages_in(self, channel_id: int) -> list[ChannelMessage]:
        return [m for m in self.messages if m.channel_id == channel_id]

    def responses_for(self, interaction: Dispatched | int | str) -> list[InteractionResponse]:
        token = self._token_of(interaction)
        return [r for r in self.interaction_responses if r.token == token]

    def followups_for(self, interaction: Dispatched | int | str) -> list[Followup]:
        token = self._token_of(interaction)
        return [f for f in self.followups if f.token == token]

    def original_response(self, interaction: Dispatched | int | str) -> dict[str, Any] | None:
        """The interaction's original response message as it stands (after edits), or None."""
        it = self._interactions.get(self._token_of(interaction))
        if it is None or it.original_id is None:
            return None
        return self._stored.get(it.original_id)

    def dm_channel_id(self, user_id: int) -> int | None:
        """The id of the bot's DM channel with the user, once one was opened."""
        return self._dm_channels.get(user_id)

    def stored_message(self, message_id: int) -> dict[str, Any] | None:
        """Any message the stand-in knows: sent to a channel, an interaction response, a
        follow-up."""
        return self._stored.get(message_id)

    def commands(self, guild_id: int | None = None) -> list[dict[str, Any]]:
        """The registered commands (global, or the guild's), as returned with ids."""
        if guild_id is None:
            return list(self._global_commands)
        return list(self._guild_commands.get(guild_id, []))

    def requests_to(self, method: str, path_pattern: str) -> list[Request]:
        rule = _Rule(method.upper(), self._relative(path_pattern), 0)
        return [r for r in self.requests if rule.matches(r.method, r.path)]

    @property
    def identifies(self) -> list[GatewayEvent]:
        return [e for e in self.gateway_events if e.op == 2]

    @property
    def resumes(self) -> list[GatewayEvent]:
        return [e for e in self.gateway_events if e.op == 6]

    @property
    def heartbeats(self) -> list[GatewayEvent]:
        return [e for e in self.gateway_events if e.op == 1]

    @property
    def sessions(self) -> list[str]:
        """The ids of the sessions still alive (connected, or resumable)."""
        return [s.id for s in self._sessions.values() if not s.ended]

    @property
    def connected(self) -> bool:
        """Whether some identified session has an open connection."""
        return any(s.conn is not None and not s.ended for s in self._sessions.values())

    async def wait_for(
        self, predicate: Callable[[], T], timeout: float = 5.0, what: str | None = None
    ) -> T:
        """Poll ``predicate`` every 10 ms until it returns something truthy, and return that."""
        return await wait_for(predicate, timeout, what, self.summary)

    async def wait_connected(self, timeout: float = 5.0) -> None:
        """Wait until a client has identified (or resumed) and holds an open connection."""
        await self.wait_for(lambda: self.connected, timeout, "a connected gateway session")

    def summary(self) -> str:
        lines = [
            f"requests ({len(self.requests)}), last ones:",
            *(f"  {r.method} {r.path} {_short(r.json)}" for r in self.requests[-8:]),
            f"messages: {len(self.messages)}; interaction responses:"
            f" {len(self.interaction_responses)}; follow-ups: {len(self.followups)};"
            f" edits: {len(self.edits)}; command syncs: {len(self.command_syncs)};"
            f" 429s: {self.rejected_429}",
            "gateway: "
            + ", ".join(f"{e.name}#{e.connection}" for e in self.gateway_events[-12:] if e.op != 1)
            + f" ({len(self.heartbeats)} heartbeats; connected: {self.connected})",
        ]
        return "\n".join(lines)

    # -- Gateway helpers for tests --

    async def drop_gateway(self, code: int = CLOSE_UNKNOWN_ERROR, *, abort: bool = False) -> None:
        """Close every open gateway connection with ``code`` (4000 by default: the client may
        resume), or ``abort`` the TCP connections without a close frame. Sessions stay resumable
        unless the code is one that ends a session (1000, 1001, 4004, …)."""
        for conn in list(self._open):
            conn.closed_by_server = True
            if conn.session is not None:
                if conn.session.conn is conn:
                    conn.session.conn = None
                if code in NON_RESUMABLE_CLOSE and not abort:
                    conn.session.ended = True
            if abort:
                if conn.transport is not None:
                    conn.transport.abort()
            else:
                with contextlib.suppress(Exception):
                    await asyncio.wait_for(
                        conn.ws.close(code=code, message=b"stand-in dropped the connection"), 2.0
                    )

    async def request_reconnect(self) -> None:
        """Send op 7 RECONNECT on every open connection (the client closes and resumes)."""
        for conn in list(self._open):
            await conn.send({"op": 7, "d": None, "s": None, "t": None})

    async def invalidate_sessions(self, resumable: bool = False) -> None:
        """Send op 9 INVALID_SESSION; unless ``resumable`` the sessions end (the client identifies
        anew, which discord.py delays by 5 s)."""
        for conn in list(self._open):
            if conn.session is not None and not resumable:
                conn.session.ended = True
            await conn.send({"op": 9, "d": resumable, "s": None, "t": None})

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

    async def send_raw_frame(self, text: str) -> int:
        """Send ``text`` as it is (not JSON, say) as one frame on every open gateway connection,
        uncompressed; returns how many connections got it."""
        sent = 0
        for conn in list(self._open):
            async with conn.lock:
                if conn.ws.closed:
                    continue
                with contextlib.suppress(ConnectionError, RuntimeError):
                    await conn.ws.send_str(text)
                    sent += 1
        return sent

    async def dispatch(
        self, event: str, data: Mapping[str, Any], *, guild_id: int | None = None
    ) -> int:
        """Dispatch any event to the live sessions (those of the guild's shard); returns how many
        sessions got it. A session that is disconnected gets it on RESUME."""
        sessions = [s for s in self._sessions.values() if not s.ended and s.wants(guild_id)]
        for session in sessions:
            await self._dispatch(session, event, dict(data))
        return len(sessions)

    async def send_user_message(
        self, channel_id: int, content: str, *, author: User, mentions: Sequence[User] = ()
    ) -> int:
        """A user posts a message: MESSAGE_CREATE to the sessions with the intents to see it
        (content only with MESSAGE_CONTENT, in DMs, or when the bot is mentioned). Returns its
        id."""
        self._users.setdefault(author.id, author)
        if channel_id not in self._channels:
            raise AssertionError(f"unknown channel {channel_id}")
        guild, _ = self._channels[channel_id]
        message_id = self._snowflake()
        payload = self._message_payload(
            message_id, channel_id, {"content": content}, author=author, guild=guild
        )
        payload["mentions"] = [u.payload() for u in mentions]
        if guild is not None:
            payload["member"] = self._member_payload(
                guild, self._member(guild, author), with_user=False
            )
        self._stored[message_id] = payload
        need = INTENT_GUILD_MESSAGES if guild is not None else INTENT_DIRECT_MESSAGES
        for session in [s for s in self._sessions.values() if not s.ended]:
            if not session.intents & need or not session.wants(guild.id if guild else None):
                continue
            data = dict(payload)
            sees_content = (
                session.intents & INTENT_MESSAGE_CONTENT
                or guild is None
                or any(u.id == BOT_USER_ID for u in mentions)
            )
            if not sees_content:
                data.update(content="", embeds=[], attachments=[], components=[])
            await self._dispatch(session, "MESSAGE_CREATE", data)
        return message_id

    # -- Interactions --

    async def dispatch_interaction(
        self,
        name: str,
        options: Mapping[str, Any] | Sequence[Mapping[str, Any]] | None = None,
        *,
        channel_id: int | None = None,
        user: User | Member | None = None,
        dm: bool = False,
        permissions: int | None = None,
        locale: str = "en-US",
        focused: str | None = None,
    ) -> Dispatched:
        """Dispatch INTERACTION_CREATE for the slash command ``name`` ("group sub" for a
        subcommand), type 2, or an autocomplete (type 4) when ``focused`` names the option being
        typed. ``options`` maps names to values (types from the synced command, else from the
        values) or is the raw option list. In ``channel_id`` (default: the first guild's first
        text channel), or in the user's DM when ``dm``. ``permissions`` overrides the member's
        resolved permissions (a bit field, e.g. without MANAGE_CHANNELS)."""
        guild, channel_id = self._where(channel_id, dm, user)
        parts = name.split()
        command = self._find_command(parts[0], guild.id if guild else None)
        data: dict[str, Any] = {
            "id": str(command["id"]) if command else str(self._command_id(None, parts[0], 1)),
            "name": parts[0],
            "type": 1,
        }
        if command and command.get("guild_id"):
            data["guild_id"] = command["guild_id"]
        built = self._build_options(command, parts[1:], options, focused)
        if built:
            data["options"] = built
        kind = 4 if focused is not None else 2
        return await self._dispatch_interaction(
            kind,
            data,
            guild=guild,
            channel_id=channel_id,
            user=user,
            permissions=permissions,
            locale=locale,
        )

    async def dispatch_autocomplete(
        self,
        name: str,
        options: Mapping[str, Any] | Sequence[Mapping[str, Any]] | None,
        focused: str,
        **kwargs: Any,
    ) -> Dispatched:
        """An autocomplete interaction (type 4): ``focused`` is the option being typed."""
        return await self.dispatch_interaction(name, options, focused=focused, **kwargs)

    async def dispatch_component(
        self,
        message_id: int,
        custom_id: str,
        *,
        user: User | Member | None = None,
        component_type: int = 2,
        values: Sequence[str] | None = None,
        permissions: int | None = None,
        locale: str = "en-US",
    ) -> Dispatched:
        """A press on a button (component_type 2) or a choice in a select menu (3, with ``values``)
        of a message the bot sent (through any route)."""
        message = self._stored.get(message_id)
        if message is None:
            raise AssertionError(f"no message {message_id} to press a component of")
        channel_id = int(message["channel_id"])
        guild, _ = self._channel(channel_id)
        data: dict[str, Any] = {"custom_id": custom_id, "component_type": component_type}
        if values is not None:
            data["values"] = list(values)
        return await self._dispatch_interaction(
            3,
            data,
            guild=guild,
            channel_id=channel_id,
            user=user,
            permissions=permissions,
            locale=locale,
            message=message,
        )

    # -- Routing --

    def _install_routes(self) -> None:
        snow = r"(?P<{}>\d+)"
        tok = r"(?P<token>[^/]+)"
        add = self._routes.append
        add(("GET", re.compile(r"/users/@me"), self._get_me, True))
        add(("GET", re.compile(r"/users/" + snow.format("user")), self._get_user, True))
        add(("POST", re.compile(r"/users/@me/channels"), self._create_dm, True))
        add(("GET", re.compile(r"/oauth2/applications/@me"), self._get_application, True))
        add(("GET", re.compile(r"/applications/@me"), self._get_application, True))
        add(("GET", re.compile(r"/gateway"), self._get_gateway, False))
        add(("GET", re.compile(r"/gateway/bot"), self._get_gateway_bot, True))
        add(("GET", re.compile(r"/channels/" + snow.format("channel")), self._get_channel, True))
        add(
            (
                "POST",
                re.compile(r"/channels/" + snow.format("channel") + "/messages"),
                self._post_message,
                True,
            )
        )
        add(
            (
                "POST",
                re.compile(r"/channels/" + snow.format("channel") + "/typing"),
                self._typing,
                True,
            )
        )
        msg = r"/channels/" + snow.format("channel") + "/messages/" + snow.format("message")
        add(("GET", re.compile(msg), self._get_message, True))
        add(("PATCH", re.compile(msg), self._patch_message, True))
        add(("DELETE", re.compile(msg), self._delete_message, True))
        add(
            (
                "POST",
                re.compile(r"/interactions/" + snow.format("id") + "/" + tok + "/callback"),
                self._callback,
                False,
            )
        )
        hook = r"/webhooks/" + snow.format("app") + "/" + tok
        add(("POST", re.compile(hook), self._post_followup, False))
        add(
            (
                "GET",
                re.compile(hook + r"/messages/(?P<message>@original|\d+)"),
                self._get_webhook_message,
                False,
            )
        )
        add(
            (
                "PATCH",
                re.compile(hook + r"/messages/(?P<message>@original|\d+)"),
                self._patch_webhook_message,
                False,
            )
        )
        add(
            (
                "DELETE",
                re.compile(hook + r"/messages/(?P<message>@original|\d+)"),
                self._delete_webhook_message,
                False,
            )
        )
        apps = r"/applications/" + snow.format("app")
        add(("GET", re.compile(apps + "/commands"), self._get_commands, True))
        add(("PUT", re.compile(apps + "/commands"), self._put_commands, True))
        add(
            (
                "GET",
                re.compile(apps + "/guilds/" + snow.format("guild") + "/commands"),
                self._get_commands,
                True,
            )
        )
        add(
            (
                "PUT",
                re.compile(apps + "/guilds/" + snow.format("guild") + "/commands"),
                self._put_commands,
                True,
            )
        )

    async def _handle(self, request: web.Request) -> web.StreamResponse:
        if self._network_cut:  # the request never reached Discord: its connection is closed
            if request.transport is not None:
                request.transport.close()
            return web.Response(status=500)  # never written: the connection is gone
        if (
            request.path in ("/", "/resume")
            and request.headers.get("Upgrade", "").lower() == "websocket"
        ):
            return await self._gateway(request)
        at = time.monotonic()
        m = _API_PREFIX.match(request.path)
        path = request.path[m.end() :] if m else request.path
        body = await self._read_body(request)
        self.requests.append(Request(request.method, path, body, at))
        headers = self._ratelimit_headers(request.method, path)
        try:
            if m is None:
                raise _Reply(404, {"message": "404: Not Found", "code": 0})
            late = await self._apply_faults(request.method, path)
            for method, pattern, handler, auth in self._routes:
                match = pattern.fullmatch(path)
                if match is None:
                    continue
                if method != request.method:
                    continue
                if auth and request.headers.get("Authorization") != f"Bot {self.token}":
                    raise _Reply(401, {"message": "401: Unauthorized", "code": 0})
                response = await handler(request, match, body)
                for rule in late:
                    await self._fault(rule)
                response.headers.update(headers)
                return response
            if any(p.fullmatch(path) for _, p, _, _ in self._routes):
                raise _Reply(405, {"message": "405: Method Not Allowed", "code": 0})
            raise _Reply(404, {"message": "404: Not Found", "code": 0})
        except _Reply as reply:
            if reply.status == 429:
                self.rejected_429 += 1
            headers.update(reply.headers)
            return self._json(reply.body, reply.status, headers)

    @staticmethod
    def _json(
        payload: Any, status: int = 200, headers: Mapping[str, str] | None = None
    ) -> web.Response:
        """JSON with Content-Type exactly application/json (discord.py parses nothing else)."""
        out = {"Content-Type": "application/json", "Via": "1.1 google"}
        out.update(headers or {})
        return web.Response(body=json.dumps(payload).encode(), status=status, headers=out)

    @staticmethod
    def _no_content() -> web.Response:
        return web.Response(status=204, headers={"Via": "1.1 google"})

    async def _read_body(self, request: web.Request) -> Any:
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
            files = [
                {"field": key, "filename": value.filename, "size": len(value.file.read())}
                for key, value in form.items()
                if isinstance(value, web.FileField)
            ]
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

    def _relative(self, path: str) -> str:
        m = _API_PREFIX.match(path)
        return path[m.end() :] if m else path

    def _ratelimit_headers(self, method: str, path: str) -> dict[str, str]:
        template = re.sub(r"/\d+", "/{id}", path)
        template = re.sub(r"^/(webhooks|interactions)/\{id\}/[^/]+", r"/\1/{id}/{token}", template)
        major_match = re.match(
            r"^/(channels|guilds|webhooks|interactions)/(\d+)(?:/([^/]+))?", path
        )
        major = ""
        if major_match:
            major = major_match.group(2)
            if major_match.group(1) in ("webhooks", "interactions") and major_match.group(3):
                major += "/" + major_match.group(3)
        key = (f"{method} {template}", major)
        now = time.monotonic()
        state = self._buckets.get(key)
        if state is None or now >= state[0] + self.bucket_window:
            state = self._buckets[key] = [now, 0.0]
        state[1] += 1
        reset_after = max(0.0, state[0] + self.bucket_window - now)
        return {
            "X-RateLimit-Limit": str(self.bucket_limit),
            "X-RateLimit-Remaining": str(max(0, self.bucket_limit - int(state[1]))),
            "X-RateLimit-Reset": f"{time.time() + reset_after:.3f}",
            "X-RateLimit-Reset-After": f"{reset_after:.3f}",
            "X-RateLimit-Bucket": hashlib.sha1(key[0].encode()).hexdigest()[:32],
        }

    async def _apply_faults(self, method: str, path: str) -> list[_Rule]:
        """Apply the faults due before handling; return those due after."""
        late: list[_Rule] = []
        for rule in list(self._rules):
            if rule.count <= 0 or not rule.matches(method, path):
                continue
            rule.count -= 1
            if rule.count <= 0:
                self._rules.remove(rule)
            if rule.after:
                late.append(rule)
            else:
                await self._fault(rule)
        chaos = self._random
        if chaos is None or not any(path.startswith(p) for p in chaos["paths"]):
            return late
        draw = self._rng.random()
        if draw < chaos["p500"]:
            self.faults_injected["500"] += 1
            raise _Reply(500, _DEFAULT_FAULT_BODIES[500])
        draw -= chaos["p500"]
        if draw < chaos["p429"]:
            self.faults_injected["429"] += 1
            retry = chaos["retry_after"]
            raise _Reply(
                429,
                {"message": "You are being rate limited.", "retry_after": retry, "global": False},
                {
                    "Retry-After": str(math.ceil(retry)),
                    "X-RateLimit-Scope": "user",
                    "X-RateLimit-Remaining": "0",
                },
            )
        draw -= chaos["p429"]
        if draw < chaos["p_timeout"]:
            self.faults_injected["timeout"] += 1
            await self._hang(chaos["hang"])
            if chaos.get("carry_out_late"):
                timeout = _Rule("*", "", 0, 504, _DEFAULT_FAULT_BODIES[504], carried_out_late=True)
                return [*late, timeout]  # handled first, then answered 504
            raise _Reply(504, _DEFAULT_FAULT_BODIES[504])
        return late

    async def _fault(self, rule: _Rule) -> None:
        if rule.carried_out_late:
            self.faults_injected["carried out late"] += 1
        if rule.delay:
            self.faults_injected["delay"] += 1
            await self._hang(rule.delay)
        if rule.status:
            self.faults_injected[str(rule.status)] += 1
            raise _Reply(rule.status, rule.body, rule.headers)

    async def _hang(self, seconds: float) -> None:
        with contextlib.suppress(asyncio.TimeoutError):
            await asyncio.wait_for(self._stopping.wait(), seconds)
        if self._stopping.is_set():
            raise _Reply(503, _DEFAULT_FAULT_BODIES[503])

    # -- REST: users, application, gateway --

    def _bot_user_payload(self) -> dict[str, Any]:
        data = BOT_USER.payload()
        data.update(
            verified=True,
            mfa_enabled=False,
            flags=0,
            email=None,
            locale="en-US",
            premium_type=0,
            banner=None,
            accent_color=None,
            system=False,
        )
        return data

    async def _get_me(self, request: web.Request, m: re.Match[str], body: Any) -> web.Response:
        return self._json(self._bot_user_payload())

    async def _get_user(self, request: web.Request, m: re.Match[str], body: Any) -> web.Response:
        user = self._users.get(int(m["user"]))
        if user is None:
            raise _error(404, "unknown_user")
        return self._json(user.payload())

    async def _create_dm(self, request: web.Request, m: re.Match[str], body: Any) -> web.Response:
        recipient = int((body or {}).get("recipient_id", 0))
        user = self._users.get(recipient)
        if user is None:
            raise _error(404, "unknown_user")
        return self._json(self._dm_payload(self._dm_channel(user)))

    async def _get_application(
        self, request: web.Request, m: re.Match[str], body: Any
    ) -> web.Response:
        return self._json(
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
                "bot": self._bot_user_payload(),
                "hook": True,
                "redirect_uris": [],
                "interactions_endpoint_url": None,
                "tags": [],
                "approximate_guild_count": len(self.guilds),
                "integration_types_config": {"0": {}},
            }
        )

    async def _get_gateway(self, request: web.Request, m: re.Match[str], body: Any) -> web.Response:
        return self._json({"url": self.gateway_url.rstrip("/")})

    async def _get_gateway_bot(
        self, request: web.Request, m: re.Match[str], body: Any
    ) -> web.Response:
        return self._json(
            {
                "url": self.gateway_url.rstrip("/"),
                "shards": self.shards,
                "session_start_limit": {
                    "total": 1000,
                    "remaining": 999,
                    "reset_after": 14_400_000,
                    "max_concurrency": 1,
                },
            }
        )

    # -- REST: channels and messages --

    def _channel(self, channel_id: int) -> tuple[Guild | None, Channel]:
        """The channel, or raise the error Discord would (deleted/unknown 404, forbidden 403)."""
        if channel_id in self._deleted:
            raise _error(404, "unknown_channel")
        found = self._channels.get(channel_id)
        if found is None:
            raise _error(404, "unknown_channel")
        code = self._forbidden.get(channel_id)
        if code is not None:
            key = "missing_permissions" if code == 50013 else "missing_access"
            raise _error(403, key)
        return found

    def _channel_payload(self, guild: Guild | None, channel: Channel) -> dict[str, Any]:
        if guild is None:
            return self._dm_payload(channel)
        data: dict[str, Any] = {
            "id": str(channel.id),
            "type": channel.type,
            "guild_id": str(guild.id),
            "name": channel.name,
            "position": channel.position,
            "permission_overwrites": [dict(o) for o in channel.permission_overwrites],
            "parent_id": str(channel.parent_id) if channel.parent_id else None,
            "nsfw": channel.nsfw,
            "flags": 0,
        }
        if channel.type in (GUILD_TEXT, GUILD_ANNOUNCEMENT):
            data.update(topic=channel.topic, last_message_id=None, rate_limit_per_user=0)
        elif channel.type == GUILD_VOICE:
            data.update(bitrate=64000, user_limit=0, rtc_region=None, last_message_id=None)
        elif channel.type in THREAD_TYPES:
            data.update(
                owner_id=str(BOT_USER_ID),
                last_message_id=None,
                rate_limit_per_user=0,
                message_count=0,
                member_count=1,
                total_message_sent=0,
                thread_metadata={
                    "archived": False,
                    "auto_archive_duration": 1440,
                    "archive_timestamp": _now_iso(),
                    "locked": False,
                    "create_timestamp": _now_iso(),
                },
            )
            data.pop("position")
            data.pop("permission_overwrites")
        return data

    def _dm_channel(self, user: User) -> Channel:
        channel_id = self._dm_channels.get(user.id)
        if channel_id is None:
            channel_id = self._snowflake()
            self._dm_channels[user.id] = channel_id
            self._dm_recipients[channel_id] = user.id
            self._channels[channel_id] = (None, Channel(channel_id, "", type=DM))
        return self._channels[channel_id][1]

    def _dm_payload(self, channel: Channel) -> dict[str, Any]:
        user = self._users[self._dm_recipients[channel.id]]
        return {
            "id": str(channel.id),
            "type": DM,
            "last_message_id": None,
            "flags": 0,
            "recipients": [user.payload()],
        }

    async def _get_channel(self, request: web.Request, m: re.Match[str], body: Any) -> web.Response:
        guild, channel = self._channel(int(m["channel"]))
        return self._json(self._channel_payload(guild, channel))

    async def _typing(self, request: web.Request, m: re.Match[str], body: Any) -> web.Response:
        self._channel(int(m["channel"]))
        return self._no_content()

    def _message_payload(
        self,
        message_id: int,
        channel_id: int,
        data: Mapping[str, Any],
        *,
        author: User = BOT_USER,
        guild: Guild | None = None,
        type: int = 0,
        webhook: bool = False,
        interaction: _Interaction | None = None,
    ) -> dict[str, Any]:
        payload: dict[str, Any] = {
            "id": str(message_id),
            "channel_id": str(channel_id),
            "author": author.payload(),
            "content": data.get("content") or "",
            "timestamp": _timestamp(message_id),
            "edited_timestamp": None,
            "tts": bool(data.get("tts", False)),
            "mention_everyone": False,
            "mentions": [],
            "mention_roles": [],
            "attachments": [],
            "embeds": [dict(e, type=e.get("type", "rich")) for e in data.get("embeds") or []],
            "pinned": False,
            "type": type,
            "flags": int(data.get("flags") or 0),
            "components": list(data.get("components") or []),
        }
        if guild is not None:
            payload["guild_id"] = str(guild.id)
        if data.get("message_reference"):
            payload["message_reference"] = dict(
                data["message_reference"], type=0, channel_id=str(channel_id)
            )
        if data.get("nonce") is not None:
            payload["nonce"] = data["nonce"]
        for file in data.get("_files") or []:
            attachment_id = self._snowflake()
            payload["attachments"].append(
                {
                    "id": str(attachment_id),
                    "filename": file["filename"],
                    "size": file["size"],
                    "url": f"http://127.0.0.1:{self.port}/attachments/{channel_id}/{attachment_id}/{file['filename']}",
                    "proxy_url": f"http://127.0.0.1:{self.port}/attachments/{channel_id}/{attachment_id}/{file['filename']}",
                    "content_type": "application/octet-stream",
                }
            )
        if webhook:
            payload["webhook_id"] = str(APPLICATION_ID)
            payload["application_id"] = str(APPLICATION_ID)
        if interaction is not None:
            user = self._users[interaction.user_id]
            payload["interaction_metadata"] = {
                "id": str(interaction.id),
                "type": interaction.type,
                "user": user.payload(),
                "authorizing_integration_owners": {"0": str(interaction.guild_id or 0)},
            }
        return payload

    def _validate_message(self, data: Mapping[str, Any], *, edit: bool = False) -> None:
        content = data.get("content")
        embeds = data.get("embeds") or []
        errors: dict[str, Any] = {}
        if content is not None and len(content) > 2000:
            _put_error(
                errors, ["content"], "BASE_TYPE_MAX_LENGTH", "Must be 2000 or fewer in length."
            )
        if len(embeds) > 10:
            _put_error(errors, ["embeds"], "BASE_TYPE_MAX_LENGTH", "Must be 10 or fewer in length.")
        total = 0
        for index, embed in enumerate(embeds):
            for key, limit in (("title", 256), ("description", 4096)):
                text = embed.get(key) or ""
                total += len(text)
                if len(text) > limit:
                    _put_error(
                        errors,
                        ["embeds", index, key],
                        "BASE_TYPE_MAX_LENGTH",
                        f"Must be {limit} or fewer in length.",
                    )
            fields = embed.get("fields") or []
            if len(fields) > 25:
                _put_error(
                    errors,
                    ["embeds", index, "fields"],
                    "BASE_TYPE_MAX_LENGTH",
                    "Must be 25 or fewer in length.",
                )
            for fi, fld in enumerate(fields):
                total += len(fld.get("name") or "") + len(fld.get("value") or "")
                if len(fld.get("value") or "") > 1024:
                    _put_error(
                        errors,
                        ["embeds", index, "fields", fi, "value"],
                        "BASE_TYPE_MAX_LENGTH",
                        "Must be 1024 or fewer in length.",
                    )
            total += len((embed.get("footer") or {}).get("text") or "") + len(
                (embed.get("author") or {}).get("name") or ""
            )
        if total > 6000:
            _put_error(
                errors,
                ["embeds"],
                "MAX_EMBED_SIZE_EXCEEDED",
                "Embed size exceeds maximum size of 6000",
            )
        if errors:
            raise _form_error(errors)
        if not edit and not (
            content
            or embeds
            or data.get("components")
            or data.get("_files")
            or data.get("sticker_ids")
            or data.get("poll")
        ):
            raise _error(400, "empty_message")

    async def _post_message(
        self, request: web.Request, m: re.Match[str], body: Any
    ) -> web.Response:
        channel_id = int(m["channel"])
        guild, channel = self._channel(channel_id)
        if channel.type not in TEXT_TYPES:
            raise _error(400, "non_text")
        if guild is None and self._dm_recipients.get(channel_id) in self._blocked_dms:
            raise _error(403, "cannot_dm")
        if self._global is not None:
            wait = self._global.take()
            if wait > 0:
                retry = round(wait, 3)
                raise _Reply(
                    429,
                    {
                        "message": "You are being rate limited.",
                        "retry_after": retry,
                        "global": True,
                    },
                    {
                        "Retry-After": str(max(1, math.ceil(retry))),
                        "X-RateLimit-Global": "true",
                        "X-RateLimit-Scope": "global",
                    },
                )
        data = body if isinstance(body, dict) else {}
        self._validate_message(data)
        nonce = data.get("nonce")
        if nonce is not None and data.get("enforce_nonce"):
            # Discord answers a repeated nonce (a retry) with the message it already created.
            earlier = self._nonces.get((channel_id, str(nonce)))
            if earlier is not None and earlier in self._stored:
                self.nonce_replays += 1
                return self._json(self._stored[earlier])
        message_id = self._snowflake()
        if nonce is not None:
            self._nonces[(channel_id, str(nonce))] = message_id
        payload = self._message_payload(
            message_id,
            channel_id,
            data,
            guild=guild,
            type=19 if data.get("message_reference") else 0,
        )
        self._stored[message_id] = payload
        self.messages.append(
            ChannelMessage(
                channel_id=channel_id,
                content=data.get("content"),
                embeds=list(data.get("embeds") or []),
                allowed_mentions=data.get("allowed_mentions"),
                flags=int(data.get("flags") or 0),
                at=time.monotonic(),
                id=message_id,
                components=list(data.get("components") or []),
                attachments=[f["filename"] for f in data.get("_files") or []],
                message_reference=data.get("message_reference"),
            )
        )
        if self.echo_own_messages:
            need = INTENT_GUILD_MESSAGES if guild is not None else INTENT_DIRECT_MESSAGES
            for session in [s for s in self._sessions.values() if not s.ended]:
                if session.intents & need and session.wants(guild.id if guild else None):
                    await self._dispatch(session, "MESSAGE_CREATE", dict(payload))
        return self._json(payload)

    def _stored_in(self, channel_id: int, message_id: int) -> dict[str, Any]:
        self._channel(channel_id)
        payload = self._stored.get(message_id)
        if payload is None or int(payload["channel_id"]) != channel_id:
            raise _error(404, "unknown_message")
        return payload

    async def _get_message(self, request: web.Request, m: re.Match[str], body: Any) -> web.Response:
        return self._json(self._stored_in(int(m["channel"]), int(m["message"])))

    def _apply_edit(self, payload: dict[str, Any], data: Mapping[str, Any]) -> dict[str, Any]:
        self._validate_message(data, edit=True)
        for key in ("content", "components"):
            if key in data:
                payload[key] = (
                    data[key] if data[key] is not None else ("" if key == "content" else [])
                )
        if "embeds" in data:
            payload["embeds"] = [dict(e, type=e.get("type", "rich")) for e in data["embeds"] or []]
        if "flags" in data and data["flags"] is not None:
            keep = int(payload.get("flags") or 0) & ~SUPPRESS_EMBEDS
            payload["flags"] = keep | (int(data["flags"]) & SUPPRESS_EMBEDS)
        payload["flags"] = int(payload.get("flags") or 0) & ~LOADING
        payload["edited_timestamp"] = _now_iso()
        return payload

    async def _patch_message(
        self, request: web.Request, m: re.Match[str], body: Any
    ) -> web.Response:
        message_id = int(m["message"])
        payload = self._stored_in(int(m["channel"]), message_id)
        if int(payload["author"]["id"]) != BOT_USER_ID:
            raise _error(403, "not_author")
        data = body if isinstance(body, dict) else {}
        self._apply_edit(payload, data)
        self.edits.append(Edit("channel", message_id, dict(data), time.monotonic()))
        return self._json(payload)

    async def _delete_message(
        self, request: web.Request, m: re.Match[str], body: Any
    ) -> web.Response:
        message_id = int(m["message"])
        self._stored_in(int(m["channel"]), message_id)
        del self._stored[message_id]
        self.edits.append(Edit("channel", message_id, None, time.monotonic()))
        return self._no_content()

    # -- REST: interactions and their webhooks --

    async def _callback(self, request: web.Request, m: re.Match[str], body: Any) -> web.Response:
        it = self._interactions.get(m["token"])
        if it is None or it.id != int(m["id"]) or it.expired:
            raise _error(404, "unknown_interaction")
        if self.callback_deadline is not None and time.monotonic() - it.at > self.callback_deadline:
            raise _error(404, "unknown_interaction")
        if it.acknowledged is not None:
            raise _error(400, "already_acknowledged")
        data = body if isinstance(body, dict) else {}
        kind = data.get("type")
        allowed = {2: {4, 5, 9}, 3: {4, 5, 6, 7, 9}, 4: {8}, 5: {4, 5, 6, 7}}.get(it.type, set())
        if kind not in allowed:
            errors: dict[str, Any] = {}
            _put_error(
                errors,
                ["type"],
                "INTERACTION_RESPONSE_TYPE_INVALID",
                "Interaction response type is invalid",
            )
            raise _form_error(errors)
        inner = data.get("data") or {}
        if kind == 4:
            self._validate_message(inner)
        if kind == 8 and len(inner.get("choices") or []) > 25:
            errors = {}
            _put_error(
                errors,
                ["data", "choices"],
                "BASE_TYPE_MAX_LENGTH",
                "Must be 25 or fewer in length.",
            )
            raise _form_error(errors)
        at = time.monotonic()
        it.acknowledged = kind
        self.interaction_responses.append(
            InteractionResponse(it.id, it.token, kind, data.get("data"), at)
        )
        guild = self._channels.get(it.channel_id, (None, None))[0]
        message: dict[str, Any] | None = None
        if kind in (4, 5):
            message_id = self._snowflake()
            flags = int(inner.get("flags") or 0) & (EPHEMERAL | SUPPRESS_EMBEDS)
            content = inner if kind == 4 else {}
            message = self._message_payload(
                message_id,
                it.channel_id,
                dict(content, flags=flags | (LOADING if kind == 5 else 0)),
                guild=guild,
                type=20 if it.type in (2, 4) else 19,
                webhook=True,
                interaction=it,
            )
            self._stored[message_id] = message
            it.original_id = message_id
        elif kind in (6, 7) and it.source_message_id is not None:
            message = self._stored.get(it.source_message_id)
            if message is not None and kind == 7:
                self._apply_edit(message, inner)
            it.original_id = it.source_message_id
        if not _truthy(request.query.get("with_response")):
            return self._no_content()
        response: dict[str, Any] = {
            "interaction": {
                "id": str(it.id),
                "type": it.type,
                "response_message_loading": kind == 5,
                "response_message_ephemeral": bool(
                    message and int(message.get("flags") or 0) & EPHEMERAL
                ),
            },
            "resource": {"type": kind},
        }
        if message is not None:
            response["interaction"]["response_message_id"] = message["id"]
            response["resource"]["message"] = message
        return self._json(response)

    def _webhook_interaction(self, m: re.Match[str]) -> _Interaction:
        it = self._interactions.get(m["token"])
        if int(m["app"]) != APPLICATION_ID or it is None or it.acknowledged is None:
            raise _error(404, "unknown_webhook")
        if it.expired:
            raise _error(401, "invalid_webhook_token")
        return it

    def _webhook_message(self, it: _Interaction, which: str) -> dict[str, Any]:
        if which == "@original":
            message_id = it.original_id
        else:
            message_id = int(which)
            if message_id not in it.followup_ids and message_id != it.original_id:
                message_id = None
        payload = self._stored.get(message_id) if message_id is not None else None
        if payload is None:
            raise _error(404, "unknown_message")
        return payload

    async def _post_followup(
        self, request: web.Request, m: re.Match[str], body: Any
    ) -> web.Response:
        it = self._webhook_interaction(m)
        data = body if isinstance(body, dict) else {}
        self._validate_message(data)
        guild = self._channels.get(it.channel_id, (None, None))[0]
        message_id = self._snowflake()
        flags = int(data.get("flags") or 0) & (EPHEMERAL | SUPPRESS_EMBEDS)
        payload = self._message_payload(
            message_id,
            it.channel_id,
            dict(data, flags=flags),
            guild=guild,
            type=19,
            webhook=True,
            interaction=it,
        )
        self._stored[message_id] = payload
        it.followup_ids.append(message_id)
        self.followups.append(
            Followup(
                token=it.token,
                id=message_id,
                content=data.get("content"),
                embeds=list(data.get("embeds") or []),
                allowed_mentions=data.get("allowed_mentions"),
                flags=flags,
                components=list(data.get("components") or []),
                at=time.monotonic(),
            )
        )
        if not _truthy(request.query.get("wait")):
            return self._no_content()
        return self._json(payload)

    async def _get_webhook_message(
        self, request: web.Request, m: re.Match[str], body: Any
    ) -> web.Response:
        it = self._webhook_interaction(m)
        return self._json(self._webhook_message(it, m["message"]))

    async def _patch_webhook_message(
        self, request: web.Request, m: re.Match[str], body: Any
    ) -> web.Response:
        it = self._webhook_interaction(m)
        payload = self._webhook_message(it, m["message"])
        data = body if isinstance(body, dict) else {}
        self._apply_edit(payload, data)
        via = "original" if m["message"] == "@original" else "webhook"
        self.edits.append(
            Edit(via, int(payload["id"]), dict(data), time.monotonic(), token=it.token)
        )
        return self._json(payload)

    async def _delete_webhook_message(
        self, request: web.Request, m: re.Match[str], body: Any
    ) -> web.Response:
        it = self._webhook_interaction(m)
        payload = self._webhook_message(it, m["message"])
        message_id = int(payload["id"])
        del self._stored[message_id]
        via = "original" if m["message"] == "@original" else "webhook"
        self.edits.append(Edit(via, message_id, None, time.monotonic(), token=it.token))
        return self._no_content()

    # -- REST: application commands --

    def _command_id(self, guild_id: int | None, name: str, type: int) -> int:
        key = (guild_id, name, type)
        if key not in self._command_ids:
            self._command_ids[key] = self._snowflake()
        return self._command_ids[key]

    def _commands_guild(self, m: re.Match[str]) -> int | None:
        """The guild of an application-commands path (None: the global commands); 403 for
        another application or a guild the bot is not in."""
        if int(m["app"]) != APPLICATION_ID:
            raise _error(403, "missing_access")
        guild_id = int(m["guild"]) if m.groupdict().get("guild") else None
        if guild_id is not None and all(g.id != guild_id for g in self.guilds):
            raise _error(403, "missing_access")
        return guild_id

    async def _get_commands(
        self, request: web.Request, m: re.Match[str], body: Any
    ) -> web.Response:
        guild_id = self._commands_guild(m)
        return self._json(self.commands(guild_id))

    async def _put_commands(
        self, request: web.Request, m: re.Match[str], body: Any
    ) -> web.Response:
        guild_id = self._commands_guild(m)
        if not isinstance(body, list):
            raise _form_error(
                {"_errors": [{"code": "BASE_TYPE_ARRAY", "message": "Must be an array."}]}
            )
        errors = _validate_commands(body)
        if errors:
            raise _form_error(errors)
        self.command_syncs.append(CommandSync(guild_id, [dict(c) for c in body], time.monotonic()))
        stored = []
        for command in body:
            kind = int(command.get("type", 1))
            out = {
                "id": str(self._command_id(guild_id, command["name"], kind)),
                "application_id": str(APPLICATION_ID),
                "version": str(self._snowflake()),
                "type": kind,
                "name": command["name"],
                "name_localizations": command.get("name_localizations"),
                "description": command.get("description", ""),
                "description_localizations": command.get("description_localizations"),
                "default_member_permissions": command.get("default_member_permissions"),
                "dm_permission": command.get("dm_permission", True),
                "contexts": command.get("contexts"),
                "integration_types": command.get("integration_types", [0]),
                "nsfw": bool(command.get("nsfw", False)),
            }
            if command.get("options"):
                out["options"] = command["options"]
            if guild_id is not None:
                out["guild_id"] = str(guild_id)
            stored.append(out)
        if guild_id is None:
            self._global_commands = stored
        else:
            self._guild_commands[guild_id] = stored
        return self._json(stored)

    def _find_command(self, name: str, guild_id: int | None) -> dict[str, Any] | None:
        pools = []
        if guild_id is not None:
            pools.append(self._guild_commands.get(guild_id, []))
        pools.append(self._global_commands)
        for pool in pools:
            for command in pool:
                if command["name"] == name and int(command.get("type", 1)) == 1:
                    return command
        return None

    # -- Interactions: building payloads --

    def _where(
        self, channel_id: int | None, dm: bool, user: User | Member | None
    ) -> tuple[Guild | None, int]:
        if dm:
            the_user = self._as_user(user)
            return None, self._dm_channel(the_user).id
        if channel_id is None:
            for guild in self.guilds:
                for channel in guild.channels:
                    if channel.type == GUILD_TEXT:
                        return guild, channel.id
            raise AssertionError("no guild text channel configured: pass channel_id or dm=True")
        found = self._channels.get(channel_id)
        if found is None:
            raise AssertionError(f"unknown channel {channel_id}")
        return found[0], channel_id

    def _as_user(self, user: User | Member | None) -> User:
        if user is None:
            for guild in self.guilds:
                for member in guild.members:
                    if not member.user.bot:
                        return member.user
            return OWNER
        return user.user if isinstance(user, Member) else user

    def _member(self, guild: Guild, user: User | Member | None) -> Member:
        if isinstance(user, Member):
            return user
        the_user = self._as_user(user)
        for member in guild.members:
            if member.user.id == the_user.id:
                return member
        return Member(the_user)

    def _roles(self, guild: Guild) -> list[Role]:
        roles = list(guild.roles)
        if all(r.id != guild.id for r in roles):
            roles.insert(0, Role(guild.id, "@everyone", guild.everyone_permissions, position=0))
        roles.append(
            Role(
                self._bot_roles[guild.id],
                BOT_USERNAME,
                guild.bot_permissions,
                position=len(roles),
                managed=True,
            )
        )
        return roles

    def _resolve_permissions(self, guild: Guild, member: Member) -> int:
        if member.permissions is not None:
            return member.permissions
        if member.user.id == guild.owner_id:
            return ALL_PERMISSIONS
        roles = {r.id: r for r in self._roles(guild)}
        value = roles[guild.id].permissions
        for role_id in member.roles:
            if role_id in roles:
                value |= roles[role_id].permissions
        if member.user.id == BOT_USER_ID:
            value |= guild.bot_permissions
        return ALL_PERMISSIONS if value & ADMINISTRATOR else value

    def _app_permissions(self, guild: Guild | None, channel_id: int) -> int:
        if guild is None:
            return EVERYONE_PERMISSIONS & ~(MANAGE_MESSAGES | CHANGE_NICKNAME)
        value = self._resolve_permissions(guild, self._bot_member(guild))
        if channel_id in self._forbidden:
            value &= ~(VIEW_CHANNEL | SEND_MESSAGES)
        return value

    def _bot_member(self, guild: Guild) -> Member:
        return Member(BOT_USER, roles=(self._bot_roles[guild.id],))

    def _member_payload(
        self,
        guild: Guild,
        member: Member,
        *,
        with_user: bool = True,
        permissions: int | None = None,
    ) -> dict[str, Any]:
        data: dict[str, Any] = {
            "roles": [str(r) for r in member.roles],
            "nick": member.nick,
            "avatar": None,
            "banner": None,
            "joined_at": "2024-01-01T00:00:00.000000+00:00",
            "premium_since": None,
            "deaf": False,
            "mute": False,
            "flags": 0,
            "pending": False,
            "communication_disabled_until": None,
            "avatar_decoration_data": None,
        }
        if with_user:
            data["user"] = member.user.payload()
        if permissions is not None:
            data["permissions"] = str(permissions)
        return data

    def _build_options(
        self,
        command: dict[str, Any] | None,
        path: Sequence[str],
        options: Mapping[str, Any] | Sequence[Mapping[str, Any]] | None,
        focused: str | None,
    ) -> list[dict[str, Any]]:
        defs: list[dict[str, Any]] = list((command or {}).get("options") or [])
        chain: list[tuple[str, int]] = []
        for index, sub in enumerate(path):
            found = next((d for d in defs if d.get("name") == sub), None)
            kind = int(found["type"]) if found else (2 if index < len(path) - 1 else 1)
            chain.append((sub, kind))
            defs = list((found or {}).get("options") or [])
        leaf: list[dict[str, Any]]
        if options is None:
            leaf = []
        elif isinstance(options, Mapping):
            leaf = []
            for name, value in options.items():
                spec = next((d for d in defs if d.get("name") == name), None)
                entry: dict[str, Any] = {
                    "name": name,
                    "type": int(spec["type"]) if spec else _option_type(value),
                    "value": value,
                }
                if name == focused:
                    entry["focused"] = True
                leaf.append(entry)
        else:
            leaf = [dict(o) for o in options]
            for entry in leaf:
                if entry.get("name") == focused:
                    entry["focused"] = True
        if focused is not None and not any(o.get("focused") for o in leaf):
            spec = next((d for d in defs if d.get("name") == focused), None)
            leaf.append(
                {
                    "name": focused,
                    "type": int(spec["type"]) if spec else 3,
                    "value": "",
                    "focused": True,
                }
            )
        for sub, kind in reversed(chain):
            leaf = [{"name": sub, "type": kind, "options": leaf}]
        return leaf

    async def _dispatch_interaction(
        self,
        kind: int,
        data: dict[str, Any],
        *,
        guild: Guild | None,
        channel_id: int,
        user: User | Member | None,
        permissions: int | None,
        locale: str,
        message: dict[str, Any] | None = None,
    ) -> Dispatched:
        interaction_id = self._snowflake()
        token = "aW50ZXJhY3Rpb246" + secrets.token_urlsafe(96)
        the_user = self._as_user(user)
        self._users.setdefault(the_user.id, the_user)
        payload: dict[str, Any] = {
            "id": str(interaction_id),
            "application_id": str(APPLICATION_ID),
            "type": kind,
            "data": data,
            "channel_id": str(channel_id),
            "token": token,
            "version": 1,
            "locale": locale,
            "app_permissions": str(self._app_permissions(guild, channel_id)),
            "entitlements": [],
            "entitlement_sku_ids": [],
            "attachment_size_limit": 10 * 1024 * 1024,
        }
        if guild is not None:
            _, channel = self._channels[channel_id]
            member = self._member(guild, user)
            resolved = (
                permissions if permissions is not None else self._resolve_permissions(guild, member)
            )
            payload.update(
                guild_id=str(guild.id),
                guild={"id": str(guild.id), "locale": guild.locale, "features": []},
                guild_locale=guild.locale,
                channel=dict(self._channel_payload(guild, channel), permissions=str(resolved)),
                member=self._member_payload(guild, member, permissions=resolved),
                authorizing_integration_owners={"0": str(guild.id)},
                context=0,
            )
        else:
            dm_channel = self._channels[channel_id][1]
            payload.update(
                user=the_user.payload(),
                channel=self._dm_payload(dm_channel),
                authorizing_integration_owners={"0": "0"},
                context=1,
            )
        if message is not None:
            payload["message"] = message
        it = _Interaction(
            id=interaction_id,
            token=token,
            type=kind,
            guild_id=guild.id if guild else None,
            channel_id=channel_id,
            user_id=the_user.id,
            at=time.monotonic(),
            source_message_id=int(message["id"]) if message is not None else None,
        )
        self._interactions[token] = it
        sessions = [s for s in self._sessions.values() if not s.ended and s.wants(it.guild_id)]
        if not sessions:
            raise AssertionError(
                "no gateway session to dispatch the interaction to (has the client identified?)"
            )
        for session in sessions:
            await self._dispatch(session, "INTERACTION_CREATE", payload)
        dispatched = Dispatched(interaction_id, token, kind, it.guild_id, channel_id, payload)
        self.dispatched.append(dispatched)
        return dispatched

    def _token_of(self, interaction: Dispatched | int | str) -> str:
        if isinstance(interaction, Dispatched):
            return interaction.token
        if isinstance(interaction, str):
            return interaction
        for it in self._interactions.values():
            if it.id == interaction:
                return it.token
        raise AssertionError(f"no interaction {interaction}")

    # -- Gateway --

    async def _gateway(self, request: web.Request) -> web.StreamResponse:
        ws = web.WebSocketResponse(max_msg_size=0, autoping=True)
        await ws.prepare(request)
        number = len(self.connections) + 1
        self.connections.append(
            GatewayConnection(number, request.path, dict(request.query), time.monotonic())
        )
        conn = _Conn(number, ws, request.query.get("compress"), request.path, request.transport)
        self._open.add(conn)
        try:
            await conn.send(
                {
                    "op": 10,
                    "d": {
                        "heartbeat_interval": max(1, round(self.heartbeat_interval * 1000)),
                        "_trace": ["standin"],
                    },
                    "s": None,
                    "t": None,
                }
            )
            async for msg in ws:
                if msg.type not in (WSMsgType.TEXT, WSMsgType.BINARY):
                    break
                try:
                    text = msg.data if msg.type == WSMsgType.TEXT else msg.data.decode()
                    frame = json.loads(text)
                    op = frame["op"]
                except (ValueError, KeyError, TypeError, UnicodeDecodeError):
                    await self._close(conn, CLOSE_DECODE_ERROR, "Error while decoding payload.")
                    break
                await self._on_frame(conn, op, frame.get("d"))
        finally:
            self._open.discard(conn)
            session = conn.session
            if session is not None and session.conn is conn:
                session.conn = None
            if session is not None and not conn.closed_by_server and ws.close_code in (1000, 1001):
                session.ended = True  # a clean close by the client ends the session, as on Discord
        return ws

    async def _close(self, conn: _Conn, code: int, reason: str) -> None:
        conn.closed_by_server = True
        if conn.session is not None and code in NON_RESUMABLE_CLOSE:
            conn.session.ended = True
        with contextlib.suppress(Exception):
            await asyncio.wait_for(conn.ws.close(code=code, message=reason.encode()), 2.0)

    async def _on_frame(self, conn: _Conn, op: int, d: Any) -> None:
        self.gateway_events.append(GatewayEvent(op, d, time.monotonic(), conn.number))
        if op == 1:
            if self.ack_heartbeats:
                await conn.send({"op": 11, "d": None, "s": None, "t": None})
        elif op == 2:
            await self._identify(conn, d or {})
        elif op == 6:
            await self._resume(conn, d or {})
        elif conn.session is None:
            await self._close(conn, CLOSE_NOT_AUTHENTICATED, "Not authenticated.")
        elif op == 8:
            await self._request_members(conn.session, d or {})
        elif op in (3, 4):
            pass
        else:
            await self._close(conn, CLOSE_UNKNOWN_OPCODE, "Unknown opcode.")

    async def _identify(self, conn: _Conn, d: Mapping[str, Any]) -> None:
        if conn.session is not None:
            await self._close(conn, CLOSE_ALREADY_AUTHENTICATED, "Already authenticated.")
            return
        if _strip_bot(d.get("token")) != self.token:
            await self._close(conn, CLOSE_AUTHENTICATION_FAILED, "Authentication failed.")
            return
        intents = d.get("intents")
        if not isinstance(intents, int) or intents < 0 or intents >= 1 << 26:
            await self._close(conn, CLOSE_INVALID_INTENTS, "Invalid intent(s).")
            return
        if intents & PRIVILEGED_INTENTS & ~self.allowed_privileged_intents:
            await self._close(conn, CLOSE_DISALLOWED_INTENTS, "Disallowed intent(s).")
            return
        shard: tuple[int, int] | None = None
        if d.get("shard") is not None:
            try:
                shard = (int(d["shard"][0]), int(d["shard"][1]))
            except (TypeError, ValueError, IndexError):
                shard = (-1, 0)
            if not 0 <= shard[0] < shard[1]:
                await self._close(conn, CLOSE_INVALID_SHARD, "Invalid shard.")
                return
        session = _Session(secrets.token_hex(16), self.token, intents, shard)
        self._sessions[session.id] = session
        conn.session = session
        session.conn = conn
        guilds = [g for g in self.guilds if session.wants(g.id)]
        ready: dict[str, Any] = {
            "v": API_VERSION,
            "user": self._bot_user_payload(),
            "user_settings": {},
            "guilds": [{"id": str(g.id), "unavailable": True} for g in guilds],
            "session_id": session.id,
            "session_type": "normal",
            "resume_gateway_url": self.resume_gateway_url,
            "application": {"id": str(APPLICATION_ID), "flags": APPLICATION_FLAGS},
            "private_channels": [],
            "relationships": [],
            "presences": [],
            "guild_join_requests": [],
            "geo_ordered_rtc_regions": ["singapore"],
            "auth": {},
            "_trace": ["standin"],
        }
        if shard is not None:
            ready["shard"] = list(shard)
        await self._dispatch(session, "READY", ready)
        if intents & INTENT_GUILDS:
            for guild in guilds:
                await self._dispatch(session, "GUILD_CREATE", self._guild_create(guild, intents))

    async def _resume(self, conn: _Conn, d: Mapping[str, Any]) -> None:
        if conn.session is not None:
            await self._close(conn, CLOSE_ALREADY_AUTHENTICATED, "Already authenticated.")
            return
        if _strip_bot(d.get("token")) != self.token:
            await self._close(conn, CLOSE_AUTHENTICATION_FAILED, "Authentication failed.")
            return
        session = self._sessions.get(str(d.get("session_id")))
        if session is None or session.ended:
            await conn.send({"op": 9, "d": False, "s": None, "t": None})
            return
        seq = d.get("seq") or 0
        async with session.lock:
            old = session.conn
            conn.session = session
            session.conn = conn
            for frame in session.buffer:
                if frame["s"] > seq:
                    await conn.send(frame)
            session.seq += 1
            resumed = {"op": 0, "d": {"_trace": ["standin"]}, "s": session.seq, "t": "RESUMED"}
            session.buffer.append(resumed)
            await conn.send(resumed)
        if old is not None and old is not conn:
            old.session = None
            await self._close(old, CLOSE_UNKNOWN_ERROR, "Session resumed elsewhere.")

    async def _request_members(self, session: _Session, d: Mapping[str, Any]) -> None:
        guild = next((g for g in self.guilds if str(g.id) == str(d.get("guild_id"))), None)
        if guild is None:
            return
        query = (d.get("query") or "").lower()
        wanted = {str(u) for u in d.get("user_ids") or []}
        members = [self._bot_member(guild), *guild.members]
        chosen = [
            m
            for m in members
            if (not wanted or str(m.user.id) in wanted)
            and m.user.username.lower().startswith(query)
        ]
        if d.get("limit"):
            chosen = chosen[: int(d["limit"])]
        chunk: dict[str, Any] = {
            "guild_id": str(guild.id),
            "members": [self._member_payload(guild, m) for m in chosen],
            "chunk_index": 0,
            "chunk_count": 1,
        }
        if d.get("nonce") is not None:
            chunk["nonce"] = d["nonce"]
        await self._dispatch(session, "GUILD_MEMBERS_CHUNK", chunk)

    def _guild_create(self, guild: Guild, intents: int) -> dict[str, Any]:
        members = [self._bot_member(guild)]
        if intents & INTENT_GUILD_MEMBERS:
            members += [m for m in guild.members if m.user.id != BOT_USER_ID]
        count = (
            guild.member_count
            if guild.member_count is not None
            else 1 + len([m for m in guild.members if m.user.id != BOT_USER_ID])
        )
        channels = [
            c for c in guild.channels if c.type not in THREAD_TYPES and c.id not in self._deleted
        ]
        threads = [
            c for c in guild.channels if c.type in THREAD_TYPES and c.id not in self._deleted
        ]
        system = next((c.id for c in channels if c.type == GUILD_TEXT), None)
        channel_payloads = []
        for channel in channels:
            data = self._channel_payload(guild, channel)
            data.pop("guild_id", None)
            channel_payloads.append(data)
        return {
            "id": str(guild.id),
            "name": guild.name,
            "icon": None,
            "splash": None,
            "discovery_splash": None,
            "banner": None,
            "description": None,
            "owner_id": str(guild.owner_id),
            "region": "singapore",
            "afk_channel_id": None,
            "afk_timeout": 300,
            "verification_level": 1,
            "default_message_notifications": 1,
            "explicit_content_filter": 2,
            "mfa_level": 0,
            "nsfw_level": 0,
            "premium_tier": 0,
            "premium_subscription_count": 0,
            "premium_progress_bar_enabled": False,
            "system_channel_id": str(system) if system else None,
            "system_channel_flags": 0,
            "rules_channel_id": None,
            "public_updates_channel_id": None,
            "safety_alerts_channel_id": None,
            "vanity_url_code": None,
            "preferred_locale": guild.locale,
            "features": [],
            "max_members": 500000,
            "max_video_channel_users": 25,
            "max_stage_video_channel_users": 50,
            "application_id": None,
            "widget_enabled": False,
            "nsfw": False,
            "incidents_data": None,
            "roles": [r.payload() for r in self._roles(guild)],
            "emojis": [],
            "stickers": [],
            "joined_at": "2024-01-01T00:00:00.000000+00:00",
            "large": count >= 250,
            "unavailable": False,
            "member_count": count,
            "lazy": True,
            "voice_states": [],
            "members": [self._member_payload(guild, m) for m in members],
            "channels": channel_payloads,
            "threads": [self._channel_payload(guild, t) for t in threads],
            "presences": [],
            "stage_instances": [],
            "guild_scheduled_events": [],
            "soundboard_sounds": [],
            "embedded_activities": [],
            "activity_instances": [],
        }

    async def _dispatch(self, session: _Session, event: str, data: dict[str, Any]) -> None:
        async with session.lock:
            session.seq += 1
            frame = {"op": 0, "d": data, "s": session.seq, "t": event}
            session.buffer.append(frame)
            if session.conn is not None:
                await session.conn.send(frame)


# --- Helpers -----------------------------------------------------------------------------------


def _strip_bot(token: Any) -> str | None:
    if not isinstance(token, str):
        return None
    return token[4:] if token.startswith("Bot ") else token


def _option_type(value: Any) -> int:
    if isinstance(value, bool):
        return 5
    if isinstance(value, int):
        return 4
    if isinstance(value, float):
        return 10
    return 3


def _short(value: Any, limit: int = 120) -> str:
    text = "" if value is None else json.dumps(value, default=str)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _validate_commands(commands: Sequence[Any]) -> dict[str, Any]:
    """The checks Discord makes on a bulk overwrite that a bot can get wrong, as Invalid Form Body
    errors keyed by position."""
    errors: dict[str, Any] = {}
    seen: set[tuple[str, int]] = set()
    chat_inputs = 0
    for index, command in enumerate(commands):
        if not isinstance(command, Mapping):
            _put_error(
                errors, [index], "DICT_TYPE_CONVERT", "Only dictionaries may be used in a DictType"
            )
            continue
        kind = int(command.get("type", 1))
        name = command.get("name")
        if kind == 1:
            chat_inputs += 1
            _check_name(errors, [index, "name"], name)
            _check_description(errors, [index, "description"], command.get("description"))
        elif not isinstance(name, str) or not 1 <= len(name) <= 32:
            _put_error(
                errors,
                [index, "name"],
                "BASE_TYPE_BAD_LENGTH",
                "Must be between 1 and 32 in length.",
            )
        elif command.get("description"):
            _put_error(
                errors,
                [index, "description"],
                "APPLICATION_COMMAND_INVALID_DESCRIPTION",
                "Context menu commands cannot have description",
            )
        _check_localizations(errors, [index], command, names=kind == 1)
        if isinstance(name, str):
            if (name, kind) in seen:
                _put_error(
                    errors,
                    [index, "name"],
                    "APPLICATION_COMMANDS_DUPLICATE_NAME",
                    f"Application command names must be unique: {name}",
                )
            seen.add((name, kind))
        _check_options(errors, [index, "options"], command.get("options") or [])
    if chat_inputs > 100:
        _put_error(errors, [], "BASE_TYPE_MAX_LENGTH", "Must be 100 or fewer in length.")
    return errors


def _check_name(errors: dict[str, Any], path: list[str | int], name: Any) -> None:
    if not isinstance(name, str) or not _COMMAND_NAME.match(name) or name != name.lower():
        _put_error(
            errors, path, "APPLICATION_COMMAND_INVALID_NAME", f"Command name is invalid: {name!r}"
        )


def _check_description(errors: dict[str, Any], path: list[str | int], description: Any) -> None:
    if not isinstance(description, str) or not 1 <= len(description) <= 100:
        _put_error(errors, path, "BASE_TYPE_BAD_LENGTH", "Must be between 1 and 100 in length.")


def _check_localizations(
    errors: dict[str, Any], path: list[str | int], item: Mapping[str, Any], *, names: bool = True
) -> None:
    for key, check in (
        ("name_localizations", _check_name),
        ("description_localizations", _check_description),
    ):
        values = item.get(key) or {}
        if not isinstance(values, Mapping):
            _put_error(
                errors,
                [*path, key],
                "DICT_TYPE_CONVERT",
                "Only dictionaries may be used in a DictType",
            )
            continue
        for locale, value in values.items():
            if locale not in LOCALES:
                _put_error(errors, [*path, key], "LOCALE_INVALID", f"Invalid locale: {locale}")
            elif key == "description_localizations" or names:
                check(errors, [*path, key, locale], value)


def _check_options(errors: dict[str, Any], path: list[str | int], options: Sequence[Any]) -> None:
    if len(options) > 25:
        _put_error(errors, path, "BASE_TYPE_MAX_LENGTH", "Must be 25 or fewer in length.")
    names: set[str] = set()
    optional_seen = False
    for index, option in enumerate(options):
        if not isinstance(option, Mapping):
            continue
        where = [*path, index]
        _check_name(errors, [*where, "name"], option.get("name"))
        _check_description(errors, [*where, "description"], option.get("description"))
        _check_localizations(errors, where, option)
        if option.get("name") in names:
            _put_error(
                errors,
                [*where, "name"],
                "APPLICATION_COMMAND_OPTIONS_NAME_ALREADY_EXISTS",
                "Option names must be unique",
            )
        names.add(str(option.get("name")))
        kind = int(option.get("type", 3))
        if kind in (1, 2):
            _check_options(errors, [*where, "options"], option.get("options") or [])
            continue
        if option.get("required"):
            if optional_seen:
                _put_error(
                    errors,
                    [*where, "required"],
                    "APPLICATION_COMMAND_OPTIONS_REQUIRED_INVALID",
                    "Required options must be placed before non-required options",
                )
        else:
            optional_seen = True
        choices = option.get("choices") or []
        if len(choices) > 25:
            _put_error(
                errors,
                [*where, "choices"],
                "BASE_TYPE_MAX_LENGTH",
                "Must be 25 or fewer in length.",
            )
        if choices and option.get("autocomplete"):
            _put_error(
                errors,
                [*where, "autocomplete"],
                "APPLICATION_COMMAND_OPTION_CHOICES_AUTOCOMPLETE",
                "Autocomplete cannot be set for options with choices",
            )


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
