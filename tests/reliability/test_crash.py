"""`ringkas run` killed with SIGKILL 20 times in the middle of a push to a few hundred chats (and,
in a second test, 8 times during start-up), and started again each time on the same store: every
chat gets the push, the outbox ends with nothing pending or sending, and each kill repeats at most
`delivery.in_flight` sends, as the README's "Delivery without loss or duplicates" promises.

Telegram has no idempotency, so the repeats are shown. Discord's sends carry the delivery's own
nonce with `enforce_nonce`, so a repeat reaches Discord but is answered with the earlier message:
the chat shows it once. The scenario itself is in `crash.py`, shared with
`benchmarks/bench_crash.py`."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

from tests.reliability.crash import (
    IN_FLIGHT,
    PLATFORMS,
    Crashes,
    crash_and_restart,
    side_for,
)

log = logging.getLogger(__name__)

CHATS = 300
KILLS = 20
SEED = 6  # issue #6: any seed must pass; this one is what a failure report would quote


@pytest.mark.parametrize("platform", PLATFORMS)
async def test_twenty_kills_mid_push_lose_nothing_and_repeat_at_most_the_window(
    platform: str, tmp_path: Path
) -> None:
    async with side_for(platform, CHATS) as side:
        crashes = await crash_and_restart(side, tmp_path, chats=CHATS, kills=KILLS, seed=SEED)
    describe(crashes)

    check_the_promise(crashes)
    # The kills landed mid-send throughout the broadcast: each came after a send of its own
    # life, and that send, just handed to the platform, was never recorded, so each kill caused
    # at least one repeat; and the last run still had first sends of its own to make.
    by_life = crashes.duplicates_by_life
    assert all(caused >= 1 for caused in by_life[:KILLS]), by_life
    assert crashes.first_sends_by_life[KILLS] > 0


START_UP_KILLS = 8
# Kills up to this long after each start: past the start-up on a quiet machine, so some land
# among the first sends, and within it on a busy one. With SEED the first comes at once.
START_UP_WITHIN = 3.0


@pytest.mark.parametrize("platform", PLATFORMS)
async def test_kills_during_start_up_lose_nothing_and_repeat_at_most_the_window(
    platform: str, tmp_path: Path
) -> None:
    """Killed while the interpreter starts, the store opens (the sending lock, the recovery of
    rows left sending), the platform logs in, or at the first send: the next start carries on."""
    async with side_for(platform, CHATS) as side:
        crashes = await crash_and_restart(
            side,
            tmp_path,
            chats=CHATS,
            kills=START_UP_KILLS,
            seed=SEED,
            start_up_within=START_UP_WITHIN,
        )
    describe(crashes)

    check_the_promise(crashes)
    assert any(life.first_send is None for life in crashes.lives[:START_UP_KILLS])


def check_the_promise(crashes: Crashes) -> None:
    """What "Delivery without loss or duplicates" promises, however the kills came."""
    kills = crashes.kills
    # Killed `kills` times, then stopped cleanly.
    assert [life.exit_code for life in crashes.lives] == [-9] * kills + [0]
    # Nothing lost: every chat shows the push, and the outbox is settled (no row left pending or
    # sending, none failed).
    assert crashes.lost == 0 and crashes.delivered == CHATS
    assert crashes.outbox == {"delivered": CHATS}

    # A kill repeats at most the rows in flight, per kill and in all; and the mechanism behind
    # it: never more than `in_flight` rows marked sending at once.
    by_life = crashes.duplicates_by_life
    assert max(by_life) <= IN_FLIGHT, by_life
    assert crashes.duplicate_sends <= kills * IN_FLIGHT
    assert 0 < crashes.most_sending <= IN_FLIGHT

    # What the chats show twice: every repeated send is either shown or absorbed.
    assert crashes.shown_duplicates + crashes.absorbed_repeats == crashes.duplicate_sends
    if crashes.platform == "telegram":
        assert crashes.absorbed_repeats == 0  # no idempotency: every repeat is shown
    else:
        # The restarted program resends a row with its first send's nonce (the delivery's own
        # key, "d<row id>"), and Discord answers with the message it already made: none shown.
        assert crashes.shown_duplicates == 0


def describe(crashes: Crashes) -> None:
    """The figures, in the log (pytest shows them with a failure, or with `-o log_cli=true`)."""
    starts = crashes.restart_to_first_send
    log.info(
        "%s: %d kills, %d duplicate sends (by life %s), %d shown twice, at most %d sending,"
        " %.1f s in all; start to first send: mean %.2f s, max %.2f s",
        crashes.platform,
        crashes.kills,
        crashes.duplicate_sends,
        crashes.duplicates_by_life,
        crashes.shown_duplicates,
        crashes.most_sending,
        crashes.wall_s,
        sum(starts) / len(starts),
        max(starts),
    )
