"""The dispatcher: sends what the outbox holds, within the platforms' limits, and records every
outcome. Nothing is dropped: a failure is retried with backoff or recorded as failed.

At most `in_flight` rows per platform are marked sending at a time; they are the only ones a
crash can leave in doubt, and the only ones a restart may send twice.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import logging
import random
from collections.abc import Mapping
from dataclasses import dataclass, field

from bot.core.models import Lang
from bot.core.ports import (
    ChatGone,
    ChatMoved,
    Clock,
    Delivered,
    Outbound,
    Outcome,
    RetryAfter,
    Sender,
    Transient,
)
from bot.core.ratelimit import Pacer, PlatformLimits
from bot.core.store import Store
from bot.core.store.outbox import Delivery, Settlement

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    max_attempts: int = 8
    backoff: float = 5.0  # seconds before the first retry; doubled each time
    backoff_cap: float = 3600.0

    def delay(self, attempts: int) -> float:
        """Seconds before retry number `attempts`, with jitter so retries do not stampede."""
        base: float = min(self.backoff_cap, self.backoff * 2 ** max(attempts - 1, 0))
        return base * random.uniform(0.8, 1.0)


ERRORS_KEPT = 100  # a report names the first failures; the outbox keeps every one


@dataclass(slots=True)
class DispatchReport:
    delivered: int = 0
    retried: int = 0
    failed: int = 0
    paused: int = 0
    moved: int = 0
    errors: list[str] = field(default_factory=list)

    def add(self, other: DispatchReport) -> None:
        self.delivered += other.delivered
        self.retried += other.retried
        self.failed += other.failed
        self.paused += other.paused
        self.moved += other.moved
        self.errors += other.errors[: ERRORS_KEPT - len(self.errors)]


class Dispatcher:
    def __init__(
        self,
        store: Store,
        senders: Mapping[str, Sender],
        limits: Mapping[str, PlatformLimits],
        clock: Clock,
        policy: RetryPolicy = RetryPolicy(),
        in_flight: int = 50,
    ) -> None:
        self._store = store
        self._senders = dict(senders)
        self._pacers = {p: Pacer(limits.get(p, PlatformLimits())) for p in self._senders}
        self._clock = clock
        self._policy = policy
        self._in_flight = in_flight
        self._texts: dict[tuple[str, str, str], str | None] = {}
        self._stopping = asyncio.Event()

    @property
    def platforms(self) -> tuple[str, ...]:
        return tuple(self._senders)

    async def drain(self, wait_up_to: float = 0.0) -> DispatchReport:
        """Send every ready row; then wait for retries that fall due within `wait_up_to` s."""
        reports = await asyncio.gather(
            *(self._drain_platform(platform, wait_up_to) for platform in self._senders)
        )
        total = DispatchReport()
        for report in reports:
            total.add(report)
        return total

    def stop(self) -> None:
        """Claim nothing more; the batch being sent finishes and is recorded."""
        self._stopping.set()

    async def _drain_platform(self, platform: str, wait_up_to: float) -> DispatchReport:
        report = DispatchReport()
        deadline = self._clock.now() + dt.timedelta(seconds=wait_up_to)
        while not self._stopping.is_set():
            batch = await self._store.outbox.claim(platform, self._clock.now(), self._in_flight)
            if batch:
                report.add(await self._send_batch(platform, batch))
                continue
            upcoming = await self._store.outbox.next_attempt([platform])
            if upcoming is None or upcoming > deadline:
                break
            pause = max(0.0, (upcoming - self._clock.now()).total_seconds())
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._stopping.wait(), pause)
        return report

    async def run(self, wake: asyncio.Event, idle_seconds: float, finish: asyncio.Event) -> None:
        """Deliver until stopped: drain, then sleep until woken, a retry falls due, or
        `idle_seconds` pass. Once `finish` is set, one last pass runs and the loop ends."""
        while not self._stopping.is_set():
            wake.clear()
            pause = idle_seconds
            try:
                await self.drain()
                upcoming = await self._store.outbox.next_attempt(self.platforms)
            except Exception:  # the store was unreachable: the rows stay; try again later
                log.exception("delivery pass failed; retrying")
            else:
                if upcoming is not None:
                    until = (upcoming - self._clock.now()).total_seconds()
                    pause = min(pause, max(until, 0.05))
            if finish.is_set():
                return
            sleepers = [asyncio.ensure_future(e.wait()) for e in (wake, self._stopping, finish)]
            await asyncio.wait(sleepers, timeout=pause, return_when=asyncio.FIRST_COMPLETED)
            for sleeper in sleepers:
                sleeper.cancel()

    async def _send_batch(self, platform: str, batch: list[Delivery]) -> DispatchReport:
        # Look each distinct text up once, before the sends race each other to the store.
        for body, lang in {(d.body, d.lang) for d in batch}:
            await self._text(body, lang, self._senders[platform])
        outcomes = await asyncio.gather(*(self._send_one(platform, d) for d in batch))
        now = self._clock.now()
        settlement, report = Settlement(), DispatchReport()
        for delivery, outcome in zip(batch, outcomes, strict=True):
            self._settle_one(delivery, outcome, now, settlement, report)
        await self._store.outbox.settle(settlement, now)
        return report

    async def _send_one(self, platform: str, delivery: Delivery) -> Outcome:
        sender = self._senders[platform]
        text = await self._text(delivery.body, delivery.lang, sender)
        if text is None:
            return Transient(f"no message body {delivery.body!r} for {delivery.lang}")
        pacer = self._pacers[platform]
        await pacer.acquire(delivery.chat, delivery.chat_kind)
        try:
            outcome = await sender.send(delivery.chat, Outbound(text, delivery.kind))
        except Exception as exc:  # a sender must not raise; if one does, the row still settles
            log.exception("%s sender raised instead of reporting an outcome", platform)
            outcome = Transient(f"sender error: {type(exc).__name__}")
        if isinstance(outcome, RetryAfter):
            pacer.hold(outcome.seconds)
        return outcome

    async def _text(self, body: str, lang: Lang, sender: Sender) -> str | None:
        key = (body, lang, sender.format)
        if key not in self._texts:
            if len(self._texts) > 256:
                self._texts.clear()
            self._texts[key] = await self._store.outbox.body(body, lang, sender.format)
        return self._texts[key]

    def _settle_one(
        self,
        delivery: Delivery,
        outcome: Outcome,
        now: dt.datetime,
        settlement: Settlement,
        report: DispatchReport,
    ) -> None:
        match outcome:
            case Delivered(message_id):
                settlement.delivered.append((delivery.id, message_id))
                report.delivered += 1
            case ChatGone(reason):
                log.info("%s is gone (%s): subscription paused", delivery.chat, reason)
                settlement.gone.append((delivery, reason))
                report.paused += 1
            case ChatMoved(new_chat_id):
                log.info("%s moved to %s: subscription follows", delivery.chat, new_chat_id)
                settlement.moved.append((delivery, new_chat_id))
                report.moved += 1
            case RetryAfter(seconds):
                at = now + dt.timedelta(seconds=seconds)
                settlement.retry.append((delivery.id, at, f"rate limited for {seconds:g} s"))
                report.retried += 1
            case Transient(reason):
                attempts = delivery.attempts + 1
                if attempts >= self._policy.max_attempts:
                    log.warning(
                        "giving up on %s to %s after %d attempts: %s",
                        delivery.key, delivery.chat, attempts, reason,
                    )  # fmt: skip
                    settlement.failed.append((delivery.id, reason))
                    report.failed += 1
                    if len(report.errors) < ERRORS_KEPT:
                        report.errors.append(f"{delivery.chat}: {reason}")
                else:
                    delay = dt.timedelta(seconds=self._policy.delay(attempts))
                    settlement.retry.append((delivery.id, now + delay, reason))
                    report.retried += 1
