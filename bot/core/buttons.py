"""A reply's choices as the data a platform's button carries. A button carries the command it
sends when the platform's limit holds it (so it works after a restart, on any instance); a longer
command is kept in the store under a short key, so that whichever instance the press reaches (a
webhook behind a load balancer, a Discord shard moved to another instance) finds it. A key the
store does not know is an expired button."""

from __future__ import annotations

import hashlib

from bot.core.ports import Clock
from bot.core.store.records import Choices

KEY_PREFIX = "k:"  # never the start of a command, which begins with "/"


class ButtonData:
    def __init__(self, choices: Choices, clock: Clock) -> None:
        self._choices = choices
        self._clock = clock

    async def of(self, command: str, limit_bytes: int) -> str:
        """What a button carries for `command`, within `limit_bytes` of UTF-8."""
        if len(command.encode()) <= limit_bytes:
            return command
        # The same command always gets the same key: drawing it again adds no row.
        key = KEY_PREFIX + hashlib.blake2b(command.encode(), digest_size=12).hexdigest()
        await self._choices.keep(key, command, self._clock.now())
        return key

    async def command(self, data: str | None) -> str | None:
        """The command a pressed button sends; None for a button that has expired."""
        if not data:
            return None
        if data.startswith(KEY_PREFIX):
            return await self._choices.command(data)
        return data if data.startswith("/") else None
