"""Per-platform pacing: an overall rate, and limits per chat and per group.

Sends are spaced out rather than let through in bursts, because a strict server answers a burst
with 429s; a 429's `retry_after` stops the platform's whole pace for that long, as both
platforms ask.
"""

from __future__ import annotations

import asyncio
import enum
import time
from asyncio import CancelledError, Future, Task, create_task, get_running_loop
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass

from bot.core.ports import ChatKind, ChatRef


@dataclass(frozen=True, slots=True)
class Rate:
    """`count` messages per `seconds`."""

    count: int
    seconds: float


@dataclass(frozen=True, slots=True)
class PlatformLimits:
    overall: Rate | None = None
    per_chat: Rate | None = None
    per_group: Rate | None = None  # groups and channels, on top of the per-chat rate
    # Telegram's paid broadcast: the sends for these occasion kinds ("push", "scheduled",
    # "instant") go at this overall rate of their own, paid for above the free one.
    paid: Rate | None = None
    paid_for: frozenset[str] = frozenset()

    def pays_for(self, kind: str) -> bool:
        return self.paid is not None and kind in self.paid_for


# The platforms' published limits.
TELEGRAM_LIMITS = PlatformLimits(Rate(30, 1.0), Rate(1, 1.0), Rate(20, 60.0))
DISCORD_LIMITS = PlatformLimits(Rate(50, 1.0), Rate(5, 5.0))


class _Window:
    """At most `rate.count` reservations per key in any `rate.seconds`."""

    def __init__(self, rate: Rate) -> None:
        self.rate = rate
        self._times: dict[str, deque[float]] = {}

    def earliest(self, key: str, now: float) -> float:
        """The earliest time from `now` this key may send."""
        times = self._times.get(key)
        if not times:
            return now
        while times and times[0] <= now - self.rate.seconds:
            times.popleft()
        if len(times) < self.rate.count:
            return now
        return max(now, times[-self.rate.count] + self.rate.seconds)

    def record(self, key: str, slot: float) -> None:
        """The key sends at `slot` (never earlier than the slots recorded before it)."""
        self._times.setdefault(key, deque()).append(slot)

    def moved(self, key: str, slot: float, to: float) -> None:
        """The send recorded at `slot` counts from `to` instead (when its answer came), if it
        is still the key's latest."""
        times = self._times.get(key)
        if times and times[-1] == slot:
            times[-1] = max(slot, to)

    def prune(self, now: float) -> None:
        """Forget keys with nothing in the window: a broadcast to 100,000 chats stays small."""
        stale = [k for k, t in self._times.items() if not t or t[-1] <= now - self.rate.seconds]
        for key in stale:
            del self._times[key]


# A slot granted this much after its time still counts as on time, so the pace stays exact
# despite timer jitter; one granted later (the event loop stalled) starts the pace afresh from
# now, so the sends that waited meanwhile do not go out together.
LATE_TOLERANCE = 0.05


class Lane(enum.IntEnum):
    """Who goes first when both wait: a reply to a person, then the bulk deliveries."""

    REPLY = 0
    BULK = 1


@dataclass(eq=False, slots=True)
class _Waiter:
    key: str
    windows: list[_Window]
    lane: Lane
    granted: Future[float]  # the time of the grant


@dataclass(frozen=True, slots=True)
class Grant:
    """A slot given to one send; `release` it once the send is answered."""

    key: str
    windows: tuple[_Window, ...]
    at: float


class Pacer:
    """Grants send slots for one platform, one at a time, at its overall rate: replies ahead of
    bulk deliveries, each chat within its own windows.

    Slots are granted when they come, not reserved ahead, so a reply that arrives while a
    thousand deliveries wait takes the very next slot. A ticker task grants them and ends when
    no one waits. Paid sends (Telegram's paid broadcast) have an overall rate of their own.

    Several instances (one store): a platform's pacer lives with its one elected sender, so
    every send of that platform, whichever instance took the command, must reach that sender to
    be paced here; this is the seam where replies from other instances come in.
    """

    def __init__(
        self,
        limits: PlatformLimits,
        monotonic: Callable[[], float] = time.monotonic,
        on_hold: Callable[[float], None] | None = None,
    ) -> None:
        """`on_hold`: told of every 429's hold, with the seconds it stops the pace beyond the
        hold already under way (what the metrics count as time held)."""
        self._on_hold = on_hold
        self._intervals = {False: _interval(limits.overall), True: _interval(limits.paid)}
        self._next_slot = {False: 0.0, True: 0.0}
        self._chats = _Window(limits.per_chat) if limits.per_chat else None
        self._groups = _Window(limits.per_group) if limits.per_group else None
        self._held_until = 0.0
        self._monotonic = monotonic
        self._grants = 0
        self._waiting: dict[bool, dict[Lane, deque[_Waiter]]] = {
            paid_class: {lane: deque() for lane in Lane} for paid_class in (False, True)
        }
        # The ticker's generation and when it means to wake: a newcomer who may go sooner
        # starts a new ticker, and the old one, once awake, sees it is stale and ends.
        self._generation = 0
        self._wakes_at: float | None = None
        self._tickers: set[Task[None]] = set()

    async def acquire(
        self, chat: ChatRef, kind: ChatKind, lane: Lane = Lane.BULK, paid: bool = False
    ) -> Grant:
        """Wait for this send's slot: its chat's windows free, its turn in the overall pace."""
        windows = [w for w in (self._chats, self._groups) if w is not None]
        if kind is ChatKind.PRIVATE and self._groups is not None:
            windows.remove(self._groups)
        waiter = _Waiter(str(chat), windows, lane, get_running_loop().create_future())
        queue = self._waiting[paid][lane]
        queue.append(waiter)
        self._tick_by(self._ready_at(paid, self._monotonic()))
        try:
            at = await waiter.granted
        except CancelledError:
            if waiter in queue:
                queue.remove(waiter)
            raise
        return Grant(waiter.key, tuple(windows), at)

    def release(self, grant: Grant) -> None:
        """The send is answered: its chat's windows count from now, not from when it left. The
        server measures a chat's pace by when it received each message, which a send slowed on
        its way (a busy process, a slow network) can bring closer than the grants were; counting
        from the answer keeps the next send to that chat a whole window after the server had
        this one."""
        now = self._monotonic()
        for window in grant.windows:
            window.moved(grant.key, grant.at, now)

    def hold(self, seconds: float) -> None:
        """The platform said wait (a 429): no slot before then."""
        now = self._monotonic()
        already = max(self._held_until, now)
        self._held_until = max(self._held_until, now + seconds)
        if self._on_hold is not None:
            self._on_hold(self._held_until - already)
        for paid_class in self._next_slot:
            self._next_slot[paid_class] = max(self._next_slot[paid_class], self._held_until)

    def _ready_at(self, paid: bool, now: float) -> float:
        """When the next slot of this class may be granted, if someone may take it then."""
        return max(now, self._held_until, self._next_slot[paid])

    def _tick_by(self, when: float) -> None:
        """Make sure a ticker wakes by `when`."""
        if self._wakes_at is not None and self._wakes_at <= when:
            return
        self._generation += 1
        self._wakes_at = when
        ticker = create_task(self._tick(self._generation, when))
        self._tickers.add(ticker)  # a task no one holds may be collected mid-sleep
        ticker.add_done_callback(self._tickers.discard)

    async def _tick(self, generation: int, when: float) -> None:
        while True:
            delay = when - self._monotonic()
            if delay > 0:
                await asyncio.sleep(delay)  # looked up at call time: the tests' virtual clock
            if generation != self._generation:
                return  # a newer ticker took over
            upcoming = self._grant_due(self._monotonic())
            if upcoming is None:
                self._wakes_at = None
                return
            when = self._wakes_at = upcoming

    def _grant_due(self, now: float) -> float | None:
        """Grant every slot that has come; when the next may come, or None if no one waits."""
        upcoming: float | None = None
        for paid_class, lanes in self._waiting.items():
            while any(lanes.values()):
                ready = self._ready_at(paid_class, now)
                waiter = self._first_free(lanes, now) if ready <= now else None
                if waiter is None:
                    later = ready if ready > now else self._chat_free(lanes, now)
                    upcoming = later if upcoming is None else min(upcoming, later)
                    break
                self._grant(waiter, paid_class, now)
        return upcoming

    def _grant(self, waiter: _Waiter, paid: bool, now: float) -> None:
        due = self._next_slot[paid]
        slot = due if now - due <= LATE_TOLERANCE else now
        self._next_slot[paid] = slot + self._intervals[paid]
        for window in waiter.windows:
            window.record(waiter.key, now)
        self._waiting[paid][waiter.lane].remove(waiter)
        if not waiter.granted.done():  # its task may have been cancelled meanwhile
            waiter.granted.set_result(now)
        self._grants += 1
        if self._grants % 1000 == 0:
            self._prune(now)

    def _first_free(self, lanes: dict[Lane, deque[_Waiter]], now: float) -> _Waiter | None:
        """The first waiter, replies before bulk, whose chat may send now: a chat that must
        wait never holds back the others."""
        for lane in Lane:
            for waiter in lanes[lane]:
                if all(w.earliest(waiter.key, now) <= now for w in waiter.windows):
                    return waiter
        return None

    def _chat_free(self, lanes: dict[Lane, deque[_Waiter]], now: float) -> float:
        """When the first of these waiting chats may send again."""
        return min(
            max((w.earliest(waiter.key, now) for w in waiter.windows), default=now)
            for queue in lanes.values()
            for waiter in queue
        )

    def _prune(self, now: float) -> None:
        for window in (self._chats, self._groups):
            if window is not None:
                window.prune(now)


def _interval(rate: Rate | None) -> float:
    return rate.seconds / rate.count if rate else 0.0
