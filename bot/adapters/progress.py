"""A confirmed push's status message, edited as the push goes out ("delivered 120/500") until
every delivery is made or given up: the same on every platform that can edit a message."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable

from bot.core.commands.admin import push_progress
from bot.core.models import Lang
from bot.core.ports import Format
from bot.core.services import Services

log = logging.getLogger(__name__)

EditStatus = Callable[[str], Awaitable[object]]  # replaces the status message's text
Done = Callable[[], Awaitable[object]]


class PushProgress:
    """One task per followed push; all cancelled when the adapter stops (the final figure is
    in /status either way)."""

    def __init__(self, fmt: Format, every: float) -> None:
        self._fmt = fmt
        self._every = every
        self._tasks: set[asyncio.Task[None]] = set()

    def follow(
        self,
        services: Services,
        push_id: str,
        lang: Lang,
        edit: EditStatus,
        done: Done | None = None,
    ) -> None:
        """Edit the status message until the push is done, then call `done`."""
        task = asyncio.create_task(self._show(services, push_id, lang, edit, done))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    def cancel_all(self) -> None:
        for task in self._tasks:
            task.cancel()

    async def _show(
        self, services: Services, push_id: str, lang: Lang, edit: EditStatus, done: Done | None
    ) -> None:
        shown = ""
        finished = False
        while not finished:
            await asyncio.sleep(self._every)
            try:
                text, finished = await push_progress(services, push_id, lang, self._fmt)
            except Exception:  # the store failed: try again at the next interval
                log.exception("could not read the progress of push %s", push_id)
                continue
            if text == shown:
                continue
            try:
                await edit(text)
            except Exception as error:  # the message is gone, or may no longer be edited
                log.info("stopped showing the progress of push %s: %s", push_id, error)
                return
            shown = text
        if done is not None:
            await done()
