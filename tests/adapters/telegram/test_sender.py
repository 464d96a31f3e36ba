"""The Telegram sender on its own against the stand-in: one send, one outcome, for every answer
the Bot API can give; it never raises. And a command's reply through the core's pacer, which
waits out flood control and follows a migrated group."""

from __future__ import annotations

import datetime as dt
import logging
import time
from collections.abc import AsyncIterator, Callable

import pytest
from telegram import Bot
from telegram.error import (
    BadRequest,
    ChatMigrated,
    Forbidden,
    NetworkError,
    RetryAfter,
    TelegramError,
    TimedOut,
)

from bot.adapters.telegram.sender import TelegramSender, outcome_of
from bot.adapters.telegram.transport import AiohttpRequest
from bot.core import ports
from bot.core.delivery.pacing import TELEGRAM_LIMITS, Pacer
from bot.core.delivery.replies import Replies
from bot.core.ports import MessageKind, Outbound
from tests.adapters.telegram.conftest import ANA, CHANNEL, FORUM, GROUP, TOKEN, ref
from tests.standins.telegram import BOT_ID, TelegramStandIn

READ_TIMEOUT = 0.3
DIGEST = Outbound("<b>Ringkasan</b> &amp; sumber", MessageKind.DIGEST)
OLD_GROUP, NEW_GROUP = -4004, -1004004


@pytest.fixture
async def sender(
    api: TelegramStandIn, monkeypatch: pytest.MonkeyPatch
) -> AsyncIterator[TelegramSender]:
    monkeypatch.setenv("PTB_TIMEDELTA", "true")
    api.add_chat(ANA.id, "private", first_name=ANA.first_name)
    api.add_chat(OLD_GROUP, "group", "Kelompok Lama")
    request = AiohttpRequest(4, read_timeout=READ_TIMEOUT)  # as make_bot builds it
    async with Bot(TOKEN, base_url=api.base_url, request=request) as bot:
        yield TelegramSender(bot)


async def test_a_delivered_digest_is_html_without_previews(
    api: TelegramStandIn, sender: TelegramSender
) -> None:
    outcome = await sender.send(ref(FORUM, 42), DIGEST)

    [sent] = api.sent
    assert outcome == ports.Delivered(str(sent.message_id))
    assert (sent.chat_id, sent.text, sent.parse_mode) == (FORUM, DIGEST.text, "HTML")
    assert (sent.message_thread_id, sent.link_preview_options) == (42, {"is_disabled": True})
    assert (sender.platform, sender.format.value) == ("telegram", "telegram")


async def test_an_announcement_keeps_link_previews_and_a_notice_does_not(
    api: TelegramStandIn, sender: TelegramSender
) -> None:
    await sender.send(ref(GROUP), Outbound("https://example.org/a", MessageKind.ANNOUNCEMENT))
    await sender.send(ref(GROUP), Outbound("problems", MessageKind.NOTICE))

    announcement, notice = api.sent
    assert announcement.link_preview_options is None
    assert notice.link_preview_options == {"is_disabled": True}
    assert announcement.message_thread_id is None


# Each case: what the stand-in is told to do to the next send, the chat sent to, the outcome.
Fault = Callable[[TelegramStandIn], object]
CASES: dict[str, tuple[Fault, int, ports.Outcome]] = {
    "429 → RetryAfter(seconds)": (
        lambda api: api.fail_next("sendMessage", status=429, retry_after=3),
        GROUP,
        ports.RetryAfter(3.0),
    ),
    "blocked (403) → ChatGone": (
        lambda api: api.block(ANA.id),
        ANA.id,
        ports.ChatGone("Forbidden: bot was blocked by the user"),
    ),
    "kicked (403) → ChatGone": (
        lambda api: api.kick(GROUP),
        GROUP,
        ports.ChatGone("Forbidden: bot was kicked from the supergroup chat"),
    ),
    "migrated → ChatMoved(new id)": (
        lambda api: api.migrate(OLD_GROUP, NEW_GROUP),
        OLD_GROUP,
        ports.ChatMoved(str(NEW_GROUP)),
    ),
    "chat not found (400) → ChatGone": (
        lambda api: api.forget(GROUP),
        GROUP,
        ports.ChatGone("Chat not found"),
    ),
    "topic deleted (400) → ChatGone": (
        lambda api: api.fail_next(
            "sendMessage", description="Bad Request: message thread not found"
        ),
        FORUM,
        ports.ChatGone("Message thread not found"),
    ),
    "no right to post in a channel (400) → ChatGone": (
        lambda api: api.set_member(CHANNEL, BOT_ID, "member"),
        CHANNEL,
        ports.ChatGone("Need administrator rights in the channel chat"),
    ),
    "other BadRequest → Transient": (
        lambda api: api.fail_next("sendMessage", description="Bad Request: can't parse entities"),
        GROUP,
        ports.Transient("BadRequest: Can't parse entities"),
    ),
    "500 (NetworkError) → Transient": (
        lambda api: api.fail_next("sendMessage", status=500),
        GROUP,
        ports.Transient("NetworkError: Internal Server Error"),
    ),
    "502 (NetworkError) → Transient": (
        lambda api: api.fail_next("sendMessage", status=502),
        GROUP,
        ports.Transient("NetworkError: Bad Gateway"),
    ),
}


@pytest.mark.parametrize(("fault", "chat_id", "expected"), CASES.values(), ids=CASES.keys())
async def test_every_failure_is_an_outcome(
    api: TelegramStandIn,
    sender: TelegramSender,
    fault: Fault,
    chat_id: int,
    expected: ports.Outcome,
) -> None:
    fault(api)

    outcome = await sender.send(ref(chat_id), DIGEST)

    assert outcome == expected
    assert api.sent == []


async def test_a_timeout_is_transient(api: TelegramStandIn, sender: TelegramSender) -> None:
    api.delay_next("sendMessage", READ_TIMEOUT + 0.2, deliver=False)

    outcome = await sender.send(ref(GROUP), DIGEST)

    assert isinstance(outcome, ports.Transient)
    assert outcome.reason.startswith("timed out: ")


async def test_a_dropped_connection_or_a_cut_network_is_transient(
    api: TelegramStandIn, sender: TelegramSender
) -> None:
    api.delay_next("sendMessage", 0.01, deliver=False)
    dropped = await sender.send(ref(GROUP), DIGEST)
    api.stop_network()
    cut = await sender.send(ref(GROUP), DIGEST)
    api.stop_network("hang")
    hanging = await sender.send(ref(GROUP), DIGEST)
    api.restore_network()

    for outcome in (dropped, cut):
        assert isinstance(outcome, ports.Transient)
        assert outcome.reason.startswith("NetworkError: ")
    assert isinstance(hanging, ports.Transient) and hanging.reason.startswith("timed out: ")
    assert await sender.send(ref(GROUP), DIGEST) == ports.Delivered(str(api.sent[-1].message_id))


async def test_send_never_raises_even_on_an_error_that_is_not_telegrams(
    api: TelegramStandIn, sender: TelegramSender, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.ERROR):
        outcome = await sender.send(ref(GROUP, "not-a-number"), DIGEST)

    assert outcome == ports.Transient(
        "ValueError: invalid literal for int() with base 10: 'not-a-number'"
    )
    assert "unexpected error sending to Telegram" in caplog.text


def test_outcome_of_maps_each_python_telegram_bot_error() -> None:
    assert outcome_of(RetryAfter(dt.timedelta(seconds=2.5))) == ports.RetryAfter(2.5)
    assert outcome_of(ChatMigrated(-100123)) == ports.ChatMoved("-100123")
    assert outcome_of(Forbidden("Forbidden: user is deactivated")) == ports.ChatGone(
        "Forbidden: user is deactivated"
    )
    assert outcome_of(BadRequest("Chat not found")) == ports.ChatGone("Chat not found")
    assert outcome_of(BadRequest("Bad Request: TOPIC_CLOSED")) == ports.ChatGone("Topic_closed")
    assert outcome_of(BadRequest("Message is too long")) == ports.Transient(
        "BadRequest: Message is too long"
    )
    assert outcome_of(TimedOut()) == ports.Transient("timed out: Timed out")
    assert outcome_of(NetworkError("Bad Gateway")) == ports.Transient("NetworkError: Bad Gateway")
    assert outcome_of(TelegramError("Conflict")) == ports.Transient("TelegramError: Conflict")


def replies(sender: TelegramSender) -> Replies:
    """Replies as the runtime sends them: through a pacer at Telegram's limits."""
    return Replies({"telegram": Pacer(TELEGRAM_LIMITS)}, {"telegram": sender})


async def reply(sender: TelegramSender, chat: ports.ChatRef, text: str) -> str | None:
    call = ports.ReplyCall.new(text)
    outcome = await replies(sender).send(chat, ports.ChatKind.PRIVATE, call)
    return outcome.message_id if isinstance(outcome, ports.Delivered) else None


async def test_a_reply_waits_out_flood_control_and_arrives_once(
    api: TelegramStandIn, sender: TelegramSender
) -> None:
    api.fail_next("sendMessage", status=429, retry_after=1, chat_id=ANA.id)
    started = time.monotonic()

    message_id = await reply(sender, ref(ANA.id), "Halo")

    assert time.monotonic() - started >= 1.0
    [sent] = api.sent
    assert message_id == str(sent.message_id) and sent.text == "Halo"


async def test_a_reply_follows_a_group_that_became_a_supergroup(
    api: TelegramStandIn, sender: TelegramSender
) -> None:
    api.migrate(OLD_GROUP, NEW_GROUP)

    message_id = await reply(sender, ref(OLD_GROUP), "Halo")

    [sent] = api.sent
    assert (sent.chat_id, message_id) == (NEW_GROUP, str(sent.message_id))


async def test_a_reply_that_cannot_be_sent_is_logged_not_raised(
    api: TelegramStandIn, sender: TelegramSender, caplog: pytest.LogCaptureFixture
) -> None:
    api.block(ANA.id)

    with caplog.at_level(logging.WARNING):
        assert await reply(sender, ref(ANA.id), "Halo") is None

    assert "could not answer in telegram:7002" in caplog.text
    assert len([c for c in api.calls if c.method == "sendMessage"]) == 1  # not retried


@pytest.mark.parametrize(
    "body", [b"{not json", b'{"ok": true}', b'{"ok": true, "result": {"chat": 5}}']
)
async def test_a_send_telegram_carried_out_with_an_answer_that_cannot_be_read_is_delivered(
    api: TelegramStandIn,
    sender: TelegramSender,
    caplog: pytest.LogCaptureFixture,
    body: bytes,
) -> None:
    api.garble_next("sendMessage", body)

    with caplog.at_level(logging.WARNING, logger="bot.adapters.telegram.sender"):
        outcome = await sender.send(ref(ANA.id), DIGEST)

    assert outcome == ports.Delivered("")  # never retried into a second message
    assert len(api.sent) == 1
    [record] = [r for r in caplog.records if r.name == "bot.adapters.telegram.sender"]
    assert "went out" in record.getMessage() and "recorded as delivered" in record.getMessage()


async def test_a_paid_send_asks_for_a_paid_broadcast_and_a_free_one_does_not(
    api: TelegramStandIn, sender: TelegramSender
) -> None:
    await sender.send(ref(ANA.id), Outbound("paid", MessageKind.DIGEST, paid=True))
    await sender.send(ref(GROUP), Outbound("free", MessageKind.DIGEST))

    paid, free = api.sent
    assert (paid.paid, free.paid) == (True, False)
    assert (
        "allow_paid_broadcast" not in [c for c in api.calls if c.method == "sendMessage"][1].params
    )


async def test_a_reply_call_posts_its_buttons_and_edits_as_it_says(
    api: TelegramStandIn, sender: TelegramSender
) -> None:
    buttons = (("Bezalel Smotrich", "/whosaid bezalel-smotrich"), ("Itamar Ben-Gvir", "k:ab"))
    posted = await sender.reply(ref(ANA.id), ports.ReplyCall.new("Which one?", buttons))
    assert isinstance(posted, ports.Delivered)
    [sent] = api.sent
    assert sent.reply_markup == {
        "inline_keyboard": [
            [{"text": "Bezalel Smotrich", "callback_data": "/whosaid bezalel-smotrich"}],
            [{"text": "Itamar Ben-Gvir", "callback_data": "k:ab"}],
        ]
    }

    bare = ports.ReplyCall.edit(posted.message_id, None)  # only the buttons go
    assert await sender.reply(ref(ANA.id), bare) == posted
    worded = ports.ReplyCall.edit(posted.message_id, "Chosen")
    assert await sender.reply(ref(ANA.id), worded) == posted
    assert [(e.method, e.text) for e in api.edits] == [
        ("editMessageReplyMarkup", None), ("editMessageText", "Chosen"),
    ]  # fmt: skip


async def test_an_edit_is_one_outcome_and_an_unchanged_text_counts_as_done(
    api: TelegramStandIn, sender: TelegramSender
) -> None:
    outcome = await sender.send(ref(ANA.id), DIGEST)
    assert isinstance(outcome, ports.Delivered)

    assert await sender.edit(ref(ANA.id), outcome.message_id, "new") == outcome
    assert await sender.edit(ref(ANA.id), outcome.message_id, "new") == outcome  # not modified
    assert await sender.edit(ref(ANA.id), "999", "gone") == ports.Transient(
        "BadRequest: Message to edit not found"
    )
