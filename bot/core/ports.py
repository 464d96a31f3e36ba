"""The seams between the core and the world: chats, the sender each adapter implements, the clock.

An adapter depends on these; the core never depends on an adapter.
"""

from __future__ import annotations

import datetime as dt
import enum
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol, runtime_checkable

if TYPE_CHECKING:  # the services use the ports: named here for the type checker alone
    from bot.core.roles import Role
    from bot.core.services import Services


class Format(enum.StrEnum):
    """The markup a platform reads: the renderers write one text per format."""

    TEXT = "text"
    TELEGRAM = "telegram"
    DISCORD = "discord"


class ChatKind(enum.StrEnum):
    """What the platforms' rate limits tell apart: one person, or many (a group or channel)."""

    PRIVATE = "private"
    GROUP = "group"
    CHANNEL = "channel"


@dataclass(frozen=True, slots=True, order=True)
class ChatRef:
    """Where a message goes: a chat on a platform, and a topic or thread inside it ("" for none)."""

    platform: str
    chat_id: str
    thread: str = ""

    def __str__(self) -> str:
        return f"{self.platform}:{self.chat_id}" + (f"/{self.thread}" if self.thread else "")

    @classmethod
    def parse(cls, text: str) -> ChatRef:
        """ "telegram:-100123/42" → ChatRef("telegram", "-100123", "42"); ValueError if bad."""
        platform, sep, rest = text.partition(":")
        chat_id, _, thread = rest.partition("/")
        if not sep or not platform.isidentifier() or not chat_id.strip():
            raise ValueError(f"expected PLATFORM:CHAT_ID[/THREAD], got {text!r}")
        return cls(platform, chat_id.strip(), thread.strip())


class MessageKind(enum.StrEnum):
    DIGEST = "digest"  # scheduled, instant or pushed digest: link previews off
    ANNOUNCEMENT = "announcement"
    NOTICE = "notice"  # a note to the bot's admins
    FOLLOW = "follow"  # new statements for what a chat follows: link previews off


@dataclass(frozen=True, slots=True)
class Outbound:
    """A message rendered for the sender's format, and what it is."""

    text: str
    kind: MessageKind
    # The same on every retry of one delivery: a platform that deduplicates a resent message
    # (Discord's nonce) uses it, so a send whose answer was lost is not shown twice.
    nonce: str = ""
    # Sent as a paid broadcast (Telegram's allow_paid_broadcast): paced at the paid rate.
    paid: bool = False


# --- what one send attempt came to: exactly one of these ---


@dataclass(frozen=True, slots=True)
class Delivered:
    message_id: str


@dataclass(frozen=True, slots=True)
class RetryAfter:
    """The platform asked us to wait (HTTP 429)."""

    seconds: float


@dataclass(frozen=True, slots=True)
class ChatGone:
    """Blocked, kicked or deleted: sending again cannot succeed until the chat comes back."""

    reason: str


@dataclass(frozen=True, slots=True)
class ChatMoved:
    """The chat lives on under a new id (a Telegram group upgraded to a supergroup)."""

    new_chat_id: str


@dataclass(frozen=True, slots=True)
class Transient:
    """Anything else that may pass: a timeout, a 5xx, a lost connection."""

    reason: str


Outcome = Delivered | RetryAfter | ChatGone | ChatMoved | Transient


class Sender(Protocol):
    """One platform's way out. `send` reports every failure as an outcome; it never raises."""

    @property
    def platform(self) -> str: ...

    @property
    def format(self) -> Format: ...

    async def send(self, chat: ChatRef, message: Outbound) -> Outcome: ...


@dataclass(frozen=True, slots=True)
class ReplyCall:
    """One message of a reply to a command, as any instance can carry it out: on a shared store
    it may travel to the instance holding the platform's sender (`core.delivery.replies`), so it
    is plain data. A new message, with its buttons as (label, data) pairs, one per row, and with
    `photo` a picture (PNG) whose caption the text is; or, with `message_id`, an edit of that
    message of the bot's: its text replaced, or with no text only its buttons taken away."""

    text: str | None
    buttons: tuple[tuple[str, str], ...] = ()
    message_id: str = ""  # the message to edit; "" for a new one
    photo: bytes | None = None
    photo_name: str = ""

    def __post_init__(self) -> None:
        if self.text is None and not self.message_id:
            raise ValueError("a new message needs a text")
        if (self.buttons or self.photo) and self.message_id:
            raise ValueError("an edit keeps no buttons and adds no picture")

    @classmethod
    def new(
        cls,
        text: str,
        buttons: tuple[tuple[str, str], ...] = (),
        photo: tuple[bytes, str] | None = None,
    ) -> ReplyCall:
        png, name = photo or (None, "")
        return cls(text, buttons, photo=png, photo_name=name)

    @classmethod
    def edit(cls, message_id: str, text: str | None) -> ReplyCall:
        return cls(text, (), message_id)


@runtime_checkable
class Replier(Protocol):
    """A sender that also answers commands with `ReplyCall`s (Telegram's): its replies are paced
    with its deliveries, and relayed to the sender's holder on a shared store. Discord answers
    an interaction through the interaction itself, on the instance that received it."""

    @property
    def platform(self) -> str: ...

    async def reply(self, chat: ChatRef, call: ReplyCall) -> Outcome:
        """Carry the call out; every failure is an outcome, never an exception."""
        ...


# --- a push's status message, as an adapter lets the core show it ---


class StatusExpired(Exception):
    """The platform no longer lets the status message be edited (an interaction's token
    expired)."""


@dataclass(frozen=True, slots=True)
class StatusPlace:
    """Where a status message is, for a platform that can edit it again after a restart."""

    chat: ChatRef
    message_id: str


@dataclass(frozen=True, slots=True)
class StatusDisplay:
    """What an adapter lends the core to show a push's status; the core decides the rest."""

    # Replace the message's text; raises StatusExpired once the platform stops allowing it.
    edit: Callable[[str], Awaitable[object]]
    # Post the status elsewhere once edits have expired (the admin's private chat), giving the
    # display it is on from then on; None where edits never expire.
    move: Callable[[str], Awaitable[StatusDisplay]] | None = None
    # Where the message is, if the platform can find it again: then a restart follows it on.
    place: StatusPlace | None = None


@dataclass(frozen=True, slots=True)
class Connection:
    """Whether an adapter is connected to its platform, as its library tells it, and in words
    for an operator (the readiness check's detail)."""

    up: bool
    detail: str


class Adapter(Protocol):
    """A platform's front end: turns its events into requests, and sends for the dispatcher."""

    @property
    def sender(self) -> Sender: ...

    async def start(self, services: Services) -> None: ...

    def roles(self) -> Sequence[Role]:
        """What this adapter does for the whole service, one instance at a time (Telegram's
        poller, Discord's shards): started as the lease is taken, after `start`. Asked again at
        every round of the roles: what it offers may change (see `core.roles`)."""
        ...

    def connection(self) -> Connection:
        """Whether it is connected now: started, and serving what this instance holds of the
        platform. Holding none of its roles still counts as connected, if it can send."""
        ...

    async def stop(self) -> None: ...


class Clock(Protocol):
    def now(self) -> dt.datetime:
        """The current time, timezone-aware, in UTC."""
        ...


class SystemClock:
    def now(self) -> dt.datetime:
        return dt.datetime.now(dt.UTC)


@dataclass(frozen=True, slots=True)
class ShiftedClock:
    """The system clock moved so that it read `start` when made: `ringkas deliver --at`."""

    offset: dt.timedelta

    @classmethod
    def starting_at(cls, start: dt.datetime) -> ShiftedClock:
        return cls(start - dt.datetime.now(dt.UTC))

    def now(self) -> dt.datetime:
        return dt.datetime.now(dt.UTC) + self.offset
