"""Sending to Telegram: one message out, and what became of it as one of the core's outcomes."""

from __future__ import annotations

import datetime as dt
import logging

from telegram import Bot, InlineKeyboardMarkup, InputFile, LinkPreviewOptions
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

from bot.adapters.telegram import patches
from bot.adapters.telegram.buttons import keyboard
from bot.core import ports
from bot.core.ports import ChatRef, Format, MessageKind, Outbound, Outcome, ReplyCall

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


class TelegramSender:
    """The core's sender for Telegram. HTML parse mode, the renderer having escaped every text.

    No rate limiter sits in python-telegram-bot: the core's pacer spaces every send (deliveries
    and replies, replies first) at the configured rates and holds the whole platform when a 429
    arrives, which it can do only if the 429 reaches it as an outcome; PTB's `AIORateLimiter`
    would retry inside the call and burst, so two limiters would fight.
    """

    platform = PLATFORM
    format = Format.TELEGRAM

    def __init__(self, bot: Bot) -> None:
        self.bot = bot

    async def send(self, chat: ChatRef, message: Outbound) -> Outcome:
        # Digests link to their sources: a preview card of one of them would stand over the rest.
        previews = message.kind is MessageKind.ANNOUNCEMENT
        return await self.post(chat, message.text, previews=previews, paid=message.paid)

    async def post(
        self,
        chat: ChatRef,
        text: str,
        previews: bool = False,
        buttons: InlineKeyboardMarkup | None = None,
        paid: bool = False,
    ) -> Outcome:
        """Send one message; every failure comes back as an outcome, never as an exception."""
        data: dict[str, object] = {
            "text": text,
            "link_preview_options": None if previews else NO_PREVIEW,
        }
        if paid:
            data["allow_paid_broadcast"] = True
        return await self._send(chat, "sendMessage", data, buttons)

    async def post_photo(
        self,
        chat: ChatRef,
        photo: bytes,
        filename: str,
        caption: str,
        buttons: InlineKeyboardMarkup | None = None,
    ) -> Outcome:
        """Send a photo (uploaded with the request) with its caption; an outcome, as `post`."""
        data: dict[str, object] = {
            "photo": InputFile(photo, filename=filename),
            "caption": caption,
        }
        return await self._send(chat, "sendPhoto", data, buttons)

    async def _send(
        self,
        chat: ChatRef,
        method: str,
        data: dict[str, object],
        buttons: InlineKeyboardMarkup | None,
    ) -> Outcome:
        data = {"chat_id": chat.chat_id, **data, "parse_mode": ParseMode.HTML}
        if buttons is not None:
            data["reply_markup"] = buttons
        try:
            if chat.thread:
                data["message_thread_id"] = int(chat.thread)
        except ValueError as error:  # a sender reports, it never raises
            return outcome_of(error)
        try:
            result = await patches.post_json(self.bot, method, data)
        except Exception as error:
            if patches.answered_unreadably(error):
                return _accepted(chat, f"an answer that cannot be read ({error!r})")
            return outcome_of(error)
        message_id = result.get("message_id") if isinstance(result, dict) else None
        if message_id is None:
            return _accepted(chat, f"an answer without a message id ({str(result)[:200]!r})")
        return ports.Delivered(str(message_id))

    async def reply(self, chat: ChatRef, call: ReplyCall) -> Outcome:
        """A message of a reply to a command: posted with its buttons, or an edit."""
        if call.message_id:
            return await self.edit(chat, call.message_id, call.text)
        assert call.text is not None, "a new message has a text (ReplyCall checks)"
        if call.photo is not None:
            return await self.post_photo(
                chat, call.photo, call.photo_name, call.text, keyboard(call.buttons)
            )
        return await self.post(chat, call.text, buttons=keyboard(call.buttons))

    async def edit(self, chat: ChatRef, message_id: str, text: str | None) -> Outcome:
        """Replace a message's text (link previews off, as for replies), or with None only take
        its buttons away; an outcome."""
        try:
            if text is None:
                await self.bot.edit_message_reply_markup(chat.chat_id, int(message_id))
            else:
                await self.bot.edit_message_text(
                    text,
                    chat.chat_id,
                    int(message_id),
                    parse_mode=ParseMode.HTML,
                    link_preview_options=NO_PREVIEW,
                )
        except BadRequest as error:
            if "not modified" in error.message:
                return ports.Delivered(message_id)  # it reads so already
            return outcome_of(error)
        except Exception as error:
            return outcome_of(error)
        return ports.Delivered(message_id)


def _accepted(chat: ChatRef, why: str) -> Outcome:
    """Telegram carried the send out (it answered 200) but its answer cannot be read: delivered,
    message id unknown; sending again would show the message twice."""
    log.warning("telegram: a send to %s went out, with %s; recorded as delivered", chat, why)
    return ports.Delivered("")


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
