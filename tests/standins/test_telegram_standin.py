"""The Telegram stand-in, driven by the real python-telegram-bot: what PTB sends is recorded as
sent, what the stand-in feeds PTB parses into the right objects, and every injected fault
reaches PTB as the exception the real Bot API's answer would raise."""

from __future__ import annotations

import asyncio
import datetime as dt
import time
from collections.abc import AsyncIterator

import pytest
from telegram import (
    Bot,
    BotCommand,
    BotCommandScopeAllGroupChats,
    BotCommandScopeChat,
    ChatMemberAdministrator,
    ChatMemberBanned,
    ChatMemberLeft,
    ChatMemberMember,
    ChatMemberOwner,
    ChatMemberRestricted,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    InlineQueryResultArticle,
    InputTextMessageContent,
    LinkPreviewOptions,
    MessageEntity,
    Update,
)
from telegram.constants import ParseMode
from telegram.error import (
    BadRequest,
    ChatMigrated,
    Conflict,
    EndPointNotFound,
    Forbidden,
    InvalidToken,
    NetworkError,
    RetryAfter,
    TelegramError,
    TimedOut,
)
from telegram.ext import Application, CommandHandler, ContextTypes
from telegram.request import HTTPXRequest
from telegram.warnings import PTBDeprecationWarning

from tests.standins.telegram import (
    BOT_ID,
    GROUP_ANONYMOUS_BOT,
    SentMessage,
    TelegramStandIn,
    User,
)

TOKEN = "123:ABC"
GROUP = -100111  # a forum supergroup
CHANNEL = -100222
OLD_GROUP = -333
ANA = User(501, "Ana", "ana", language_code="id")
KEYBOARD = InlineKeyboardMarkup([[InlineKeyboardButton("Next", callback_data="page:2")]])


@pytest.fixture
async def api() -> AsyncIterator[TelegramStandIn]:
    async with TelegramStandIn(TOKEN, max_poll_seconds=0.2) as standin:
        standin.add_chat(GROUP, "supergroup", "Berita", is_forum=True)
        standin.add_chat(CHANNEL, "channel", "Ringkas Harian", username="ringkas_harian")
        standin.add_chat(OLD_GROUP, "group", "Old group")
        standin.feed_message(ANA.id, "hi", user=ANA)  # Ana's private chat becomes known
        standin.feed_message(GROUP, "hello")
        standin.updates.clear()  # only the model matters here, not these two updates
        yield standin


@pytest.fixture
async def bot(api: TelegramStandIn, monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[Bot]:
    # RetryAfter reads its own deprecated int `retry_after` in __init__: without this the
    # warning (an error under this suite's filterwarnings) would replace the exception.
    monkeypatch.setenv("PTB_TIMEDELTA", "true")
    request = HTTPXRequest(read_timeout=0.5)
    async with Bot(TOKEN, base_url=api.base_url, request=request) as bot:
        yield bot


async def test_get_me_and_tokens(api: TelegramStandIn, bot: Bot) -> None:
    me = await bot.get_me()
    assert (me.id, me.username, me.is_bot) == (BOT_ID, "RingkasBot", True)
    assert api.base_file_url == f"http://127.0.0.1:{api.port}/file/bot"
    with pytest.raises(InvalidToken):
        async with Bot("999:WRONG", base_url=api.base_url):
            pass
    assert api.calls[-1].status == 401
    with pytest.raises(EndPointNotFound):
        await bot.do_api_request("noSuchMethod")
    assert (api.calls[-1].method, api.calls[-1].status) == ("noSuchMethod", 404)


async def test_send_message_is_recorded_exactly(api: TelegramStandIn, bot: Bot) -> None:
    text = '<b>Gencatan</b> &amp; <a href="https://example.org/a">sumber</a>'
    message = await bot.send_message(
        GROUP,
        text,
        parse_mode=ParseMode.HTML,
        message_thread_id=7,
        link_preview_options=LinkPreviewOptions(is_disabled=True),
        reply_markup=KEYBOARD,
    )
    keyboard = {"inline_keyboard": [[{"text": "Next", "callback_data": "page:2"}]]}
    [sent] = api.sent
    assert sent == SentMessage(
        GROUP, text, "HTML", 7, {"is_disabled": True}, keyboard, message.message_id, sent.at
    )
    assert api.sent_to(GROUP) == [sent] and api.sent_to(ANA.id) == []
    # The answer is a full Message: plain text with entities, as Telegram parses HTML.
    assert message.text == "Gencatan & sumber"
    assert [(e.type, e.offset, e.length) for e in message.entities] == [
        (MessageEntity.BOLD, 0, 8),
        (MessageEntity.TEXT_LINK, 11, 6),
    ]
    assert (message.chat.id, message.chat.is_forum, message.from_user.id) == (GROUP, True, BOT_ID)
    assert (message.message_thread_id, message.is_topic_message) == (7, True)
    assert message.reply_markup == KEYBOARD
    assert message.message_id == 2  # the fixture's "hello" was message 1 of this chat
    # Sent to a channel by its @username: from the channel, not the bot.
    post = await bot.send_message("@ringkas_harian", "plain")
    assert (post.sender_chat.id, post.from_user, api.sent[-1].chat_id) == (CHANNEL, None, CHANNEL)


async def test_what_telegram_refuses_to_send(api: TelegramStandIn, bot: Bot) -> None:
    with pytest.raises(BadRequest, match="Can't parse entities: can't find end tag"):
        await bot.send_message(GROUP, "<b>open", parse_mode=ParseMode.HTML)
    with pytest.raises(BadRequest, match='unsupported start tag "div"'):
        await bot.send_message(GROUP, "<div>x</div>", parse_mode=ParseMode.HTML)
    with pytest.raises(BadRequest, match="Message is too long"):
        await bot.send_message(GROUP, "<b>x</b>" * 4097, parse_mode=ParseMode.HTML)
    await bot.send_message(GROUP, "<b>x</b>" * 4096, parse_mode=ParseMode.HTML)  # tags are free
    bad_button = InlineKeyboardMarkup([[InlineKeyboardButton("x", callback_data="x" * 65)]])
    with pytest.raises(BadRequest, match="Button_data_invalid"):
        await bot.send_message(GROUP, "x", reply_markup=bad_button)
    assert len(api.sent) == 1


async def test_updates_are_parsed_into_the_right_objects(api: TelegramStandIn, bot: Bot) -> None:
    api.feed_message(GROUP, "/digest@RingkasBot id", user=ANA, thread_id=7)
    api.feed_message(GROUP, "/subscribe", sender_chat_id=GROUP)
    api.feed_channel_post(CHANNEL, "a post")
    sent = await bot.send_message(ANA.id, "pick", reply_markup=KEYBOARD)
    api.feed_callback(ANA, api.sent[-1], "page:2")
    api.feed_my_chat_member(OLD_GROUP, "left", "administrator")
    command, anonymous, post, callback, member = await bot.get_updates(timeout=1)

    assert command.message.text == "/digest@RingkasBot id"
    assert command.message.entities == (MessageEntity(MessageEntity.BOT_COMMAND, 0, 18),)
    assert command.message.from_user.language_code == "id"
    assert (command.message.message_thread_id, command.message.is_topic_message) == (7, True)
    assert command.effective_chat.type == "supergroup"
    assert anonymous.message.sender_chat.id == GROUP
    assert anonymous.message.from_user.id == GROUP_ANONYMOUS_BOT
    assert post.channel_post.sender_chat.id == CHANNEL and post.channel_post.from_user is None
    assert post.effective_chat.type == "channel"
    query = callback.callback_query
    assert (query.data, query.from_user.id, query.message.message_id) == (
        "page:2",
        ANA.id,
        sent.message_id,
    )
    assert query.message.reply_markup == KEYBOARD and query.chat_instance
    assert isinstance(member.my_chat_member.new_chat_member, ChatMemberAdministrator)
    assert member.my_chat_member.old_chat_member.status == "left"
    assert [u.update_id for u in (command, anonymous, post, callback, member)] == sorted(
        u.update_id for u in (command, anonymous, post, callback, member)
    )
    # Confirmed by the offset: gone for good.
    assert await bot.get_updates(offset=member.update_id + 1) == ()


async def test_long_polling(api: TelegramStandIn, bot: Bot) -> None:
    started = time.monotonic()
    assert await bot.get_updates(timeout=10) == ()  # capped by max_poll_seconds (0.2)
    assert 0.15 < time.monotonic() - started < 1.0

    api.max_poll_seconds = 5.0
    poll = asyncio.create_task(bot.get_updates(timeout=10))
    await asyncio.sleep(0.05)
    started = time.monotonic()
    update = api.feed_message(ANA.id, "/start", user=ANA)
    [got] = await poll
    assert time.monotonic() - started < 1.0  # answered as soon as the update was queued
    assert got == Update.de_json(update, bot)

    # allowed_updates sticks for later polls; updates of other types are dropped.
    api.feed_callback(ANA, api.message(ANA.id, got.message.message_id), "x")
    api.feed_message(ANA.id, "/help", user=ANA)
    [only] = await bot.get_updates(offset=got.update_id + 1, allowed_updates=["message"])
    assert only.message.text == "/help"
    api.feed_channel_post(CHANNEL, "dropped")
    assert await bot.get_updates(offset=only.update_id + 1) == ()


async def test_two_pollers_conflict_and_webhook(api: TelegramStandIn, bot: Bot) -> None:
    # Two instances of the bot polling at once (one Bot polls over a single connection).
    first = asyncio.create_task(bot.get_updates(timeout=10))
    await asyncio.sleep(0.05)
    async with Bot(TOKEN, base_url=api.base_url) as other:
        await other.get_updates(timeout=0)
    with pytest.raises(Conflict, match="terminated by other getUpdates request"):
        await first

    assert await bot.set_webhook("https://example.org/hook", allowed_updates=["message"])
    info = await bot.get_webhook_info()
    assert (info.url, info.allowed_updates) == ("https://example.org/hook", ("message",))
    with pytest.raises(Conflict, match="webhook is active"):
        await bot.get_updates()
    api.feed_message(ANA.id, "lost", user=ANA)
    assert await bot.delete_webhook(drop_pending_updates=True)
    assert api.webhook.url == "" and await bot.get_updates() == ()


async def test_chat_faults_raise_what_ptb_raises(api: TelegramStandIn, bot: Bot) -> None:
    api.block(ANA.id)
    with pytest.raises(Forbidden, match=r"^Forbidden: bot was blocked by the user$"):
        await bot.send_message(ANA.id, "x")
    api.restore(ANA.id)
    await bot.send_message(ANA.id, "x")

    api.kick(OLD_GROUP)
    with pytest.raises(Forbidden, match=r"^Forbidden: bot was kicked from the group chat$"):
        await bot.send_message(OLD_GROUP, "x")
    api.restore(OLD_GROUP)

    api.migrate(OLD_GROUP, -100333)
    with pytest.raises(ChatMigrated) as migrated:
        await bot.send_message(OLD_GROUP, "x")
    assert migrated.value.new_chat_id == -100333
    moved = await bot.send_message(-100333, "x")
    assert (moved.chat.type, moved.chat.title) == ("supergroup", "Old group")

    api.forget(GROUP)
    with pytest.raises(BadRequest, match=r"^Chat not found$"):  # PTB capitalises, drops prefix
        await bot.send_message(GROUP, "x")
    with pytest.raises(BadRequest, match="Chat not found"):
        await bot.send_message(424, "never wrote to the bot")

    api.set_member(CHANNEL, BOT_ID, "member")
    with pytest.raises(BadRequest, match="Need administrator rights in the channel chat"):
        await bot.send_message(CHANNEL, "x")
    assert [m.chat_id for m in api.sent] == [ANA.id, -100333]


async def test_one_off_failures(api: TelegramStandIn, bot: Bot) -> None:
    api.fail_next("sendMessage", status=429, retry_after=3)
    with pytest.raises(RetryAfter) as flood:
        await bot.send_message(GROUP, "x")
    assert flood.value.retry_after == dt.timedelta(seconds=3)

    api.fail_next("sendMessage", status=500, count=2, chat_id=GROUP)
    await bot.send_message(ANA.id, "other chat unaffected")
    for _ in range(2):
        with pytest.raises(NetworkError, match="Internal Server Error") as server:
            await bot.send_message(GROUP, "x")
        assert type(server.value) is NetworkError
    await bot.send_message(GROUP, "x")

    api.fail_next("sendMessage", description="Bad Request: message thread not found")
    with pytest.raises(BadRequest, match="Message thread not found"):
        await bot.send_message(GROUP, "x", message_thread_id=99)
    assert [c.status for c in api.calls if c.method == "sendMessage"] == [
        429, 200, 500, 500, 200, 400
    ]  # fmt: skip
    assert [m.text for m in api.sent] == ["other chat unaffected", "x"]


async def test_slow_answers_time_out(api: TelegramStandIn, bot: Bot) -> None:
    api.delay_next("sendMessage", 0.25)
    with pytest.raises(TimedOut):
        await bot.send_message(GROUP, "late", read_timeout=0.1)
    assert api.sent == []  # still hanging: Telegram has not carried it out yet
    await api.wait_for(lambda: api.sent)  # ... but then does, as a slow Telegram would
    await bot.send_message(GROUP, "late")
    assert api.duplicates() == 1

    api.delay_next("sendMessage", 0.1, deliver=False)
    with pytest.raises(NetworkError, match="RemoteProtocolError"):
        await bot.send_message(GROUP, "dropped")
    assert [m.text for m in api.sent] == ["late", "late"]


async def test_random_faults_repeat_with_their_seed(api: TelegramStandIn, bot: Bot) -> None:
    async def outcomes() -> list[str]:
        seen = []
        for _ in range(16):
            try:
                await bot.send_message(ANA.id, "x", read_timeout=0.1)
                seen.append("ok")
            except Exception as error:  # which one is the point
                seen.append(type(error).__name__)
        return seen

    api.faults(p500=0.2, p429=0.2, p_timeout=0.1, seed=7, timeout_seconds=1.0, deliver_late=False)
    first = await outcomes()
    api.faults(p500=0.2, p429=0.2, p_timeout=0.1, seed=7, timeout_seconds=1.0, deliver_late=False)
    assert await outcomes() == first
    assert {"ok", "NetworkError", "RetryAfter", "TimedOut"} == set(first)
    api.faults()  # off
    assert await outcomes() == ["ok"] * 16


async def test_network_cut(api: TelegramStandIn, bot: Bot) -> None:
    calls = len(api.calls)
    api.stop_network()
    with pytest.raises(NetworkError, match="Server disconnected"):
        await bot.send_message(GROUP, "x")
    api.stop_network("hang")
    with pytest.raises(TimedOut):
        await bot.send_message(GROUP, "x", read_timeout=0.1)
    assert len(api.calls) == calls and api.sent == []
    api.restore_network()
    await bot.send_message(GROUP, "x")
    assert len(api.sent) == 1


async def test_flood_control(api: TelegramStandIn, bot: Bot) -> None:
    api.limit(None)  # per chat: one message a second
    await bot.send_message(GROUP, "1")
    with pytest.raises(RetryAfter) as flood:
        await bot.send_message(GROUP, "2")
    assert flood.value.retry_after == dt.timedelta(seconds=1)
    await bot.send_message(ANA.id, "other chat")

    api.limit(20.0, burst_seconds=0.1, per_chat_per_second=None)  # a bucket of 2
    api.feed_message(777, "hi")
    results = await asyncio.gather(
        *(bot.send_message(chat, "burst") for chat in (GROUP, ANA.id, 777)),
        return_exceptions=True,
    )
    assert sum(isinstance(r, RetryAfter) for r in results) == 1
    assert api.rejected_429 == 2
    assert [m.text for m in api.sent] == ["1", "other chat", "burst", "burst"]
    assert api.duplicates() == 0
    api.limit(None, per_chat_per_second=None)
    await bot.send_message(GROUP, "3")


async def test_paid_broadcasts_draw_on_a_bucket_of_their_own(
    api: TelegramStandIn, bot: Bot
) -> None:
    api.limit(10.0, burst_seconds=0.1, per_chat_per_second=None, paid_per_second=100.0)
    api.feed_message(777, "hi")
    free = await asyncio.gather(
        *(bot.send_message(chat, "free") for chat in (GROUP, ANA.id)), return_exceptions=True
    )
    paid = await asyncio.gather(
        *(bot.send_message(chat, "paid", allow_paid_broadcast=True) for chat in (GROUP, 777)),
        return_exceptions=True,
    )
    assert sum(isinstance(r, RetryAfter) for r in free) == 1  # a bucket of one
    assert not any(isinstance(r, Exception) for r in paid)  # a bucket of ten, untouched
    assert [m.paid for m in api.sent] == [False, True, True]


async def test_a_garbled_answer_follows_a_send_carried_out(api: TelegramStandIn, bot: Bot) -> None:
    api.garble_next("sendMessage", b"{not json")
    with pytest.raises(TelegramError, match="Invalid server response"):
        await bot.send_message(GROUP, "sent all the same")
    assert [m.text for m in api.sent] == ["sent all the same"]
    assert api.calls[-1].status == 200


async def test_chat_member_statuses(api: TelegramStandIn, bot: Bot) -> None:
    expected = {
        "creator": ChatMemberOwner,
        "administrator": ChatMemberAdministrator,
        "member": ChatMemberMember,
        "restricted": ChatMemberRestricted,
        "left": ChatMemberLeft,
        "kicked": ChatMemberBanned,
    }
    for user_id, (status, kind) in enumerate(expected.items(), start=600):
        api.set_member(GROUP, user_id, status)
        member = await bot.get_chat_member(GROUP, user_id)
        assert (type(member), member.status, member.user.id) == (kind, status, user_id)
    assert (await bot.get_chat_member(ANA.id, ANA.id)).user.first_name == "Ana"
    assert isinstance(await bot.get_chat_member(GROUP, 999), ChatMemberLeft)
    assert isinstance(await bot.get_chat_member(GROUP, BOT_ID), ChatMemberMember)
    assert isinstance(await bot.get_chat_member(CHANNEL, BOT_ID), ChatMemberAdministrator)

    api.feed_my_chat_member(ANA.id, "member", "kicked")  # Ana blocks the bot
    with pytest.raises(Forbidden, match="blocked by the user"):
        await bot.send_message(ANA.id, "x")


async def test_commands(api: TelegramStandIn, bot: Bot) -> None:
    english = [BotCommand("digest", "Today's digest")]
    indonesian = [BotCommand("digest", "Ringkasan hari ini")]
    await bot.set_my_commands(english)
    await bot.set_my_commands(indonesian, language_code="id")
    await bot.set_my_commands(english, scope=BotCommandScopeChat(GROUP))
    assert api.commands[(None, "")] == [{"command": "digest", "description": "Today's digest"}]
    assert api.commands_for(language_code="id") == [
        {"command": "digest", "description": "Ringkasan hari ini"}
    ]
    assert api.commands_for(BotCommandScopeChat(GROUP)) == api.commands[(None, "")]
    assert api.scope_key({"chat_id": GROUP, "type": "chat"}) in {k for k, _ in api.commands}
    assert await bot.get_my_commands(language_code="id") == tuple(indonesian)
    assert await bot.get_my_commands(scope=BotCommandScopeAllGroupChats()) == ()
    await bot.delete_my_commands(language_code="id")
    assert set(api.commands) == {(None, ""), (api.scope_key(BotCommandScopeChat(GROUP)), "")}
    with pytest.raises(BadRequest, match="Bot_command_invalid"):
        await bot.set_my_commands([BotCommand("Digest", "capital letters")])


async def test_edits_and_callback_answers(api: TelegramStandIn, bot: Bot) -> None:
    sent = await bot.send_message(ANA.id, "page 1", reply_markup=KEYBOARD)
    edited = await bot.edit_message_text("page 2", ANA.id, sent.message_id, reply_markup=KEYBOARD)
    assert (edited.text, edited.reply_markup, bool(edited.edit_date)) == ("page 2", KEYBOARD, True)
    with pytest.raises(BadRequest, match="Message is not modified"):
        await bot.edit_message_text("page 2", ANA.id, sent.message_id, reply_markup=KEYBOARD)
    await bot.edit_message_reply_markup(ANA.id, sent.message_id)  # no markup: keyboard gone
    assert "reply_markup" not in api.message(ANA.id, sent.message_id)
    assert [(e.method, e.text) for e in api.edits] == [
        ("editMessageText", "page 2"),
        ("editMessageReplyMarkup", None),
    ]
    with pytest.raises(BadRequest, match="Message to edit not found"):
        await bot.edit_message_text("x", ANA.id, 999)
    with pytest.raises(BadRequest, match="Message can't be edited"):
        await bot.edit_message_text("x", ANA.id, 1)  # Ana's own "hi"

    update = api.feed_callback(ANA, api.sent[-1], "page:2")
    query_id = update["callback_query"]["id"]
    assert await bot.answer_callback_query(query_id, text="Done", show_alert=True)
    assert [(a.callback_query_id, a.text, a.show_alert) for a in api.callback_answers] == [
        (query_id, "Done", True)
    ]
    with pytest.raises(BadRequest, match="Query is too old"):
        await bot.answer_callback_query(query_id)


async def test_wait_for_says_what_it_waited_for(api: TelegramStandIn, bot: Bot) -> None:
    await bot.send_message(GROUP, "one")
    assert await api.wait_for(lambda: api.sent_to(GROUP), timeout=0.1) == api.sent
    with pytest.raises(AssertionError, match=r"(?s)api\.sent_to\(ANA\.id\).*sendMessage"):
        await api.wait_for(lambda: api.sent_to(ANA.id), timeout=0.05)


async def test_a_ptb_application_polls_and_answers(api: TelegramStandIn) -> None:
    async def start(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        assert update.effective_message is not None
        await update.effective_message.reply_text(f"Halo {update.effective_user.first_name}")

    app = Application.builder().token(TOKEN).base_url(api.base_url).build()
    app.add_handler(CommandHandler("start", start))
    async with app:
        await app.start()
        assert app.updater is not None
        await app.updater.start_polling(poll_interval=0.0, timeout=1)
        api.feed_message(ANA.id, "/start", user=ANA)
        [reply] = await api.wait_for(lambda: api.sent_to(ANA.id))
        assert reply.text == "Halo Ana"
        await app.updater.stop()
        await app.stop()
    assert api.calls[0].method == "getMe"
    assert "deleteWebhook" in [c.method for c in api.calls]


def test_retry_after_warns_when_built_without_ptb_timedelta(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Why the `bot` fixture sets PTB_TIMEDELTA: PTB 22.8's RetryAfter reads its deprecated
    attribute in its own __init__, so under filterwarnings=error the warning is raised in place
    of the RetryAfter the server's 429 should have produced."""
    monkeypatch.delenv("PTB_TIMEDELTA", raising=False)
    with pytest.warns(PTBDeprecationWarning, match="retry_after"):
        RetryAfter(3)


def _article(result_id: str, text: str = "<b>Trump</b> said") -> InlineQueryResultArticle:
    content = InputTextMessageContent(text, parse_mode=ParseMode.HTML)
    return InlineQueryResultArticle(result_id, "Donald Trump: said", content, description="x")


async def test_inline_queries_and_their_answers(api: TelegramStandIn, bot: Bot) -> None:
    assert (await bot.get_me()).supports_inline_queries
    fed = api.feed_inline_query(ANA, "trump", offset="20", chat_type="supergroup")
    [update] = await bot.get_updates(timeout=1)
    query = update.inline_query
    assert (query.query, query.offset, query.chat_type) == ("trump", "20", "supergroup")
    assert query.from_user.language_code == "id"

    await query.answer(
        [_article("a"), _article("b")], cache_time=60, is_personal=True, next_offset="40"
    )

    [answer] = api.inline_answers_to(fed)
    assert [r["id"] for r in answer.results] == ["a", "b"]
    assert answer.results[0]["input_message_content"]["message_text"] == "<b>Trump</b> said"
    assert (answer.cache_time, answer.is_personal, answer.next_offset) == (60, True, "40")
    with pytest.raises(BadRequest, match=r"(?i)query is too old"):  # PTB capitalises it
        await query.answer([])  # answered once


@pytest.mark.parametrize(
    ("results", "refusal"),
    [
        ([_article("a"), _article("a")], "RESULT_ID_DUPLICATE"),
        ([_article("x" * 65)], "RESULT_ID_INVALID"),
        ([_article(str(n)) for n in range(51)], "RESULTS_TOO_MUCH"),
        ([_article("a", "<b>open")], "can't parse entities"),
        ([_article("a", "x" * 4097)], "MESSAGE_TOO_LONG"),
        ([_article("a", " ")], "MESSAGE_EMPTY"),
    ],
)
async def test_what_telegram_refuses_in_an_inline_answer(
    api: TelegramStandIn, bot: Bot, results: list[InlineQueryResultArticle], refusal: str
) -> None:
    api.feed_inline_query(ANA, "q")
    [update] = await bot.get_updates(timeout=1)
    with pytest.raises(BadRequest, match=f"(?i){refusal}"):  # PTB recases it
        await bot.answer_inline_query(update.inline_query.id, results, current_offset=None)
    assert api.inline_answers == []


async def test_without_inline_mode_no_inline_query_comes(api: TelegramStandIn, bot: Bot) -> None:
    api.inline_mode = False
    assert not (await bot.get_me()).supports_inline_queries
    with pytest.raises(ValueError, match="inline mode is off"):
        api.feed_inline_query(ANA, "trump")
