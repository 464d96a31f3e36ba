"""The core's choices as Telegram inline buttons, within 64 bytes of `callback_data`."""

from __future__ import annotations

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot.core.buttons import ButtonData
from bot.core.commands import Choice

CALLBACK_DATA_LIMIT = 64  # bytes, set by the Bot API


async def data(choices: tuple[Choice, ...], buttons: ButtonData) -> tuple[tuple[str, str], ...]:
    """Each choice as a (label, callback data) pair: what a `ReplyCall` carries."""
    return tuple([(c.label, await buttons.of(c.command, CALLBACK_DATA_LIMIT)) for c in choices])


def keyboard(buttons: tuple[tuple[str, str], ...]) -> InlineKeyboardMarkup | None:
    """One button per row: labels are names and verbs that read best in full."""
    if not buttons:
        return None
    return InlineKeyboardMarkup(
        [[InlineKeyboardButton(label, callback_data=data)] for label, data in buttons]
    )
