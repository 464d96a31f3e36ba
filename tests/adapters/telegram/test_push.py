"""/push as a bot admin sees it in Telegram: a preview, a question with Send and Cancel, then
one status message edited with the progress until done; and what the subscribed chats get:
the announcement, once each."""

from __future__ import annotations

import asyncio

from bot.core.ports import ChatKind, Format
from bot.core.store.records import PushState
from bot.core.text.strings import say
from tests.adapters.running import push_state
from tests.adapters.telegram.conftest import (
    ADMIN,
    ANA,
    BUDI,
    CHANNEL,
    FORUM,
    GROUP,
    Running,
    StartBot,
    subscribe_directly,
)
from tests.standins.telegram import SentMessage, TelegramStandIn

TEXT = "Talks resume on Thursday"
# Where the announcement goes: a private chat, a group, a channel and a forum topic.
SUBSCRIBED = {ANA.id: None, GROUP: None, CHANNEL: None, FORUM: 42}


async def subscribe_four_chats(bot: Running) -> None:
    bot.api.add_chat(ANA.id, "private", first_name=ANA.first_name)  # Ana has started the bot
    await subscribe_directly(bot, ANA.id, ChatKind.PRIVATE, "en")
    await subscribe_directly(bot, GROUP, ChatKind.GROUP, "id")
    await subscribe_directly(bot, CHANNEL, ChatKind.CHANNEL, "en")
    await subscribe_directly(bot, FORUM, ChatKind.GROUP, "id", thread=42)


def announcement(lang: str) -> str:
    heading = "Announcement" if lang == "en" else "Pengumuman"
    return f"<b>{heading}</b>\n\n{TEXT}"


def buttons(push_id: str, send: str, cancel: str) -> dict[str, object]:
    return {
        "inline_keyboard": [
            [{"text": send, "callback_data": f"/push confirm {push_id}"}],
            [{"text": cancel, "callback_data": f"/push cancel {push_id}"}],
        ]
    }


def received(api: TelegramStandIn) -> dict[int, list[SentMessage]]:
    """What each subscribed chat was sent."""
    return {chat: api.sent_to(chat) for chat in SUBSCRIBED}


async def propose(bot: Running, chat_id: int = ADMIN.id) -> tuple[SentMessage, str]:
    """The admin's /push: the question under the preview, and the push's id."""
    preview, question = await bot.say(chat_id, f"/push {TEXT}", user=ADMIN, expect=2)
    assert preview.text == announcement("id")  # the admin's app is in Indonesian
    assert preview.reply_markup is None
    assert question.reply_markup is not None
    data = question.reply_markup["inline_keyboard"][0][0]["callback_data"]
    return question, data.removeprefix("/push confirm ")


async def proposed_to_four_chats(start_bot: StartBot) -> tuple[Running, SentMessage, str]:
    """A bot serving four subscribed chats, and the admin's /push question with its id."""
    bot = await start_bot()
    await subscribe_four_chats(bot)
    question, push_id = await propose(bot)
    return bot, question, push_id


async def test_push_previews_then_sends_once_to_every_chat_with_progress(
    api: TelegramStandIn, start_bot: StartBot
) -> None:
    bot = await start_bot()
    await subscribe_four_chats(bot)

    question, push_id = await propose(bot)

    assert question.text == say("id", "push_preview", id=push_id, count=4)
    assert question.reply_markup == buttons(push_id, "Kirim", "Batal")
    assert all(not messages for messages in received(api).values())  # nothing before Send

    # One slow chat: progress shows (the status is edited at most once a second, as any send)
    api.delay_next("sendMessage", 1.6, chat_id=CHANNEL)
    api.feed_callback(ADMIN, question, f"/push confirm {push_id}")
    done = say("id", "push_done", id=push_id, delivered=4, total=4, failed=0)
    await api.wait_for(lambda: api.message(ADMIN.id, question.message_id)["text"] == done)

    # The question became the status message: "sending", then progress, then done.
    assert len(api.callback_answers) == 1 and api.callback_answers[0].text is None
    assert {(e.chat_id, e.message_id) for e in api.edits} == {(ADMIN.id, question.message_id)}
    sending, *progress, last = [e.text for e in api.edits]
    assert sending == say("id", "push_sending", id=push_id, count=4)
    assert last == done
    steps = [
        say("id", "push_progress", id=push_id, delivered=n, total=4, failed=0) for n in range(4)
    ]
    assert steps[3] in progress  # three delivered, the slow one still on its way
    assert progress == sorted(progress, key=steps.index)  # each step shown once, in order
    assert "reply_markup" not in api.message(ADMIN.id, question.message_id)
    assert len(api.sent_to(ADMIN.id)) == 2  # the preview and the question: no new messages
    # Each chat got the announcement once, in its language; an announcement keeps previews.
    for chat, messages in received(api).items():
        [message] = messages
        lang = "id" if chat in (GROUP, FORUM) else "en"
        assert message.text == announcement(lang)
        assert (message.message_thread_id, message.link_preview_options) == (SUBSCRIBED[chat], None)
    assert api.duplicates() == 0


async def test_pressing_send_again_sends_nothing_twice(
    api: TelegramStandIn, start_bot: StartBot
) -> None:
    bot, question, push_id = await proposed_to_four_chats(start_bot)

    # A double tap: two presses in flight at once, then a third on the stale message.
    api.feed_callback(ADMIN, question, f"/push confirm {push_id}")
    api.feed_callback(ADMIN, question, f"/push confirm {push_id}")
    await api.wait_for(lambda: all(received(api).values()))
    await api.wait_for(lambda: len(api.callback_answers) == 2)
    api.feed_callback(ADMIN, question, f"/push confirm {push_id}")
    await api.wait_for(lambda: len(api.callback_answers) == 3)
    await asyncio.sleep(0.3)  # a second sending would have begun by now

    assert {chat: len(messages) for chat, messages in received(api).items()} == dict.fromkeys(
        SUBSCRIBED, 1
    )
    assert api.duplicates() == 0
    already = say("id", "push_already_sent", id=push_id, when="\0").partition("\0")[0]
    assert any(e.text and e.text.startswith(already) for e in api.edits)
    assert await push_state(bot, push_id) is PushState.SENT


async def test_cancel_says_so_and_sends_nothing(api: TelegramStandIn, start_bot: StartBot) -> None:
    bot, question, push_id = await proposed_to_four_chats(start_bot)

    api.feed_callback(ADMIN, question, f"/push cancel {push_id}")
    [edit] = await api.wait_for(lambda: api.edits)

    assert edit.text == say("id", "push_cancelled", id=push_id)
    assert "reply_markup" not in api.message(ADMIN.id, question.message_id)
    # Send pressed afterwards, on a button from before, still sends nothing.
    api.feed_callback(ADMIN, question, f"/push confirm {push_id}")
    await api.wait_for(lambda: len(api.edits) == 2)
    assert api.edits[1].text == say("id", "push_was_cancelled", id=push_id)
    await asyncio.sleep(0.2)
    assert all(not messages for messages in received(api).values())
    assert await push_state(bot, push_id) is PushState.CANCELLED


async def test_a_non_admin_pressing_send_is_refused_and_nothing_is_sent(
    api: TelegramStandIn, start_bot: StartBot
) -> None:
    bot = await start_bot()
    await subscribe_four_chats(bot)
    question, push_id = await propose(bot, chat_id=GROUP)  # asked in a group Budi is in

    api.feed_callback(BUDI, question, f"/push confirm {push_id}")
    await api.wait_for(lambda: api.callback_answers)
    await asyncio.sleep(0.2)

    assert [m.text for m in api.sent_to(GROUP)] == [announcement("id"), question.text]
    assert all(not api.sent_to(chat) for chat in (ANA.id, CHANNEL, FORUM))
    assert await push_state(bot, push_id) is PushState.DRAFT
    shown = [api.callback_answers[0].text] + [e.text for e in api.edits]
    assert say("id", "not_bot_admin") in shown


async def test_a_non_admins_press_leaves_the_admins_question_and_buttons(
    api: TelegramStandIn, start_bot: StartBot
) -> None:
    bot = await start_bot()
    question, push_id = await propose(bot, chat_id=GROUP)

    api.feed_callback(BUDI, question, f"/push confirm {push_id}")
    [answer] = await api.wait_for(lambda: api.callback_answers)
    await asyncio.sleep(0.2)

    assert (answer.text, answer.show_alert) == (say("id", "not_bot_admin"), True)
    assert api.edits == []
    shown = api.message(GROUP, question.message_id)
    assert shown["reply_markup"] == buttons(push_id, "Kirim", "Batal")


async def test_a_bare_push_sends_the_digest_to_every_chat_in_its_language(
    api: TelegramStandIn, start_bot: StartBot
) -> None:
    bot = await start_bot()
    await subscribe_four_chats(bot)
    library = bot.runtime.services.library

    preview, question = await bot.say(ADMIN.id, "/push", user=ADMIN, expect=2)
    [[send], _] = question.reply_markup["inline_keyboard"]  # type: ignore[index]
    api.feed_callback(ADMIN, question, send["callback_data"])
    await api.wait_for(lambda: all(received(api).values()))

    assert preview.text == library.digest("id", Format.TELEGRAM)  # what /digest shows
    for chat, [message] in received(api).items():
        lang = "id" if chat in (GROUP, FORUM) else "en"
        assert message.text == library.digest(lang, Format.TELEGRAM)
        assert message.link_preview_options == {"is_disabled": True}


async def test_a_pushed_summary_goes_out_as_a_digest_without_previews(
    api: TelegramStandIn, start_bot: StartBot
) -> None:
    bot = await start_bot()
    await subscribe_four_chats(bot)
    library = bot.runtime.services.library
    summary = library.catalog.summaries[0].id

    preview, question = await bot.say(ADMIN.id, f"/push {summary}", user=ADMIN, expect=2)
    [[send], _] = question.reply_markup["inline_keyboard"]  # type: ignore[index]
    api.feed_callback(ADMIN, question, send["callback_data"])
    await api.wait_for(lambda: all(received(api).values()))

    assert preview.text == library.summary_digest(summary, "id", Format.TELEGRAM)
    for chat, [message] in received(api).items():
        lang = "id" if chat in (GROUP, FORUM) else "en"
        assert message.text == library.summary_digest(summary, lang, Format.TELEGRAM)
        assert message.link_preview_options == {"is_disabled": True}
