"""Updates the bot cannot use: logged and skipped, and the bot keeps answering everyone."""

from __future__ import annotations

import asyncio
import logging

import pytest

from bot.core.text.strings import say
from tests.adapters.telegram.conftest import ANA, BUDI, GROUP, StartBot, digest, press_a_person
from tests.standins.telegram import TelegramStandIn


async def test_an_update_with_garbage_fields_is_logged_and_skipped(
    api: TelegramStandIn, start_bot: StartBot, caplog: pytest.LogCaptureFixture
) -> None:
    bot = await start_bot()
    with caplog.at_level(logging.ERROR):
        # Still queued, so still changeable: a command whose text is a number, and fields no
        # version of the Bot API has.
        broken = api.feed_message(ANA.id, "/start", user=ANA)["message"]
        broken["text"] = 12345
        broken["garbage"] = {"nested": [1, "two", None]}
        odd = api.feed_message(GROUP, "/help", user=BUDI)["message"]
        odd["from"]["language_code"] = ["not", "a", "string"]

        [answer] = await bot.say(ANA.id, "/help", user=ANA)

    assert answer.text.startswith("<b>Commands</b>")
    assert [m.text for m in api.sent_to(ANA.id)] == [answer.text]  # the broken one: no answer
    skipped = [
        r for r in caplog.records if r.getMessage() == "telegram: could not handle an update"
    ]
    assert len(skipped) == 2 and all(r.exc_info for r in skipped)  # each with its traceback
    # Everyone is still served, the group where the odd one was sent too.
    [group] = await bot.say(GROUP, "/digest", user=BUDI)
    assert group.text == digest(bot, "id")
    assert api.sent_to(GROUP) == [group]


async def test_a_button_whose_message_telegram_leaves_out_is_answered_as_expired(
    api: TelegramStandIn, start_bot: StartBot
) -> None:
    _, _, update = await press_a_person(api, start_bot)
    # A button on an inline-mode message: the query carries an inline_message_id, no message.
    del update["callback_query"]["message"]
    update["callback_query"]["inline_message_id"] = "AAAAAQ"

    [answer] = await api.wait_for(lambda: api.callback_answers)

    assert (answer.text, answer.show_alert) == (say("en", "button_expired"), True)
    assert api.edits == []


async def test_a_button_under_a_deleted_message_is_answered_as_expired(
    api: TelegramStandIn, start_bot: StartBot
) -> None:
    _, _, update = await press_a_person(api, start_bot)
    # The question was deleted meanwhile: Telegram sends an InaccessibleMessage.
    gone = {"chat": {"id": ANA.id, "type": "private", "first_name": "Ana"}, "message_id": 99}
    update["callback_query"]["message"] = {**gone, "date": 0}

    [answer] = await api.wait_for(lambda: api.callback_answers)
    await asyncio.sleep(0.1)

    told = answer.text == say("en", "button_expired") or len(api.sent_to(ANA.id)) > 1
    assert told, "the user is told nothing"


async def test_an_update_that_cannot_be_parsed_is_skipped_and_the_bot_keeps_answering(
    api: TelegramStandIn, start_bot: StartBot
) -> None:
    bot = await start_bot()
    garbage = api.feed_message(ANA.id, "/start", user=ANA)
    garbage["message"]["chat"] = "garbage"
    try:
        api.feed_message(BUDI.id, "/help", user=BUDI)
        await api.wait_for(lambda: api.sent_to(BUDI.id), timeout=1.0)
        await bot.say(ANA.id, "/help", user=ANA)
    finally:
        if garbage in api.updates:  # let the fixture stop the bot cleanly
            api.updates.remove(garbage)
