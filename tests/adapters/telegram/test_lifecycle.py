"""Starting and stopping the adapter with the runtime: a refused token stops start-up at once,
worded for the operator; a stop asked for during start-up is honoured."""

from __future__ import annotations

import asyncio
import contextlib
from pathlib import Path

import pytest

from bot.adapters import AdapterError
from bot.adapters.telegram import TelegramAdapter
from bot.app import open_runtime, serve
from bot.core.ports import SystemClock
from tests.adapters.telegram.conftest import TOKEN, settings_for
from tests.standins.telegram import TelegramStandIn


async def test_a_refused_token_stops_start_up_naming_its_variable_not_the_token(
    api: TelegramStandIn, tmp_path: Path
) -> None:
    settings = settings_for(api, tmp_path)
    adapter = TelegramAdapter(settings.telegram, "4242:wrong-secret", settings.language)

    with pytest.raises(AdapterError) as refused:
        async with open_runtime(settings, SystemClock(), [adapter.sender]) as runtime:
            await serve(runtime, [adapter], asyncio.Event())

    assert str(refused.value) == (
        "telegram: the Bot API refused the token in $RINGKAS_TELEGRAM_TOKEN; "
        "check it with @BotFather"
    )
    assert [(c.method, c.status) for c in api.calls] == [("getMe", 401)]  # not retried


async def test_a_stop_during_start_up_is_honoured_while_telegram_is_unreachable(
    api: TelegramStandIn, tmp_path: Path
) -> None:
    settings = settings_for(api, tmp_path)
    adapter = TelegramAdapter(settings.telegram, TOKEN, settings.language)
    done = asyncio.Event()
    api.stop_network()  # every call fails: getMe is retried

    async def run() -> None:
        async with open_runtime(settings, SystemClock(), [adapter.sender]) as runtime:
            await serve(runtime, [adapter], done)

    task = asyncio.create_task(run())
    try:
        await asyncio.sleep(0.3)
        done.set()  # what SIGTERM does
        await asyncio.wait_for(asyncio.shield(task), 1.5)
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError, AdapterError):
            await task
