"""Answers to commands and button presses: paced with the platform's deliveries, ahead of them.

A reply takes the next free slot of its platform's pacer, before any waiting delivery, within
its chat's windows. A 429 holds the whole platform (replies and deliveries alike) for as long
as it asks, and the reply goes out then; only after GIVE_UP_AFTER seconds of that, or an error
that waiting cannot mend, is it given up, logged with its reason and counted.

Several instances (one store): each platform's pacer lives with its one elected sender, and
this is where a reply meets it; an instance that does not hold the sender must hand its replies
to the one that does for the platform's budget to hold.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections import Counter
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field

from bot.core.delivery.pacing import Lane, Pacer
from bot.core.ports import ChatGone, ChatKind, ChatMoved, ChatRef, Delivered, Outcome, RetryAfter

log = logging.getLogger(__name__)

# A reply still held back by the platform after this long is given up: the person has long
# stopped waiting, and the next command finds the platform free again.
GIVE_UP_AFTER = 60.0

Attempt = Callable[[ChatRef], Awaitable[Outcome]]  # one try at sending the reply to a chat


@dataclass(slots=True)
class ReplyCounts:
    sent: int = 0
    retried: int = 0  # tries that met a 429 (or a chat that moved) and went again
    failed: Counter[str] = field(default_factory=Counter)  # given up, by reason


class Replies:
    def __init__(
        self, pacers: Mapping[str, Pacer], monotonic: Callable[[], float] = time.monotonic
    ) -> None:
        self._pacers = pacers
        self._monotonic = monotonic
        self.counts = ReplyCounts()

    async def send(self, chat: ChatRef, kind: ChatKind, attempt: Attempt) -> Outcome:
        """Send a reply through its platform's pacer, waiting out 429s; the last outcome."""
        pacer = self._pacers.get(chat.platform)
        give_up_at = self._monotonic() + GIVE_UP_AFTER
        while True:
            if pacer is None:
                outcome = await attempt(chat)
            else:
                grant = await pacer.acquire(chat, kind, Lane.REPLY)
                try:
                    outcome = await attempt(chat)
                finally:
                    pacer.release(grant)
            match outcome:
                case Delivered():
                    self.counts.sent += 1
                    return outcome
                case RetryAfter(seconds):
                    if pacer is not None:
                        pacer.hold(seconds)  # every send of the platform waits, as it asks
                    if self._monotonic() + seconds >= give_up_at:
                        return self._give_up(chat, outcome)
                    if pacer is None:
                        await asyncio.sleep(seconds)
                    self.counts.retried += 1
                case ChatMoved(new_chat_id):
                    chat = ChatRef(chat.platform, new_chat_id, chat.thread)
                    self.counts.retried += 1
                case _:
                    return self._give_up(chat, outcome)

    def _give_up(self, chat: ChatRef, outcome: Outcome) -> Outcome:
        reason = _reason(outcome)
        self.counts.failed[reason] += 1
        log.warning("could not answer in %s: %s", chat, outcome)
        return outcome


def _reason(outcome: Outcome) -> str:
    """What a failed reply is counted under: the kind of outcome, not its varying detail."""
    match outcome:
        case RetryAfter():
            return f"rate limited past {GIVE_UP_AFTER:g} s"
        case ChatGone():
            return "chat gone"
        case _:
            return "error"
