"""Per-platform pacing: an overall rate, and limits per chat and per group.

Sends are spaced out rather than let through in bursts, because a strict server answers a burst
with 429s; a 429's `retry_after` stops the platform's whole pace for that long, as both
platforms ask.
"""

from __future__ import annotations

import asyncio
import time
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

    def forget(self, key: str, slot: float) -> None:
        """A reservation given up (its send takes a later slot)."""
        times = self._times.get(key)
        if times and slot in times:
            times.remove(slot)

    def prune(self, now: float) -> None:
        """Forget keys with nothing in the window: a broadcast to 100,000 chats stays small."""
        stale = [k for k, t in self._times.items() if not t or t[-1] <= now - self.rate.seconds]
        for key in stale:
            del self._times[key]


# A send woken this much after its slot still goes: a strict server allows a burst of about
# 0.1 s of traffic. One woken later (the event loop stalled) takes a new slot instead, so sends
# that all overslept do not go out together.
LATE_TOLERANCE = 0.05


class Pacer:
    """Reserves send slots for one platform; `acquire` sleeps until the slot comes."""

    def __init__(
        self,
        limits: PlatformLimits,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self._interval = limits.overall.seconds / limits.overall.count if limits.overall else 0.0
        self._chats = _Window(limits.per_chat) if limits.per_chat else None
        self._groups = _Window(limits.per_group) if limits.per_group else None
        self._next_slot = 0.0
        self._held_until = 0.0
        self._monotonic = monotonic
        self._reservations = 0

    async def acquire(self, chat: ChatRef, kind: ChatKind) -> None:
        key = str(chat)
        windows = [w for w in (self._chats, self._groups) if w is not None]
        if kind is ChatKind.PRIVATE and self._groups is not None:
            windows.remove(self._groups)
        while True:
            slot = await self._reserve(key, windows)
            now = self._monotonic()
            if now - slot <= LATE_TOLERANCE and now >= self._held_until:
                return
            # Overslept (a stalled loop), or a 429 came while it slept: a new slot.
            for window in windows:
                window.forget(key, slot)

    async def _reserve(self, key: str, windows: list[_Window]) -> float:
        """Wait for the chat's windows, take the next overall slot, sleep until it; the slot."""
        while True:
            now = self._monotonic()
            # Wait until the chat may send, without holding an overall slot meanwhile: a busy
            # chat never holds back the others.
            chat_free = max((w.earliest(key, now) for w in windows), default=now)
            if chat_free <= now:
                break
            await asyncio.sleep(chat_free - now)
        # The overall slot is taken and recorded for the chat at once (no await in between),
        # so the chat's window counts the time the message really goes out.
        slot = max(now, self._next_slot)
        if self._interval:
            self._next_slot = slot + self._interval
        for window in windows:
            window.record(key, slot)
        self._reservations += 1
        if self._reservations % 1000 == 0:
            self._prune()
        if slot > now:
            await asyncio.sleep(slot - now)
        return slot

    def hold(self, seconds: float) -> None:
        """The platform said wait (a 429): no slot before then."""
        self._held_until = max(self._held_until, self._monotonic() + seconds)
        self._next_slot = max(self._next_slot, self._held_until)

    def _prune(self) -> None:
        now = self._monotonic()
        for window in (self._chats, self._groups):
            if window is not None:
                window.prune(now)
