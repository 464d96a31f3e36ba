"""Replies under load, end to end: every command answered, in order, within the platform's
budget and ahead of a push going out at the limit; a 429 waited out, not a reply lost."""

from __future__ import annotations

import itertools
import time

from bot.core.ports import ChatKind
from tests.adapters.telegram.conftest import ANA, Running, StartBot, subscribe_directly
from tests.standins.telegram import TelegramStandIn

QUERIES = ("Guterres", "Trump", "Netanyahu", "Sisi", "Hamas")


async def test_five_commands_in_a_second_get_five_answers_in_order(
    api: TelegramStandIn, start_bot: StartBot
) -> None:
    await start_bot()
    api.limit(30.0)  # strict: one message a second to one chat, 429 above it
    for query in QUERIES:
        api.feed_message(ANA.id, f"/whosaid {query}", user=ANA)

    await api.wait_for(lambda: len(api.sent_to(ANA.id)) >= len(QUERIES), timeout=15)

    answers = api.sent_to(ANA.id)
    assert len(answers) == len(QUERIES)
    for query, answer in zip(QUERIES, answers, strict=True):
        assert query.casefold() in answer.text.casefold()
    assert all(b.at - a.at >= 0.95 for a, b in itertools.pairwise(answers))
    assert api.rejected_429 == 0


async def test_a_reply_that_meets_a_429_is_sent_once_the_wait_is_over(
    api: TelegramStandIn, start_bot: StartBot
) -> None:
    bot = await start_bot()
    api.fail_next("sendMessage", status=429, retry_after=1, chat_id=ANA.id)
    started = time.monotonic()

    [answer] = await bot.say(ANA.id, "/whosaid Guterres", user=ANA)

    assert answer.at - started >= 1.0
    assert "Guterres" in answer.text


async def subscribed_chats(bot: Running, count: int) -> list[int]:
    chats = [5_000_000 + n for n in range(count)]
    for chat in chats:
        bot.api.add_chat(chat, "private", first_name=f"Reader {chat}")
        await subscribe_directly(bot, chat, ChatKind.PRIVATE, "en")
    return chats


async def test_a_reply_during_a_push_at_the_limit_takes_the_next_slot(
    api: TelegramStandIn, start_bot: StartBot
) -> None:
    bot = await start_bot(telegram={"rate_limits": {"overall": {"count": 20, "seconds": 1}}})
    api.limit(20.0)
    chats = await subscribed_chats(bot, 60)  # three seconds of sending at 20 a second
    services = bot.runtime.services
    push = await services.propose_push("telegram:1", text_en="Hello", text_id="Halo")
    assert await services.confirm_push(push, "telegram:1") == len(chats)
    await api.wait_for(lambda: len(api.sent) >= 10)  # the push is under way

    asked = time.monotonic()
    api.feed_message(ANA.id, "/whosaid Guterres", user=ANA)
    await api.wait_for(lambda: bool(api.sent_to(ANA.id)))
    [answer] = api.sent_to(ANA.id)

    await api.wait_for(lambda: len([m for m in api.sent if m.chat_id in chats]) == len(chats))
    pushed = [m for m in api.sent if m.chat_id in chats]
    assert answer.at - asked < 0.5  # not behind the fifty sends still waiting
    assert sum(m.at > answer.at for m in pushed) >= 20
    assert api.rejected_429 == 0 and api.duplicates() == 0
