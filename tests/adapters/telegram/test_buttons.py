"""Inline buttons: an ambiguous /whosaid offers the people it could mean, a press answers the
callback query and shows the chosen person's statements, and a button the bot no longer knows
says so."""

from __future__ import annotations

from bot.adapters.telegram.buttons import CALLBACK_DATA_LIMIT
from bot.core.buttons import KEY_PREFIX
from bot.core.models import Lang
from bot.core.ports import Format
from bot.core.text.fitting import whosaid_message
from bot.core.text.strings import say
from bot.core.text.whosaid import Ambiguous
from tests.adapters.telegram.conftest import (
    ANA,
    BUDI,
    GROUP,
    Running,
    StartBot,
    calls,
    press_a_person,
)
from tests.standins.telegram import TelegramStandIn

MINISTERS = ("benjamin-netanyahu", "bezalel-smotrich", "itamar-ben-gvir")


def whosaid(bot: Running, query: str, lang: Lang) -> str:
    _, message = whosaid_message(
        bot.runtime.services.library.edition.index, query, lang, Format.TELEGRAM
    )
    return message


async def test_an_ambiguous_whosaid_offers_a_button_per_person(start_bot: StartBot) -> None:
    bot = await start_bot()
    index = bot.runtime.services.library.edition.index
    assert isinstance(index.who_said("minister", 5), Ambiguous)  # in the shipped content

    [english] = await bot.say(ANA.id, "/whosaid minister", user=ANA)
    [indonesian] = await bot.say(BUDI.id, "/whosaid pejabat", user=BUDI)

    assert english.text == whosaid(bot, "minister", "en")
    assert english.reply_markup == {
        "inline_keyboard": [
            [{"text": "Benjamin Netanyahu", "callback_data": "/whosaid benjamin-netanyahu"}],
            [{"text": "Bezalel Smotrich", "callback_data": "/whosaid bezalel-smotrich"}],
            [{"text": "Itamar Ben-Gvir", "callback_data": "/whosaid itamar-ben-gvir"}],
        ]
    }
    assert indonesian.text == whosaid(bot, "pejabat", "id")
    assert [row[0]["text"] for row in indonesian.reply_markup["inline_keyboard"]] == [
        "Petinggi Mesir",
        "Petinggi Hamas",
        "Pejabat Israel",
    ]
    for message in (english, indonesian):
        for [button] in message.reply_markup["inline_keyboard"]:
            assert len(button["callback_data"].encode()) <= CALLBACK_DATA_LIMIT


async def test_pressing_a_person_shows_their_statements_in_place_of_the_question(
    api: TelegramStandIn, start_bot: StartBot
) -> None:
    bot, question, update = await press_a_person(api, start_bot)
    [edit] = await api.wait_for(lambda: api.edits)

    [answer] = api.callback_answers
    assert answer.callback_query_id == update["callback_query"]["id"]
    assert (answer.text, answer.show_alert) == (None, False)  # the spinner stops, no alert
    assert (edit.method, edit.chat_id, edit.message_id) == (
        "editMessageText",
        ANA.id,
        question.message_id,
    )
    assert edit.text == whosaid(bot, "bezalel-smotrich", "en")
    assert edit.text.startswith("<b>Who said what: Bezalel Smotrich, Finance Minister of Israel")
    assert edit.parse_mode == "HTML"
    shown = api.message(ANA.id, question.message_id)
    assert "reply_markup" not in shown  # the choice is made: the buttons are gone
    assert api.sent_to(ANA.id) == [question]  # edited, not answered anew


async def test_anyone_in_a_group_may_press_without_an_admin_check(
    api: TelegramStandIn, start_bot: StartBot
) -> None:
    bot = await start_bot()
    [question] = await bot.say(GROUP, "/whosaid minister", user=ANA)

    api.feed_callback(BUDI, question, "/whosaid itamar-ben-gvir")
    [edit] = await api.wait_for(lambda: api.edits)

    # Budi pressed: the answer is in his language, the group having chosen none.
    assert edit.text == whosaid(bot, "itamar-ben-gvir", "id")
    assert calls(api, "getChatMember") == []
    assert len(api.callback_answers) == 1


async def test_a_button_the_bot_no_longer_knows_says_it_has_expired(
    api: TelegramStandIn, start_bot: StartBot
) -> None:
    bot = await start_bot()
    [question] = await bot.say(BUDI.id, "/whosaid minister", user=BUDI)

    api.feed_callback(BUDI, question, KEY_PREFIX + "deadbeef" * 3)  # a key the store never had
    api.feed_callback(ANA, question, "page:2")  # not a command at all
    await api.wait_for(lambda: len(api.callback_answers) == 2)

    by_user = {a.text: a.show_alert for a in api.callback_answers}
    assert by_user == {say("id", "button_expired"): True, say("en", "button_expired"): True}
    assert api.edits == []
    assert api.sent_to(BUDI.id) == [question]
    assert api.message(BUDI.id, question.message_id)["reply_markup"] == question.reply_markup
