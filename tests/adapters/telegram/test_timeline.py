"""/timeline on Telegram: a photo (sendPhoto, uploaded as multipart) with a short caption, in the
reader's language, paced as any reply; in words when the query finds nothing to draw; a
candidate's button answers with the photo."""

from __future__ import annotations

import asyncio

from bot.core.models import Lang
from bot.core.picture import draw
from bot.core.ports import ChatRef, Format, Transient
from bot.core.text.fitting import whosaid_message
from bot.core.text.render import render
from bot.core.text.timeline import Timeline, caption_document, timeline_of
from tests.adapters.telegram.conftest import ANA, BUDI, GROUP, Running, StartBot, calls
from tests.pngs import read_png
from tests.standins.telegram import SentMessage, TelegramStandIn


def caption(bot: Running, query: str, lang: Lang) -> str:
    found = timeline_of(bot.runtime.services.library.edition.index, query, lang)
    assert isinstance(found, Timeline)
    return render(caption_document(found, query), Format.TELEGRAM)


def a_photo(sent: SentMessage, lang: Lang) -> None:
    """A valid PNG that Telegram took as a photo, of the phone's width, named for its language."""
    assert sent.photo is not None
    assert sent.photo.filename == f"ringkas-timeline-{lang}.png"
    assert read_png(sent.photo.data).width == draw.WIDTH
    assert sent.parse_mode == "HTML"


async def test_timeline_sends_a_photo_with_its_caption(
    api: TelegramStandIn, start_bot: StartBot
) -> None:
    bot = await start_bot()

    [sent] = await bot.say(ANA.id, "/timeline", user=ANA)

    a_photo(sent, "en")
    assert sent.text == caption(bot, "", "en")
    [call] = calls(api, "sendPhoto", ANA.id)
    assert set(call.params) >= {"chat_id", "photo", "caption", "parse_mode"}
    message = api.message(ANA.id, sent.message_id)
    assert message["caption"].startswith("Israel–Hamas negotiations: who said what")
    assert message["photo"][0]["width"] == draw.WIDTH


async def test_timeline_of_a_person_in_the_users_language_in_a_group(
    api: TelegramStandIn, start_bot: StartBot
) -> None:
    bot = await start_bot()

    [sent] = await bot.say(GROUP, "/timeline trump", user=BUDI)

    a_photo(sent, "id")
    assert sent.photo is not None
    assert read_png(sent.photo.data).texts["Title"].startswith("Negosiasi Israel–Hamas")
    assert sent.text == caption(bot, "trump", "id")


async def test_timeline_finding_no_one_answers_in_words_as_whosaid(
    api: TelegramStandIn, start_bot: StartBot
) -> None:
    bot = await start_bot()

    [sent] = await bot.say(ANA.id, "/timeline zzqx", user=ANA)

    index = bot.runtime.services.library.edition.index
    assert sent.photo is None
    assert sent.text == whosaid_message(index, "zzqx", "en", Format.TELEGRAM)[1]
    assert calls(api, "sendPhoto") == []


async def test_a_candidates_button_answers_with_the_photo(
    api: TelegramStandIn, start_bot: StartBot
) -> None:
    bot = await start_bot()
    [question] = await bot.say(ANA.id, "/timeline minister", user=ANA)
    assert question.reply_markup is not None
    [first] = question.reply_markup["inline_keyboard"][0]
    assert first["callback_data"] == "/timeline benjamin-netanyahu"

    api.feed_callback(ANA, question, first["callback_data"])
    sent = await api.wait_for(lambda: [m for m in api.sent_to(ANA.id) if m.photo])

    a_photo(sent[0], "en")
    assert "Benjamin Netanyahu" in sent[0].text
    # The question stays, its buttons gone: a photo cannot take a text message's place.
    assert [e.method for e in api.edits] == ["editMessageReplyMarkup"]


async def test_a_photo_refused_for_flood_control_is_sent_once_the_wait_is_over(
    api: TelegramStandIn, start_bot: StartBot
) -> None:
    bot = await start_bot()
    api.fail_next("sendPhoto", status=429, retry_after=1, chat_id=ANA.id)
    started = asyncio.get_running_loop().time()

    [sent] = await bot.say(ANA.id, "/timeline rubio", user=ANA)

    a_photo(sent, "en")
    assert asyncio.get_running_loop().time() - started >= 1.0
    assert [c.status for c in calls(api, "sendPhoto", ANA.id)] == [429, 200]
    assert bot.runtime.services.replies.counts.retried == 1


async def test_the_standin_refuses_what_telegram_refuses_of_a_photo(
    api: TelegramStandIn, start_bot: StartBot
) -> None:
    bot = await start_bot()
    sender = bot.adapter.sender
    chat = ChatRef("telegram", str(ANA.id))
    api.feed_message(ANA.id, "/start", user=ANA)  # the private chat exists once Ana writes
    await api.wait_for(lambda: api.sent_to(ANA.id))
    tall = bytearray(draw.png(_rubio(bot)))
    tall[20:24] = (20_000).to_bytes(4, "big")  # the header now says 1080 × 20,000

    not_an_image = await sender.post_photo(chat, b"GIF89a", "a.gif", "x")
    too_tall = await sender.post_photo(chat, bytes(tall), "t.png", "x")
    too_long = await sender.post_photo(chat, draw.png(_rubio(bot)), "t.png", "x" * 1025)

    # (python-telegram-bot capitalises the first letter of Telegram's words.)
    assert not_an_image == Transient("BadRequest: Image_process_failed")
    assert too_tall == Transient("BadRequest: Photo_invalid_dimensions")
    assert too_long == Transient("BadRequest: Message caption is too long")


def _rubio(bot: Running) -> Timeline:
    found = timeline_of(bot.runtime.services.library.edition.index, "rubio", "en")
    assert isinstance(found, Timeline)
    return found
