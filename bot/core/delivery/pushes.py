"""Pushes: a summary or an announcement an admin sends once to every subscriber.

This module owns a push from draft to done: its id and the occasion its deliveries carry, its
texts, its progress, and the status message that shows the progress, wherever a platform lets it
be shown. Adapters only lend a way to edit that message (and, where edits can expire, to post it
elsewhere); the commands and the CLI ask here.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import hashlib
import logging
from collections.abc import Callable
from typing import TYPE_CHECKING

from bot.core.delivery.occasions import Occasion
from bot.core.delivery.planning import store_texts
from bot.core.library import Library
from bot.core.models import LANGS, Lang
from bot.core.ports import (
    ChatRef,
    Format,
    MessageKind,
    StatusDisplay,
    StatusExpired,
    StatusPlace,
)
from bot.core.store import Store
from bot.core.store.outbox import Progress
from bot.core.store.records import Push, PushState
from bot.core.text.document import Span, Style
from bot.core.text.render import fits, printable, render
from bot.core.text.strings import say

if TYPE_CHECKING:  # the services hold the pushes: named here for the type checker alone
    from bot.core.services import Services

log = logging.getLogger(__name__)

# Where a push's status message is, kept in the store per platform so that a restart follows it
# on to "done": "<chat>|<message id>|<lang>", or FOLLOWED once it reads done.
STATUS_MARKER = "{platform}.push-status:{push_id}"
FOLLOWED = "followed"
RESUMED_PUSHES = 10  # the most recent pushes whose status is followed again after a restart


class AnnouncementTooLong(Exception):
    pass


class NothingToPush(Exception):
    """A push of the digest while the content has no summaries."""


def push_id(
    summary_id: str | None, text_en: str | None, text_id: str | None, selection: str = ""
) -> str:
    """The same push content always gets the same id: resubmitting it never sends it twice. A
    push of the digest is the same push while the digest shows the same summaries."""
    parts = (summary_id, text_en, text_id) + ((selection,) if selection else ())
    content = "\x1f".join(part or "" for part in parts)
    return hashlib.sha256(content.encode()).hexdigest()[:10]


def occasion(push_id: str) -> str:
    """The occasion a push's deliveries carry: one per chat and language, whoever confirms."""
    return Occasion.PUSH.of(push_id)


def announcement(text: str, lang: Lang, fmt: Format) -> str:
    header = Span(say(lang, "announcement"), Style.BOLD)
    return render((((header,),), ((Span(text),),)), fmt)


def progress_line(lang: Lang, push_id: str, progress: Progress, key: str = "push_progress") -> str:
    """ "Push 1a2b: delivered 120/500, failed 0." (or "… done …" with `key="push_done"`)."""
    return say(
        lang,
        key,
        id=push_id,
        delivered=progress.delivered,
        total=progress.total,
        failed=progress.failed,
    )


class Pusher:
    """Drafts, texts and sends pushes; the store keeps them."""

    def __init__(self, store: Store, library: Library) -> None:
        self._store = store
        self._library = library
        # The progress of pushes that have finished (nothing waiting or sending), which no longer
        # changes: counting a push to 100,000 chats again for every /status costs a tenth of its
        # time (benchmarks/bench_retention.py). One small entry per push this process has seen.
        self._finished: dict[str, Progress] = {}

    def draft(
        self,
        by: str,
        now: dt.datetime,
        summary_id: str | None = None,
        text_en: str | None = None,
        text_id: str | None = None,
    ) -> Push:
        """A push ready to preview: a summary, an announcement, or with neither the digest as it
        stands. AnnouncementTooLong if an announcement fits no single message, NothingToPush for
        the digest of content without summaries. An announcement is kept as it will show: without
        control characters (the store would refuse a NUL on PostgreSQL)."""
        text_en, text_id = (None if t is None else printable(t) for t in (text_en, text_id))
        selection = ""
        if summary_id is None and text_en is None and text_id is None:
            selection = self._library.edition.selection or ""
            if not selection:
                raise NothingToPush()
        push = Push(
            push_id(summary_id, text_en, text_id, selection),
            summary_id, text_en, text_id, PushState.DRAFT, by, now, None,
        )  # fmt: skip
        if summary_id is None and not push.is_digest:
            for lang in LANGS:
                for fmt in Format:
                    if not fits(self.text(push, lang, fmt), fmt):
                        raise AnnouncementTooLong(push.id)
        return push

    def text(self, push: Push, lang: Lang, fmt: Format) -> str:
        """What the push shows in a chat: its preview, and what every subscriber gets."""
        if push.is_digest:
            digest = self._library.digest(lang, fmt)
            if digest is None:
                raise LookupError("the digest has no summaries")
            return digest
        if push.summary_id is not None:
            text = self._library.summary_digest(push.summary_id, lang, fmt)
            if text is None:
                raise LookupError(push.summary_id)
            return text
        words = push.text_en if lang == "en" else push.text_id
        return announcement(words or "", lang, fmt)

    async def send(self, push: Push, now: dt.datetime) -> int | None:
        """Queue a confirmed push for every active subscription: the number of rows queued, or
        None if the push was no longer a draft (sent or cancelled meanwhile)."""
        texts = {(lang, fmt): self.text(push, lang, fmt) for lang in LANGS for fmt in Format}
        body_id = await store_texts(self._store, occasion(push.id), texts, now)
        kind = MessageKind.DIGEST if push.summary_id or push.is_digest else MessageKind.ANNOUNCEMENT
        queued = await self._store.pushes.send(push.id, occasion(push.id), body_id, kind, now)
        if queued is not None:
            log.info("push %s queued for %d deliveries", push.id, queued)
        return queued

    async def progress(self, push_id: str) -> Progress:
        if (finished := self._finished.get(push_id)) is not None:
            return finished
        progress = await self._store.outbox.progress(occasion(push_id))
        if progress.total and not progress.waiting:
            self._finished[push_id] = progress
        return progress

    async def status_text(self, push_id: str, lang: Lang, fmt: Format) -> tuple[str, bool]:
        """A confirmed push's progress as one message to show (and edit as it changes), and
        whether it has finished: every delivery made or given up."""
        progress = await self.progress(push_id)
        finished = progress.waiting == 0
        line = progress_line(lang, push_id, progress, "push_done" if finished else "push_progress")
        return render((((Span(line),),),), fmt), finished


class PushStatus:
    """A platform's push status messages, edited as each push goes out ("delivered 120/500")
    until every delivery is made or given up.

    When the platform stops allowing edits (Discord's interaction token lives 15 minutes), the
    status moves once to where the display's `send` posts it, and is edited there from then on.
    A display with a place is kept in the store, so a restart follows it on to the end. One
    task per followed push; all end when the adapter stops (the final figure is in /status
    either way).
    """

    def __init__(self, services: Services, platform: str, fmt: Format, every: float) -> None:
        self._services = services
        self._platform = platform
        self._fmt = fmt
        self._every = every
        self._tasks: set[asyncio.Task[None]] = set()

    async def follow(self, push_id: str, lang: Lang, display: StatusDisplay) -> None:
        """Show the push's progress on `display` until it is done."""
        if display.place is not None:
            where = f"{display.place.chat}|{display.place.message_id}|{lang}"
            await self._services.store.markers.put(self._marker(push_id), where)
        task = asyncio.create_task(self._show(push_id, lang, display))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def resume(self, display_at: Callable[[StatusPlace], StatusDisplay]) -> None:
        """Follow again the status messages of pushes still going out at the last stop."""
        for push in await self._services.store.pushes.recent_sent(RESUMED_PUSHES):
            saved = await self._services.store.markers.get(self._marker(push.id))
            if not saved or saved == FOLLOWED:
                continue
            chat, message_id, saved_lang = saved.rsplit("|", 2)
            lang: Lang = "id" if saved_lang == "id" else "en"
            place = StatusPlace(ChatRef.parse(chat), message_id)
            await self.follow(push.id, lang, display_at(place))

    def cancel_all(self) -> None:
        for task in self._tasks:
            task.cancel()

    def _marker(self, push_id: str) -> str:
        return STATUS_MARKER.format(platform=self._platform, push_id=push_id)

    async def _show(self, push_id: str, lang: Lang, display: StatusDisplay) -> None:
        shown = ""
        finished = False
        while not finished:
            await asyncio.sleep(self._every)
            try:
                text, finished = await self._services.pusher.status_text(push_id, lang, self._fmt)
            except Exception:  # the store failed: try again at the next interval
                log.exception("could not read the progress of push %s", push_id)
                continue
            if text == shown:
                continue
            try:
                display = await _shown(display, text)
            except Exception as error:  # the message is gone, or may no longer be edited
                log.info("stopped showing the progress of push %s: %s", push_id, error)
                return
            shown = text
        if display.place is not None:
            await self._services.store.markers.put(self._marker(push_id), FOLLOWED)


async def _shown(display: StatusDisplay, text: str) -> StatusDisplay:
    """Edit the status; once its edits have expired, post it where the display moves to. The
    display the status is on now (if it cannot be posted there either, that failure is the
    caller's, as any failed edit's)."""
    try:
        await display.edit(text)
        return display
    except StatusExpired:
        if display.move is None:
            raise
    log.info("the push's status can no longer be edited where it is; it moves")
    return await display.move(text)
