"""The dispatcher: sends what the outbox holds, within the platforms' limits, and records every
outcome. Nothing is dropped: a failure is retried with backoff or recorded as failed.

At most `in_flight` rows per platform are marked sending at a time; they are the only ones a
crash can leave in doubt, and the only ones a restart may send twice. Beside each platform's
deliveries, the replies other instances relay to it as the sender's holder (`replies`).
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import functools
import logging
import random
import time
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field

from bot.core.delivery.observing import DeliveryObserver, Unobserved
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
    Replier,
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
        epochs: Mapping[str, int] | None = None,
        on_hold: Callable[[str, float], Awaitable[None]] | None = None,
        observer: DeliveryObserver | None = None,
    ) -> None:
        """`epochs`: the platforms this dispatcher sends for, each under its sender lease's
        epoch; by default every platform, as the store's first sender (epoch 0). A running bot
        starts with none and is given each platform as it takes the lease (`hold`).
        `on_hold`: told of every 429's wait, by platform and seconds (the admins' alerts);
        `observer`: told of every send, settlement and 429 hold (the metrics)."""
        self._store = store
        self._senders = dict(senders)
        self._limits = {p: limits.get(p, PlatformLimits()) for p in self._senders}
        self._observer = observer or Unobserved()
        self._pacers = {
            p: Pacer(self._limits[p], on_hold=functools.partial(self._observer.held, p))
            for p in self._senders
        }
        self._clock = clock
        self._policy = policy
        self._in_flight = in_flight
        self._texts: dict[tuple[str, str, str], str | None] = {}
        self._stopping = asyncio.Event()
        self._epochs = dict.fromkeys(self._senders, 0) if epochs is None else dict(epochs)
        # Answers to commands share the pacers, ahead of the deliveries: here for the platforms
        # held, relayed to the holder for the others (on a shared store).
        self.replies = Replies(
            self._pacers,
            {p: s for p, s in self._senders.items() if isinstance(s, Replier)},
            store.relay,
            self._epochs.get,
            in_flight,
        )
        self._on_hold = on_hold
        self._held = asyncio.Event()  # a platform was given: `run` starts its loop
        self._wakes: dict[str, asyncio.Event] = {}  # each platform loop's own wake-up

    @property
    def senders(self) -> tuple[str, ...]:
        """The platforms it has a sender for."""
        return tuple(self._senders)

    @property
    def platforms(self) -> tuple[str, ...]:
        """The platforms it sends for now."""
        return tuple(p for p in self._senders if p in self._epochs)

    async def hold(self, platform: str, epoch: int) -> None:
        """Send for `platform` under this epoch of its sender lease, taking over the rows an
        earlier holder left sending (they may or may not have gone out: they go again)."""
        released = await self._store.outbox.release(platform, epoch, self._clock.now())
        if released:
            log.warning("%s: resending %d deliveries left in doubt by its last sender",
                        platform, released)  # fmt: skip
        self._epochs[platform] = epoch
        self._held.set()

    def drop(self, platform: str) -> None:
        """The sender lease is lost: claim nothing more for the platform at once; the sends under
        way finish and are recorded (under the lost epoch: a row claimed since by the new holder
        is left to it)."""
        self._epochs.pop(platform, None)
        if platform in self._wakes:
            self._wakes[platform].set()  # its loop, if asleep, ends now
        self.replies.wake()  # and its relayed replies' loop

    async def drain(self, wait_up_to: float = 0.0) -> DispatchReport:
        """Send every ready row; then wait for retries that fall due within `wait_up_to` s."""
        passes = [
            asyncio.ensure_future(self._drain_platform(platform, wait_up_to))
            for platform in self.platforms
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
        self.replies.wake()

    async def _drain_platform(self, platform: str, wait_up_to: float) -> DispatchReport:
        """Keep up to `in_flight` rows sending: as sends finish they are settled and replaced,
        so the pacer never idles waiting for the slowest send of a batch."""
        report = DispatchReport()
        deadline = self._clock.now() + dt.timedelta(seconds=wait_up_to)
        window = SendWindow(self._in_flight)
        epoch = self._epochs[platform]

        def ending() -> bool:
            """Stopping, or the lease this pass claims under is gone."""
            return self._stopping.is_set() or self._epochs.get(platform) != epoch

        try:
            while True:
                if window.should_settle(ending()):
                    report.add(await self._settle(platform, window.finished, epoch))
                    window.settled()
                if window.should_claim(ending()):
                    window.claimed(await self._claim(platform, epoch, window.room))
                if window.sending:
                    await window.wait_any()
                elif ending() or not await self._wait_for_retry(platform, deadline):
                    break
        except Exception:
            # The store failed on a claim or a lookup. The sends under way finish and what went
            # out is recorded, so the failure repeats nothing; then the pass fails.
            await window.wait_all()
            if window.finished:
                await self._settle(platform, window.finished, epoch)
            raise
        finally:
            # Only if cancelled, or the store failed past every retry: what is under way stays
            # marked sending, until `run` releases it after the failed pass, or the next start.
            await window.cancel()
        return report

    async def _claim(
        self, platform: str, epoch: int, room: int
    ) -> list[tuple[asyncio.Task[Outcome], Delivery]]:
        """Claim up to `room` ready rows and start sending them."""
        claimed = await self._store.outbox.claim(platform, self._clock.now(), room, epoch)
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
        """Deliver until stopped: for each platform held, a loop that drains, then sleeps until
        woken, a retry falls due, or `idle_seconds` pass. A platform given later (`hold`) gets
        its loop then, and one dropped ends its own. Once `finish` is set, each loop runs one
        last pass and the loops end. Meanwhile it hears of the replies it relayed being
        answered."""
        loops: dict[str, asyncio.Task[None]] = {}
        ended = asyncio.Event()
        listening = asyncio.create_task(self.replies.listen(ended))
        try:
            while True:
                self._held.clear()
                for platform in self.platforms:
                    if platform not in loops or loops[platform].done():
                        self._wakes[platform] = asyncio.Event()
                        loops[platform] = asyncio.create_task(
                            self._run_platform(platform, idle_seconds, finish)
                        )
                if self._stopping.is_set() or finish.is_set():
                    break
                await _first(wake, self._held, self._stopping, finish)
                if wake.is_set():
                    wake.clear()
                    for event in self._wakes.values():
                        event.set()
                    self.replies.wake()
        finally:
            for event in self._wakes.values():
                event.set()  # a loop asleep sees the stop or finish at once
            self.replies.wake()
            await asyncio.gather(*loops.values())
            ended.set()
            await listening

    async def _run_platform(
        self, platform: str, idle_seconds: float, finish: asyncio.Event
    ) -> None:
        epoch = self._epochs.get(platform)
        if epoch is None:
            return  # dropped before its loop began

        def serving() -> bool:
            stopping = self._stopping.is_set() or finish.is_set()
            return self._epochs.get(platform) == epoch and not stopping

        relaying = asyncio.create_task(self.replies.serve(platform, epoch, serving))
        try:
            await self._deliver_platform(platform, idle_seconds, finish)
        finally:
            self.replies.wake()  # its loop sees the end at once
            await relaying

    async def _deliver_platform(
        self, platform: str, idle_seconds: float, finish: asyncio.Event
    ) -> None:
        wake = self._wakes[platform]
        while platform in self._epochs and not self._stopping.is_set():
            wake.clear()
            pause = idle_seconds
            try:
                await self._drain_platform(platform, 0.0)
                upcoming = await self._store.outbox.next_attempt([platform])
            except Exception:  # the store was unreachable: the rows stay; try again later
                log.exception("%s: delivery pass failed; retrying", platform)
                await self._release_claims(platform)
            else:
                if upcoming is not None:
                    until = (upcoming - self._clock.now()).total_seconds()
                    pause = min(pause, max(until, 0.05))
            if finish.is_set():
                return
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(_first(wake, self._stopping, finish), pause)

    async def _release_claims(self, platform: str) -> None:
        """After a failed pass nothing is being sent (the pass ended its sends), so rows it
        left marked sending go back to pending, as the next holder would do, instead of waiting
        for one; the store may still be unreachable, and then the next pass tries again."""
        epoch = self._epochs.get(platform)
        if epoch is None:
            return  # the lease is gone: its next holder releases them
        try:
            await self._store.outbox.release(platform, epoch, self._clock.now())
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

    async def _settle(
        self, platform: str, finished: Sequence[tuple[Delivery, Outcome]], epoch: int
    ) -> DispatchReport:
        now = self._clock.now()
        settlement, report = Settlement(), DispatchReport()
        for delivery, outcome in finished:
            self._settle_one(delivery, outcome, now, settlement, report)
        await self._record(settlement, now, epoch)
        self._observer.settled(platform, report)
        return report

    async def _record(self, settlement: Settlement, now: dt.datetime, epoch: int) -> None:
        """Write the outcomes, trying again while the store fails: these rows were sent, and
        releasing them instead (as after a failed claim) would send them again. Gives up, and
        raises, once stopping or after RECORD_RETRY_FOR seconds; the rows then stay sending, the
        in-flight window a restart may repeat."""
        pause, waited = RECORD_RETRY_FIRST, 0.0
        while True:
            try:
                await self._store.outbox.settle(settlement, now, epoch)
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
        began = time.perf_counter()
        try:
            outcome = await self._senders[platform].send(
                delivery.chat, Outbound(text, delivery.kind, nonce=f"d{delivery.id}", paid=paid)
            )
        except Exception as exc:  # a sender must not raise; if one does, the row still settles
            log.exception("%s sender raised instead of reporting an outcome", platform)
            outcome = Transient(f"sender error: {type(exc).__name__}")
        finally:
            pacer.release(grant)
        self._observer.sent(platform, outcome, time.perf_counter() - began)
        if isinstance(outcome, RetryAfter):
            pacer.hold(outcome.seconds)
            if self._on_hold is not None:
                await self._on_hold(platform, outcome.seconds)
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


async def _first(*events: asyncio.Event) -> None:
    """Wait until one of the events is set."""
    waiters = [asyncio.ensure_future(event.wait()) for event in events]
    try:
        await asyncio.wait(waiters, return_when=asyncio.FIRST_COMPLETED)
    finally:
        for waiter in waiters:
            waiter.cancel()
