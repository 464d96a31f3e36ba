"""What goes into the outbox: scheduled and instant digests (pushes: `pushes.py`).

Each delivery's occasion (`occasions.py`) makes it unique to its chat, so planning the same
thing twice queues it once.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
from collections.abc import Mapping
from dataclasses import dataclass

from bot.core import timing
from bot.core.delivery.occasions import Occasion
from bot.core.library import Edition, Library
from bot.core.models import LANGS, Lang
from bot.core.ports import Format, MessageKind
from bot.core.store import Store
from bot.core.store.subscriptions import Advance
from bot.core.subscription import Subscription

log = logging.getLogger(__name__)

BATCH = 1000
# The digest's body is stored again (touched) this often while its edition is in service: the
# retention pass deletes only bodies older than its cutoff (a day at least) that no delivery
# carries, and one in service must never look that old.
STORE_AGAIN = dt.timedelta(hours=1)


@dataclass(frozen=True, slots=True)
class Planned:
    queued: int  # outbox rows added
    skipped: int  # chats with nothing new since their last digest


def _next_slot(sub: Subscription, now: dt.datetime) -> dt.datetime | None:
    """The slot after the one served, counted from that slot, not from now: a late pass in an
    hour that repeats (clocks going back) must not find the same wall time again. Slots missed
    while the bot was down are skipped, all but the one served."""
    times, zone = sub.plan.times, sub.plan.timezone
    assert sub.next_due is not None  # only scheduled subscriptions fall due
    following = timing.next_due(times, zone, sub.next_due)
    if following is not None and following <= now:
        following = timing.next_due(times, zone, now)
    return following


class Broadcaster:
    def __init__(self, store: Store, library: Library, skip_unchanged: bool = True) -> None:
        self._store = store
        self._library = library
        self._skip_unchanged = skip_unchanged
        # The edition whose digest is stored, its body id, and when it was stored.
        self._stored: tuple[Edition, str, dt.datetime] | None = None

    async def plan_due(self, now: dt.datetime) -> Planned:
        """Queue the digest for every subscription whose slot has come. A chat that missed
        several slots while the bot was down gets one digest, and its next slot after now."""
        edition = self._library.edition.selection
        body_id = await self._digest_body(now)
        queued = skipped = 0
        following: dict[tuple[object, ...], dt.datetime | None] = {}
        while subs := await self._store.subscriptions.due(now, BATCH):
            entries: list[tuple[Subscription, str]] = []
            advances: list[Advance] = []
            for sub in subs:
                slot = (sub.plan.times, sub.plan.timezone, sub.next_due)
                if slot not in following:  # chats sharing times, zone and slot share the next
                    following[slot] = _next_slot(sub, now)
                after = following[slot]
                nothing_new = edition is None or (
                    self._skip_unchanged and sub.last_edition == edition
                )
                if nothing_new:
                    skipped += 1
                    advances.append(Advance(sub.id, after, None))
                else:
                    entries.append((sub, Occasion.SCHEDULED.of(f"{sub.next_due:%Y-%m-%dT%H:%MZ}")))
                    advances.append(Advance(sub.id, after, edition))
            queued += await self._store.outbox.enqueue(
                entries, body_id, MessageKind.DIGEST, now, advances
            )
        return Planned(queued, skipped)

    async def plan_instant(self, now: dt.datetime) -> Planned:
        """Queue the new edition for instant subscribers that have not had it."""
        edition = self._library.edition.selection
        if edition is None:
            return Planned(0, 0)
        body_id = await self._digest_body(now)
        queued = 0
        while subs := await self._store.subscriptions.instant_behind(edition, BATCH):
            queued += await self._store.outbox.enqueue(
                ((sub, Occasion.INSTANT.of(edition)) for sub in subs),
                body_id,
                MessageKind.DIGEST,
                now,
                [Advance(sub.id, sub.next_due, edition) for sub in subs],
            )
        return Planned(queued, 0)

    async def _digest_body(self, now: dt.datetime) -> str:
        """Store the current digest in every language and format, once per loaded edition and
        again every STORE_AGAIN while it stays in service."""
        edition = self._library.edition
        if self._stored is not None:
            stored_edition, body_id, stored_at = self._stored
            if stored_edition is edition and now - stored_at < STORE_AGAIN:
                return body_id
        texts = {(lang, fmt): self._library.digest(lang, fmt) for lang in LANGS for fmt in Format}
        body_id = await store_texts(self._store, "digest", texts, now)
        self._stored = (edition, body_id, now)
        return body_id


async def store_texts(
    store: Store, prefix: str, texts: Mapping[tuple[Lang, Format], str | None], now: dt.datetime
) -> str:
    """Store rendered texts under an id made from them (`body_id_of`), or touch them there."""
    body_id = body_id_of(prefix, texts)
    for (lang, fmt), text in texts.items():
        if text is not None:
            await store.outbox.put_text(body_id, lang, fmt, text, now)
    return body_id


def body_id_of(prefix: str, texts: Mapping[tuple[Lang, Format], str | None]) -> str:
    """An id made from the texts: a curator's fix to a summary (same edition, same push id, new
    text) gets a new id, so what is queued after it carries it."""
    digest = hashlib.sha256(repr(sorted(texts.items())).encode()).hexdigest()[:16]
    return f"{prefix}:{digest}"
