"""The pacer, in virtual time: a fake monotonic clock, and `asyncio.sleep` in the pacer's module
replaced by sleeps that end when the test's driver moves that clock on."""

from __future__ import annotations

import asyncio
import heapq
import itertools
import types
from collections.abc import Coroutine
from typing import Any

import pytest

from bot.core.delivery import pacing
from bot.core.delivery.pacing import TELEGRAM_LIMITS, Lane, Pacer, PlatformLimits, Rate
from bot.core.ports import ChatKind, ChatRef

EPSILON = 1e-9


class VirtualTime:
    """A monotonic clock that stands still until every task waits on one of its sleeps; then it
    jumps to the earliest wake-up. Sleeps end in time order, as real ones would."""

    def __init__(self) -> None:
        self.now = 0.0
        self._sleepers: list[tuple[float, int, asyncio.Future[None]]] = []
        self._order = itertools.count()

    def monotonic(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        future: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        heapq.heappush(self._sleepers, (self.now + max(seconds, 0.0), next(self._order), future))
        await future

    async def run(self, *coroutines: Coroutine[Any, Any, Any]) -> list[Any]:
        tasks = [asyncio.ensure_future(c) for c in coroutines]
        while True:
            # Let every woken task run on to its next sleep or its end: the pacer's ticker
            # grants a slot and the send it woke resumes, a few loop steps each.
            for _ in range(10):
                await asyncio.sleep(0)
            if all(task.done() for task in tasks):
                return [task.result() for task in tasks]
            if not self._sleepers:
                raise AssertionError("tasks wait on something other than the virtual clock")
            wake, _, future = heapq.heappop(self._sleepers)
            self.now = max(self.now, wake)
            future.set_result(None)


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> VirtualTime:
    virtual = VirtualTime()
    # Only the pacer's module sees the fake sleep; the event loop and the test keep the real one.
    monkeypatch.setattr(pacing, "asyncio", types.SimpleNamespace(sleep=virtual.sleep))
    return virtual


def chat(chat_id: str | int) -> ChatRef:
    return ChatRef("telegram", str(chat_id))


async def send_at(
    pacer: Pacer, clock: VirtualTime, to: ChatRef, kind: ChatKind = ChatKind.PRIVATE
) -> float:
    """Acquire a slot; the virtual time the message would go out."""
    await pacer.acquire(to, kind)
    return clock.now


def gaps(times: list[float]) -> list[float]:
    ordered = sorted(times)
    return [b - a for a, b in itertools.pairwise(ordered)]


async def test_overall_rate_spaces_twenty_sends_over_1_9_seconds(clock: VirtualTime) -> None:
    pacer = Pacer(PlatformLimits(overall=Rate(10, 1.0)), monotonic=clock.monotonic)
    times = await clock.run(*(send_at(pacer, clock, chat(i)) for i in range(20)))
    assert min(times) == 0.0
    assert max(times) == pytest.approx(1.9)
    assert all(gap == pytest.approx(0.1) for gap in gaps(times))


async def test_overall_rate_paces_one_sender_sending_in_turn(clock: VirtualTime) -> None:
    pacer = Pacer(PlatformLimits(overall=Rate(10, 1.0)), monotonic=clock.monotonic)

    async def in_turn() -> list[float]:
        return [await send_at(pacer, clock, chat(i)) for i in range(20)]

    [times] = await clock.run(in_turn())
    assert times == pytest.approx([i / 10 for i in range(20)])


async def test_per_chat_rate_spaces_one_chat_without_holding_back_others(
    clock: VirtualTime,
) -> None:
    pacer = Pacer(PlatformLimits(per_chat=Rate(1, 1.0)), monotonic=clock.monotonic)
    a1, a2, b, c = await clock.run(
        send_at(pacer, clock, chat("a")),
        send_at(pacer, clock, chat("a")),
        send_at(pacer, clock, chat("b")),
        send_at(pacer, clock, chat("c")),
    )
    assert a2 - a1 >= 1.0 - EPSILON
    assert (a1, b, c) == (0.0, 0.0, 0.0)


async def test_per_chat_wait_does_not_hold_back_the_overall_pace(clock: VirtualTime) -> None:
    pacer = Pacer(PlatformLimits(Rate(10, 1.0), Rate(1, 1.0)), monotonic=clock.monotonic)
    a1, a2, b = await clock.run(
        send_at(pacer, clock, chat("a")),
        send_at(pacer, clock, chat("a")),
        send_at(pacer, clock, chat("b")),
    )
    assert a1 == 0.0
    assert b == pytest.approx(0.1)  # the next overall slot, not after a's second message
    assert a2 == pytest.approx(1.0)


async def test_per_chat_rate_holds_when_the_overall_pace_delays_a_chats_first_message(
    clock: VirtualTime,
) -> None:
    pacer = Pacer(PlatformLimits(Rate(10, 1.0), Rate(1, 1.0)), monotonic=clock.monotonic)
    times = await clock.run(
        *(send_at(pacer, clock, chat(i)) for i in range(5)),
        send_at(pacer, clock, chat("x")),
        send_at(pacer, clock, chat("x")),
    )
    x1, x2 = times[-2:]
    assert x1 == pytest.approx(0.5)  # behind five other chats in the overall pace
    assert x2 - x1 >= 1.0 - EPSILON


async def test_per_group_rate_applies_to_groups_and_channels_not_private_chats(
    clock: VirtualTime,
) -> None:
    pacer = Pacer(PlatformLimits(per_group=Rate(20, 60.0)), monotonic=clock.monotonic)
    group, channel, private = chat("-100"), chat("-200"), chat("300")
    times = await clock.run(
        *(send_at(pacer, clock, group, ChatKind.GROUP) for _ in range(21)),
        *(send_at(pacer, clock, channel, ChatKind.CHANNEL) for _ in range(21)),
        *(send_at(pacer, clock, private, ChatKind.PRIVATE) for _ in range(21)),
    )
    to_group, to_channel, to_private = times[:21], times[21:42], times[42:]
    for grouped in (to_group, to_channel):
        assert sorted(grouped)[:20] == [0.0] * 20
        assert max(grouped) == pytest.approx(60.0)  # the 21st waits for the window to pass
    assert to_private == [0.0] * 21


async def test_per_group_rate_is_kept_per_group(clock: VirtualTime) -> None:
    pacer = Pacer(PlatformLimits(per_group=Rate(2, 60.0)), monotonic=clock.monotonic)
    times = await clock.run(
        *(send_at(pacer, clock, chat(f"-{i}"), ChatKind.GROUP) for i in range(10))
    )
    assert times == [0.0] * 10


async def test_hold_delays_the_next_slot(clock: VirtualTime) -> None:
    pacer = Pacer(PlatformLimits(overall=Rate(10, 1.0)), monotonic=clock.monotonic)

    async def around_a_429() -> list[float]:
        first = await send_at(pacer, clock, chat(1))
        pacer.hold(5.0)
        return [first, await send_at(pacer, clock, chat(2)), await send_at(pacer, clock, chat(3))]

    [times] = await clock.run(around_a_429())
    assert times == pytest.approx([0.0, 5.0, 5.1])


async def test_hold_applies_without_an_overall_rate(clock: VirtualTime) -> None:
    pacer = Pacer(PlatformLimits(), monotonic=clock.monotonic)
    pacer.hold(2.0)
    times = await clock.run(*(send_at(pacer, clock, chat(i)) for i in range(3)))
    assert times == [2.0, 2.0, 2.0]


def test_each_hold_is_told_with_the_time_it_adds_to_the_holds_under_way(
    clock: VirtualTime,
) -> None:
    told: list[float] = []
    pacer = Pacer(PlatformLimits(), monotonic=clock.monotonic, on_hold=told.append)

    pacer.hold(3.0)  # held until 3
    pacer.hold(1.0)  # within it: adds nothing
    clock.now = 2.0
    pacer.hold(2.0)  # until 4: one second more
    clock.now = 10.0
    pacer.hold(0.5)  # the last hold is over: all of it

    assert told == pytest.approx([3.0, 0.0, 1.0, 0.5])


async def test_hold_never_shortens_an_earlier_hold(clock: VirtualTime) -> None:
    pacer = Pacer(PlatformLimits(), monotonic=clock.monotonic)
    pacer.hold(3.0)
    pacer.hold(1.0)
    [at] = await clock.run(send_at(pacer, clock, chat(1)))
    assert at == 3.0


async def test_sends_that_overslept_a_stalled_loop_take_new_slots_not_a_burst(
    clock: VirtualTime,
) -> None:
    pacer = Pacer(PlatformLimits(overall=Rate(10, 1.0)), monotonic=clock.monotonic)

    async def stall() -> float:
        await clock.sleep(0.25)
        clock.now += 1.0  # the event loop is busy for a second: every sleeper oversleeps
        return clock.now

    *times, resumed = await clock.run(*(send_at(pacer, clock, chat(i)) for i in range(20)), stall())

    after = sorted(t for t in times if t >= resumed)
    assert len(after) == 17  # three went before the stall
    # Never more than the tolerance's worth at once: spaced as the rate asks again.
    assert all(gap >= 0.1 - EPSILON for gap in gaps(after))


async def test_a_hold_stops_sends_already_waiting_for_their_slots(clock: VirtualTime) -> None:
    pacer = Pacer(PlatformLimits(overall=Rate(10, 1.0)), monotonic=clock.monotonic)

    async def a_429_at_first_send() -> float:
        at = await send_at(pacer, clock, chat("first"))
        await clock.sleep(0.05)  # its answer, a 429, comes while the others wait for their slots
        pacer.hold(2.0)
        return at

    first, *others = await clock.run(
        a_429_at_first_send(), *(send_at(pacer, clock, chat(i)) for i in range(4))
    )

    assert first == 0.0
    assert sorted(others) == pytest.approx([2.05, 2.15, 2.25, 2.35])


async def test_per_chat_state_is_pruned_after_five_thousand_distinct_chats(
    clock: VirtualTime,
) -> None:
    pacer = Pacer(TELEGRAM_LIMITS, monotonic=clock.monotonic)

    async def broadcast() -> None:
        for i in range(5000):
            kind = ChatKind.GROUP if i % 2 else ChatKind.PRIVATE
            await pacer.acquire(chat(i), kind)

    await clock.run(broadcast())
    assert clock.now == pytest.approx(4999 / 30)  # paced at 30 a second
    per_chat = pacer._chats._times  # type: ignore[union-attr]
    per_group = pacer._groups._times  # type: ignore[union-attr]
    # Only chats inside their window are remembered: the last second's (30), and the last
    # minute's groups (900), plus what came since the last prune (every 1,000 reservations).
    assert 0 < len(per_chat) <= 1030
    assert 0 < len(per_group) <= 900 + 500


# --- lanes: replies first; paid sends at their own rate ---


async def test_a_reply_takes_the_next_slot_ahead_of_every_waiting_delivery(
    clock: VirtualTime,
) -> None:
    pacer = Pacer(PlatformLimits(overall=Rate(10, 1.0)), monotonic=clock.monotonic)

    async def reply_later() -> float:
        await clock.sleep(0.25)  # forty deliveries wait by now
        await pacer.acquire(chat("asker"), ChatKind.PRIVATE, Lane.REPLY)
        return clock.now

    *bulk, reply = await clock.run(
        *(send_at(pacer, clock, chat(i)) for i in range(40)), reply_later()
    )

    assert reply == pytest.approx(0.3)  # the next slot after it asked
    assert sorted(bulk)[:3] == pytest.approx([0.0, 0.1, 0.2])
    assert sorted(bulk)[3] == pytest.approx(0.4)  # the deliveries resume after it
    assert all(gap == pytest.approx(0.1) for gap in gaps([*bulk, reply]))  # the pace is kept


async def test_replies_to_one_chat_go_in_the_order_asked_within_its_window(
    clock: VirtualTime,
) -> None:
    pacer = Pacer(TELEGRAM_LIMITS, monotonic=clock.monotonic)
    order: list[int] = []

    async def reply(n: int) -> float:
        await clock.sleep(n * 0.01)  # five commands within a second
        await pacer.acquire(chat("user"), ChatKind.PRIVATE, Lane.REPLY)
        order.append(n)
        return clock.now

    times = await clock.run(*(reply(n) for n in range(5)))

    assert order == [0, 1, 2, 3, 4]
    assert all(gap >= 1.0 - EPSILON for gap in gaps(times))  # one a second in a private chat


async def test_paid_sends_keep_their_own_rate_beside_the_free_one(clock: VirtualTime) -> None:
    limits = PlatformLimits(overall=Rate(10, 1.0), paid=Rate(100, 1.0))
    pacer = Pacer(limits, monotonic=clock.monotonic)

    async def paid_send(i: int) -> float:
        await pacer.acquire(chat(f"p{i}"), ChatKind.PRIVATE, paid=True)
        return clock.now

    times = await clock.run(
        *(paid_send(i) for i in range(100)), *(send_at(pacer, clock, chat(i)) for i in range(10))
    )
    paid, free = times[:100], times[100:]

    assert max(paid) == pytest.approx(0.99)  # 100 a second
    assert max(free) == pytest.approx(0.9)  # 10 a second, not held back by the paid ones


async def test_a_hold_stops_paid_and_free_sends_alike(clock: VirtualTime) -> None:
    limits = PlatformLimits(overall=Rate(10, 1.0), paid=Rate(100, 1.0))
    pacer = Pacer(limits, monotonic=clock.monotonic)
    pacer.hold(2.0)

    async def paid_send() -> float:
        await pacer.acquire(chat("p"), ChatKind.PRIVATE, paid=True)
        return clock.now

    paid, free = await clock.run(paid_send(), send_at(pacer, clock, chat("f")))
    assert paid == free == 2.0


async def test_a_send_cancelled_while_waiting_gives_its_turn_to_the_next(
    clock: VirtualTime,
) -> None:
    pacer = Pacer(PlatformLimits(overall=Rate(10, 1.0)), monotonic=clock.monotonic)
    first = await clock.run(send_at(pacer, clock, chat(0)))
    given_up = asyncio.ensure_future(pacer.acquire(chat("gone"), ChatKind.PRIVATE))
    await asyncio.sleep(0)
    given_up.cancel()

    [after] = await clock.run(send_at(pacer, clock, chat(1)))

    assert given_up.cancelled()
    assert first == [0.0]
    assert after == pytest.approx(0.1)


async def test_a_chats_window_counts_from_the_answer_of_its_last_send(clock: VirtualTime) -> None:
    pacer = Pacer(PlatformLimits(per_chat=Rate(1, 1.0)), monotonic=clock.monotonic)

    async def slow_send_then_another() -> list[float]:
        grant = await pacer.acquire(chat("a"), ChatKind.PRIVATE)
        first = clock.now
        await clock.sleep(0.3)  # on its way for 0.3 s: the server had it at 0.3
        pacer.release(grant)
        await pacer.acquire(chat("a"), ChatKind.PRIVATE)
        return [first, clock.now]

    [times] = await clock.run(slow_send_then_another())
    assert times == pytest.approx([0.0, 1.3])
