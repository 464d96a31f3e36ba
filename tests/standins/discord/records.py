"""What the stand-in records for the tests to inspect: every request, the messages, interaction
responses, follow-ups and edits it accepted, the command syncs, what the client sent on the
gateway and its connections, the interactions dispatched, and the counters of 429s, faults and
nonce replays."""

from __future__ import annotations

import fnmatch
from collections import Counter
from dataclasses import dataclass, field
from typing import Any, NamedTuple

from tests.standins.discord.constants import API_PREFIX, APPLICATION_ID, EPHEMERAL


def reads(content: str | None, embeds: list[dict[str, Any]]) -> str | None:
    """What a message reads: its content, with its embeds' titles and descriptions after it (a
    digest comes as an embed)."""
    parts = [content or ""] + [
        "\n\n".join(p for p in (e.get("title"), e.get("description")) if p) for e in embeds
    ]
    text = "\n\n".join(part for part in parts if part)
    return text if text or content is not None else None


class Request(NamedTuple):
    method: str
    path: str  # relative to the API base, without the query
    json: Any  # the JSON body (for multipart: the payload_json part), or None
    at: float


class Attached(NamedTuple):
    """A file uploaded with a message (a multipart part)."""

    filename: str
    data: bytes


def attached(files: Any) -> list[Attached]:
    """The files of a multipart body's ``_files``."""
    return [Attached(f["filename"], f["data"]) for f in files or []]


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

    @property
    def text(self) -> str | None:
        """What it reads (see `reads`)."""
        return reads(self.content, self.embeds)


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
    def embeds(self) -> list[dict[str, Any]]:
        return list((self.data or {}).get("embeds") or [])

    @property
    def text(self) -> str | None:
        """What the message it made reads (see `reads`)."""
        return reads(self.content, self.embeds)

    @property
    def ephemeral(self) -> bool:
        return bool(self.flags & EPHEMERAL)

    @property
    def choices(self) -> list[dict[str, Any]]:
        return list((self.data or {}).get("choices") or [])

    @property
    def files(self) -> list[Attached]:
        return attached((self.data or {}).get("_files"))


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
    files: list[Attached] = field(default_factory=list)

    @property
    def ephemeral(self) -> bool:
        return bool(self.flags & EPHEMERAL)

    @property
    def text(self) -> str | None:
        """What it reads (see `reads`)."""
        return reads(self.content, self.embeds)


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


def relative(path: str) -> str:
    """``path`` relative to the API base: tests may name a path either way."""
    m = API_PREFIX.match(path)
    return path[m.end() :] if m else path


@dataclass(frozen=True)
class RequestPattern:
    """Requests as a test names them (to count them, or to fault them): a method ("*": any) and
    a path relative to the API base, a prefix or a glob ("/channels/*/messages")."""

    method: str
    path: str

    @classmethod
    def of(cls, method: str, path: str) -> RequestPattern:
        return cls(method.upper(), relative(path))

    def matches(self, method: str, path: str) -> bool:
        if self.method not in ("*", method):
            return False
        if "*" in self.path or "?" in self.path:
            return fnmatch.fnmatchcase(path, self.path)
        return path.startswith(self.path)


class Records:
    """The records, and the queries over them that need nothing else of the stand-in."""

    def __init__(self) -> None:
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
        self.nonce_replays = 0  # sends answered with the earlier message (enforce_nonce)
        # IDENTIFYs refused for coming sooner than the identify window after the last of their
        # bucket (answered with INVALID_SESSION, as on Discord): what no client should cause.
        self.identifies_too_soon = 0
        # Events (interactions included) that more than one open session received: each
        # session's client would act on them (one answers an interaction, the other is refused).
        self.overlaps = 0

    def duplicates(self) -> dict[tuple[int, str | None], int]:
        """(channel id, what it reads) sent more than once, with how often."""
        counts = Counter((m.channel_id, m.text) for m in self.messages)
        return {key: n for key, n in counts.items() if n > 1}

    def messages_in(self, channel_id: int) -> list[ChannelMessage]:
        return [m for m in self.messages if m.channel_id == channel_id]

    def requests_to(self, method: str, path_pattern: str) -> list[Request]:
        pattern = RequestPattern.of(method, path_pattern)
        return [r for r in self.requests if pattern.matches(r.method, r.path)]

    @property
    def identifies(self) -> list[GatewayEvent]:
        return [e for e in self.gateway_events if e.op == 2]

    @property
    def resumes(self) -> list[GatewayEvent]:
        return [e for e in self.gateway_events if e.op == 6]

    @property
    def heartbeats(self) -> list[GatewayEvent]:
        return [e for e in self.gateway_events if e.op == 1]
