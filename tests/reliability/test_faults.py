"""A broadcast under injected faults (`faults.py`): 5% of sends answer 500, 5% time out, 2% answer
429, a handful of chats are gone and, on Telegram, a handful of groups migrate.
Whatever happens on the way, every chat that can be reached has the digest exactly once (except
where Telegram cannot tell a timed-out send went through), every gone chat is paused with its
reason, every migrated group is followed to its new id, and the outbox ends with nothing
pending or sending. The last test has another process lock the store mid-broadcast.
"""

from __future__ import annotations

import math
from pathlib import Path

from bot.core.subscription import State
from tests.reliability import faults
from tests.reliability.faults import FaultReport, LockWindow, sends_between

# The 2,000 chats, as the benchmark (`python -m benchmarks.bench_faults`) runs them: about
# 3.5 ms of CPU per chat in this one process (PTB, the stand-in and the store together), with
# some 110 timeouts, 140 500s and 35 429s in every run.
CHATS = 2_000


def assert_faults_were_injected(report: FaultReport) -> None:
    """The stand-in did inject every kind of fault, at about the planned rates: a run that met
    none would prove nothing."""
    requests = report.send_requests
    for kind, share in (("500", faults.P500), ("timeout", faults.P_TIMEOUT), ("429", faults.P429)):
        assert report.faults.get(kind, 0) >= share * requests / 2, (kind, report.faults, requests)
    assert requests > report.chats, "the faults made no request go out again"


def assert_reached_once_each(report: FaultReport) -> None:
    """Every reachable chat (a migrated group at its new id) got one copy; nothing went to a
    gone chat, or to a migrated group's old id."""
    reachable = report.plan.reachable
    not_once = {chat: report.copies[chat] for chat in reachable if report.copies[chat] != 1}
    assert not_once == {}, f"chats that did not get the digest exactly once: {not_once}"
    assert set(report.copies) <= reachable, set(report.copies) - reachable
    assert report.exactly_once == len(reachable) and report.duplicates == 0


def assert_gone_chats_paused(report: FaultReport) -> None:
    """The gone chats, and only they, are paused, each with the platform's reason."""
    assert set(report.paused) == set(report.plan.gone)
    for chat, reason in report.plan.gone.items():
        assert reason in report.paused[chat], (chat, report.paused[chat])
    active = {chat for chat, state in report.states.items() if state is State.ACTIVE}
    assert active == report.plan.reachable


def assert_migrated_groups_followed(report: FaultReport) -> None:
    """Each migrated group's subscription now has the supergroup's id (none keeps the old
    one), and the digest reached the supergroup, never the old id (how many times: see
    `assert_reached_once_each`, or the late-timeout test)."""
    assert report.moved == len(report.plan.migrated)
    for old, new in report.plan.migrated.items():
        assert old not in report.states, f"the subscription stayed at {old}"
        assert report.states.get(new) is State.ACTIVE, f"no active subscription at {new}"
        assert report.copies[new] >= 1 and report.copies[old] == 0


def assert_outbox_settled(report: FaultReport) -> None:
    """Nothing left pending or sending, nothing given up: every reachable chat's row is
    delivered (the gone chats' rows are not: their subscriptions are paused instead)."""
    assert report.stuck == 0
    assert report.failed == 0
    assert report.delivered == len(report.plan.reachable)


async def test_telegram_faults_timeouts_not_carried_out_reach_every_chat_once(
    tmp_path: Path,
) -> None:
    report = await faults.telegram_broadcast(tmp_path, deliver_late=False, chats=CHATS)

    assert_faults_were_injected(report)
    assert report.retried >= report.faults["500"] + report.faults["timeout"]
    assert_reached_once_each(report)
    assert_gone_chats_paused(report)
    assert_migrated_groups_followed(report)
    assert_outbox_settled(report)


async def test_telegram_timeouts_carried_out_late_repeat_exactly_those_sends(
    tmp_path: Path,
) -> None:
    """Telegram has no idempotency key: a send that timed out on the client but was carried
    out comes again when retried. The copies beyond the first are exactly those sends, no more:
    nothing else is repeated, and nothing is lost."""
    report = await faults.telegram_broadcast(tmp_path, deliver_late=True, chats=CHATS)

    assert_faults_were_injected(report)
    assert report.carried_out_late > 0
    assert report.duplicates == report.carried_out_late
    reachable = report.plan.reachable
    assert all(report.copies[chat] >= 1 for chat in reachable)
    assert set(report.copies) <= reachable
    repeated = sum(1 for chat in reachable if report.copies[chat] > 1)
    assert report.exactly_once == len(reachable) - repeated
    assert_gone_chats_paused(report)
    assert_migrated_groups_followed(report)
    assert_outbox_settled(report)


async def test_discord_faults_reach_every_channel_once_thanks_to_the_nonce(
    tmp_path: Path,
) -> None:
    """A hung send that Discord carried out and answered 504 is retried with the same nonce and
    answered with the message already sent: not one channel sees the digest twice."""
    report = await faults.discord_broadcast(tmp_path, chats=CHATS)

    assert_faults_were_injected(report)
    assert report.carried_out_late > 0
    # Each late one was followed by a retry that Discord matched to the message by its nonce.
    assert report.nonce_replays >= report.carried_out_late
    assert_reached_once_each(report)
    assert_gone_chats_paused(report)
    assert_outbox_settled(report)


LOCK_SECONDS = 3.0
# The sends claimed before the lock go out at once (their requests take at most the read
# timeout); a second after the lock came, nothing can be going out any more.
SETTLED_AFTER = 1.0


async def test_telegram_broadcast_waits_out_another_process_locking_the_store(
    tmp_path: Path,
) -> None:
    """Another OS process takes an exclusive lock on the SQLite file mid-broadcast and holds it
    3 s. The dispatcher cannot record outcomes or claim rows meanwhile, so it sends at most the
    rows it had claimed, waits (the store's busy timeout is 15 s), and carries on once the lock
    is released: the broadcast completes, nothing lost, nothing sent twice."""
    window = LockWindow()
    hold = faults.hold_store_lock(window, LOCK_SECONDS, after_sends=CHATS // 4)
    report = await faults.telegram_broadcast(tmp_path, deliver_late=False, chats=CHATS, during=hold)

    assert window.exit_code == 0
    assert window.released_at - window.locked_at >= LOCK_SECONDS
    assert sends_between(report, 0.0, window.locked_at) >= CHATS // 4
    claimed_before = sends_between(report, window.locked_at, window.released_at)
    assert claimed_before <= faults.IN_FLIGHT
    quiet = sends_between(report, window.locked_at + SETTLED_AFTER, window.released_at)
    assert quiet == 0, "sends went out while the store could not record them"
    assert sends_between(report, window.released_at, math.inf) > CHATS // 4
    assert report.elapsed_s >= LOCK_SECONDS
    assert_reached_once_each(report)
    assert_gone_chats_paused(report)
    assert_migrated_groups_followed(report)
    assert_outbox_settled(report)
