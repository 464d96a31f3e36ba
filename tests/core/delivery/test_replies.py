"""Replies through the pacer, in real (short) time: ahead of deliveries, 429s waited out, a chat
that moved followed, and what cannot be sent given up, logged and counted."""

from __future__ import annotations

import asyncio
import time

import pytest

from bot.core.delivery import replies
from bot.core.delivery.pacing import Pacer, PlatformLimits, Rate
from bot.core.delivery.replies import Replies
from bot.core.ports import (
    ChatGone,
    ChatKind,
    ChatMoved,
    ChatRef,
    Delivered,
    Outcome,
    ReplyCall,
    RetryAfter,
    Transient,
)

CHAT = ChatRef("telegram", "7")


HELLO = ReplyCall.new("hello")


class Platform:
    """A replier that answers each try with the next scripted outcome, and notes when and where
    it came."""

    platform = "telegram"

    def __init__(self, *outcomes: Outcome) -> None:
        self.outcomes = list(outcomes)
        self.tries: list[tuple[float, ChatRef]] = []

    async def reply(self, chat: ChatRef, call: ReplyCall) -> Outcome:
        self.tries.append((time.monotonic(), chat))
        return self.outcomes.pop(0) if self.outcomes else Delivered("m")


def pacer(per_second: int = 100) -> Pacer:
    return Pacer(PlatformLimits(overall=Rate(per_second, 1.0)))


def paced(platform: Platform, pacer: Pacer | None = None) -> Replies:
    """Replies on one store-less instance (every reply sent here), through `pacer` if any."""
    return Replies({} if pacer is None else {"telegram": pacer}, {"telegram": platform})


async def test_a_reply_that_meets_a_429_waits_it_out_and_goes_then() -> None:
    platform = Platform(RetryAfter(0.3))
    lane = paced(platform, pacer())
    began = time.monotonic()

    outcome = await lane.send(CHAT, ChatKind.PRIVATE, HELLO)

    assert outcome == Delivered("m")
    assert platform.tries[1][0] - began >= 0.3
    assert (lane.counts.sent, lane.counts.retried, sum(lane.counts.failed.values())) == (1, 1, 0)


async def test_a_429_holds_the_deliveries_too() -> None:
    shared = pacer()
    lane = paced(Platform(RetryAfter(0.3)), shared)
    await lane.send(CHAT, ChatKind.PRIVATE, HELLO)
    # The reply went out at the end of the hold; a delivery right after waits its slot only.
    began = time.monotonic()
    shared.hold(0.2)
    await shared.acquire(ChatRef("telegram", "8"), ChatKind.PRIVATE)
    assert time.monotonic() - began >= 0.2


async def test_a_reply_held_back_past_the_bound_is_given_up_and_counted(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.setattr(replies, "GIVE_UP_AFTER", 0.2)
    lane = paced(Platform(RetryAfter(5.0)), pacer())

    outcome = await lane.send(CHAT, ChatKind.PRIVATE, HELLO)

    assert outcome == RetryAfter(5.0)
    assert lane.counts.failed == {"rate limited past 0.2 s": 1}
    assert "could not answer in telegram:7" in caplog.text


async def test_a_reply_follows_a_chat_that_moved() -> None:
    platform = Platform(ChatMoved("-100123"))
    lane = paced(platform, pacer())

    assert await lane.send(CHAT, ChatKind.GROUP, HELLO) == Delivered("m")
    assert [chat for _, chat in platform.tries] == [CHAT, ChatRef("telegram", "-100123")]


@pytest.mark.parametrize(
    ("outcome", "reason"), [(ChatGone("blocked"), "chat gone"), (Transient("500"), "error")]
)
async def test_what_waiting_cannot_mend_is_given_up_at_once(outcome: Outcome, reason: str) -> None:
    platform = Platform(outcome)
    lane = paced(platform, pacer())

    assert await lane.send(CHAT, ChatKind.PRIVATE, HELLO) == outcome
    assert len(platform.tries) == 1
    assert lane.counts.failed == {reason: 1}


async def test_a_reply_goes_ahead_of_the_deliveries_waiting() -> None:
    shared = pacer(per_second=20)
    lane = paced(Platform(), shared)
    deliveries = [
        asyncio.ensure_future(shared.acquire(ChatRef("telegram", str(n)), ChatKind.PRIVATE))
        for n in range(40)  # two seconds' worth
    ]
    await asyncio.sleep(0.12)
    began = time.monotonic()

    await lane.send(CHAT, ChatKind.PRIVATE, HELLO)

    assert time.monotonic() - began < 0.1  # the next slot, not after the forty
    assert sum(d.done() for d in deliveries) <= 5
    for waiting in deliveries:
        waiting.cancel()
    await asyncio.gather(*deliveries, return_exceptions=True)


async def test_a_platform_without_a_pacer_still_waits_out_a_429() -> None:
    platform = Platform(RetryAfter(0.1))
    began = time.monotonic()
    assert await paced(platform).send(CHAT, ChatKind.PRIVATE, HELLO) == Delivered("m")
    assert time.monotonic() - began >= 0.1


async def test_a_replier_that_raises_ends_the_reply_as_an_error(
    caplog: pytest.LogCaptureFixture,
) -> None:
    class Raising(Platform):
        async def reply(self, chat: ChatRef, call: ReplyCall) -> Outcome:
            raise RuntimeError("a bug")

    lane = paced(Raising(), pacer())
    outcome = await lane.send(CHAT, ChatKind.PRIVATE, HELLO)

    assert outcome == Transient("replier error: RuntimeError")
    assert lane.counts.failed == {"error": 1}
    assert "replier raised" in caplog.text


def test_a_reply_call_is_a_new_message_with_a_text_or_an_edit_without_buttons() -> None:
    assert ReplyCall.edit("5", None) == ReplyCall(None, (), "5")  # only the buttons go
    with pytest.raises(ValueError, match="needs a text"):
        ReplyCall(None)
    with pytest.raises(ValueError, match="no buttons"):
        ReplyCall("x", (("Send", "/push confirm p"),), "5")
