"""Sending to Telegram: one message out, and what became of it as one of the core's outcomes."""

from __future__ import annotations

import asyncio
import datetime as dt
import logging

from telegram import Bot, InlineKeyboardMarkup, LinkPreviewOptions
from telegram.constants import ParseMode
from telegram.error import (
    BadRequest,
    ChatMigrated,
    Forbidden,
    NetworkError,
    RetryAfter,
    TelegramError,
    TimedOut,
)

from bot.core import ports
from bot.core.ports import ChatRef, Format, MessageKind, Outbound, Outcome

log = logging.getLogger(__name__)

PLATFORM = "telegram"
NO_PREVIEW = LinkPreviewOptions(is_disabled=True)

# Bad requests that mean the bot can no longer post where it was asked to: the chat or topic is
# gone, or the bot lost the right to write there. Retrying cannot help until it is re-added.
_GONE_WHEN = (
    "chat not found",
    "message thread not found",
    "topic_deleted",
    "topic_closed",
    "have no rights to send",
    "not enough rights to send",
    "need administrator rights",
)

REPLY_ATTEMPTS = 3  # a reply that meets flood control waits and tries again this often


class TelegramSender:
    """The core's sender for Telegram. HTML parse mode, the renderer having escaped every text.

    No rate limiter sits in python-telegram-bot: the core's pacer spaces every delivery at the
    configured rates and holds the whole platform when a 429 arrives, which it can do only if
    the 429 reaches it as an outcome; PTB's `AIORateLimiter` would retry inside the call and
    burst, so two limiters would fight. Replies to commands go out at once (one per command).
    """

    platform = PLATFORM
    format = Format.TELEGRAM

    def __init__(self, bot: Bot) -> None:
        self.bot = bot

    async def send(self, chat: ChatRef, message: Outbound) -> Outcome:
        # Digests link to their sources: a preview card of one of them would stand over the rest.
        previews = message.kind is MessageKind.ANNOUNCEMENT
        return await self.post(chat, message.text, previews=previews)

    async def post(
        self,
        chat: ChatRef,
        text: str,
        previews: bool = False,
        buttons: InlineKeyboardMarkup | None = None,
    ) -> Outcome:
        """Send one message; every failure comes back as an outcome, never as an exception."""
        try:
            sent = await self.bot.send_message(
                chat_id=chat.chat_id,
                text=text,
                parse_mode=ParseMode.HTML,
                message_thread_id=int(chat.thread) if chat.thread else None,
                link_preview_options=None if previews else NO_PREVIEW,
                reply_markup=buttons,
            )
        except Exception as error:  # a sender reports, it never raises
            return outcome_of(error)
        return ports.Delivered(str(sent.message_id))

    async def reply(
        self, chat: ChatRef, text: str, buttons: InlineKeyboardMarkup | None = None
    ) -> str | None:
        """Answer a command: wait out flood control and follow a migrated group, a few times.
        The new message's id, or None (logged) if it could not be sent."""
        outcome: Outcome = ports.Transient("not sent")
        for _ in range(REPLY_ATTEMPTS):
            outcome = await self.post(chat, text, buttons=buttons)
            match outcome:
                case ports.Delivered(message_id):
                    return message_id
                case ports.RetryAfter(seconds):
                    await asyncio.sleep(seconds)
                case ports.ChatMoved(new_chat_id):
                    chat = ChatRef(chat.platform, new_chat_id, chat.thread)
                case _:
                    break
        log.warning("could not answer in %s: %s", chat, outcome)
        return None


def outcome_of(error: Exception) -> Outcome:
    """A failed call to the Bot API as the core's outcome."""
    match error:
        case RetryAfter():
            return ports.RetryAfter(retry_seconds(error))
        case ChatMigrated():
            return ports.ChatMoved(str(error.new_chat_id))
        case Forbidden():
            return ports.ChatGone(error.message)
        case BadRequest() if any(sign in error.message.casefold() for sign in _GONE_WHEN):
            return ports.ChatGone(error.message)
        case TimedOut():
            # The message may have gone out before the answer was lost; sending again is the
            # only way not to lose it, and the README says a timeout can repeat a message.
            return ports.Transient(f"timed out: {error.message}")
        case NetworkError() | TelegramError():
            # NetworkError covers 5xx answers and lost connections; any other Bot API error is
            # retried with backoff and recorded as failed if it persists.
            return ports.Transient(f"{type(error).__name__}: {error.message}")
        case _:
            log.error("unexpected error sending to Telegram", exc_info=error)
            return ports.Transient(f"{type(error).__name__}: {error}")


def retry_seconds(error: RetryAfter) -> float:
    # A timedelta with PTB_TIMEDELTA set (see the package's __init__), else seconds.
    value = error.retry_after
    return value.total_seconds() if isinstance(value, dt.timedelta) else float(value)
