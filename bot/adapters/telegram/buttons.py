"""The core's choices as inline buttons. A button carries the command it sends when Telegram's
64 bytes of `callback_data` hold it (so it works after a restart); a longer command is kept here
under a short key, and a key this process no longer knows is an expired button."""

from __future__ import annotations

import hashlib
from collections import OrderedDict

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot.core.commands import Choice

CALLBACK_DATA_LIMIT = 64  # bytes, set by the Bot API
KEY_PREFIX = "k:"  # never the start of a command, which begins with "/"
KEPT = 4096  # long commands remembered; the oldest are forgotten first


class Buttons:
    def __init__(self, kept: int = KEPT) -> None:
        self._long: OrderedDict[str, str] = OrderedDict()
        self._kept = kept

    def markup(self, choices: tuple[Choice, ...]) -> InlineKeyboardMarkup | None:
        """One button per row: labels are names and verbs that read best in full."""
        if not choices:
            return None
        return InlineKeyboardMarkup(
            [[InlineKeyboardButton(c.label, callback_data=self._data(c.command))] for c in choices]
        )

    def command(self, data: str | None) -> str | None:
        """The command a pressed button sends; None for a button that has expired."""
        if not data:
            return None
        if data.startswith(KEY_PREFIX):
            return self._long.get(data)
        return data if data.startswith("/") else None

    def _data(self, command: str) -> str:
        if len(command.encode()) <= CALLBACK_DATA_LIMIT:
            return command
        key = KEY_PREFIX + hashlib.blake2b(command.encode(), digest_size=12).hexdigest()
        self._long[key] = command
        self._long.move_to_end(key)
        while len(self._long) > self._kept:
            self._long.popitem(last=False)
        return key
