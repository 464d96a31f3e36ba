"""Alerts to the bot's admins, through the outbox: when many chats are paused at once, when a
platform holds the sending back (429s) past a threshold, when deliveries fail for good, and when
a content change has problems.

An alert goes to each admin's private chat as a follow message goes to a chat (`store.alerts`):
it is retried like any delivery and never lost, and its occasion, "alert:<kind>:<detail>", is
unique per chat, so instances that see the same condition queue it once. Who looks: the
planner's holder, on its tick, for what the store shows (paused chats, failed deliveries) and on
a content change; the platform's sender, for its own 429s (only it sees them). An alert is not
repeated while its condition lasts: after one of a kind (for holds, of a platform), none of that
kind for `Thresholds.cooldown`, whichever instance queued it. The alerts' own deliveries are
never counted as failed deliveries, and a chat that is gone gets none: an admin who blocked the
bot cannot set off alert after alert.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import hashlib
import logging
from collections import deque
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field

from bot.core.content.problems import ContentError
from bot.core.delivery.occasions import ALERT
from bot.core.delivery.planning import body_id_of
from bot.core.models import LANGS, Lang
from bot.core.ports import ChatRef, Clock, Format
from bot.core.store import Store
from bot.core.store.alerts import Burst
from bot.core.text.notices import alert_notice, problems_notice, reasons, utc

log = logging.getLogger(__name__)

MINUTE = dt.timedelta(minutes=1)


@dataclass(frozen=True, slots=True)
class Thresholds:
    """When an alert is raised (config `alerts:`)."""

    paused: int = 20  # chats paused within `paused_window`
    paused_window: dt.timedelta = 10 * MINUTE
    failed: int = 20  # deliveries given up within `failed_window`
    failed_window: dt.timedelta = 10 * MINUTE
    hold_once: float = 60.0  # seconds one 429 asks the platform's sending to wait
    hold_total: float = 300.0  # seconds held in all within `hold_window`
    hold_window: dt.timedelta = 10 * MINUTE
    cooldown: dt.timedelta = 60 * MINUTE  # no second alert of a kind within this


@dataclass(slots=True)
class _Holds:
    """A platform's 429 holds within the window: when each came, the seconds it added to the
    hold (holds overlap: 50 sends told to wait 30 s hold the platform 30 s, not 1,500), and the
    seconds it asked for."""

    until: dt.datetime | None = None
    spans: deque[tuple[dt.datetime, float, float]] = field(default_factory=deque)

    def add(self, now: dt.datetime, seconds: float) -> None:
        end = now + dt.timedelta(seconds=seconds)
        start = now if self.until is None else max(now, self.until)
        self.spans.append((now, max((end - start).total_seconds(), 0.0), seconds))
        self.until = end if self.until is None else max(self.until, end)

    def within(self, start: dt.datetime) -> tuple[dt.datetime, float, float]:
        """Since `start`: when the first hold came, the seconds held in all, the longest asked."""
        while self.spans and self.spans[0][0] < start:
            self.spans.popleft()
        first = self.spans[0][0]
        return first, sum(s[1] for s in self.spans), max(s[2] for s in self.spans)


class Alerter:
    def __init__(
        self,
        store: Store,
        clock: Clock,
        admins: Sequence[ChatRef],
        lang: Lang,
        thresholds: Thresholds = Thresholds(),
        wake: Callable[[], None] = lambda: None,
    ) -> None:
        """`admins`: their private chats; `lang`: the language of an admin chat the store does
        not know yet (one that chose with /lang keeps its choice)."""
        self._store = store
        self._clock = clock
        self._admins = tuple(admins)
        self._lang = lang
        self.thresholds = thresholds
        self._wake = wake
        self._holds: dict[str, _Holds] = {}
        # Until when each kind is known to be cooling down: the store is not asked meanwhile
        # (a 429 storm would ask at every 429).
        self._quiet: dict[str, dt.datetime] = {}
        self._lock = asyncio.Lock()

    async def check(self) -> int:
        """The planner's look at the store: many chats paused, many deliveries failed. The
        alert rows queued."""
        t, alerts = self.thresholds, self._store.alerts
        paused = await self._burst("paused", t.paused, t.paused_window, alerts.paused_since)
        failed = await self._burst("failed", t.failed, t.failed_window, alerts.failed_since)
        return paused + failed

    async def held(self, platform: str, seconds: float) -> None:
        """A 429 told the platform's sending to wait `seconds`: past a threshold, the admins
        hear of it. On the send path: a failure to queue the alert is logged, never raised."""
        now, t = self._clock.now(), self.thresholds
        holds = self._holds.setdefault(platform, _Holds())
        holds.add(now, seconds)
        since, total, longest = holds.within(now - t.hold_window)
        if seconds < t.hold_once and total < t.hold_total:
            return
        try:
            await self._raise(
                f"hold:{platform}",
                since,
                lambda lang, fmt: alert_notice(
                    "hold", lang, fmt, platform=platform.capitalize(), since=utc(since),
                    total=_seconds(total), longest=_seconds(longest),
                ),
            )  # fmt: skip
        except Exception:
            log.exception("could not queue the alert of %s's 429 hold", platform)

    async def content_problems(self, errors: Sequence[ContentError], edition: str | None) -> int:
        """The content's problems, once per set of problems found beside the edition in service
        (the last good one): the same problems again are not news; found again after a fix,
        they are."""
        found = "\n".join([edition or "", *sorted(map(str, errors))])
        detail = hashlib.sha256(found.encode()).hexdigest()[:16]
        return await self._raise(
            "content", detail, lambda lang, fmt: problems_notice(errors, lang, fmt), cooling=False
        )

    async def _burst(
        self,
        kind: str,
        threshold: int,
        window: dt.timedelta,
        read: Callable[[dt.datetime], Awaitable[Burst | None]],
    ) -> int:
        """Alert of `kind` if `read` finds `threshold` or more within the window up to now."""
        now = self._clock.now()
        if not self._admins or self._quiet.get(kind, now) > now:
            return 0
        burst = await read(now - window)
        if burst is None or burst.count < threshold:
            return 0
        minutes = f"{window.total_seconds() / 60:g}"
        return await self._raise(
            kind,
            burst.since,
            lambda lang, fmt: alert_notice(
                kind, lang, fmt, count=burst.count, minutes=minutes, since=utc(burst.since),
                reasons=reasons(burst.reasons),
            ),
        )  # fmt: skip

    async def _raise(
        self,
        kind: str,
        detail: dt.datetime | str,
        text: Callable[[Lang, Format], str],
        cooling: bool = True,
    ) -> int:
        """Queue the alert "alert:<kind>:<detail>" to every admin, unless one of its kind was
        queued within the cool-down; the rows queued."""
        if not self._admins:
            return 0
        async with self._lock:
            now = self._clock.now()
            if cooling:
                if self._quiet.get(kind, now) > now:
                    return 0
                last = await self._store.alerts.last_queued(kind)
                if last is not None and now - last < self.thresholds.cooldown:
                    self._quiet[kind] = last + self.thresholds.cooldown
                    return 0
            if isinstance(detail, dt.datetime):
                detail = detail.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
            texts = {(lang, fmt): text(lang, fmt) for lang in LANGS for fmt in Format}
            occasion = f"{ALERT}:{kind}:{detail}"
            body_id = body_id_of(ALERT, texts)
            queued = await self._store.alerts.queue(
                self._admins, self._lang, kind, occasion, body_id, texts, now
            )
            if cooling:
                self._quiet[kind] = now + self.thresholds.cooldown
        if queued:
            log.warning("alert %s queued for %d admin chats", occasion, queued)
            self._wake()
        return queued


def _seconds(seconds: float) -> str:
    """ "300", "61.5": as a 429 gives them, to a tenth at most."""
    return f"{round(seconds, 1):g}"
