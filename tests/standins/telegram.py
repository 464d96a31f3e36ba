"""A stand-in Telegram Bot API server for end-to-end tests and benchmarks.

The real python-telegram-bot talks to it unchanged over HTTP on 127.0.0.1, so the whole adapter
(encoding, error mapping, polling) is exercised, not a mock of it:

    async with TelegramStandIn() as api:
        api.add_chat(-100123, "supergroup", title="Berita")
        app = Application.builder().token(api.token).base_url(api.base_url).build()
        api.feed_message(-100123, "/start")
        await api.wait_for(lambda: api.sent_to(-100123))

It keeps a small model of Telegram (chats, the bot's and users' member statuses, per-chat message
ids, the messages the bot sent), answers in the Bot API's own JSON shapes and error texts, records
every call, and injects the failures a bot meets in production: blocked users, kicked bots,
forgotten and migrated chats, flood control (429), server errors, slow answers and a cut network.

Wire format, as python-telegram-bot 22 sends it: POST `{base_url}{token}/{method}`, form-encoded
(multipart when files go along); strings are sent as they are and everything else (numbers,
booleans, objects, lists) as JSON text, so `chat_id=5` arrives as "5" and `reply_markup` as a JSON
document; an uploaded file (sendPhoto's `photo`, or one named by "attach://<part>") arrives as an
`Upload`. Photos are checked as Telegram checks them, for PNG pictures (the stand-in reads no
other format): their size, and width + height at most 10,000 with a ratio of at most 20.

The error mapping PTB applies (`request/_baserequest.py`) is driven by the HTTP status and
`parameters`: `migrate_to_chat_id` → ChatMigrated, `retry_after` → RetryAfter (whatever the
status), 403 → Forbidden, 400 → BadRequest, 401/404 → InvalidToken, 409 → Conflict, anything
else (500, 502) → NetworkError; a dropped connection or a hanging answer is NetworkError/TimedOut.
"""

from __future__ import annotations

import asyncio
import contextlib
import copy
import inspect
import itertools
import json
import math
import random
import re
import time
import zlib
from collections import Counter
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

from aiohttp import web

from tests.standins.common import LoopbackServer, LoopbackStandIn, T, wait_for

JSON = dict[str, Any]
ChatType = Literal["private", "group", "supergroup", "channel"]

BOT_ID = 1000
GROUP_ANONYMOUS_BOT = 1087968824  # `from` of messages an anonymous group admin sends
CHANNEL_BOT = 136817688  # `from` of messages a linked channel posts into its discussion group
TEXT_LIMIT = 4096  # UTF-16 code units of text after entity parsing
CAPTION_LIMIT = 1024  # of a photo's caption, likewise
PHOTO_BYTES = 10 * 1024 * 1024  # a photo uploaded to the Bot API
PHOTO_SIDES = 10_000  # width + height of a photo
PHOTO_RATIO = 20  # the longer side over the shorter
# Updates getUpdates delivers when allowed_updates was never set (or set to []).
DEFAULT_UPDATE_TYPES = frozenset({
    "message", "edited_message", "channel_post", "edited_channel_post", "callback_query",
    "inline_query", "chosen_inline_result", "my_chat_member", "chat_join_request",
    "shipping_query", "pre_checkout_query", "poll", "poll_answer"
})  # fmt: skip
# Parameters that are strings in the Bot API: never JSON-decoded ("123" stays a text).
RAW_STRING_PARAMS = frozenset({
    "text", "caption", "parse_mode", "callback_query_id", "url", "language_code", "data",
    "inline_message_id", "secret_token", "ip_address", "action", "business_connection_id",
    "message_effect_id", "custom_title", "name", "description", "short_description",
    "inline_query_id", "next_offset", "query", "offset"
})  # fmt: skip
ADMIN_RIGHTS = (
    "can_manage_chat", "can_delete_messages", "can_manage_video_chats", "can_restrict_members",
    "can_change_info", "can_invite_users", "can_post_stories", "can_edit_stories",
    "can_delete_stories", "can_pin_messages"
)  # fmt: skip
RESTRICTED_RIGHTS = (
    "can_change_info", "can_invite_users", "can_pin_messages", "can_send_messages",
    "can_send_polls", "can_send_other_messages", "can_add_web_page_previews", "can_manage_topics",
    "can_send_audios", "can_send_documents", "can_send_photos", "can_send_videos",
    "can_send_video_notes", "can_send_voice_notes", "can_edit_tag", "can_react_to_messages"
)  # fmt: skip
STATUS_ALIASES = {"owner": "creator", "banned": "kicked"}
MEMBER_STATUSES = frozenset({"creator", "administrator", "member", "restricted", "left", "kicked"})


@dataclass(frozen=True, slots=True)
class User:
    """A Telegram user as the tests script them; `to_dict` gives the Bot API's User object."""

    id: int
    first_name: str
    username: str | None = None
    language_code: str | None = None
    is_bot: bool = False

    def to_dict(self) -> JSON:
        data: JSON = {"id": self.id, "is_bot": self.is_bot, "first_name": self.first_name}
        if self.username is not None:
            data["username"] = self.username
        if self.language_code is not None:
            data["language_code"] = self.language_code
        return data


DEFAULT_USER = User(id=424242, first_name="Tester", username="tester", language_code="en")
GROUP_ANONYMOUS = User(GROUP_ANONYMOUS_BOT, "Group", "GroupAnonymousBot", is_bot=True)
CHANNEL_SENDER = User(CHANNEL_BOT, "Channel", "Channel_Bot", is_bot=True)


@dataclass(slots=True)
class Chat:
    """A chat the server knows. `migrated_to` is set once a group became a supergroup."""

    id: int
    type: ChatType
    title: str | None = None
    first_name: str | None = None
    username: str | None = None
    is_forum: bool = False
    migrated_to: int | None = None

    def to_dict(self) -> JSON:
        data: JSON = {"id": self.id, "type": self.type}
        if self.type == "private":
            data["first_name"] = self.first_name or f"User {self.id}"
        else:
            data["title"] = self.title or f"Chat {self.id}"
        if self.username:
            data["username"] = self.username
        if self.is_forum:
            data["is_forum"] = True
        return data


@dataclass(slots=True)
class Call:
    """One request that reached the server. `status` is the HTTP status it was answered with,
    None while it is pending or when its connection was dropped instead."""

    method: str
    params: JSON
    at: float = field(default_factory=time.monotonic)
    status: int | None = None


@dataclass(frozen=True, slots=True)
class Upload:
    """A file the bot uploaded with a request (a multipart part)."""

    filename: str
    content_type: str
    data: bytes = field(repr=False)


@dataclass(frozen=True, slots=True)
class SentMessage:
    """A message the server accepted from sendMessage or sendPhoto, with its parameters as the
    bot sent them (text, or a photo's caption, still in its parse mode's markup)."""

    chat_id: int
    text: str
    parse_mode: str | None
    message_thread_id: int | None
    link_preview_options: JSON | None
    reply_markup: JSON | None
    message_id: int
    at: float
    paid: bool = False  # sent with allow_paid_broadcast
    photo: Upload | None = None  # sendPhoto's picture: `text` is its caption


@dataclass(frozen=True, slots=True)
class Edit:
    """An accepted editMessageText / editMessageReplyMarkup (text None for the latter)."""

    method: str
    chat_id: int | None
    message_id: int | None
    text: str | None
    parse_mode: str | None
    reply_markup: JSON | None
    at: float


@dataclass(frozen=True, slots=True)
class CallbackAnswer:
    callback_query_id: str
    text: str | None
    show_alert: bool
    url: str | None
    at: float


@dataclass(frozen=True, slots=True)
class InlineAnswer:
    """An accepted answerInlineQuery: the results as the bot sent them (checked as Telegram
    checks them), and how long Telegram may keep them."""

    inline_query_id: str
    results: list[JSON]
    cache_time: int | None
    is_personal: bool
    next_offset: str
    at: float


@dataclass(slots=True)
class Webhook:
    url: str = ""
    secret_token: str | None = None
    allowed_updates: list[str] | None = None
    max_connections: int | None = None


class ApiError(Exception):
    """An error answer: raised inside a method, turned into the Bot API's error JSON."""

    def __init__(self, status: int, description: str, **parameters: float) -> None:
        super().__init__(f"{status} {description}")
        self.status = status
        self.description = description
        self.parameters = parameters

    def body(self) -> JSON:
        data: JSON = {"ok": False, "error_code": self.status, "description": self.description}
        if self.parameters:
            data["parameters"] = self.parameters
        return data


def bad_request(what: str) -> ApiError:
    return ApiError(400, f"Bad Request: {what}")


def too_many_requests(retry_after: float) -> ApiError:
    return ApiError(429, f"Too Many Requests: retry after {retry_after}", retry_after=retry_after)


class _Garbled(Exception):
    """The call was carried out; its answer is this body, which no client can read."""

    def __init__(self, body: bytes) -> None:
        super().__init__()
        self.body = body


class _Dropped(Exception):
    """The request gets no answer at all: its connection is closed."""


# ---------------------------------------------------------------------------------------------
# HTML parse mode: Telegram rejects unsupported or unbalanced tags, and answers with the plain
# text and entities (offsets in UTF-16 code units), which is what edits are compared against.

_MARKUP = re.compile(r"<(/?)([^\s<>/]*)([^<>]*)>|<|&(#[0-9]+|#x[0-9a-fA-F]+|lt|gt|amp|quot);")
_ATTRIBUTE = re.compile(r"""([\w-]+)\s*=\s*(?:"([^"]*)"|'([^']*)'|(\S+))""")
_NAMED = {"lt": "<", "gt": ">", "amp": "&", "quot": '"'}
_TAG_ENTITY = {
    "b": "bold", "strong": "bold", "i": "italic", "em": "italic", "u": "underline",
    "ins": "underline", "s": "strikethrough", "strike": "strikethrough", "del": "strikethrough",
    "tg-spoiler": "spoiler", "span": "spoiler", "a": "text_link", "code": "code", "pre": "pre",
    "blockquote": "blockquote", "tg-emoji": "custom_emoji",
}  # fmt: skip


def utf16_len(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def parse_html(source: str) -> tuple[str, list[JSON]]:
    """Plain text and entities of an HTML-formatted text, or ApiError as Telegram words it."""
    plain: list[str] = []
    offset = 0  # UTF-16 length of the plain text so far
    open_tags: list[tuple[str, int, JSON]] = []
    entities: list[JSON] = []

    def fail(what: str) -> ApiError:
        return bad_request(f"can't parse entities: {what}")

    def at_byte(position: int) -> int:
        return len(source[:position].encode())

    position = 0
    for match in _MARKUP.finditer(source):
        text = source[position : match.start()]
        plain.append(text)
        offset += utf16_len(text)
        position = match.end()
        closing, name, attributes, reference = match.groups()
        if reference is not None:
            char = _NAMED.get(reference) or chr(
                int(reference[2:], 16) if reference[1] in "xX" else int(reference[1:])
            )
            plain.append(char)
            offset += utf16_len(char)
        elif match.group(0) == "<" or not name:
            raise fail(f'Unsupported start tag "" at byte offset {at_byte(match.start())}')
        elif closing:
            if not open_tags:
                raise fail(f"Unexpected end tag at byte offset {at_byte(match.start())}")
            tag, start, opened = open_tags.pop()
            if tag != name.lower():
                raise fail(f'Can\'t find end tag corresponding to start tag "{tag}"')
            if offset > start and opened:
                entities.append({**opened, "offset": start, "length": offset - start})
        else:
            tag = name.lower()
            attrs = {
                m[1].lower(): m[2] or m[3] or m[4] or "" for m in _ATTRIBUTE.finditer(attributes)
            }
            if tag not in _TAG_ENTITY or (tag == "span" and attrs.get("class") != "tg-spoiler"):
                raise fail(f'Unsupported start tag "{tag}" at byte offset {at_byte(match.start())}')
            entity: JSON = {"type": _TAG_ENTITY[tag]}
            if tag == "a":
                entity["url"] = attrs.get("href", "")
            elif tag == "blockquote" and "expandable" in attributes:
                entity["type"] = "expandable_blockquote"
            elif tag == "tg-emoji":
                entity["custom_emoji_id"] = attrs.get("emoji-id", "")
            elif tag == "code" and open_tags and open_tags[-1][0] == "pre" and "class" in attrs:
                open_tags[-1][2]["language"] = attrs["class"].removeprefix("language-")
                entity = {}  # <pre><code class="language-x"> is one pre entity with a language
            open_tags.append((tag, offset, entity))
    if open_tags:
        raise fail(f'Can\'t find end tag corresponding to start tag "{open_tags[-1][0]}"')
    plain.append(source[position:])
    entities.sort(key=lambda e: (e["offset"], -e["length"]))
    return "".join(plain), entities


# ---------------------------------------------------------------------------------------------
# Fault injection and flood control.


@dataclass(slots=True)
class _Fault:
    """A scripted answer for the next `count` calls of a method (optionally in one chat)."""

    method: str  # lower case: Bot API method names are case-insensitive
    count: int
    chat_id: int | str | None
    error: ApiError | None = None
    delay: float = 0.0
    deliver: bool = True  # after a delay: process the request (True) or drop the connection
    # Carry the call out, then answer 200 with this body instead of the result: a newer or
    # broken answer the client cannot read.
    garbled: bytes | None = None

    def matches(self, method: str, params: JSON) -> bool:
        if self.method != method.lower():
            return False
        return self.chat_id is None or str(params.get("chat_id")) == str(self.chat_id)


@dataclass(slots=True)
class _Chaos:
    """Random failures at given probabilities, from a seeded generator so a run repeats."""

    p500: float
    p429: float
    p_timeout: float
    rng: random.Random
    methods: frozenset[str]
    delay: float
    deliver_late: bool
    # Telegram sends whole seconds; a fraction keeps a large faulty run short (PTB reads either).
    retry_after: float


@dataclass(slots=True)
class _Bucket:
    """A token bucket: `rate` a second, with `burst_seconds` of it at once."""

    rate: float
    burst_seconds: float
    tokens: float = 0.0
    stamp: float = 0.0

    def __post_init__(self) -> None:
        self.tokens, self.stamp = self.capacity, time.monotonic()

    @property
    def capacity(self) -> float:
        return max(1.0, self.rate * self.burst_seconds)

    def wait(self, now: float) -> float:
        """Seconds until a token is there (0: now)."""
        self.tokens = min(self.capacity, self.tokens + (now - self.stamp) * self.rate)
        self.stamp = now
        return max(0.0, (1.0 - self.tokens) / self.rate)


@dataclass(slots=True)
class _Limits:
    """Flood control as a strict server applies it: an overall token bucket (paid broadcasts
    have one of their own) and a minimum interval between two accepted messages to one chat."""

    overall: _Bucket | None
    paid: _Bucket | None
    per_chat: float | None
    last_send: dict[int, float] = field(default_factory=dict)

    def bucket(self, paid: bool) -> _Bucket | None:
        return self.paid if paid and self.paid is not None else self.overall

    def retry_after(self, chat_id: int, now: float, paid: bool) -> int | None:
        """Seconds to wait (as Telegram: an integer ≥ 1), or None when the send may go out."""
        wait = 0.0
        if self.per_chat and (last := self.last_send.get(chat_id)) is not None:
            wait = max(wait, 1.0 / self.per_chat - (now - last))
        if (bucket := self.bucket(paid)) is not None:
            wait = max(wait, bucket.wait(now))
        return max(1, math.ceil(wait)) if wait > 0 else None

    def accept(self, chat_id: int, now: float, paid: bool) -> None:
        if (bucket := self.bucket(paid)) is not None:
            bucket.tokens -= 1.0
        self.last_send[chat_id] = now


# ---------------------------------------------------------------------------------------------


class TelegramStandIn(LoopbackStandIn):
    """The stand-in server: a model of Telegram, the records of what the bot did, and knobs."""

    def __init__(
        self, token: str = "123:ABC", *, max_poll_seconds: float = 1.0, auto_chats: bool = False
    ) -> None:
        """`max_poll_seconds` caps a long poll so shutdowns stay quick; with `auto_chats` an
        unknown chat id is taken as an existing chat (private if positive) instead of
        "chat not found", which saves a benchmark from adding thousands of chats."""
        self.token = token
        self.max_poll_seconds = max_poll_seconds
        self.auto_chats = auto_chats
        self.bot_user = User(BOT_ID, "Ringkas", "RingkasBot", is_bot=True)
        self.chats: dict[int, Chat] = {}
        self.members: dict[tuple[int, int], str] = {}  # (chat id, user id) → status
        self.users: dict[int, User] = {BOT_ID: self.bot_user}
        self.calls: list[Call] = []
        self.sent: list[SentMessage] = []
        self.edits: list[Edit] = []
        self.callback_answers: list[CallbackAnswer] = []
        self.inline_answers: list[InlineAnswer] = []
        # Inline mode, as @BotFather's /setinline turns it on: getMe says so, and only then does
        # Telegram send the bot inline queries.
        self.inline_mode = True
        self.commands: dict[tuple[str | None, str], list[JSON]] = {}
        self.webhook = Webhook()
        self.updates: list[JSON] = []  # queued for getUpdates, not yet confirmed by an offset
        self.rejected_429 = 0  # sends the flood control of `limit` refused
        # What `faults` injected, by kind ("500", "429", "timeout"), and "carried out late": the
        # timed-out calls carried out after the hang, which the client never heard of.
        self.faults_injected: Counter[str] = Counter()
        self._messages: dict[tuple[int, int], JSON] = {}  # as they stand now, edits applied
        self._own: set[tuple[int, int]] = set()  # the ones the bot sent
        self._next_message_id: dict[int, int] = {}
        self._update_ids = itertools.count(1)
        self._callback_ids = itertools.count(7_000_000_000_000_000_001)
        self._open_callbacks: set[str] = set()
        self._inline_ids = itertools.count(9_000_000_000_000_000_001)
        self._open_inline: set[str] = set()
        self._allowed: frozenset[str] = DEFAULT_UPDATE_TYPES
        self._poll_generation = 0
        self._wakeup = asyncio.Event()
        self._closing = asyncio.Event()
        self._network: Literal["drop", "hang"] | None = None
        self._network_back = asyncio.Event()
        self._failures: list[_Fault] = []
        self._delays: list[_Fault] = []
        self._chaos: _Chaos | None = None
        self._limits: _Limits | None = None
        self._server = LoopbackServer()
        methods: dict[str, Callable[[JSON], Any]] = {
            "getMe": self._get_me,
            "getUpdates": self._get_updates,
            "sendMessage": self._send_message,
            "sendPhoto": self._send_photo,
            "editMessageText": self._edit_message_text,
            "editMessageReplyMarkup": self._edit_message_reply_markup,
            "deleteMessage": self._delete_message,
            "sendChatAction": self._send_chat_action,
            "answerCallbackQuery": self._answer_callback_query,
            "answerInlineQuery": self._answer_inline_query,
            "getChatMember": self._get_chat_member,
            "setMyCommands": self._set_my_commands,
            "deleteMyCommands": self._delete_my_commands,
            "getMyCommands": self._get_my_commands,
            "setWebhook": self._set_webhook,
            "deleteWebhook": self._delete_webhook,
            "getWebhookInfo": self._get_webhook_info,
        }
        self._methods = {name.lower(): (name, method) for name, method in methods.items()}

    # --- lifecycle -----------------------------------------------------------------------------

    async def start(self) -> None:
        self._closing = asyncio.Event()
        app = web.Application()
        app.router.add_route("*", "/bot{token}/{method}", self._handle)
        app.router.add_route("*", "/{tail:.*}", self._not_found)
        await self._server.start(app)

    async def stop(self) -> None:
        """Ends long polls and delayed answers at once (their connections are dropped)."""
        self._closing.set()
        self._wake()
        await self._server.stop()

    @property
    def base_url(self) -> str:
        return self._server.url("http", "/bot")

    @property
    def base_file_url(self) -> str:
        return self._server.url("http", "/file/bot")

    # --- the model -----------------------------------------------------------------------------

    def add_chat(
        self,
        chat_id: int,
        type: ChatType,  # the Bot API's name
        title: str | None = None,
        *,
        is_forum: bool = False,
        username: str | None = None,
        first_name: str | None = None,
    ) -> Chat:
        chat = Chat(chat_id, type, title, first_name, username, is_forum)
        self.chats[chat_id] = chat
        return chat

    def set_member(self, chat_id: int, user_id: int, status: str) -> None:
        """A member's status: creator (owner), administrator, member, restricted, left or
        kicked (banned). The bot's own status decides whether it may send there."""
        status = STATUS_ALIASES.get(status, status)
        if status not in MEMBER_STATUSES:
            raise ValueError(f"unknown member status {status!r}")
        self.members[(chat_id, user_id)] = status

    def block(self, chat_id: int) -> None:
        """The user blocked the bot: sends answer 403 "bot was blocked by the user"."""
        self.set_member(chat_id, BOT_ID, "kicked")

    def kick(self, chat_id: int) -> None:
        """The bot was removed from the group: 403 "bot was kicked from the group chat"."""
        self.set_member(chat_id, BOT_ID, "kicked")

    def restore(self, chat_id: int) -> None:
        """Undo block/kick: the bot is a member again (an administrator in a channel)."""
        self.members.pop((chat_id, BOT_ID), None)

    def forget(self, chat_id: int) -> None:
        """Telegram no longer knows the chat (deleted, or never seen): 400 chat not found."""
        self.chats.pop(chat_id, None)

    def migrate(self, chat_id: int, new_chat_id: int) -> Chat:
        """The group became a supergroup: sends to the old id answer 400 with
        migrate_to_chat_id; the new id is a known supergroup with the same title."""
        old = self._known(chat_id)
        old.migrated_to = new_chat_id
        return self.add_chat(new_chat_id, "supergroup", old.title, is_forum=old.is_forum)

    def sent_to(self, chat_id: int) -> list[SentMessage]:
        return [message for message in self.sent if message.chat_id == chat_id]

    def duplicates(self) -> int:
        """How many (chat, text) pairs were sent more than once."""
        counts = Counter((message.chat_id, message.text) for message in self.sent)
        return sum(1 for n in counts.values() if n > 1)

    def message(self, chat_id: int, message_id: int) -> JSON:
        """A message as it stands now (edits applied), in Bot API shape."""
        return copy.deepcopy(self._messages[(chat_id, message_id)])

    @staticmethod
    def scope_key(scope: Mapping[str, Any] | Any | None) -> str | None:
        """The `commands` key of a scope (a dict or a PTB BotCommandScope): None for default."""
        if scope is not None and not isinstance(scope, Mapping):
            scope = scope.to_dict()
        if scope is None or dict(scope) == {"type": "default"}:
            return None
        return json.dumps(scope, sort_keys=True)

    def commands_for(self, scope: Any = None, language_code: str = "") -> list[JSON] | None:
        return self.commands.get((self.scope_key(scope), language_code))

    # --- updates for the bot to poll -----------------------------------------------------------

    def feed_message(
        self,
        chat_id: int,
        text: str,
        user: User | None = None,
        thread_id: int | None = None,
        sender_chat_id: int | None = None,
    ) -> JSON:
        """A user writes in a chat. A private chat becomes known when its user writes. Texts
        starting with "/" carry a bot_command entity. With `sender_chat_id` the message is sent
        on behalf of a chat: the group itself for an anonymous admin (from GroupAnonymousBot),
        another chat for a linked channel (from Channel_Bot), as Telegram does."""
        chat = self.chats.get(chat_id)
        if chat is None and chat_id > 0:
            user = user or User(chat_id, f"User {chat_id}", language_code="en")
            chat = self.add_chat(
                chat_id, "private", first_name=user.first_name, username=user.username
            )
        if chat is None:
            raise ValueError(f"unknown chat {chat_id}: add_chat it first")
        if chat.type == "channel":
            raise ValueError("a channel gets posts: use feed_channel_post")
        if user is None:
            user = (
                User(chat_id, chat.first_name or "User") if chat.type == "private" else DEFAULT_USER
            )
        self.users[user.id] = user
        sender = user
        message = self._new_message(chat, thread_id)
        if sender_chat_id is not None:
            sender = GROUP_ANONYMOUS if sender_chat_id == chat_id else CHANNEL_SENDER
            message["sender_chat"] = self._known(sender_chat_id).to_dict()
        message["from"] = sender.to_dict()
        message["text"] = text
        if text.startswith("/"):
            command = text.split(maxsplit=1)[0]
            message["entities"] = [
                {"type": "bot_command", "offset": 0, "length": utf16_len(command)}
            ]
        self._store(chat.id, message)
        return self._queue("message", message)

    def feed_channel_post(self, chat_id: int, text: str) -> JSON:
        """A post in a channel: `sender_chat` is the channel, there is no `from`."""
        chat = self._known(chat_id)
        message = self._new_message(chat, None)
        message["sender_chat"] = chat.to_dict()
        message["text"] = text
        self._store(chat.id, message)
        return self._queue("channel_post", message)

    def feed_callback(self, user: User, message: SentMessage | JSON, data: str) -> JSON:
        """A user presses an inline button under a message the bot sent; the query carries
        that message as it stands now."""
        if isinstance(message, SentMessage):
            chat_id, message_id = message.chat_id, message.message_id
        else:
            chat_id, message_id = message["chat"]["id"], message["message_id"]
        current = self._messages.get((chat_id, message_id), message)
        self.users[user.id] = user
        query_id = str(next(self._callback_ids))
        self._open_callbacks.add(query_id)
        query = {
            "id": query_id,
            "from": user.to_dict(),
            "message": copy.deepcopy(current),
            "chat_instance": str(abs(chat_id) * 1_000_003),
            "data": data,
        }
        return self._queue("callback_query", query)

    def feed_inline_query(
        self, user: User, query: str, offset: str = "", chat_type: str = "private"
    ) -> JSON:
        """A user types "@<bot> <query>" in a chat of `chat_type` (the next page: the
        `next_offset` the bot last gave, as `offset`). Telegram sends it only in inline mode."""
        if not self.inline_mode:
            raise ValueError("inline mode is off: Telegram sends no inline queries")
        self.users[user.id] = user
        query_id = str(next(self._inline_ids))
        self._open_inline.add(query_id)
        inline_query = {
            "id": query_id,
            "from": user.to_dict(),
            "query": query,
            "offset": offset,
            "chat_type": chat_type,
        }
        return self._queue("inline_query", inline_query)

    def inline_answers_to(self, update: JSON) -> list[InlineAnswer]:
        """The answers to the inline query of an update `feed_inline_query` queued."""
        query_id = update["inline_query"]["id"]
        return [a for a in self.inline_answers if a.inline_query_id == query_id]

    def feed_my_chat_member(
        self, chat_id: int, old_status: str, new_status: str, by: User | None = None
    ) -> JSON:
        """The bot's own status changed (added, promoted, removed; blocked when a private chat
        goes to "kicked"). The model follows: sends obey the new status."""
        chat = self.chats.get(chat_id)
        if chat is None:
            chat = self.add_chat(chat_id, "private") if chat_id > 0 else self._known(chat_id)
        by = by or (
            User(chat_id, chat.first_name or "User") if chat.type == "private" else DEFAULT_USER
        )
        self.set_member(chat_id, BOT_ID, new_status)
        update = {
            "chat": chat.to_dict(),
            "from": by.to_dict(),
            "date": int(time.time()),
            "old_chat_member": self._member(chat, self.bot_user, old_status),
            "new_chat_member": self._member(chat, self.bot_user, new_status),
        }
        return self._queue("my_chat_member", update)

    # --- fault injection -----------------------------------------------------------------------

    def fail_next(
        self,
        method: str,
        status: int = 400,
        description: str | None = None,
        retry_after: int | None = None,
        count: int = 1,
        chat_id: int | str | None = None,
    ) -> None:
        """The next `count` calls of `method` (in `chat_id`, if given) fail with this answer.
        429 gets `parameters.retry_after` (1 unless given) as Telegram sends it."""
        if status == 429:
            retry_after = retry_after or 1
        default = {
            429: f"Too Many Requests: retry after {retry_after}",
            403: "Forbidden",
            500: "Internal Server Error",
            502: "Bad Gateway",
        }.get(status, "Bad Request")
        parameters = {"retry_after": retry_after} if retry_after else {}
        error = ApiError(status, description or default, **parameters)
        self._failures.append(_Fault(method.lower(), count, chat_id, error=error))

    def garble_next(
        self, method: str, body: bytes, count: int = 1, chat_id: int | str | None = None
    ) -> None:
        """The next `count` calls of `method` are carried out (a send is recorded) and answered
        200 with `body` instead of the result, as a newer or broken Bot API might answer."""
        self._failures.append(_Fault(method.lower(), count, chat_id, garbled=body))

    def delay_next(
        self,
        method: str,
        seconds: float,
        count: int = 1,
        chat_id: int | str | None = None,
        *,
        deliver: bool = True,
    ) -> None:
        """The next `count` calls of `method` hang `seconds` first. Then, like a slow Telegram,
        the request is carried out and answered (a send is recorded even if the client timed
        out meanwhile: the way a timeout repeats a message); with `deliver=False` the
        connection is dropped instead. Stopping the server drops pending ones."""
        self._delays.append(_Fault(method.lower(), count, chat_id, delay=seconds, deliver=deliver))

    def faults(
        self,
        p500: float = 0.0,
        p_timeout: float = 0.0,
        p429: float = 0.0,
        seed: int = 0,
        *,
        methods: Iterable[str] = ("sendMessage",),
        timeout_seconds: float = 2.0,
        deliver_late: bool = True,
        retry_after: float = 1,
    ) -> None:
        """Each call of `methods` fails at random: 500, 429 (retry_after), or hangs for
        `timeout_seconds` (then is carried out, or dropped without `deliver_late`). The seed
        makes the sequence of outcomes repeat; all probabilities 0 turns it off."""
        if not (p500 or p_timeout or p429):
            self._chaos = None
            return
        self._chaos = _Chaos(
            p500,
            p429,
            p_timeout,
            random.Random(seed),
            frozenset(m.lower() for m in methods),
            timeout_seconds,
            deliver_late,
            retry_after,
        )

    def limit(
        self,
        overall_per_second: float | None,
        burst_seconds: float = 0.1,
        per_chat_per_second: float | None = 1.0,
        paid_per_second: float | None = None,
    ) -> None:
        """Flood control on sendMessage: an overall token bucket (capacity
        max(1, rate × burst_seconds), refilled at `rate`) and at most `per_chat_per_second`
        accepted sends per chat; with `paid_per_second`, sends with allow_paid_broadcast draw
        on a bucket of that rate instead of the overall one. Over either: 429 with an integer
        retry_after ≥ 1, nothing recorded in `sent`, `rejected_429` counts it.
        `limit(None, per_chat_per_second=None)` turns it off."""
        if overall_per_second is None and per_chat_per_second is None:
            self._limits = None
            return
        overall, paid = (
            None if rate is None else _Bucket(rate, burst_seconds)
            for rate in (overall_per_second, paid_per_second)
        )
        self._limits = _Limits(overall, paid, per_chat_per_second)

    def stop_network(self, mode: Literal["drop", "hang"] = "drop") -> None:
        """Cut the network: every request has its connection closed at once ("drop", the client
        sees NetworkError) or hangs until the client gives up ("hang", TimedOut). Requests in a
        cut network never reach Telegram: they are not recorded in `calls`. Requests already
        being answered (a long poll) finish as usual."""
        self._network = mode
        self._network_back = asyncio.Event()

    def restore_network(self) -> None:
        self._network = None
        self._network_back.set()

    # --- test helpers --------------------------------------------------------------------------

    async def wait_for(
        self, predicate: Callable[[], T], timeout: float = 5.0, what: str | None = None
    ) -> T:
        """Poll `predicate` every 10 ms until it returns something truthy, and return that."""
        return await wait_for(predicate, timeout, what, self.summary)

    def summary(self, last: int = 15) -> str:
        """The last calls and what they were answered, for failure messages."""
        start = self.calls[0].at if self.calls else 0.0
        lines = [f"{len(self.calls)} calls, {len(self.sent)} sent; last {last} calls:"]
        for call in self.calls[-last:]:
            params = {k: v for k, v in call.params.items() if k in ("chat_id", "text", "offset")}
            lines.append(f"  +{call.at - start:.3f}s {call.method} {params} → {call.status}")
        return "\n".join(lines)

    # --- HTTP ----------------------------------------------------------------------------------

    async def _not_found(self, request: web.Request) -> web.Response:
        return web.json_response(ApiError(404, "Not Found").body(), status=404)

    async def _handle(self, request: web.Request) -> web.StreamResponse:
        try:
            if (cut := self._network) is not None:
                if cut == "hang":
                    await self._until(self._network_back)
                raise _Dropped  # the request never reached Telegram
            params = await _read_params(request)
            name = request.match_info["method"]
            known = self._methods.get(name.lower())
            call = Call(known[0] if known else name, params)
            self.calls.append(call)
            try:
                if request.match_info["token"] != self.token:
                    raise ApiError(401, "Unauthorized")
                if known is None:
                    raise ApiError(404, "Not Found")
                result = await self._process(known[0], known[1], params)
            except ApiError as error:
                call.status = error.status
                return web.json_response(error.body(), status=error.status)
            except _Garbled as garbled:
                call.status = 200
                return web.Response(body=garbled.body, content_type="application/json")
            call.status = 200
            return web.json_response({"ok": True, "result": result})
        except _Dropped:
            if request.transport is not None:
                request.transport.close()
            return web.Response(status=500)  # never written: the connection is gone

    async def _process(self, method: str, handler: Callable[[JSON], Any], params: JSON) -> Any:
        if delay := _take(self._delays, method, params):
            await self._until(None, delay.delay)
            if not delay.deliver:
                raise _Dropped
        failure = _take(self._failures, method, params)
        if failure is not None and failure.error is not None:
            raise failure.error
        late = False
        if (chaos := self._chaos) is not None and method.lower() in chaos.methods:
            roll = chaos.rng.random()
            if roll < chaos.p500:
                self.faults_injected["500"] += 1
                raise ApiError(500, "Internal Server Error")
            if roll < chaos.p500 + chaos.p429:
                self.faults_injected["429"] += 1
                raise too_many_requests(chaos.retry_after)
            if roll < chaos.p500 + chaos.p429 + chaos.p_timeout:
                self.faults_injected["timeout"] += 1
                await self._until(None, chaos.delay)
                if not chaos.deliver_late:
                    raise _Dropped
                late = True
        result = handler(params)
        result = await result if inspect.isawaitable(result) else result
        if late:  # only now: a late call the method refused (403, chat moved) was not carried out
            self.faults_injected["carried out late"] += 1
        if failure is not None and failure.garbled is not None:
            raise _Garbled(failure.garbled)
        return result

    async def _until(self, event: asyncio.Event | None, seconds: float | None = None) -> None:
        """Wait for `event` (or `seconds`); a stopping server drops the request instead."""
        waits = [asyncio.ensure_future(self._closing.wait())]
        if event is not None:
            waits.append(asyncio.ensure_future(event.wait()))
        try:
            await asyncio.wait(waits, timeout=seconds, return_when=asyncio.FIRST_COMPLETED)
        finally:
            for waiting in waits:
                waiting.cancel()
        if self._closing.is_set():
            raise _Dropped

    # --- helpers of the methods ----------------------------------------------------------------

    def _known(self, chat_id: int) -> Chat:
        if chat_id not in self.chats:
            raise ValueError(f"unknown chat {chat_id}: add_chat it first")
        return self.chats[chat_id]

    def _chat(self, params: JSON) -> Chat:
        """The chat of `chat_id` (an id or @username): unknown → 400, migrated → 400 with
        migrate_to_chat_id."""
        raw = params.get("chat_id")
        if raw is None or raw == "":
            raise bad_request("chat_id is empty")
        chat: Chat | None
        if isinstance(raw, str) and raw.startswith("@"):
            chat = next((c for c in self.chats.values() if c.username == raw[1:]), None)
        else:
            try:
                chat_id = int(raw)
            except (TypeError, ValueError):
                raise bad_request("chat not found") from None
            chat = self.chats.get(chat_id)
            if chat is None and self.auto_chats:
                kind: ChatType = "private" if chat_id > 0 else "group"
                if chat_id < -(10**12):
                    kind = "supergroup"  # the -100… ids
                chat = self.add_chat(chat_id, kind)
        if chat is None:
            raise bad_request("chat not found")
        if chat.migrated_to is not None:
            raise ApiError(
                400,
                "Bad Request: group chat was upgraded to a supergroup chat",
                migrate_to_chat_id=chat.migrated_to,
            )
        return chat

    def _status(self, chat: Chat, user_id: int) -> str:
        if (status := self.members.get((chat.id, user_id))) is not None:
            return status
        if user_id == BOT_ID:
            return "administrator" if chat.type == "channel" else "member"
        return "member" if chat.type == "private" and user_id == chat.id else "left"

    def _check_can_write(self, chat: Chat) -> None:
        """What Telegram answers when the bot's own status does not let it post."""
        status = self._status(chat, BOT_ID)
        if status == "kicked":
            raise ApiError(
                403,
                "Forbidden: bot was blocked by the user"
                if chat.type == "private"
                else f"Forbidden: bot was kicked from the {chat.type} chat",
            )
        if status == "left":
            raise ApiError(403, f"Forbidden: bot is not a member of the {chat.type} chat")
        if status == "restricted":
            raise bad_request("not enough rights to send text messages to the chat")
        if chat.type == "channel" and status not in ("administrator", "creator"):
            raise bad_request("need administrator rights in the channel chat")

    def _new_message(self, chat: Chat, thread_id: int | None) -> JSON:
        message_id = self._next_message_id.get(chat.id, 0) + 1
        self._next_message_id[chat.id] = message_id
        message: JSON = {"message_id": message_id, "date": int(time.time()), "chat": chat.to_dict()}
        if thread_id is not None:
            message["message_thread_id"] = thread_id
            if chat.is_forum:
                message["is_topic_message"] = True
        return message

    def _store(self, chat_id: int, message: JSON) -> None:
        self._messages[(chat_id, message["message_id"])] = message

    def _queue(self, kind: str, payload: JSON) -> JSON:
        update = {"update_id": next(self._update_ids), kind: copy.deepcopy(payload)}
        self.updates.append(update)
        self._wake()
        return update

    def _wake(self) -> None:
        self._wakeup.set()
        self._wakeup = asyncio.Event()

    def _member(self, chat: Chat, user: User, status: str) -> JSON:
        """A ChatMember object of the given status, with every field PTB requires."""
        status = STATUS_ALIASES.get(status, status)
        member: JSON = {"status": status, "user": user.to_dict()}
        if status == "creator":
            member["is_anonymous"] = False
        elif status == "administrator":
            member.update(
                {"can_be_edited": False, "is_anonymous": False, "can_promote_members": False},
                **dict.fromkeys(ADMIN_RIGHTS, True),
            )
            if chat.type == "channel":
                member.update(can_post_messages=True, can_edit_messages=True)
            if chat.type == "supergroup":
                member["can_manage_topics"] = True
        elif status == "restricted":
            member.update(
                {"is_member": True, "until_date": 0}, **dict.fromkeys(RESTRICTED_RIGHTS, False)
            )
        elif status == "kicked":
            member["until_date"] = 0
        return member

    def _format(
        self, text: str | None, parse_mode: str | None, entities: Any
    ) -> tuple[str, list[JSON]]:
        """Plain text and entities of a message text, checked as Telegram checks it."""
        if not text or not text.strip():
            raise bad_request("message text is empty")
        plain, parsed = (
            parse_html(text)
            if (parse_mode or "").lower() == "html"
            else (text, list(entities or []))
        )
        if not plain.strip():
            raise bad_request("message text is empty")
        if utf16_len(plain) > TEXT_LIMIT:
            raise bad_request("message is too long")
        return plain, parsed

    @staticmethod
    def _check_markup(markup: Any) -> JSON | None:
        """The reply markup; inline buttons need callback_data of 1–64 bytes (or a url...)."""
        if markup is None:
            return None
        if not isinstance(markup, dict):
            raise bad_request("can't parse reply keyboard markup JSON object")
        for row in markup.get("inline_keyboard", []):
            for button in row:
                data = button.get("callback_data")
                if data is not None and not 1 <= len(str(data).encode()) <= 64:
                    raise bad_request("BUTTON_DATA_INVALID")
        return markup

    # --- Bot API methods -----------------------------------------------------------------------

    def _get_me(self, params: JSON) -> JSON:
        capabilities = ("can_join_groups", "can_read_all_group_messages")
        return {
            **self.bot_user.to_dict(),
            **dict.fromkeys(capabilities, False),
            "supports_inline_queries": self.inline_mode,
        }

    async def _get_updates(self, params: JSON) -> list[JSON]:
        """Long polling: confirms the updates below `offset`, returns at once when any are
        queued, else waits `timeout` (capped by max_poll_seconds). A newer poll ends an older
        one with 409 Conflict, as two bot instances polling at once get."""
        if self.webhook.url:
            raise ApiError(
                409,
                "Conflict: can't use getUpdates method while webhook is active;"
                " use deleteWebhook to delete the webhook first",
            )
        if (allowed := params.get("allowed_updates")) is not None:
            self._allowed = frozenset(allowed) or DEFAULT_UPDATE_TYPES
        offset = int(params.get("offset") or 0)
        if offset > 0:
            self.updates = [u for u in self.updates if u["update_id"] >= offset]
        elif offset < 0:
            self.updates = self.updates[offset:]
        limit = min(max(int(params.get("limit") or 100), 1), 100)
        self._poll_generation += 1
        generation = self._poll_generation
        self._wake()  # an older poll still waiting learns that it was superseded
        loop = asyncio.get_running_loop()
        deadline = loop.time() + min(
            max(float(params.get("timeout") or 0), 0.0), self.max_poll_seconds
        )
        while True:
            if generation != self._poll_generation:
                raise ApiError(
                    409,
                    "Conflict: terminated by other getUpdates request; make sure"
                    " that only one bot instance is running",
                )
            # Updates of types not allowed are never delivered: Telegram drops them.
            self.updates = [u for u in self.updates if _kind(u) in self._allowed]
            remaining = deadline - loop.time()
            if self.updates or remaining <= 0 or self._closing.is_set():
                return copy.deepcopy(self.updates[:limit])
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wakeup.wait(), remaining)

    def _send_message(self, params: JSON) -> JSON:
        chat = self._chat(params)
        self._check_can_write(chat)
        text, parse_mode = params.get("text"), params.get("parse_mode")
        plain, entities = self._format(text, parse_mode, params.get("entities"))
        content: JSON = {"text": plain}
        if entities:
            content["entities"] = entities
        if (preview := params.get("link_preview_options")) is not None:
            content["link_preview_options"] = preview
        return self._post(chat, params, content, str(text))

    def _send_photo(self, params: JSON) -> JSON:
        chat = self._chat(params)
        self._check_can_write(chat)
        photo = params.get("photo")
        if isinstance(photo, str) and photo.startswith("attach://"):
            photo = params.get(photo.removeprefix("attach://"))
        if not isinstance(photo, Upload):
            raise bad_request("wrong file identifier/HTTP URL specified")
        width, height = _photo_size(photo)
        content: JSON = {"photo": _photo_sizes(photo, width, height)}
        caption, parse_mode = params.get("caption"), params.get("parse_mode")
        if caption:
            plain, entities = self._format(caption, parse_mode, params.get("caption_entities"))
            if utf16_len(plain) > CAPTION_LIMIT:
                raise bad_request("message caption is too long")
            content["caption"] = plain
            if entities:
                content["caption_entities"] = entities
        return self._post(chat, params, content, str(caption or ""), photo)

    def _post(
        self, chat: Chat, params: JSON, content: JSON, text: str, photo: Upload | None = None
    ) -> JSON:
        """A message made of `content` posted to `chat`: flood control, the reply markup and
        the topic applied as for every send, then stored and recorded."""
        markup = self._check_markup(params.get("reply_markup"))
        paid = params.get("allow_paid_broadcast") is True
        if self._limits is not None:
            now = time.monotonic()
            if (retry_after := self._limits.retry_after(chat.id, now, paid)) is not None:
                self.rejected_429 += 1
                raise too_many_requests(retry_after)
            self._limits.accept(chat.id, now, paid)
        thread_id = params.get("message_thread_id")
        message = self._new_message(chat, thread_id)
        if chat.type == "channel":
            message["sender_chat"] = chat.to_dict()
        else:
            message["from"] = self.bot_user.to_dict()
        message.update(content)
        if markup is not None and "inline_keyboard" in markup:
            message["reply_markup"] = markup  # other keyboards are not part of a Message
        self._store(chat.id, message)
        self._own.add((chat.id, message["message_id"]))
        self.sent.append(
            SentMessage(
                chat.id,
                text,
                params.get("parse_mode"),
                thread_id,
                params.get("link_preview_options"),
                markup,
                message["message_id"],
                time.monotonic(),
                paid,
                photo,
            )
        )
        return message

    def _editable(self, params: JSON) -> JSON:
        chat = self._chat(params)
        self._check_can_write(chat)
        key = (chat.id, int(params.get("message_id") or 0))
        if key not in self._messages:
            raise bad_request("message to edit not found")
        if key not in self._own:
            raise bad_request("message can't be edited")
        return self._messages[key]

    def _edit(self, method: str, params: JSON, text: str | None = None) -> JSON | bool:
        """Both edits: a message without reply_markup in the call loses its keyboard, and an
        edit that changes nothing is refused, as Telegram does."""
        markup = self._check_markup(params.get("reply_markup"))
        edit = Edit(
            method,
            params.get("chat_id"),
            params.get("message_id"),
            text,
            params.get("parse_mode"),
            markup,
            time.monotonic(),
        )
        if params.get("inline_message_id"):
            self.edits.append(edit)
            return True
        message = self._editable(params)
        if text is not None:
            plain, entities = self._format(text, params.get("parse_mode"), params.get("entities"))
        else:
            plain, entities = message["text"], message.get("entities", [])
        keyboard = markup if markup is not None and "inline_keyboard" in markup else None
        if (plain, entities, keyboard) == (
            message["text"],
            message.get("entities", []),
            message.get("reply_markup"),
        ):
            raise bad_request(
                "message is not modified: specified new message content and reply"
                " markup are exactly the same as a current content and reply"
                " markup of the message"
            )
        message.update(
            text=plain, entities=entities, reply_markup=keyboard, edit_date=int(time.time())
        )
        for empty in [k for k in ("entities", "reply_markup") if not message[k]]:
            del message[empty]
        self.edits.append(edit)
        return copy.deepcopy(message)

    def _edit_message_text(self, params: JSON) -> JSON | bool:
        return self._edit("editMessageText", params, str(params.get("text") or ""))

    def _edit_message_reply_markup(self, params: JSON) -> JSON | bool:
        return self._edit("editMessageReplyMarkup", params)

    def _delete_message(self, params: JSON) -> bool:
        chat = self._chat(params)
        if self._messages.pop((chat.id, int(params.get("message_id") or 0)), None) is None:
            raise bad_request("message to delete not found")
        return True

    def _send_chat_action(self, params: JSON) -> bool:
        self._check_can_write(self._chat(params))
        return True

    def _answer_callback_query(self, params: JSON) -> bool:
        query_id = str(params.get("callback_query_id"))
        if query_id not in self._open_callbacks:
            raise bad_request(
                "query is too old and response timeout expired or query ID is invalid"
            )
        self._open_callbacks.discard(query_id)
        self.callback_answers.append(
            CallbackAnswer(
                query_id,
                params.get("text"),
                bool(params.get("show_alert")),
                params.get("url"),
                time.monotonic(),
            )
        )
        return True

    def _answer_inline_query(self, params: JSON) -> bool:
        """Checked as Telegram checks it: an open query answered once, at most 50 results with
        unique ids of 1–64 bytes, each article with a title and a message text Telegram can
        parse within 4,096 characters, a next_offset of at most 64 bytes."""
        query_id = str(params.get("inline_query_id"))
        if query_id not in self._open_inline:
            raise bad_request(
                "query is too old and response timeout expired or query ID is invalid"
            )
        results = params.get("results")
        if not isinstance(results, list):
            raise bad_request("can't parse inline query results JSON object")
        if len(results) > 50:
            raise bad_request("RESULTS_TOO_MUCH")
        ids: set[str] = set()
        for result in results:
            self._check_inline_result(result, ids)
        next_offset = str(params.get("next_offset") or "")
        if len(next_offset.encode()) > 64:
            raise bad_request("NEXT_OFFSET_INVALID")
        self._open_inline.discard(query_id)
        cache_time = params.get("cache_time")
        self.inline_answers.append(
            InlineAnswer(
                query_id,
                results,
                None if cache_time is None else int(cache_time),
                bool(params.get("is_personal")),
                next_offset,
                time.monotonic(),
            )
        )
        return True

    def _check_inline_result(self, result: Any, ids: set[str]) -> None:
        if not isinstance(result, dict) or result.get("type") != "article":
            raise bad_request("RESULT_TYPE_INVALID")  # the stand-in knows articles alone
        result_id = str(result.get("id") or "")
        if not 1 <= len(result_id.encode()) <= 64:
            raise bad_request("RESULT_ID_INVALID")
        if result_id in ids:
            raise bad_request("RESULT_ID_DUPLICATE")
        ids.add(result_id)
        if not str(result.get("title") or "").strip():
            raise bad_request("RESULT_TITLE_EMPTY")
        content = result.get("input_message_content")
        if not isinstance(content, dict):
            raise bad_request("input_message_content is required")
        try:
            self._format(content.get("message_text"), content.get("parse_mode"), None)
        except ApiError as error:
            if "too long" in error.description:
                raise bad_request("MESSAGE_TOO_LONG") from None
            if "empty" in error.description:
                raise bad_request("MESSAGE_EMPTY") from None
            raise
        self._check_markup(result.get("reply_markup"))

    def _get_chat_member(self, params: JSON) -> JSON:
        chat = self._chat(params)
        user_id = int(params.get("user_id") or 0)
        user = self.users.get(user_id) or User(user_id, f"User {user_id}")
        return self._member(chat, user, self._status(chat, user_id))

    def _set_my_commands(self, params: JSON) -> bool:
        commands = params.get("commands")
        if not isinstance(commands, list) or len(commands) > 100:
            raise bad_request("commands must be a list of at most 100 BotCommand")
        for command in commands:
            if not re.fullmatch(r"[a-z0-9_]{1,32}", str(command.get("command", ""))):
                raise bad_request("BOT_COMMAND_INVALID")
            if not 1 <= len(str(command.get("description", ""))) <= 256:
                raise bad_request("command description is empty or too long")
        key = (self.scope_key(params.get("scope")), params.get("language_code") or "")
        self.commands[key] = commands
        return True

    def _delete_my_commands(self, params: JSON) -> bool:
        self.commands.pop(
            (self.scope_key(params.get("scope")), params.get("language_code") or ""), None
        )
        return True

    def _get_my_commands(self, params: JSON) -> list[JSON]:
        key = (self.scope_key(params.get("scope")), params.get("language_code") or "")
        return self.commands.get(key, [])

    def _set_webhook(self, params: JSON) -> bool:
        if params.get("drop_pending_updates"):
            self.updates.clear()
        self.webhook = Webhook(
            str(params.get("url") or ""),
            params.get("secret_token"),
            params.get("allowed_updates"),
            params.get("max_connections"),
        )
        return True

    def _delete_webhook(self, params: JSON) -> bool:
        if params.get("drop_pending_updates"):
            self.updates.clear()
        self.webhook = Webhook()
        return True

    def _get_webhook_info(self, params: JSON) -> JSON:
        info: JSON = {
            "url": self.webhook.url,
            "has_custom_certificate": False,
            "pending_update_count": len(self.updates),
        }
        if self.webhook.allowed_updates is not None:
            info["allowed_updates"] = self.webhook.allowed_updates
        if self.webhook.max_connections is not None:
            info["max_connections"] = self.webhook.max_connections
        return info


def _kind(update: JSON) -> str:
    return next(key for key in update if key != "update_id")


def _take(faults: list[_Fault], method: str, params: JSON) -> _Fault | None:
    """The first scripted fault for this call, used up by one."""
    for fault in faults:
        if fault.matches(method, params):
            fault.count -= 1
            if fault.count <= 0:
                faults.remove(fault)
            return fault
    return None


async def _read_params(request: web.Request) -> JSON:
    """Query and body parameters, JSON-decoded where the Bot API's type is not a string."""
    raw: dict[str, Any] = dict(request.query)
    decoded: JSON = {}
    if request.can_read_body:
        if request.content_type == "application/json":
            decoded = await request.json()
        else:
            for key, value in (await request.post()).items():
                if isinstance(value, web.FileField):
                    decoded[key] = Upload(value.filename, value.content_type, value.file.read())
                else:
                    raw[key] = value
    for key, value in raw.items():
        if key in RAW_STRING_PARAMS:
            decoded.setdefault(key, value)
            continue
        try:
            decoded.setdefault(key, json.loads(value))
        except ValueError:
            decoded.setdefault(key, value)
    return decoded


def _photo_size(photo: Upload) -> tuple[int, int]:
    """A photo's width and height, or Telegram's refusal of it."""
    if len(photo.data) > PHOTO_BYTES:
        raise ApiError(413, "Request Entity Too Large")
    if photo.data[:8] != b"\x89PNG\r\n\x1a\n" or photo.data[12:16] != b"IHDR":
        raise bad_request("IMAGE_PROCESS_FAILED")
    width, height = (int.from_bytes(photo.data[i : i + 4], "big") for i in (16, 20))
    if not width or not height:
        raise bad_request("IMAGE_PROCESS_FAILED")
    if width + height > PHOTO_SIDES or max(width, height) > PHOTO_RATIO * min(width, height):
        raise bad_request("PHOTO_INVALID_DIMENSIONS")
    return width, height


def _photo_sizes(photo: Upload, width: int, height: int) -> list[JSON]:
    """The sizes Telegram keeps of a photo: one here, as sent."""
    unique = f"{zlib.crc32(photo.data):08x}"
    return [
        {
            "file_id": f"photo-{unique}",
            "file_unique_id": unique,
            "width": width,
            "height": height,
            "file_size": len(photo.data),
        }
    ]
