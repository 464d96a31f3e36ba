"""The core's choices as Telegram inline buttons, within 64 bytes of `callback_data`."""

from __future__ import annotations

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot.adapters.choices import ChoiceKeys
from bot.core.commands import Choice

CALLBACK_DATA_LIMIT = 64  # bytes, set by the Bot API


class Buttons:
    def __init__(self) -> None:
        self.keys = ChoiceKeys(CALLBACK_DATA_LIMIT)

    def markup(self, choices: tuple[Choice, ...]) -> InlineKeyboardMarkup | None:
        """One button per row: labels are names and verbs that read best in full."""
        if not choices:
            return None
        return InlineKeyboardMarkup(
            [
                [InlineKeyboardButton(c.label, callback_data=self.keys.data(c.command))]
                for c in choices
            ]
        )

    def command(self, data: str | None) -> str | None:
        return self.keys.command(data)
