"""The sliding window's bookkeeping, on its own: sends are futures the tests finish by hand."""

from __future__ import annotations

import asyncio
import itertools

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.core.delivery.window import SendWindow
from bot.core.ports import ChatKind, ChatRef, Delivered, MessageKind, Outcome
from bot.core.store.outbox import Delivery

ids = itertools.count(1)
Send = tuple[asyncio.Future[Outcome], Delivery]


def sends(count: int) -> list[Send]:
    """`count` claimed rows, each with a send that has not finished."""
    loop = asyncio.get_running_loop()
    return [(loop.create_future(), row(next(ids))) for _ in range(count)]


def row(row_id: int) -> Delivery:
    chat = ChatRef("telegram", str(row_id))
    return Delivery(
        id=row_id,
        subscription_id=row_id,
        chat=chat,
        chat_kind=ChatKind.PRIVATE,
        occasion="k1",
        body_id="body-k1",
        lang="en",
        kind=MessageKind.DIGEST,
        attempts=0,
    )


async def finish(window: SendWindow, claimed: list[Send]) -> None:
    """The sends of `claimed` finish, and the window sees them."""
    for send, delivery in claimed:
        send.set_result(Delivered(f"m{delivery.id}"))
    await window.wait_any()


def settle(window: SendWindow) -> None:
    assert window.should_settle(stopping=False)
    window.settled()


async def full(in_flight: int) -> tuple[SendWindow, list[Send]]:
    """A window whose first claim filled it."""
    window = SendWindow(in_flight)
    claimed = sends(in_flight)
    window.claimed(claimed)
    return window, claimed


# --- room ---


async def test_a_row_takes_room_from_its_claim_until_it_is_settled() -> None:
    window = SendWindow(8)
    assert (window.room, window.quarter) == (8, 2)
    claimed = sends(8)

    window.claimed(claimed)
    assert (window.room, window.sending) == (0, 8)
    await finish(window, claimed[:3])
    assert (window.room, window.sending, len(window.finished)) == (0, 5, 3)
    settle(window)
    assert (window.room, window.sending, window.finished) == (3, 5, [])


async def test_a_claim_never_takes_more_than_the_room() -> None:
    window, claimed = await full(4)
    await finish(window, claimed[:1])
    with pytest.raises(AssertionError, match="1 rows claimed for 0 free"):
        window.claimed(sends(1))  # the finished row is still marked sending
    settle(window)
    with pytest.raises(AssertionError, match="2 rows claimed for 1 free"):
        window.claimed(sends(2))
    assert window.sending == 3


def test_a_window_has_room_for_one_row_at_least() -> None:
    with pytest.raises(AssertionError):
        SendWindow(0)
    assert SendWindow(1).quarter == SendWindow(7).quarter == 1


@settings(max_examples=200, deadline=None)
@given(
    in_flight=st.integers(1, 20),
    ready=st.integers(0, 80),
    stops_after=st.integers(0, 100),
    data=st.data(),
)
def test_the_room_stays_within_the_window_however_sends_finish(
    in_flight: int, ready: int, stops_after: int, data: st.DataObject
) -> None:
    """The dispatcher's loop, against a platform with `ready` rows and sends finishing in any
    order: never more than `in_flight` rows marked sending, and every row claimed is settled."""

    async def drain() -> None:
        window, unclaimed, settled, steps = SendWindow(in_flight), ready, 0, 0
        under_way: list[Send] = []
        while True:
            stopping = steps >= stops_after
            if window.should_settle(stopping):
                settled += len(window.finished)
                window.settled()
            if window.should_claim(stopping):
                claimed = sends(min(window.room, unclaimed))
                unclaimed -= len(claimed)
                window.claimed(claimed)
                under_way += claimed
            assert 0 <= window.room <= in_flight
            assert window.sending + len(window.finished) <= in_flight
            if not window.sending:
                break
            done = data.draw(st.sets(st.sampled_from(range(len(under_way))), min_size=1))
            await finish(window, [under_way[i] for i in done])
            under_way = [s for i, s in enumerate(under_way) if i not in done]
            steps += 1
        assert window.finished == [] and settled == ready - unclaimed
        assert unclaimed == 0 or stopping

    asyncio.run(drain())


# --- when to settle ---


async def test_nothing_finished_is_nothing_to_settle() -> None:
    window, _ = await full(8)
    assert not window.should_settle(stopping=True)
    assert not SendWindow(8).should_settle(stopping=True)


async def test_finished_rows_wait_for_a_quarter_while_the_rest_are_sending() -> None:
    window, claimed = await full(8)
    await finish(window, claimed[:1])
    assert not window.should_settle(stopping=False)
    await finish(window, claimed[1:2])
    assert window.should_settle(stopping=False)


async def test_the_last_send_of_a_window_settles_at_once() -> None:
    window, claimed = await full(8)
    await finish(window, claimed[:7])
    settle(window)  # and nothing more was claimed: say the pass is about to end
    assert not window.exhausted
    await finish(window, claimed[7:])
    assert len(window.finished) < window.quarter
    assert window.should_settle(stopping=False)  # nothing else is sending


async def test_stopping_settles_at_once() -> None:
    window, claimed = await full(8)
    await finish(window, claimed[:1])
    assert not window.should_settle(stopping=False)
    assert window.should_settle(stopping=True)


async def test_once_a_claim_is_short_every_finished_row_settles_at_once() -> None:
    window = SendWindow(8)
    claimed = sends(6)
    window.claimed(claimed)  # the platform had only six ready rows
    assert window.exhausted
    await finish(window, claimed[:1])
    assert window.should_settle(stopping=False)


# --- when to claim ---


async def test_an_empty_window_claims_unless_stopping() -> None:
    assert SendWindow(8).should_claim(stopping=False)
    assert not SendWindow(8).should_claim(stopping=True)
    window = SendWindow(8)
    window.claimed([])  # nothing was ready
    assert window.exhausted and window.should_claim(stopping=False)


async def test_a_window_claims_again_once_a_quarter_is_settled() -> None:
    window, claimed = await full(8)
    assert not window.should_claim(stopping=False)
    await finish(window, claimed[:2])
    assert not window.should_claim(stopping=False)  # finished, but still marked sending
    settle(window)
    assert window.should_claim(stopping=False)
    assert not window.should_claim(stopping=True)
    window.claimed(sends(window.room))
    assert not window.should_claim(stopping=False)  # the count starts again at the claim


async def test_settled_rows_add_up_to_a_quarter_across_settlements() -> None:
    window, claimed = await full(8)
    await finish(window, claimed[:1])
    window.settled()
    assert not window.should_claim(stopping=False)
    await finish(window, claimed[1:2])
    window.settled()
    assert window.should_claim(stopping=False)


async def test_an_exhausted_platform_is_asked_again_as_rows_settle() -> None:
    window = SendWindow(8)
    claimed = sends(5)
    window.claimed(claimed)
    for send in claimed[:2]:  # one by one: each settles at once, a claim once a quarter has
        assert not window.should_claim(stopping=False)
        await finish(window, [send])
        settle(window)
    assert window.should_claim(stopping=False)
    window.claimed(sends(window.room))  # new rows were ready, and they fill the window
    assert not window.exhausted and window.room == 0


# --- waiting on the sends ---


async def test_every_send_under_way_finishes_before_settling() -> None:
    window, claimed = await full(4)
    await finish(window, claimed[:1])
    for send, delivery in claimed[1:]:
        asyncio.get_running_loop().call_soon(send.set_result, Delivered(f"m{delivery.id}"))

    await window.wait_all()

    assert window.sending == 0
    assert [d for d, _ in window.finished] == [d for _, d in claimed]
    await window.wait_all()  # nothing left to wait for


async def test_cancel_ends_the_sends_under_way_and_keeps_their_rows() -> None:
    window, claimed = await full(4)
    await finish(window, claimed[:1])

    await window.cancel()

    assert all(send.cancelled() for send, _ in claimed[1:])
    assert (window.sending, len(window.finished), window.room) == (3, 1, 0)
