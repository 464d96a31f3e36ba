"""A reply's choices as button data. A button carries the command it sends when the platform's
limit holds it (so it works after a restart); a longer command is kept here under a short key,
and a key this process no longer knows is an expired button."""

from __future__ import annotations

import hashlib
from collections import OrderedDict

KEY_PREFIX = "k:"  # never the start of a command, which begins with "/"
KEPT = 4096  # long commands remembered; the oldest are forgotten first


class ChoiceKeys:
    def __init__(self, limit_bytes: int, kept: int = KEPT) -> None:
        self._limit = limit_bytes
        self._long: OrderedDict[str, str] = OrderedDict()
        self._kept = kept

    def data(self, command: str) -> str:
        """What the button carries for `command`."""
        if len(command.encode()) <= self._limit:
            return command
        key = KEY_PREFIX + hashlib.blake2b(command.encode(), digest_size=12).hexdigest()
        self._long[key] = command
        self._long.move_to_end(key)
        while len(self._long) > self._kept:
            self._long.popitem(last=False)
        return key

    def command(self, data: str | None) -> str | None:
        """The command a pressed button sends; None for a button that has expired."""
        if not data:
            return None
        if data.startswith(KEY_PREFIX):
            return self._long.get(data)
        return data if data.startswith("/") else None
