"""A restart in the middle of a push: a clean stop resends nothing, and a crash (SIGKILL of the
real program) resends at most the deliveries that were in flight, `delivery.in_flight` of them,
as the README allows. Either way every chat gets the push. And a stop while Telegram is out of
reach ends as soon as one with it in reach would."""

from __future__ import annotations

import asyncio
import datetime as dt
from collections import Counter
from collections.abc import Awaitable
from pathlib import Path

from bot.core.ports import ChatKind
from bot.core.store import Store
from bot.core.store.outbox import Progress
from bot.core.subscription import Plan
from bot.core.text.strings import say
from tests.adapters.telegram.conftest import (
    ADMIN,
    SEVEN,
    TOKEN,
    StartBot,
    calls,
    eventually,
    ref,
)
from tests.adapters.telegram.program import (
    DATABASE,
    environment,
    finish,
    start,
    telegram_config,
)
from tests.standins.telegram import SentMessage, TelegramStandIn

IN_FLIGHT = 5
CHATS = [9001 + n for n in range(30)]
TEXT = "Talks resume on Thursday"
ANNOUNCEMENT = f"<b>Announcement</b>\n\n{TEXT}"
SLOW = 0.1  # seconds Telegram takes for each send while the push goes out


async def subscribe_all(database: Path, chats: list[int] = CHATS) -> None:
    async with await Store.open(database) as store:
        for chat in chats:
            await store.subscriptions.subscribe(
                ref(chat),
                ChatKind.PRIVATE,
                Plan("en", SEVEN, False, "Asia/Jakarta"),
                "test",
                dt.datetime.now(dt.UTC),
            )


def received(api: TelegramStandIn) -> Counter[int]:
    """How many times each subscribed chat was sent the announcement."""
    return Counter(m.chat_id for m in api.sent if m.chat_id in CHATS and m.text == ANNOUNCEMENT)


async def press_send(api: TelegramStandIn) -> SentMessage:
    """The admin asks for the push and presses Send, while Telegram is slow; the question."""
    api.feed_message(ADMIN.id, f"/push {TEXT}", user=ADMIN)
    await api.wait_for(lambda: len(api.sent_to(ADMIN.id)) == 2, timeout=10)
    question = api.sent_to(ADMIN.id)[-1]
    assert question.reply_markup is not None
    [send], _ = question.reply_markup["inline_keyboard"]
    api.delay_next("sendMessage", SLOW, count=10 * len(CHATS))
    api.feed_callback(ADMIN, question, send["callback_data"])
    return question


async def test_a_stop_in_the_middle_of_a_push_resends_nothing(
    api: TelegramStandIn, start_bot: StartBot, tmp_path: Path
) -> None:
    api.auto_chats = True  # the 30 private chats have all started the bot
    await subscribe_all(tmp_path / DATABASE)
    bot = await start_bot(delivery={"in_flight": IN_FLIGHT})
    await press_send(api)
    await api.wait_for(lambda: sum(received(api).values()) >= 2 * IN_FLIGHT)

    await bot.stop()  # the sends under way finish and are recorded; nothing more is claimed
    before = received(api)
    assert 2 * IN_FLIGHT <= sum(before.values()) < len(CHATS)  # stopped mid-way

    again = await start_bot(delivery={"in_flight": IN_FLIGHT})
    await api.wait_for(lambda: len(received(api)) == len(CHATS), timeout=10)

    assert received(api) == dict.fromkeys(CHATS, 1)
    assert api.duplicates() == 0
    outbox = again.runtime.services.store.outbox
    progress = await eventually(lambda: _finished(outbox.progress(_push_key(api))))
    assert (progress.delivered, progress.total, progress.failed) == (30, 30, 0)


async def test_a_stop_while_telegram_is_out_of_reach_ends_at_once(
    api: TelegramStandIn, start_bot: StartBot
) -> None:
    """Polling's last call as it stops (confirming the fetched updates) fails once and is left,
    not retried until the network is back."""
    bot = await start_bot()
    api.stop_network("drop")
    await api.wait_for(lambda: bot.adapter.connection().detail.startswith("polling fails"))

    started = asyncio.get_running_loop().time()
    await asyncio.wait_for(bot.stop(), 10)

    assert asyncio.get_running_loop().time() - started < 2.0


async def test_a_crash_in_the_middle_of_a_push_resends_at_most_the_deliveries_in_flight(
    api: TelegramStandIn, start_bot: StartBot, tmp_path: Path
) -> None:
    api.auto_chats = True
    await subscribe_all(tmp_path / DATABASE)
    config = telegram_config(
        tmp_path, api, admins={"telegram": [ADMIN.id]}, delivery={"in_flight": IN_FLIGHT}
    )
    program = await start(
        tmp_path, "run", "--config", str(config), env=environment(RINGKAS_TELEGRAM_TOKEN=TOKEN)
    )
    try:
        await api.wait_for(lambda: calls(api, "getUpdates"), timeout=15)
        await press_send(api)
        await api.wait_for(lambda: sum(received(api).values()) >= 2 * IN_FLIGHT)
    finally:
        program.kill()  # SIGKILL: the sends in flight are never recorded as delivered
        crashed = await finish(program)
    assert crashed.code == -9
    await asyncio.sleep(2 * SLOW)  # what was in flight reaches Telegram all the same
    before = received(api)
    assert sum(before.values()) < len(CHATS)  # it crashed mid-way

    await start_bot(delivery={"in_flight": IN_FLIGHT})  # the same database
    await api.wait_for(lambda: len(received(api)) == len(CHATS), timeout=10)

    after = received(api)
    assert set(after) == set(CHATS) and set(after.values()) <= {1, 2}
    # Only rows caught sending can go out twice, and at most IN_FLIGHT are sending at a time.
    assert api.duplicates() <= IN_FLIGHT
    assert sum(after.values()) <= len(CHATS) + IN_FLIGHT
    assert all(after[chat] == 1 for chat in CHATS if chat not in before)  # never sent before


async def _finished(progress: Awaitable[Progress]) -> Progress | None:
    found = await progress
    return found if found.waiting == 0 else None


def _push_key(api: TelegramStandIn) -> str:
    """The outbox key of the push the admin was asked about, from its Send button."""
    question = api.sent_to(ADMIN.id)[-1]
    assert question.reply_markup is not None
    [send], _ = question.reply_markup["inline_keyboard"]
    return "push:" + send["callback_data"].removeprefix("/push confirm ")


async def test_after_a_restart_the_push_status_message_still_reaches_done(
    api: TelegramStandIn, start_bot: StartBot, tmp_path: Path
) -> None:
    api.auto_chats = True
    await subscribe_all(tmp_path / DATABASE, CHATS[:6])
    bot = await start_bot(delivery={"in_flight": 2})
    question = await press_send(api)
    await api.wait_for(lambda: sum(received(api).values()) >= 2)
    await bot.stop()

    await start_bot(delivery={"in_flight": 2})
    await api.wait_for(lambda: len(received(api)) == 6, timeout=10)

    push_id = _push_key(api).removeprefix("push:")
    done = say("id", "push_done", id=push_id, delivered=6, total=6, failed=0)
    shown = lambda: api.message(ADMIN.id, question.message_id)["text"]  # noqa: E731
    await api.wait_for(lambda: shown() == done, timeout=1.0)


async def test_a_push_status_already_done_is_left_alone_after_a_restart(
    api: TelegramStandIn, start_bot: StartBot, tmp_path: Path
) -> None:
    api.auto_chats = True
    await subscribe_all(tmp_path / DATABASE, CHATS[:3])
    bot = await start_bot()
    question = await press_send(api)
    push_id = _push_key(api).removeprefix("push:")
    done = say("id", "push_done", id=push_id, delivered=3, total=3, failed=0)
    await api.wait_for(lambda: api.message(ADMIN.id, question.message_id)["text"] == done)
    await bot.stop()
    edits = len(api.edits)

    await start_bot()
    await asyncio.sleep(0.6)  # three progress intervals of the restarted bot

    assert len(api.edits) == edits
