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
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from bot.core.delivery.occasions import kind_of
from bot.core.delivery.pacing import Pacer, PlatformLimits
from bot.core.delivery.replies import Replies
from bot.core.delivery.window import SendWindow
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
# Recording outcomes while the store fails (locked by another process past its busy timeout, a
# dropped connection) is tried again: after 0.5 s, doubling up to 30 s, for up to 10 minutes.
RECORD_RETRY_FIRST = 0.5
RECORD_RETRY_CAP = 30.0
RECORD_RETRY_FOR = 600.0


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
        self._limits = {p: limits.get(p, PlatformLimits()) for p in self._senders}
        self._pacers = {p: Pacer(self._limits[p]) for p in self._senders}
        # Answers to commands share the pacers, ahead of the deliveries.
        self.replies = Replies(self._pacers)
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
        passes = [
            asyncio.ensure_future(self._drain_platform(platform, wait_up_to))
            for platform in self._senders
        ]
        try:
            reports = await asyncio.gather(*passes)
        except BaseException:
            # One platform failed (or the drain was cancelled): end the others too, rather than
            # leave them sending beside the next drain and past the in-flight bound.
            for task in passes:
                task.cancel()
            await asyncio.gather(*passes, return_exceptions=True)
            raise
        total = DispatchReport()
        for report in reports:
            total.add(report)
        return total

    def stop(self) -> None:
        """Claim nothing more; the sends under way finish and are recorded."""
        self._stopping.set()

    async def _drain_platform(self, platform: str, wait_up_to: float) -> DispatchReport:
        """Keep up to `in_flight` rows sending: as sends finish they are settled and replaced,
        so the pacer never idles waiting for the slowest send of a batch."""
        report = DispatchReport()
        deadline = self._clock.now() + dt.timedelta(seconds=wait_up_to)
        window = SendWindow(self._in_flight)
        try:
            while True:
                if window.should_settle(self._stopping.is_set()):
                    report.add(await self._settle(window.finished))
                    window.settled()
                if window.should_claim(self._stopping.is_set()):
                    window.claimed(await self._claim(platform, window.room))
                if window.sending:
                    await window.wait_any()
                elif self._stopping.is_set() or not await self._wait_for_retry(platform, deadline):
                    break
        except Exception:
            # The store failed on a claim or a lookup. The sends under way finish and what went
            # out is recorded, so the failure repeats nothing; then the pass fails.
            await window.wait_all()
            if window.finished:
                await self._settle(window.finished)
            raise
        finally:
            # Only if cancelled, or the store failed past every retry: what is under way stays
            # marked sending, until `run` releases it after the failed pass, or the next start.
            await window.cancel()
        return report

    async def _claim(
        self, platform: str, room: int
    ) -> list[tuple[asyncio.Task[Outcome], Delivery]]:
        """Claim up to `room` ready rows and start sending them."""
        claimed = await self._store.outbox.claim(platform, self._clock.now(), room)
        return [
            (asyncio.create_task(self._send_one(platform, delivery, text)), delivery)
            for delivery, text in await self._texts_for(platform, claimed)
        ]

    async def _wait_for_retry(self, platform: str, deadline: dt.datetime) -> bool:
        """Sleep until the platform's next retry falls due (or stopping); False if none does
        by `deadline`."""
        upcoming = await self._store.outbox.next_attempt([platform])
        if upcoming is None or upcoming > deadline:
            return False
        pause = max(0.0, (upcoming - self._clock.now()).total_seconds())
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._stopping.wait(), pause)
        return True

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
                await self._release_claims()
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

    async def _release_claims(self) -> None:
        """After a failed pass nothing is being sent (the pass ended its sends), so rows it
        left marked sending go back to pending, as a restart would do, instead of waiting for
        one; the store may still be unreachable, and then the next pass tries again."""
        try:
            await self._store.outbox.recover(self._clock.now())
        except Exception:
            log.warning("could not release the rows of the failed pass; retrying later")

    async def _texts_for(
        self, platform: str, claimed: list[Delivery]
    ) -> list[tuple[Delivery, str | None]]:
        """Each distinct text looked up once, before the sends race each other to the store."""
        sender = self._senders[platform]
        wanted = {(d.body_id, d.lang) for d in claimed}
        texts = {body: await self._text(*body, sender) for body in wanted}
        return [(d, texts[d.body_id, d.lang]) for d in claimed]

    async def _settle(self, finished: Sequence[tuple[Delivery, Outcome]]) -> DispatchReport:
        now = self._clock.now()
        settlement, report = Settlement(), DispatchReport()
        for delivery, outcome in finished:
            self._settle_one(delivery, outcome, now, settlement, report)
        await self._record(settlement, now)
        return report

    async def _record(self, settlement: Settlement, now: dt.datetime) -> None:
        """Write the outcomes, trying again while the store fails: these rows were sent, and
        releasing them instead (as after a failed claim) would send them again. Gives up, and
        raises, once stopping or after RECORD_RETRY_FOR seconds; the rows then stay sending, the
        in-flight window a restart may repeat."""
        pause, waited = RECORD_RETRY_FIRST, 0.0
        while True:
            try:
                await self._store.outbox.settle(settlement, now)
                return
            except Exception:
                if self._stopping.is_set() or waited >= RECORD_RETRY_FOR:
                    raise
                log.warning(
                    "could not record the outcomes of %d sends; trying again in %.1f s",
                    settlement.size, pause, exc_info=True,
                )  # fmt: skip
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._stopping.wait(), pause)
                waited += pause
                pause = min(pause * 2, RECORD_RETRY_CAP)

    async def _send_one(self, platform: str, delivery: Delivery, text: str | None) -> Outcome:
        if text is None:
            return Transient(f"no stored text {delivery.body_id!r} for {delivery.lang}")
        pacer = self._pacers[platform]
        paid = self._limits[platform].pays_for(kind_of(delivery.occasion))
        grant = await pacer.acquire(delivery.chat, delivery.chat_kind, paid=paid)
        try:
            outcome = await self._senders[platform].send(
                delivery.chat, Outbound(text, delivery.kind, nonce=f"d{delivery.id}", paid=paid)
            )
        except Exception as exc:  # a sender must not raise; if one does, the row still settles
            log.exception("%s sender raised instead of reporting an outcome", platform)
            outcome = Transient(f"sender error: {type(exc).__name__}")
        finally:
            pacer.release(grant)
        if isinstance(outcome, RetryAfter):
            pacer.hold(outcome.seconds)
        return outcome

    async def _text(self, body_id: str, lang: Lang, sender: Sender) -> str | None:
        cached = (body_id, lang, sender.format)
        if cached not in self._texts:
            if len(self._texts) > 256:
                self._texts.clear()
            self._texts[cached] = await self._store.outbox.text(body_id, lang, sender.format)
        return self._texts[cached]

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
                        delivery.occasion, delivery.chat, attempts, reason,
                    )  # fmt: skip
                    settlement.failed.append((delivery.id, reason))
                    report.failed += 1
                    if len(report.errors) < ERRORS_KEPT:
                        report.errors.append(f"{delivery.chat}: {reason}")
                else:
                    delay = dt.timedelta(seconds=self._policy.delay(attempts))
                    settlement.retry.append((delivery.id, now + delay, reason))
                    report.retried += 1
