"""Three `ringkas run` processes on one PostgreSQL store: the sender is killed with SIGKILL in the
middle of a push, twice, and the service carries on (scenario: `instances.py`).

Slow (about a minute: the push goes at Telegram's 30 a second), and kept in the default run:
this is where several instances prove themselves."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from tests.adapters.telegram.conftest import TOKEN
from tests.core.store.conftest import POSTGRES
from tests.reliability.instances import (
    IN_FLIGHT,
    SCHEDULED,
    fresh_database,
    run_failover,
    summary,
)
from tests.standins.telegram import TelegramStandIn

CHATS = 600
KILLS = 2


@pytest.fixture
async def api() -> AsyncIterator[TelegramStandIn]:
    async with TelegramStandIn(TOKEN, max_poll_seconds=0.5, auto_chats=True) as standin:
        yield standin


async def test_killing_the_sender_twice_mid_push_loses_nothing_and_repeats_within_the_window(
    api: TelegramStandIn, tmp_path: Path
) -> None:
    if not POSTGRES:
        pytest.skip("several instances need PostgreSQL: set RINGKAS_TEST_POSTGRES")
    await fresh_database(POSTGRES)

    result = await run_failover(api, tmp_path, POSTGRES, chats=CHATS, kills=KILLS)

    figures = summary(result)
    assert len(result.sends) == CHATS, figures  # every chat got the push
    assert result.repeats <= IN_FLIGHT * KILLS, figures
    assert result.outbox == {"delivered": CHATS + SCHEDULED}, figures
    assert all(kill.next_send is not None for kill in result.kills), figures
    # Each command answered exactly once, whichever instance polled when it came.
    assert set(result.answers.values()) == {1}, figures
    # One planner: the due slots were queued once, by one instance.
    assert result.plans == [SCHEDULED], figures
    # The pacer of the new sender starts afresh beside what the dead one sent in its last
    # second: at most that window's worth of 429s.
    assert result.rejected_429 <= IN_FLIGHT * KILLS, figures
    assert result.conflicts == 0, figures  # never two pollers at once
