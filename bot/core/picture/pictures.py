"""Timeline pictures for the content in service: drawn in a worker thread, so the event loop
never waits on matplotlib; kept in a bounded cache until the content changes; drawn once however
many readers ask for the same picture at the same time."""

from __future__ import annotations

import asyncio
import functools
from concurrent.futures import ThreadPoolExecutor

from bot.core.picture import draw
from bot.core.picture.cache import PictureCache
from bot.core.text.timeline import Timeline


class Pictures:
    def __init__(self, cache: PictureCache[Timeline] | None = None) -> None:
        # A timeline is the picture's whole content (its words included): equal timelines draw
        # equal pictures, so one is the key of the other, and "trump" and "Donald Trump" share
        # one picture.
        self.cache: PictureCache[Timeline] = cache if cache is not None else PictureCache()
        self._drawing: dict[Timeline, asyncio.Future[bytes]] = {}

    async def timeline(self, timeline: Timeline) -> bytes:
        """The timeline's PNG: from the cache, or drawn in the worker thread."""
        cached = self.cache.get(timeline)
        if cached is not None:
            return cached
        pending = self._drawing.get(timeline)
        if pending is None:
            loop = asyncio.get_running_loop()
            pending = loop.run_in_executor(_worker(), draw.png, timeline)
            self._drawing[timeline] = pending
            pending.add_done_callback(functools.partial(self._drawn, timeline))
        # One reader giving up (a cancelled command) leaves the drawing to the others.
        return await asyncio.shield(pending)

    def clear(self) -> None:
        """The content changed: the pictures of the last one go. (One still being drawn is kept
        when done: its key is its whole content, so it can only be shown where it is right.)"""
        self.cache.clear()

    def _drawn(self, timeline: Timeline, done: asyncio.Future[bytes]) -> None:
        self._drawing.pop(timeline, None)
        if not done.cancelled() and done.exception() is None:
            self.cache.put(timeline, done.result())


@functools.cache
def _worker() -> ThreadPoolExecutor:
    """The one thread that draws: matplotlib is drawn in one picture at a time (see draw)."""
    return ThreadPoolExecutor(max_workers=1, thread_name_prefix="ringkas-picture")
