"""Who may do what, as Discord users see it: /subscribe and /unsubscribe need Manage Channels in
the channel (declared to Discord and checked on every call), a DM is one's own to subscribe, a
thread is a chat of its own, and /push, /status and /reload are for the bot's admins."""

from __future__ import annotations

import datetime as dt

import pytest

from bot.core import timing
from bot.core.commands.base import when
from bot.core.ports import ChatKind
from bot.core.subscription import Plan, State
from bot.core.text.strings import say
from tests.adapters.discord.conftest import (
    ADMIN,
    ANA,
    BUDI,
    GENERAL,
    GUILD_ID,
    NEWS,
    THREAD,
    StartBot,
    ask,
    digest,
    previews_off,
    ref,
    subscribe_directly,
    subscription,
)
from tests.standins.discord import (
    EPHEMERAL,
    EVERYONE_PERMISSIONS,
    MANAGE_CHANNELS,
    MANAGE_GUILD,
    DiscordStandIn,
)


async def test_a_member_with_manage_channels_subscribes_the_channel_and_is_answered_privately(
    dc: DiscordStandIn, start_bot: StartBot
) -> None:
    bot = await start_bot()

    options = {"language": "id", "times": "07:00 19:00", "zone": "WITA"}
    _, response = await ask(dc, "subscribe", options, channel_id=GENERAL, user=ANA)

    stored = await subscription(bot, GENERAL)
    assert stored is not None
    assert stored.chat == ref(GENERAL)
    assert stored.plan == Plan("id", (dt.time(7), dt.time(19)), False, "Asia/Makassar")
    assert (stored.chat_kind, stored.state) == (ChatKind.GROUP, State.ACTIVE)
    assert (stored.subscribed_by, stored.chat_title) == (str(ANA.id), "general")
    assert stored.next_due is not None
    # In the language just chosen; only Ana sees it.
    times = timing.format_time(dt.time(7), "id") + say("id", "and")
    times += timing.format_time(dt.time(19), "id")
    assert response.content == "\n".join(
        [
            f"**{say('id', 'subscribed')}**",
            "",
            say("id", "plan_languages", languages="Indonesia"),
            say("id", "plan_times", times=times, zone="WITA"),
            say("id", "plan_next", when=when(stored.next_due, "Asia/Makassar", "id")),
        ]
    )
    assert response.type == 4 and response.ephemeral
    assert (response.data or {})["allowed_mentions"] == {"parse": []}


async def test_a_member_without_manage_channels_is_refused_and_nothing_is_stored(
    dc: DiscordStandIn, start_bot: StartBot
) -> None:
    bot = await start_bot()

    _, response = await ask(dc, "subscribe", {"times": "08:00"}, channel_id=GENERAL, user=BUDI)
    _, in_indonesian = await ask(dc, "subscribe", {"language": "id"}, channel_id=NEWS, user=BUDI)

    assert response.content == say("en", "not_chat_admin")
    assert response.ephemeral
    assert in_indonesian.content == say("id", "not_chat_admin")  # the language he chose
    assert in_indonesian.ephemeral
    assert await subscription(bot, GENERAL) is None
    assert await subscription(bot, NEWS) is None
    assert dc.messages == []


async def test_being_a_bot_admin_is_not_managing_the_channel(
    dc: DiscordStandIn, start_bot: StartBot
) -> None:
    bot = await start_bot()

    _, response = await ask(dc, "subscribe", channel_id=GENERAL, user=ADMIN)

    assert response.content == say("en", "not_chat_admin") and response.ephemeral
    assert await subscription(bot, GENERAL) is None


async def test_manage_channels_granted_in_this_channel_only_is_enough(
    dc: DiscordStandIn, start_bot: StartBot
) -> None:
    """Discord computes the member's permissions in the channel (roles and overwrites): Budi,
    given Manage Channels here by an overwrite, may subscribe it."""
    bot = await start_bot()

    allowed = EVERYONE_PERMISSIONS | MANAGE_CHANNELS
    _, response = await ask(dc, "subscribe", channel_id=NEWS, user=BUDI, permissions=allowed)

    assert response.content is not None
    assert response.content.startswith(f"**{say('en', 'subscribed')}**")
    stored = await subscription(bot, NEWS)
    assert stored is not None and stored.subscribed_by == str(BUDI.id)


async def test_a_dm_is_ones_own_to_subscribe_and_its_digest_arrives_there(
    dc: DiscordStandIn, start_bot: StartBot
) -> None:
    bot = await start_bot()

    sent, response = await ask(dc, "subscribe", {"times": "instant"}, dm=True, user=BUDI)

    assert sent.guild_id is None
    assert response.content is not None and response.ephemeral
    assert response.content.startswith(f"**{say('en', 'subscribed')}**")
    stored = await subscription(bot, sent.channel_id)
    assert stored is not None
    assert (stored.chat_kind, stored.plan.instant) == (ChatKind.PRIVATE, True)
    assert stored.subscribed_by == str(BUDI.id)
    # Instant: the digest in service comes at once, to the DM, once.
    [message] = await dc.wait_for(lambda: dc.messages_in(sent.channel_id))
    assert message.text == digest(bot, "en")
    assert previews_off(message)
    assert dc.messages == [message]


async def test_a_thread_is_subscribed_as_a_chat_of_its_own(
    dc: DiscordStandIn, start_bot: StartBot
) -> None:
    bot = await start_bot()

    _, response = await ask(dc, "subscribe", {"times": "instant"}, channel_id=THREAD, user=ANA)

    assert response.ephemeral
    stored = await subscription(bot, THREAD)
    assert stored is not None and stored.chat == ref(THREAD)
    assert stored.chat_title == "gaza-talks"
    assert await subscription(bot, GENERAL) is None  # not the thread's parent channel
    [message] = await dc.wait_for(lambda: dc.messages_in(THREAD))
    assert message.text == digest(bot, "en")
    assert dc.messages_in(GENERAL) == []


async def test_unsubscribe_needs_manage_channels_too(
    dc: DiscordStandIn, start_bot: StartBot
) -> None:
    bot = await start_bot()
    await subscribe_directly(bot, GENERAL)

    _, refused = await ask(dc, "unsubscribe", channel_id=GENERAL, user=BUDI)
    assert refused.content == say("en", "not_chat_admin") and refused.ephemeral
    assert await subscription(bot, GENERAL) is not None

    _, done = await ask(dc, "unsubscribe", channel_id=GENERAL, user=ANA)
    assert done.content == say("en", "unsubscribed") and done.ephemeral
    assert await subscription(bot, GENERAL) is None


async def test_subscribe_and_unsubscribe_are_declared_for_channel_managers(
    dc: DiscordStandIn, start_bot: StartBot
) -> None:
    """Discord hides them from members without Manage Channels (server admins may change
    that: hence the check at run time too); the admin commands from members without Manage
    Server (bot admins are checked at run time); the other commands are everyone's."""
    await start_bot()

    [sync] = dc.command_syncs
    declared = {c["name"]: c.get("default_member_permissions") for c in sync.commands}

    for managing in ("subscribe", "unsubscribe", "follow", "unfollow", "lang"):
        assert int(declared.pop(managing)) == MANAGE_CHANNELS
    for admin_command in ("push", "status", "reload"):
        assert int(declared.pop(admin_command)) == MANAGE_GUILD
    assert set(declared.values()) == {None}
    assert {c["name"] for c in dc.commands(GUILD_ID)} >= {"subscribe", "unsubscribe"}


@pytest.mark.parametrize(
    ("command", "options"),
    [("push", {"what": "Talks resume on Thursday"}), ("status", None), ("reload", None)],
)
async def test_admin_commands_are_refused_to_anyone_else(
    dc: DiscordStandIn, start_bot: StartBot, command: str, options: dict[str, str] | None
) -> None:
    bot = await start_bot()

    # Even to a member who manages the channel, in Indonesian for an Indonesian client.
    _, response = await ask(dc, command, options, channel_id=GENERAL, user=ANA, locale="id")

    assert response.content == say("id", "not_bot_admin")
    assert response.type == 4 and response.ephemeral
    assert await bot.runtime.services.store.pushes.recent_sent(5) == []
    assert dc.messages == []


async def test_a_bot_admin_gets_the_status_privately(
    dc: DiscordStandIn, start_bot: StartBot
) -> None:
    await start_bot()

    _, response = await ask(dc, "status", channel_id=GENERAL, user=ADMIN)

    assert response.content is not None
    assert response.content.startswith(f"**{say('en', 'status_title')}**")
    assert say("en", "status_no_subscriptions") in response.content
    assert response.flags & EPHEMERAL
