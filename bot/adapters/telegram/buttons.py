"""The core's choices as Telegram inline buttons, within 64 bytes of `callback_data`."""

from __future__ import annotations

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot.core.buttons import ButtonData
from bot.core.commands import Choice

CALLBACK_DATA_LIMIT = 64  # bytes, set by the Bot API


async def markup(choices: tuple[Choice, ...], data: ButtonData) -> InlineKeyboardMarkup | None:
    """One button per row: labels are names and verbs that read best in full."""
    if not choices:
        return None
    return InlineKeyboardMarkup(
        [
            [
                InlineKeyboardButton(
                    c.label, callback_data=await data.of(c.command, CALLBACK_DATA_LIMIT)
                )
            ]
            for c in choices
        ]
    )
