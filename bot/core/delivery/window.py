"""The dispatcher's sliding window over one platform's claimed rows: which are sending, which
are sent but not yet settled, and when to settle them and claim more.

A row takes room from its claim until its outcome is recorded, since until then it is marked
sending: never more than `in_flight` rows are, the rows a crash may leave in doubt.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterable, Sequence

from bot.core.ports import Outcome
from bot.core.store.outbox import Delivery


class SendWindow:
    """Up to `in_flight` claimed rows, each sending or sent and waiting to be settled."""

    def __init__(self, in_flight: int) -> None:
        assert in_flight >= 1, "a window without room would never send"
        self.in_flight = in_flight
        # Settling and claiming take a transaction each, so they wait until a quarter of the
        # window has finished: the other three quarters keep the pacer busy meanwhile.
        self.quarter = max(1, in_flight // 4)
        self._sending: dict[asyncio.Future[Outcome], Delivery] = {}
        self._finished: list[tuple[Delivery, Outcome]] = []
        self._freed = 0  # rows settled since the last claim
        self._exhausted = False  # the last claim found fewer ready rows than it asked for

    @property
    def room(self) -> int:
        """How many rows a claim may take now."""
        return self.in_flight - len(self._sending) - len(self._finished)

    @property
    def sending(self) -> int:
        return len(self._sending)

    @property
    def finished(self) -> Sequence[tuple[Delivery, Outcome]]:
        """The rows sent, with their outcomes, that are still marked sending."""
        return self._finished

    @property
    def exhausted(self) -> bool:
        return self._exhausted

    def should_settle(self, stopping: bool) -> bool:
        """In groups of a quarter; at once when no claim waits on the room (the window is
        empty, the last claim took every ready row, or stopping), so a slow send never keeps
        finished rows in doubt."""
        return bool(self._finished) and (
            len(self._finished) >= self.quarter or not self._sending or self._exhausted or stopping
        )

    def settled(self) -> None:
        """The finished rows are recorded: their room goes to the next claim."""
        self._freed += len(self._finished)
        self._finished = []
        self._check()

    def should_claim(self, stopping: bool) -> bool:
        """When the window is empty, or a quarter is free again since the last claim. As an
        exhausted window settles at once, its platform is asked again as rows settle, so new
        work never waits on a slow send."""
        return not stopping and (not self._sending or self._freed >= self.quarter)

    def claimed(self, sends: Sequence[tuple[asyncio.Future[Outcome], Delivery]]) -> None:
        """Take in the sends of a claim for `room` rows."""
        assert len(sends) <= self.room, f"{len(sends)} rows claimed for {self.room} free"
        self._exhausted, self._freed = len(sends) < self.room, 0
        self._sending.update(sends)
        self._check()

    async def wait_any(self) -> None:
        """Until at least one send finishes; what finished waits to be settled."""
        done, _ = await asyncio.wait(self._sending, return_when=asyncio.FIRST_COMPLETED)
        self._collect(done)

    async def wait_all(self) -> None:
        """Until every send under way finishes, so that each can be settled."""
        if self._sending:
            await asyncio.wait(self._sending)
            self._collect(list(self._sending))

    async def cancel(self) -> None:
        """End the sends still under way (their rows stay marked sending)."""
        for send in self._sending:
            send.cancel()
        await asyncio.gather(*self._sending, return_exceptions=True)

    def _collect(self, done: Iterable[asyncio.Future[Outcome]]) -> None:
        self._finished += [(self._sending.pop(send), send.result()) for send in done]
        self._check()

    def _check(self) -> None:
        # Rows settled since the last claim were in the window at that claim, and no row joins
        # it but by a claim: with those still in it, they never exceed it. So the room is never
        # negative, and a claim for a freed quarter always has a quarter to claim.
        assert 0 <= self._freed <= self.room <= self.in_flight, (self._freed, self.room)
