"""Digests at their time, and what the Bot API's failures become, end to end: `ringkas deliver
--once` as a program, and the running bot's scheduler and dispatcher, against the stand-in."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from bot.core.models import Catalog, Lang
from bot.core.ports import ChatKind, Format
from bot.core.store import Store
from bot.core.subscription import Plan, State
from bot.core.text.compose import DigestOptions, Window
from bot.core.text.fitting import digest_message
from bot.core.text.strings import say
from tests.adapters.telegram.conftest import (
    ADMIN,
    ANA,
    BUDI,
    FORUM,
    TOKEN,
    Running,
    StartBot,
    calls,
    digest,
    eventually,
    make_due,
    ref,
    state_of,
    subscribe_directly,
    subscription,
)
from tests.adapters.telegram.program import DATABASE, environment, ringkas, telegram_config
from tests.standins.telegram import SentMessage, TelegramStandIn

NO_PREVIEW = {"is_disabled": True}
OLD_GROUP, NEW_GROUP = -4004, -1004004
GONE = -1005005  # a chat Telegram does not know


def digests_in(bot: Running, chat_id: int, lang: Lang = "en") -> list[SentMessage]:
    return [m for m in bot.api.sent_to(chat_id) if m.text == digest(bot, lang)]


async def subscribe_instant(bot: Running, chat_id: int, kind: ChatKind = ChatKind.PRIVATE) -> None:
    """A chat subscribed for instant digests, which then gets the current digest at once."""
    if chat_id > 0:
        bot.api.add_chat(chat_id, "private", first_name=f"User {chat_id}")
    await subscribe_directly(bot, chat_id, kind, "en", times=(), instant=True)
    await bot.runtime.services.plan()


# --- at its time ---


async def test_deliver_once_sends_the_digest_at_the_chats_time_and_only_once(
    api: TelegramStandIn, tmp_path: Path, catalog: Catalog
) -> None:
    # Ana reads at 07:00 in Jakarta, Budi at 07:05: both subscribed the evening before.
    subscribed_at = dt.datetime(2026, 1, 1, 12, 0, tzinfo=dt.UTC)  # 19:00 in Jakarta
    async with await Store.open(tmp_path / DATABASE) as store:
        for user, time in ((ANA, dt.time(7, 0)), (BUDI, dt.time(7, 5))):
            api.add_chat(user.id, "private", first_name=user.first_name)
            plan = Plan("en", (time,), False, "Asia/Jakarta")
            await store.subscriptions.subscribe(
                ref(user.id), ChatKind.PRIVATE, plan, "test", subscribed_at
            )
        ana = await store.subscriptions.get(ref(ANA.id))
    assert ana is not None and ana.next_due == dt.datetime(2026, 1, 2, 0, 0, tzinfo=dt.UTC)
    config = telegram_config(tmp_path, api)
    env = environment(RINGKAS_TELEGRAM_TOKEN=TOKEN)

    async def deliver(at: str) -> str:
        run = await ringkas(
            tmp_path, "deliver", "--once", "--at", at, "--config", str(config), env=env
        )
        assert (run.code, run.out) == (0, "")  # nothing for the console: all for Telegram
        assert TOKEN not in run.err
        return run.err.splitlines()[-1]

    on_time = await deliver("2026-01-02T07:00+07:00")
    again = await deliver("2026-01-02T07:00:30+07:00")  # cron ran twice in the minute

    expected = digest_message(catalog, "en", Format.TELEGRAM, Window(), DigestOptions())
    [sent] = api.sent  # Ana's, once; Budi's time has not come
    assert (sent.chat_id, sent.text, sent.parse_mode) == (ANA.id, expected, "HTML")
    assert (sent.link_preview_options, sent.message_thread_id) == (NO_PREVIEW, None)
    assert on_time == (
        "queued 1 (skipped 0 with nothing new); delivered 1, to retry 0, failed 0, paused 0, "
        "moved 0; 0 waiting"
    )
    assert again.startswith("queued 0 (skipped 0 with nothing new); delivered 0,")


async def test_the_running_bot_delivers_a_due_digest_at_its_next_tick(
    api: TelegramStandIn, start_bot: StartBot
) -> None:
    bot = await start_bot()
    await bot.say(ANA.id, "/subscribe en 07:00 WIB", user=ANA)

    await make_due(bot, ANA.id)  # the clock reaches the chat's 07:00

    [sent] = await api.wait_for(lambda: digests_in(bot, ANA.id), timeout=3)  # tick: 1 s

    assert sent.link_preview_options == NO_PREVIEW and sent.message_thread_id is None
    stored = await subscription(bot, ANA.id)
    assert stored is not None and stored.last_sent_at is not None
    assert stored.next_due is not None and stored.next_due > dt.datetime.now(dt.UTC)
    assert (await bot.runtime.services.plan()).queued == 0  # nothing due twice


async def test_an_instant_subscriber_gets_the_current_digest_at_once(
    api: TelegramStandIn, start_bot: StartBot
) -> None:
    bot = await start_bot()

    await bot.say(BUDI.id, "/subscribe instant", user=BUDI)
    [sent] = await api.wait_for(lambda: digests_in(bot, BUDI.id, "id"))

    assert sent.link_preview_options == NO_PREVIEW
    assert (await bot.runtime.services.plan()).queued == 0


# --- what failures become ---


async def test_flood_control_holds_every_delivery_and_the_digest_arrives_once(
    api: TelegramStandIn, start_bot: StartBot
) -> None:
    # Four sends a second at most: Budi's digest would go out a quarter second after Ana's.
    bot = await start_bot(telegram={"rate_limits": {"overall": {"count": 4, "seconds": 1}}})
    api.fail_next("sendMessage", status=429, retry_after=1, chat_id=ANA.id)

    await subscribe_instant(bot, ANA.id)
    await subscribe_instant(bot, BUDI.id)
    await api.wait_for(lambda: digests_in(bot, ANA.id) and digests_in(bot, BUDI.id), timeout=5)

    refused, accepted = calls(api, "sendMessage", ANA.id)
    [other] = calls(api, "sendMessage", BUDI.id)
    assert (refused.status, accepted.status, other.status) == (429, 200, 200)
    assert accepted.at - refused.at >= 1.0  # not before Telegram's retry_after
    assert other.at - refused.at >= 1.0  # the whole platform waits, not only Ana's chat
    assert (len(api.sent_to(ANA.id)), len(api.sent_to(BUDI.id))) == (1, 1)


async def test_a_429_past_the_alert_threshold_reaches_the_admin_once(
    api: TelegramStandIn, start_bot: StartBot
) -> None:
    bot = await start_bot(alerts={"hold_seconds": 1})
    api.add_chat(ADMIN.id, "private", first_name=ADMIN.first_name)
    api.fail_next("sendMessage", status=429, retry_after=1, chat_id=ANA.id)

    await subscribe_instant(bot, ANA.id)
    await api.wait_for(lambda: digests_in(bot, ANA.id) and api.sent_to(ADMIN.id), timeout=5)

    [alert] = api.sent_to(ADMIN.id)  # in the configured language: the chat chose none
    title, line = alert.text.splitlines()[:2]
    assert title == f"<b>{say('en', 'alert_title')}</b>"
    assert line.startswith("Telegram asked the bot to wait (HTTP 429): sending there was held 1 s")
    assert len(api.sent_to(ANA.id)) == 1


async def test_a_blocked_bot_pauses_the_subscription_until_it_is_unblocked(
    api: TelegramStandIn, start_bot: StartBot
) -> None:
    bot = await start_bot()
    api.add_chat(BUDI.id, "private", first_name=BUDI.first_name)
    await subscribe_directly(bot, BUDI.id, ChatKind.PRIVATE, "en")
    api.block(BUDI.id)

    await make_due(bot, BUDI.id)
    await eventually(lambda: _is(bot, BUDI.id, State.PAUSED), timeout=3)

    paused = await subscription(bot, BUDI.id)
    assert paused is not None and paused.paused_at is not None
    reason = "Forbidden: bot was blocked by the user"
    assert paused.paused_reason == reason
    assert len(calls(api, "sendMessage", BUDI.id)) == 1  # not retried: it cannot succeed
    [status] = await bot.say(ADMIN.id, "/status", user=ADMIN)
    assert say("id", "status_subscriptions", platform="telegram", active=0, paused=1) in status.text
    since = paused.paused_at.astimezone(dt.UTC).strftime("%Y-%m-%d %H:%M UTC")
    line = say("id", "status_paused_chat", chat=f"telegram:{BUDI.id}", when=since, reason=reason)
    assert f"<b>{say('id', 'status_paused')}</b>\n{line}" in status.text

    # Budi unblocks the bot: Telegram says so with my_chat_member; the subscription resumes
    # as it was, and its next digest arrives.
    api.feed_my_chat_member(BUDI.id, "kicked", "member", by=BUDI)
    await eventually(lambda: _is(bot, BUDI.id, State.ACTIVE))
    resumed = await subscription(bot, BUDI.id)
    assert resumed is not None and resumed.paused_reason is None
    assert resumed.plan == paused.plan
    await make_due(bot, BUDI.id, minutes_ago=2)  # the slot after the missed one
    await api.wait_for(lambda: digests_in(bot, BUDI.id), timeout=3)


async def test_a_kicked_bot_added_back_to_a_group_resumes_its_subscription(
    api: TelegramStandIn, start_bot: StartBot
) -> None:
    bot = await start_bot()
    api.add_chat(OLD_GROUP, "group", "Kelompok")
    api.kick(OLD_GROUP)

    await subscribe_instant(bot, OLD_GROUP, ChatKind.GROUP)
    await eventually(lambda: _is(bot, OLD_GROUP, State.PAUSED))
    paused = await subscription(bot, OLD_GROUP)
    assert paused is not None
    assert paused.paused_reason == "Forbidden: bot was kicked from the group chat"

    api.feed_my_chat_member(OLD_GROUP, "left", "member", by=ANA)
    await eventually(lambda: _is(bot, OLD_GROUP, State.ACTIVE))
    # Added back, but removed again before anything was sent: no change of a paused chat.
    api.feed_my_chat_member(OLD_GROUP, "member", "left", by=ANA)
    api.feed_my_chat_member(OLD_GROUP, "left", "administrator", by=ANA)
    await eventually(lambda: _is(bot, OLD_GROUP, State.ACTIVE))


async def test_a_group_that_became_a_supergroup_takes_its_subscription_along(
    api: TelegramStandIn, start_bot: StartBot
) -> None:
    bot = await start_bot()
    api.add_chat(OLD_GROUP, "group", "Kelompok Lama")
    await subscribe_directly(bot, OLD_GROUP, ChatKind.GROUP, "en", times=(), instant=True)
    api.migrate(OLD_GROUP, NEW_GROUP)

    await bot.runtime.services.plan()
    [sent] = await api.wait_for(lambda: digests_in(bot, NEW_GROUP))

    assert [c.status for c in calls(api, "sendMessage", OLD_GROUP)] == [400]
    assert await subscription(bot, OLD_GROUP) is None
    moved = await subscription(bot, NEW_GROUP)
    assert moved is not None
    assert (moved.state, moved.chat_kind, moved.plan.instant) == (
        State.ACTIVE,
        ChatKind.GROUP,
        True,
    )
    assert len(api.sent_to(NEW_GROUP)) == 1
    assert sent.link_preview_options == NO_PREVIEW


async def test_a_chat_telegram_does_not_know_is_paused(
    api: TelegramStandIn, start_bot: StartBot
) -> None:
    bot = await start_bot()

    await subscribe_instant(bot, GONE, ChatKind.GROUP)
    await eventually(lambda: _is(bot, GONE, State.PAUSED))

    paused = await subscription(bot, GONE)
    assert paused is not None and paused.paused_reason == "Chat not found"
    assert api.sent == []


async def test_a_timed_out_send_is_retried_and_delivered(
    api: TelegramStandIn, start_bot: StartBot
) -> None:
    timeouts = {"connect": 2, "read": 0.5, "write": 2, "pool": 2}
    bot = await start_bot(telegram={"timeouts": timeouts})
    # Telegram answers too late (the client gives up at 0.5 s) and never carries it out.
    api.delay_next("sendMessage", 1.0, chat_id=ANA.id, deliver=False)

    await subscribe_instant(bot, ANA.id)
    await api.wait_for(lambda: digests_in(bot, ANA.id), timeout=4)

    first, second = calls(api, "sendMessage", ANA.id)
    assert (first.status, second.status) == (None, 200)
    assert second.at - first.at >= 0.5 + 0.2 * 0.8  # the read timeout, then the backoff
    assert len(api.sent_to(ANA.id)) == 1


async def test_server_errors_are_retried_with_backoff_and_delivered_once(
    api: TelegramStandIn, start_bot: StartBot
) -> None:
    bot = await start_bot(telegram={"rate_limits": {}})  # no pacing: only the backoff waits
    api.fail_next("sendMessage", status=500, count=2, chat_id=ANA.id)

    await subscribe_instant(bot, ANA.id)
    await api.wait_for(lambda: digests_in(bot, ANA.id), timeout=4)

    first, second, third = calls(api, "sendMessage", ANA.id)
    assert [c.status for c in (first, second, third)] == [500, 500, 200]
    # delivery.backoff_seconds is 0.2, doubled each time, less up to a fifth of jitter.
    assert second.at - first.at >= 0.2 * 0.8
    assert third.at - second.at >= 0.4 * 0.8
    assert len(api.sent_to(ANA.id)) == 1
    assert await state_of(bot, ANA.id) is State.ACTIVE


async def _is(bot: Running, chat_id: int, state: State) -> bool:
    return await state_of(bot, chat_id) is state


async def test_a_bot_added_back_to_a_forum_resumes_its_topics_subscriptions(
    api: TelegramStandIn, start_bot: StartBot
) -> None:
    bot = await start_bot()
    await subscribe_directly(bot, FORUM, ChatKind.GROUP, "en", times=(), instant=True, thread=42)
    api.kick(FORUM)
    await bot.runtime.services.plan()
    await eventually(lambda: _in_topic(bot, State.PAUSED))

    api.feed_my_chat_member(FORUM, "left", "member", by=ANA)
    await eventually(lambda: _in_topic(bot, State.ACTIVE), timeout=1)


async def _in_topic(bot: Running, state: State) -> bool:
    return await state_of(bot, FORUM, thread=42) is state
