"""Two instances on one PostgreSQL store, each the real runtime with the real Telegram adapter, in
webhook mode as behind a load balancer: the instance that does not hold the sender lease takes
commands and button presses, and its replies go out through the one that does, within the
platform's budget and ahead of a push; each answered once, none refused with a 429 by the strict
stand-in, and the message ids come back (a push's status message is edited to the end)."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator
from typing import Any

import pytest

from bot.core.store.leases import sender_role
from bot.core.text.strings import say
from tests.adapters.telegram.conftest import ADMIN, Running, StartBot
from tests.adapters.telegram.test_replies import QUERIES, subscribed_chats
from tests.adapters.telegram.test_webhook import SECRET, SECRET_ENV, post, start_webhook
from tests.core.store.conftest import POSTGRES, empty_schema
from tests.standins.telegram import TelegramStandIn, User

# As the stand-in's limits below: 20 a second overall, one a second to a chat.
RATE = {
    "rate_limits": {
        "overall": {"count": 20, "seconds": 1},
        "per_chat": {"count": 1, "seconds": 1},
    }
}
SENDER = sender_role("telegram")


@pytest.fixture
async def shared(monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[str]:
    """The PostgreSQL store both instances serve, emptied; the webhook secret they share."""
    if not POSTGRES:
        pytest.skip("no PostgreSQL server: set RINGKAS_TEST_POSTGRES to a database URL")
    await empty_schema(POSTGRES)
    monkeypatch.setenv(SECRET_ENV, SECRET)
    yield POSTGRES


async def two_instances(start_bot: StartBot, database: str) -> tuple[Running, Running, str]:
    """The holder of the sender lease (started first, it took every role), the other instance,
    and where the load balancer would post updates to the other."""
    holder, _ = await start_webhook(start_bot, RATE, database=database)
    other, address = await start_webhook(start_bot, RATE, database=database)
    assert SENDER in holder.runtime.services.store.leases.held
    assert other.runtime.services.store.leases.held == {}
    return holder, other, address


async def ask(api: TelegramStandIn, address: str, chat_id: int, text: str, **kw: Any) -> None:
    """A message as Telegram posts it to the webhook at `address`."""
    update = api.feed_message(chat_id, text, **kw)
    api.updates.remove(update)  # posted, not polled
    assert await post(address, update, SECRET) == 200


async def test_commands_on_the_other_instance_during_a_push_are_answered_once_in_budget(
    api: TelegramStandIn, start_bot: StartBot, shared: str
) -> None:
    holder, other, address = await two_instances(start_bot, shared)
    api.limit(20.0)  # strict: 429 above 20 a second, or one a second to a chat
    chats = await subscribed_chats(holder, 40)  # two seconds of sending at 20 a second
    services = holder.runtime.services
    push = await services.propose_push("telegram:1", text_en="Hello", text_id="Halo")
    assert await services.confirm_push(push, "telegram:1") == len(chats)
    await api.wait_for(lambda: len(api.sent) >= 10)  # the push is under way
    readers = [User(8_000_000 + n, f"Reader {n}", language_code="en") for n in range(5)]

    asked = time.monotonic()
    for reader, query in zip(readers, QUERIES, strict=True):
        await ask(api, address, reader.id, f"/whosaid {query}", user=reader)
    await api.wait_for(lambda: all(api.sent_to(reader.id) for reader in readers))
    answered = max(api.sent_to(reader.id)[0].at for reader in readers)
    await api.wait_for(lambda: len([m for m in api.sent if m.chat_id in chats]) == len(chats))

    for reader, query in zip(readers, QUERIES, strict=True):
        [answer] = api.sent_to(reader.id)  # once
        assert query.casefold() in answer.text.casefold()
    assert answered - asked < 1.0  # ahead of the push's twenty-odd sends still waiting
    assert sum(m.at > answered for m in api.sent if m.chat_id in chats) >= 10
    assert api.rejected_429 == 0 and api.duplicates() == 0
    assert holder.runtime.dispatcher.replies.counts.sent == len(readers)
    assert other.runtime.dispatcher.replies.counts.sent == 0  # each went through the holder


async def test_a_push_confirmed_on_the_other_instance_shows_its_status_to_the_end(
    api: TelegramStandIn, start_bot: StartBot, shared: str
) -> None:
    holder, other, address = await two_instances(start_bot, shared)
    api.limit(20.0)
    await subscribed_chats(holder, 3)

    await ask(api, address, ADMIN.id, "/push Talks resume on Thursday", user=ADMIN)
    preview, question = await api.wait_for(
        lambda: api.sent_to(ADMIN.id)[1:] and api.sent_to(ADMIN.id)
    )
    assert question.reply_markup is not None  # its buttons went through the relay
    data = question.reply_markup["inline_keyboard"][0][0]["callback_data"]
    push_id = data.removeprefix("/push confirm ")
    press = api.feed_callback(ADMIN, question, data)
    api.updates.remove(press)
    assert await post(address, press, SECRET) == 200

    # The pressed message became the status message, edited (by the holder) to the end: the
    # other instance had its id back from the relay.
    done = say("id", "push_done", id=push_id, delivered=3, total=3, failed=0)
    await api.wait_for(
        lambda: api.message(ADMIN.id, question.message_id)["text"] == done, timeout=15
    )  # a loaded machine's progress edits come late
    assert {(e.chat_id, e.message_id) for e in api.edits} == {(ADMIN.id, question.message_id)}
    assert len(api.sent_to(ADMIN.id)) == 2 and preview.reply_markup is None
    assert api.rejected_429 == 0 and api.duplicates() == 0
    assert other.runtime.dispatcher.replies.counts.sent == 0
    assert holder.runtime.dispatcher.replies.counts.sent == 2 + len(api.edits)
