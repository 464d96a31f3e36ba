"""Answers to commands and button presses: paced with the platform's deliveries, ahead of them.

A reply takes the next free slot of its platform's pacer, before any waiting delivery, within
its chat's windows. A 429 holds the whole platform (replies and deliveries alike) for as long
as it asks, and the reply goes out then; only after GIVE_UP_AFTER seconds of that, or an error
that waiting cannot mend, is it given up, logged with its reason and counted.

Several instances (one PostgreSQL store): each platform's pacer lives with the one instance
holding its sender lease, so that is where a reply must go out for the platform's budget to
hold, whichever instance took the command. An instance that does not hold the lease relays the
reply through the store (`store.relay`): the holder claims it, sends it in its reply lane by the
same rules (429s waited out; given up GIVE_UP_AFTER seconds after the command first asked for
it) and writes the outcome back; the asker hears of it by a notification (or looks every POLL
seconds, should one be lost) and has the outcome, the message id included. A reply asked for
while no instance holds the lease (a takeover under way) waits for the next holder, or is given
up when its time runs out; one waiting here for a slot when this instance loses the lease is
relayed instead, with the time it has left. A reply is counted where it is sent or given up.
That is why a reply is a `ReplyCall`, plain data, not a closure over the adapter.

Discord's replies never come here. An interaction is answered through the interaction itself,
with its token, by the instance whose gateway received it, and Discord's rate limits say
"Interaction endpoints are not bound to the bot's Global Rate Limit"
(docs.discord.com/developers/topics/rate-limits): they do not draw on the budget the sender's
pacer keeps, and no other instance could send them. They stay where they were asked. (One
message is the bot's own: a push's status moved to the admin's DMs once its interaction has
expired, edited every few seconds at most by the instance following the push; discord.py waits
out a 429 on it.)
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections import Counter
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

from bot.core.delivery.pacing import Lane, Pacer
from bot.core.ports import (
    ChatGone,
    ChatKind,
    ChatMoved,
    ChatRef,
    Delivered,
    Outcome,
    Replier,
    ReplyCall,
    RetryAfter,
    Transient,
)
from bot.core.store.relay import Relay, Relayed

log = logging.getLogger(__name__)

# A reply still held back by the platform after this long is given up: the person has long
# stopped waiting, and the next command finds the platform free again.
GIVE_UP_AFTER = 60.0
# How often a relayed reply's outcome is looked for, and the holder looks for relayed replies,
# should a notification be lost.
POLL = 1.0
# A relayed reply whose time ran out while a holder was sending it is waited for this much
# longer (the send ends within the platform's timeouts); then its asker stops waiting.
SENDING_GRACE = 30.0
# How often the holder deletes the answered rows no asker came for.
PURGE_EVERY = 60.0
# Recording a relayed reply's outcome while the store fails is tried again after this long,
# doubling, for as long as the lease is held and at most GIVE_UP_AFTER seconds.
ANSWER_RETRY_FIRST = 0.5


@dataclass(slots=True)
class ReplyCounts:
    """The replies this instance sent (its own, and those relayed to it) or gave up."""

    sent: int = 0
    retried: int = 0  # tries that met a 429 (or a chat that moved) and went again
    failed: Counter[str] = field(default_factory=Counter)  # given up, by reason


@dataclass(frozen=True, slots=True)
class _Lost:
    """Not sent: the sender lease went while the reply waited (to this chat, if it moved)."""

    chat: ChatRef


def _always() -> bool:
    return True


class Replies:
    def __init__(
        self,
        pacers: Mapping[str, Pacer],
        repliers: Mapping[str, Replier] | None = None,
        relay: Relay | None = None,
        holding: Callable[[str], int | None] = lambda platform: 0,
        in_flight: int = 50,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        """`holding(platform)`: the epoch under which this instance holds the platform's sender
        lease, None if it does not; without a `relay` (SQLite, one process) every reply is sent
        here. At most `in_flight` relayed replies per platform are claimed at a time."""
        self._pacers = pacers
        self._repliers = dict(repliers or {})
        self._relay = relay
        self._holding = holding
        self._in_flight = in_flight
        self._monotonic = monotonic
        self._heard: dict[int, asyncio.Event] = {}  # relayed rows this instance waits for
        self._wakes: dict[str, asyncio.Event] = {}  # each platform's relay loop's wake-up
        self.counts = ReplyCounts()

    async def send(self, chat: ChatRef, kind: ChatKind, call: ReplyCall) -> Outcome:
        """Send a reply through its platform's pacer, here or at the sender lease's holder,
        waiting out 429s; the last outcome."""
        give_up_at = self._monotonic() + GIVE_UP_AFTER
        epoch = self._epoch(chat.platform)
        if epoch is None:
            return await self._relayed(chat, kind, call, give_up_at)

        def holds() -> bool:
            return self._epoch(chat.platform) == epoch

        sent = await self._send_here(chat, kind, call, give_up_at, holds)
        if isinstance(sent, _Lost):
            return await self._relayed(sent.chat, kind, call, give_up_at)
        return sent

    def wake(self) -> None:
        """Something may have been relayed: the relay loops look now."""
        for event in self._wakes.values():
            event.set()

    def heard(self, payload: str) -> None:
        """A relayed row was answered (its id), or, with "", any may have been."""
        if not payload:
            for waiting in self._heard.values():
                waiting.set()
        elif payload.isdigit() and (event := self._heard.get(int(payload))) is not None:
            event.set()

    async def listen(self, done: asyncio.Event) -> None:
        """Hear of the relayed replies answered until `done` (at once without a relay)."""
        if self._relay is not None:
            await self._relay.listen(self.heard, done)

    async def serve(self, platform: str, epoch: int, serving: Callable[[], bool]) -> None:
        """Send the replies other instances relay for `platform`, as long as `serving` (this
        instance holds its sender lease under `epoch`, and is not stopping). Replies claimed and
        not yet sent when the lease goes are left to the next holder; the sends under way finish
        and are recorded. Returns at once without a relay."""
        if self._relay is None:
            return
        wake = self._wakes[platform] = asyncio.Event()
        sending: set[asyncio.Task[None]] = set()
        purged = self._monotonic()

        def finished(task: asyncio.Task[None]) -> None:
            sending.discard(task)
            wake.set()  # room for another
            if not task.cancelled() and (error := task.exception()) is not None:
                log.error("%s: a relayed reply failed", platform, exc_info=error)

        def holds() -> bool:
            return self._epoch(platform) == epoch

        try:
            while serving():
                wake.clear()
                for row in await self._claim(platform, epoch, self._in_flight - len(sending)):
                    task = asyncio.create_task(self._send_relayed(row, epoch, holds))
                    sending.add(task)
                    task.add_done_callback(finished)
                if self._monotonic() - purged >= PURGE_EVERY:
                    purged = self._monotonic()
                    await self._purge()
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(wake.wait(), POLL)
        except asyncio.CancelledError:
            for task in sending:  # as the dispatcher's own sends: they stay claimed
                task.cancel()
            raise
        finally:
            if self._wakes.get(platform) is wake:
                del self._wakes[platform]
            await asyncio.gather(*sending, return_exceptions=True)  # `finished` logs errors

    # --- sending here ---

    def _epoch(self, platform: str) -> int | None:
        return 0 if self._relay is None else self._holding(platform)

    async def _send_here(
        self,
        chat: ChatRef,
        kind: ChatKind,
        call: ReplyCall,
        give_up_at: float,
        holds: Callable[[], bool] = _always,
    ) -> Outcome | _Lost:
        """Send through this instance's pacer until sent or given up; _Lost if the lease goes
        (`holds` turns false) before a try."""
        replier = self._repliers[chat.platform]
        pacer = self._pacers.get(chat.platform)
        while True:
            if pacer is None:
                if not holds():
                    return _Lost(chat)
                outcome = await _try(replier, chat, call)
            else:
                grant = await pacer.acquire(chat, kind, Lane.REPLY)
                try:
                    if not holds():
                        return _Lost(chat)
                    outcome = await _try(replier, chat, call)
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

    def _give_up(self, chat: ChatRef, outcome: Outcome, reason: str | None = None) -> Outcome:
        self.counts.failed[reason or _reason(outcome)] += 1
        log.warning("could not answer in %s: %s", chat, outcome)
        return outcome

    # --- relayed: asking ---

    async def _relayed(
        self, chat: ChatRef, kind: ChatKind, call: ReplyCall, give_up_at: float
    ) -> Outcome:
        """Hand the reply to the lease's holder and wait for what it came to."""
        assert self._relay is not None, "only a relay makes a reply not this instance's to send"
        try:
            row = await self._relay.ask(chat, kind, call, give_up_at - self._monotonic())
        except Exception:
            # Lost otherwise: out of this instance's pace rather than not at all.
            log.warning("could not relay a reply in %s: sending it from here", chat, exc_info=True)
            sent = await self._send_here(chat, kind, call, give_up_at)
            assert not isinstance(sent, _Lost), "sending from here does not hang on a lease"
            return sent
        heard = self._heard[row] = asyncio.Event()
        try:
            return await self._answer_to(row, heard, chat, give_up_at)
        finally:
            del self._heard[row]
            with contextlib.suppress(Exception):  # if not now, the holder's purge deletes it
                await self._relay.forget(row)

    async def _answer_to(
        self, row: int, heard: asyncio.Event, chat: ChatRef, give_up_at: float
    ) -> Outcome:
        assert self._relay is not None
        while True:
            heard.clear()  # before looking: an answer from here on wakes the wait below
            try:
                outcome = await self._relay.outcome(row)
                if outcome is None and self._monotonic() >= give_up_at:
                    expired = _not_sent()
                    if await self._relay.expire(row, expired):  # no holder ever claimed it
                        return self._give_up(chat, expired, expired.reason)
            except Exception:
                log.warning("could not look for a relayed reply's outcome", exc_info=True)
                outcome = None
            if outcome is not None:
                return outcome
            now = self._monotonic()
            if now >= give_up_at + SENDING_GRACE:
                log.warning("no outcome for the reply relayed in %s: stopped waiting", chat)
                return Transient("no outcome from the sender's holder")
            # Its time running out is looked at as it comes (a moment after, by the database's
            # clock, which started it a moment after this one).
            wait = POLL if now >= give_up_at else min(POLL, give_up_at - now + 0.05)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(heard.wait(), wait)

    # --- relayed: sending for others ---

    async def _claim(self, platform: str, epoch: int, room: int) -> list[Relayed]:
        assert self._relay is not None
        if room <= 0:
            return []
        try:
            return await self._relay.claim(platform, epoch, room)
        except Exception:
            log.warning("%s: could not claim relayed replies", platform, exc_info=True)
            return []

    async def _send_relayed(self, row: Relayed, epoch: int, holds: Callable[[], bool]) -> None:
        if row.seconds_left <= 0:  # its time ran out waiting for a holder, or with a dead one
            expired = _not_sent()
            outcome = self._give_up(row.chat, expired, expired.reason)
        else:
            give_up_at = self._monotonic() + row.seconds_left
            sent = await self._send_here(row.chat, row.chat_kind, row.call, give_up_at, holds)
            if isinstance(sent, _Lost):
                return  # still claimed under this epoch: the next holder sends it
            outcome = sent
        await self._answer(row, epoch, outcome, holds)

    async def _answer(
        self, row: Relayed, epoch: int, outcome: Outcome, holds: Callable[[], bool]
    ) -> None:
        """Record the outcome, trying again while the store fails and the lease is held: the
        reply went, and sending it again is what recording it spares."""
        assert self._relay is not None
        pause, until = ANSWER_RETRY_FIRST, self._monotonic() + GIVE_UP_AFTER
        while True:
            try:
                if not await self._relay.answer(row.id, epoch, outcome):
                    log.info("the reply relayed in %s was taken over meanwhile", row.chat)
                return
            except Exception:
                if not holds() or self._monotonic() >= until:
                    log.warning("could not record a relayed reply's outcome", exc_info=True)
                    return
                await asyncio.sleep(pause)
                pause *= 2

    async def _purge(self) -> None:
        assert self._relay is not None
        try:
            await self._relay.purge()
        except Exception:
            log.warning("could not delete the relayed replies answered long ago", exc_info=True)


async def _try(replier: Replier, chat: ChatRef, call: ReplyCall) -> Outcome:
    try:
        return await replier.reply(chat, call)
    except Exception as error:  # a replier must not raise; if one does, the reply still ends
        log.exception("%s replier raised instead of reporting an outcome", chat.platform)
        return Transient(f"replier error: {type(error).__name__}")


def _not_sent() -> Transient:
    """A relayed reply whose time ran out before any holder sent it (none held the lease, or
    the one that claimed it died): counted under this reason."""
    return Transient(f"not sent within {GIVE_UP_AFTER:g} s")


def _reason(outcome: Outcome) -> str:
    """What a failed reply is counted under: the kind of outcome, not its varying detail."""
    match outcome:
        case RetryAfter():
            return f"rate limited past {GIVE_UP_AFTER:g} s"
        case ChatGone():
            return "chat gone"
        case _:
            return "error"
