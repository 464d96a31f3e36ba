"""Groups, forum topics and channels: who may change a chat's subscription (Telegram's own
getChatMember answer), anonymous admins and channel posts, commands for other bots, and the
bot admins' commands."""

from __future__ import annotations

import asyncio

from bot.core.models import Lang
from bot.core.ports import ChatKind
from bot.core.subscription import State
from bot.core.text.strings import say
from tests.adapters.telegram.conftest import (
    ADMIN,
    ANA,
    BUDI,
    CHANNEL,
    FORUM,
    GROUP,
    StartBot,
    calls,
    digest,
    feed_channel_post,
    subscription,
)
from tests.standins.telegram import GROUP_ANONYMOUS_BOT, TelegramStandIn


def subscribed(lang: Lang) -> str:
    return f"<b>{say(lang, 'subscribed')}</b>"


def asked_about(api: TelegramStandIn) -> list[tuple[int, int]]:
    """(chat, user) of every getChatMember call: whom the bot asked Telegram about."""
    return [(c.params["chat_id"], c.params["user_id"]) for c in calls(api, "getChatMember")]


async def test_a_group_member_who_is_not_an_admin_may_not_subscribe(
    api: TelegramStandIn, start_bot: StartBot
) -> None:
    bot = await start_bot()

    [refused] = await bot.say(GROUP, "/subscribe id 07:00 WIB", user=BUDI)
    [unsubscribe] = await bot.say(GROUP, "/unsubscribe", user=BUDI)

    assert refused.text == say("id", "not_chat_admin")
    assert unsubscribe.text == say("id", "not_chat_admin")
    assert asked_about(api) == [(GROUP, BUDI.id), (GROUP, BUDI.id)]  # asked each time
    assert await subscription(bot, GROUP) is None


async def test_a_group_admin_may_subscribe_the_group(
    api: TelegramStandIn, start_bot: StartBot
) -> None:
    bot = await start_bot()

    [answer] = await bot.say(GROUP, "/subscribe en 07:00 WIB", user=ANA)

    assert answer.text.startswith(subscribed("en") + "\n")
    assert answer.message_thread_id is None
    assert asked_about(api) == [(GROUP, ANA.id)]
    stored = await subscription(bot, GROUP)
    assert stored is not None
    assert (stored.chat_kind, stored.chat_title, stored.plan.languages, stored.subscribed_by) == (
        ChatKind.GROUP,
        "Berita Pagi",
        "en",
        str(ANA.id),
    )
    # A member who is not an admin cannot take it away.
    [refused] = await bot.say(GROUP, "/unsubscribe", user=BUDI)
    assert refused.text == say("en", "not_chat_admin")  # the group chose English
    assert await subscription(bot, GROUP) is not None


async def test_anyone_in_a_group_may_ask_without_an_admin_check(
    api: TelegramStandIn, start_bot: StartBot
) -> None:
    bot = await start_bot()

    [whosaid] = await bot.say(GROUP, "/whosaid Guterres", user=BUDI)
    [digest_] = await bot.say(GROUP, "/digest", user=BUDI)
    [settings] = await bot.say(GROUP, "/settings", user=BUDI)
    [help_] = await bot.say(GROUP, "/help", user=BUDI)

    assert "António Guterres" in whosaid.text
    assert digest_.text == digest(bot, "id")  # Budi's app language: the group chose none
    assert digest_.link_preview_options == {"is_disabled": True}
    assert settings.text == say("id", "not_subscribed")
    assert help_.text.startswith("<b>Perintah</b>")
    assert asked_about(api) == []


async def test_an_anonymous_group_admin_may_subscribe_the_group(
    api: TelegramStandIn, start_bot: StartBot
) -> None:
    bot = await start_bot()

    # Sent on behalf of the group: `from` is GroupAnonymousBot, `sender_chat` the group.
    [answer] = await bot.say(GROUP, "/subscribe id 07:00 WIB", sender_chat_id=GROUP)

    assert answer.text.startswith(subscribed("id") + "\n")
    assert asked_about(api) == []  # only the group's admins can write as the group
    stored = await subscription(bot, GROUP)
    assert stored is not None
    assert stored.subscribed_by == str(GROUP)
    assert stored.subscribed_by != str(GROUP_ANONYMOUS_BOT)


async def test_a_linked_channel_writing_in_a_group_may_not_subscribe_the_group(
    api: TelegramStandIn, start_bot: StartBot
) -> None:
    bot = await start_bot()

    # A message on behalf of another chat is not the group's admin speaking.
    [answer] = await bot.say(GROUP, "/subscribe en", sender_chat_id=CHANNEL)

    assert answer.text == say("en", "not_chat_admin")
    assert await subscription(bot, GROUP) is None


async def test_a_command_for_another_bot_and_group_talk_are_ignored(
    api: TelegramStandIn, start_bot: StartBot
) -> None:
    bot = await start_bot()

    api.feed_message(GROUP, "/digest@OtherBot", user=BUDI)
    api.feed_message(GROUP, "/subscribe@OtherBot en", user=ANA)
    api.feed_message(GROUP, "selamat pagi semua", user=BUDI)  # talk in a group is not for the bot
    answers = await bot.say(GROUP, "/digest@RingkasBot", user=BUDI)
    await asyncio.sleep(0.1)  # the ignored ones were handled before it, or alongside

    assert [m.text for m in api.sent_to(GROUP)] == [digest(bot, "id")] == [m.text for m in answers]
    assert asked_about(api) == []
    assert await subscription(bot, GROUP) is None
    # The bot's username is matched as Telegram matches it: in any case.
    [lower] = await bot.say(GROUP, "/help@ringkasbot", user=BUDI)
    assert lower.text.startswith("<b>Perintah</b>")


async def test_a_forum_topic_has_its_own_subscription_and_gets_its_digest(
    api: TelegramStandIn, start_bot: StartBot
) -> None:
    bot = await start_bot()

    await bot.say(FORUM, "/subscribe en instant", user=ANA, thread_id=42)
    await api.wait_for(lambda: len(api.sent_to(FORUM)) >= 2)

    # The instant digest may go out before the answer is sent: told apart by their texts.
    [reply] = [m for m in api.sent_to(FORUM) if m.text.startswith(subscribed("en") + "\n")]
    [delivered] = [m for m in api.sent_to(FORUM) if m.text == digest(bot, "en")]
    stored = await subscription(bot, FORUM, thread=42)
    assert stored is not None and stored.chat.thread == "42"
    assert stored.chat_kind is ChatKind.GROUP
    assert await subscription(bot, FORUM) is None  # not the whole forum
    # The answer and the digest both went to topic 42.
    assert reply.message_thread_id == 42
    assert (delivered.message_thread_id, delivered.link_preview_options) == (
        42,
        {"is_disabled": True},
    )
    # Another topic is another subscription: there, nothing is subscribed.
    [other] = await bot.say(FORUM, "/settings", user=BUDI, thread_id=43)
    assert (other.text, other.message_thread_id) == (say("id", "not_subscribed"), 43)


async def test_a_channel_post_subscribes_the_channel(
    api: TelegramStandIn, start_bot: StartBot
) -> None:
    bot = await start_bot()

    feed_channel_post(api, CHANNEL, "/subscribe en 07:00 WIB")
    [answer] = await api.wait_for(lambda: api.sent_to(CHANNEL))

    assert answer.text.startswith(subscribed("en") + "\n")
    assert asked_about(api) == []  # only a channel's admins can post in it
    stored = await subscription(bot, CHANNEL)
    assert stored is not None
    assert (stored.chat_kind, stored.chat_title, stored.state, stored.subscribed_by) == (
        ChatKind.CHANNEL,
        "Ringkas Harian",
        State.ACTIVE,
        str(CHANNEL),
    )


async def test_only_bot_admins_may_push_see_the_status_or_reload(
    api: TelegramStandIn, start_bot: StartBot
) -> None:
    bot = await start_bot()
    refused: list[str] = []

    for count, command in enumerate(("/push Talks resume", "/status", "/reload"), start=1):
        [private] = await bot.say(BUDI.id, command, user=BUDI)
        [group] = await bot.say(GROUP, command, user=ANA)  # a group admin, not a bot admin
        refused += [private.text, group.text]
        feed_channel_post(api, CHANNEL, command)  # a channel post has no user: no bot admin
        await api.wait_for(lambda n=count: len(api.sent_to(CHANNEL)) == n)

    assert refused == [say("id", "not_bot_admin"), say("en", "not_bot_admin")] * 3
    assert [m.text for m in api.sent_to(CHANNEL)] == [say("en", "not_bot_admin")] * 3
    assert api.edits == [] and await bot.runtime.services.store.pushes.recent_sent(1) == []
    # The bot admin is one wherever they write.
    [status] = await bot.say(GROUP, "/status", user=ADMIN)
    assert status.text.startswith(f"<b>{say('id', 'status_title')}</b>")


async def test_when_telegram_cannot_say_who_the_admins_are_nothing_is_changed(
    api: TelegramStandIn, start_bot: StartBot
) -> None:
    bot = await start_bot()
    api.fail_next("getChatMember", status=500)

    [answer] = await bot.say(GROUP, "/subscribe en", user=ANA)

    assert answer.text == say("en", "internal_error")
    assert await subscription(bot, GROUP) is None
    # Once Telegram answers again, the same admin may.
    [again] = await bot.say(GROUP, "/subscribe en", user=ANA)
    assert again.text.startswith(subscribed("en"))
