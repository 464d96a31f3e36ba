"""Three `ringkas run` processes on one PostgreSQL store: the sender is killed with SIGKILL in the
middle of a push, twice, and the service carries on (scenario: `instances.py`).

Slow (about a minute: the push goes at Telegram's 30 a second), and kept in the default run:
this is where several instances prove themselves."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from tests.adapters.telegram.conftest import TOKEN
from tests.core.store.conftest import POSTGRES, empty_schema
from tests.reliability.instances import (
    IN_FLIGHT,
    SCHEDULED,
    discord_stand_in,
    run_cut,
    run_failover,
    summary,
)
from tests.standins.discord import DiscordStandIn
from tests.standins.telegram import TelegramStandIn

CHATS = 600
CHANNELS = 300
KILLS = 2


@pytest.fixture
async def dc() -> AsyncIterator[DiscordStandIn]:
    async with discord_stand_in(CHANNELS) as standin:
        yield standin


@pytest.fixture
async def api() -> AsyncIterator[TelegramStandIn]:
    async with TelegramStandIn(TOKEN, max_poll_seconds=0.5, auto_chats=True) as standin:
        yield standin


async def test_killing_the_senders_and_a_shards_holder_mid_push_loses_nothing(
    api: TelegramStandIn, dc: DiscordStandIn, tmp_path: Path
) -> None:
    """The Telegram sender killed twice, then the holder of Discord's shard 0 (which may hold
    Discord's sender too)."""
    if not POSTGRES:
        pytest.skip("several instances need PostgreSQL: set RINGKAS_TEST_POSTGRES")
    await empty_schema(POSTGRES)

    result = await run_failover(
        api, tmp_path, POSTGRES, chats=CHATS, kills=KILLS, dc=dc, channels=CHANNELS
    )

    figures = summary(result)
    assert len(result.sends) == CHATS, figures  # every chat got the push
    assert result.repeats <= IN_FLIGHT * KILLS, figures
    assert result.outbox == {"delivered": CHATS + CHANNELS + SCHEDULED}, figures
    # Every channel shows the push once: a resend after the kill carried its nonce.
    assert len(result.discord_shown) == CHANNELS, figures
    assert set(result.discord_shown.values()) == {1}, figures
    assert result.discord_sends.total() - CHANNELS <= IN_FLIGHT, figures
    # The killed shard's servers are answered again, by another instance, within 10 s.
    assert result.shard_kill is not None and result.shard_kill.failover_s is not None
    assert result.shard_kill.failover_s <= 10.0, figures
    assert (dc.overlaps, dc.identifies_too_soon) == (0, 0), figures
    assert all(kill.next_send is not None for kill in result.kills), figures
    # Each command answered exactly once, whichever instance polled when it came.
    assert set(result.answers.values()) == {1}, figures
    # One planner: the due slots were queued once, by one instance.
    assert result.plans == [SCHEDULED], figures
    # The pacer of the new sender starts afresh beside what the dead one sent in its last
    # second: at most that window's worth of 429s.
    assert result.rejected_429 <= IN_FLIGHT * KILLS, figures
    assert result.conflicts == 0, figures  # never two pollers at once


async def test_the_sender_cut_off_from_the_database_is_taken_over_and_the_push_goes_on(
    api: TelegramStandIn, tmp_path: Path
) -> None:
    """A partition, not a death: every connection of the sender's instance stays open and
    carries nothing. It stops by itself (its beat times out); another instance ends its sessions
    once its lease has expired and takes over."""
    if not POSTGRES:
        pytest.skip("several instances need PostgreSQL: set RINGKAS_TEST_POSTGRES")
    await empty_schema(POSTGRES)

    result = await run_cut(api, tmp_path, POSTGRES, chats=CHATS)

    figures = {
        "failover_s": result.failover_s, "repeats": result.repeats,
        "rejected_429": result.rejected_429, "outbox": result.outbox,
    }  # fmt: skip
    assert result.outbox == {"delivered": CHATS + SCHEDULED}, figures  # run_cut checks each chat
    assert result.repeats <= IN_FLIGHT, figures
    assert result.rejected_429 <= IN_FLIGHT, figures
    assert result.failover_s is not None, figures
