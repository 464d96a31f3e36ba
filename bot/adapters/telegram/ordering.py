"""Updates of one chat handled one after another, in the order Telegram sent them."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable

from telegram import Update
from telegram.ext import BaseUpdateProcessor

# Updates handled at once across chats. A handler holds its place while its reply waits for a
# slot in the pacer, so this is set well above what the pacer lets out in a second: a burst of
# commands queues in the pacer, replies first, not here.
CONCURRENT_UPDATES = 256


class PerChatOrder(BaseUpdateProcessor):
    """Chats are served at the same time, each chat's updates in turn: someone who sends five
    commands in a second gets five answers, in that order (PTB's own concurrent processing
    would let a quick command overtake a slow one)."""

    def __init__(self, max_concurrent_updates: int = CONCURRENT_UPDATES) -> None:
        super().__init__(max_concurrent_updates)
        self._turns: dict[int, asyncio.Lock] = {}
        self._queued: dict[int, int] = {}  # updates waiting or running per chat

    async def do_process_update(self, update: object, coroutine: Awaitable[object]) -> None:
        chat = update.effective_chat if isinstance(update, Update) else None
        if chat is None:
            await coroutine
            return
        turn = self._turns.setdefault(chat.id, asyncio.Lock())
        self._queued[chat.id] = self._queued.get(chat.id, 0) + 1
        try:
            async with turn:  # asyncio's locks are fair: first come, first served
                await coroutine
        finally:
            self._queued[chat.id] -= 1
            if not self._queued[chat.id]:  # nothing is kept for a chat gone quiet
                del self._queued[chat.id], self._turns[chat.id]

    async def initialize(self) -> None:
        """Nothing to set up."""

    async def shutdown(self) -> None:
        """Nothing to release."""
