"""A command's input and output, the same on every platform."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field, replace
from zoneinfo import ZoneInfo

from bot.core import timing
from bot.core.models import Lang
from bot.core.ports import ChatKind, ChatRef, Format
from bot.core.text import wording
from bot.core.text.document import Block, Document, Span, Style
from bot.core.text.layout import echo
from bot.core.text.render import fits, render, within_limit

__all__ = [
    "Choice",
    "Picture",
    "Reply",
    "Request",
    "echo",
    "fit_messages",
    "reply",
    "say_reply",
    "when",
]
from bot.core.text.strings import say


@dataclass(frozen=True, slots=True)
class Request:
    """One message to the bot, as the adapter saw it."""

    chat: ChatRef
    chat_kind: ChatKind
    user: str  # the sender's id on the platform
    text: str
    lang: Lang  # the language to answer in when the chat has not chosen one
    fmt: Format  # the markup the platform shows
    can_manage: bool  # may change this chat's subscription (a chat or channel admin, or a DM)
    is_admin: bool  # a bot admin (config: admins)
    chat_title: str = ""


@dataclass(frozen=True, slots=True)
class Choice:
    """A button: what it says, and the command it sends when pressed."""

    label: str
    command: str


@dataclass(frozen=True, slots=True)
class Picture:
    """An image that goes with a reply's first message, which is its caption: an adapter that
    cannot send it still sends the caption."""

    png: bytes = field(repr=False)
    filename: str


@dataclass(frozen=True, slots=True)
class Reply:
    """Messages rendered in the request's format, each within the platform's limit."""

    messages: tuple[str, ...]
    choices: tuple[Choice, ...] = ()
    push_id: str | None = None  # a push this reply started: adapters may follow its progress
    # The language it is in, for the adapters' follow-ups: set by `handle` (the chat's), or by a
    # command that answers in another (a /subscribe naming a language).
    lang: Lang | None = None
    error: bool = False  # the request could not be served: a platform may show it to the asker only
    # The messages are digests: a platform shows them as it shows a delivered digest (Discord:
    # an embed).
    digest: bool = False
    picture: Picture | None = None  # sent with the first message (at most 1,024 characters)


def plain_line(text: str, style: Style = Style.PLAIN) -> Document:
    return (((Span(text, style),),),)


def reply(request: Request, *documents: Document, choices: tuple[Choice, ...] = ()) -> Reply:
    """The given paragraphs in as few messages as fit the platform's limit."""
    merged: Document = tuple(block for document in documents for block in document)
    return Reply(fit_messages(merged, request.fmt), choices)


def fit_messages(document: Document, fmt: Format) -> tuple[str, ...]:
    """Split at paragraphs, then at lines; a single line too long for a message is cut."""
    messages: list[str] = []
    current: list[Block] = []
    for block in _fitting_blocks(document, fmt):
        if current and not fits(render((*current, block), fmt), fmt):
            messages.append(render(tuple(current), fmt))
            current = []
        current.append(block)
    if current:
        messages.append(render(tuple(current), fmt))
    return tuple(messages)


def _fitting_blocks(document: Document, fmt: Format) -> list[Block]:
    blocks: list[Block] = []
    for block in document:
        if fits(render((block,), fmt), fmt):
            blocks.append(block)
            continue
        # Each line its own paragraph, cut if it alone is too long.
        blocks += [within_limit(((line,),), fmt)[0] for line in block]
    return blocks


def say_reply(request: Request, lang: Lang, key: str, **values: object) -> Reply:
    return reply(request, plain_line(say(lang, key, **values)))


def error_reply(request: Request, lang: Lang, key: str, **values: object) -> Reply:
    """A refusal or a bad request: the platform shows it to the asker alone where it can (and a
    pressed button's message stays as it was)."""
    return replace(say_reply(request, lang, key, **values), error=True)


def when(moment: dt.datetime, zone: str, lang: Lang) -> str:
    """ "8 October 2025, 07:00 (Asia/Jakarta (WIB))" / "8 Oktober 2025, 07.00 WIB" """
    local = moment.astimezone(ZoneInfo(zone))
    label = timing.zone_label(zone, lang)
    time = timing.format_time(local.time(), lang)
    return f"{wording.day(local.date(), lang)}, {time} " + (label if lang == "id" else f"({label})")
