"""/push as a bot admin sees it in Discord: a private preview, a question with Send and Cancel,
then that message edited with the progress until done (in a DM once the interaction expires);
and what the subscribed channels, a
thread and a DM get: the push, once each, escaped, pinging no one."""

from __future__ import annotations

import asyncio
import logging

import pytest

from bot.core.ports import ChatKind, Format
from bot.core.store.records import PushState
from bot.core.text.strings import say
from tests.adapters.discord.conftest import (
    ADMIN,
    ANA,
    GENERAL,
    NEWS,
    THREAD,
    Running,
    StartBot,
    ask,
    buttons,
    everything_sent,
    press,
    previews_off,
    subscribe_directly,
    subscription,
)
from tests.adapters.running import push_state
from tests.standins.discord import DiscordStandIn, Followup

# Markdown, a mass mention and a user mention: shown as written, pinging no one.
TEXT = "**Talks** resume _Thursday_ @everyone <@1400000000000000101> @here"
SHOWN = (
    "\\*\\*Talks\\*\\* resume \\_Thursday\\_ @\u200beveryone \\<@1400000000000000101\\> @\u200bhere"
)


def announcement(lang: str) -> str:
    return f"**{say(lang, 'announcement')}**\n\n{SHOWN}"


async def subscribe_everywhere(dc: DiscordStandIn, bot: Running) -> dict[int, str]:
    """Two channels, a thread and Ana's DM (subscribed by herself): channel id → language."""
    await subscribe_directly(bot, GENERAL, "en")
    await subscribe_directly(bot, NEWS, "id")
    await subscribe_directly(bot, THREAD, "en")
    sent, _ = await ask(dc, "subscribe", {"language": "id"}, dm=True, user=ANA)
    assert await subscription(bot, sent.channel_id) is not None
    return {GENERAL: "en", NEWS: "id", THREAD: "en", sent.channel_id: "id"}


async def propose(dc: DiscordStandIn, what: str = TEXT) -> tuple[Followup, str]:
    """The admin's /push: the preview (checked), the question under it, and the push's id."""
    sent, preview = await ask(dc, "push", {"what": what}, channel_id=GENERAL, user=ADMIN)
    [question] = await dc.wait_for(lambda: dc.followups_for(sent), what="the push question")
    assert preview.type == 4 and preview.ephemeral and question.ephemeral
    assert not (preview.data or {}).get("components")
    send, cancel = buttons(question.components)
    push_id = send[1].removeprefix("/push confirm ")
    assert [send, cancel] == [
        (say("en", "push_send"), f"/push confirm {push_id}"),
        (say("en", "push_cancel"), f"/push cancel {push_id}"),
    ]
    return question, push_id


async def proposed_everywhere(
    dc: DiscordStandIn, start_bot: StartBot
) -> tuple[Running, dict[int, str], Followup, str]:
    """A bot serving four subscribed chats, and the admin's /push question with its id."""
    bot = await start_bot()
    chats = await subscribe_everywhere(dc, bot)
    question, push_id = await propose(dc)
    return bot, chats, question, push_id


def received(dc: DiscordStandIn, chats: dict[int, str]) -> dict[int, list[str | None]]:
    return {chat: [m.content for m in dc.messages_in(chat)] for chat in chats}


def shown(dc: DiscordStandIn, message_id: int) -> str | None:
    stored = dc.stored_message(message_id)
    assert stored is not None
    return stored["content"]


async def test_push_previews_then_reaches_every_channel_once_with_progress(
    dc: DiscordStandIn, start_bot: StartBot
) -> None:
    bot = await start_bot()
    chats = await subscribe_everywhere(dc, bot)

    _, preview = await ask(dc, "push", {"what": TEXT}, channel_id=GENERAL, user=ADMIN)
    assert preview.content == announcement("en")
    question, push_id = await propose(dc)  # the same text again: the same draft
    assert question.content == say("en", "push_preview", id=push_id, count=4)
    assert dc.messages == []  # nothing before Send

    dc.delay_next("POST", f"/channels/{NEWS}/messages", 0.6)  # one slow channel: progress
    _, answer = await press(dc, question.id, f"/push confirm {push_id}", user=ADMIN)
    done = say("en", "push_done", id=push_id, delivered=4, total=4, failed=0)
    await dc.wait_for(lambda: shown(dc, question.id) == done, what="the push to be done")

    # The question became the status: "sending", then progress, then done; no buttons left.
    assert answer.type == 7
    assert answer.content == say("en", "push_sending", id=push_id, count=4)
    assert (answer.data or {})["components"] == []
    edits = [e for e in dc.edits if e.message_id == question.id]
    assert edits and all(e.via == "original" for e in edits)
    *progress, last = [(e.json or {})["content"] for e in edits]
    assert last == done
    steps = [
        say("en", "push_progress", id=push_id, delivered=n, total=4, failed=0) for n in range(4)
    ]
    assert steps[3] in progress  # three delivered, the slow one on its way
    assert progress == sorted(progress, key=steps.index)
    # Each channel, the thread and the DM: once, in its language, escaped.
    assert received(dc, chats) == {chat: [announcement(lang)] for chat, lang in chats.items()}
    assert len(dc.messages) == 4 and dc.duplicates() == {}
    assert await push_state(bot, push_id) is PushState.SENT


async def test_no_message_the_bot_sends_can_ping_anyone(
    dc: DiscordStandIn, start_bot: StartBot
) -> None:
    _, _, question, push_id = await proposed_everywhere(dc, start_bot)
    await press(dc, question.id, f"/push confirm {push_id}", user=ADMIN)
    done = say("en", "push_done", id=push_id, delivered=4, total=4, failed=0)
    await dc.wait_for(lambda: shown(dc, question.id) == done, what="the push to be done")
    await ask(dc, "status", channel_id=GENERAL, user=ADMIN)

    everything = everything_sent(dc)
    assert len(everything) >= 10
    assert [where for where, mentions in everything if mentions != {"parse": []}] == []
    texts = [m.content for m in dc.messages] + [f.content for f in dc.followups]
    texts += [r.content for r in dc.interaction_responses if r.content]
    assert not [t for t in texts if t and ("@everyone" in t or "@here" in t)]


async def test_pressing_send_again_sends_nothing_more(
    dc: DiscordStandIn, start_bot: StartBot
) -> None:
    bot, chats, question, push_id = await proposed_everywhere(dc, start_bot)

    # A double click: two presses in flight at once, then a third once all is sent.
    first, second = await asyncio.gather(
        dc.dispatch_component(question.id, f"/push confirm {push_id}", user=ADMIN),
        dc.dispatch_component(question.id, f"/push confirm {push_id}", user=ADMIN),
    )
    await dc.wait_for(lambda: dc.responses_for(first) and dc.responses_for(second))
    await dc.wait_for(lambda: all(received(dc, chats).values()))
    _, third = await press(dc, question.id, f"/push confirm {push_id}", user=ADMIN)
    await asyncio.sleep(0.3)  # a second sending would have begun by now

    assert {chat: len(texts) for chat, texts in received(dc, chats).items()} == dict.fromkeys(
        chats, 1
    )
    assert dc.duplicates() == {}
    already = say("en", "push_already_sent", id=push_id, when="\0").partition("\0")[0]
    assert third.content is not None and third.content.startswith(already)
    assert await push_state(bot, push_id) is PushState.SENT


async def test_cancel_sends_nothing_and_a_later_send_neither(
    dc: DiscordStandIn, start_bot: StartBot
) -> None:
    bot, _, question, push_id = await proposed_everywhere(dc, start_bot)

    _, cancelled = await press(dc, question.id, f"/push cancel {push_id}", user=ADMIN)
    _, later = await press(dc, question.id, f"/push confirm {push_id}", user=ADMIN)
    await asyncio.sleep(0.3)

    assert cancelled.type == 7
    assert cancelled.content == say("en", "push_cancelled", id=push_id)
    assert later.content == say("en", "push_was_cancelled", id=push_id)
    assert dc.messages == []
    assert await push_state(bot, push_id) is PushState.CANCELLED


async def test_a_pushed_summary_arrives_as_a_digest_without_link_previews(
    dc: DiscordStandIn, start_bot: StartBot
) -> None:
    bot = await start_bot()
    await subscribe_directly(bot, GENERAL, "en")
    await subscribe_directly(bot, NEWS, "id", kind=ChatKind.GROUP)
    library = bot.runtime.services.library
    summary = library.catalog.summaries[0]

    question, push_id = await propose(dc, summary.id)
    await press(dc, question.id, f"/push confirm {push_id}", user=ADMIN)
    await dc.wait_for(lambda: dc.messages_in(GENERAL) and dc.messages_in(NEWS))

    [english] = dc.messages_in(GENERAL)
    [indonesian] = dc.messages_in(NEWS)
    assert english.text == library.summary_digest(summary.id, "en", bot.adapter.sender.format)
    assert indonesian.text == library.summary_digest(summary.id, "id", bot.adapter.sender.format)
    assert previews_off(english) and previews_off(indonesian)


async def test_progress_moves_to_a_dm_when_the_interaction_expires(
    dc: DiscordStandIn, start_bot: StartBot
) -> None:
    bot, chats, question, push_id = await proposed_everywhere(dc, start_bot)
    steps = [
        say("en", "push_progress", id=push_id, delivered=n, total=4, failed=0) for n in range(4)
    ]
    done = say("en", "push_done", id=push_id, delivered=4, total=4, failed=0)
    # Two slow channels: the progress still changes after the expiry, and again at the end.
    dc.delay_next("POST", f"/channels/{NEWS}/messages", 0.8)
    dc.delay_next("POST", f"/channels/{THREAD}/messages", 1.6)

    pressed, _ = await press(dc, question.id, f"/push confirm {push_id}", user=ADMIN)
    await dc.wait_for(lambda: shown(dc, question.id) in steps, what="the first progress")
    dc.expire_interaction(pressed)  # as Discord does 15 minutes after the press
    dm = await dc.wait_for(lambda: dc.dm_channel_id(ADMIN.id), what="a DM to the admin")
    await dc.wait_for(lambda: dc.messages_in(dm) and shown(dc, dc.messages_in(dm)[0].id) == done)

    # Posted once, with the progress as it stood, then edited until done.
    [moved] = dc.messages_in(dm)
    assert moved.content in steps
    assert [(e.json or {})["content"] for e in dc.edits if e.message_id == moved.id][-1] == done
    assert shown(dc, question.id) in steps  # the expired message stays as it was last shown
    assert received(dc, chats) == {chat: [announcement(lang)] for chat, lang in chats.items()}
    assert await push_state(bot, push_id) is PushState.SENT
    assert [where for where, mentions in everything_sent(dc) if mentions != {"parse": []}] == []


async def test_progress_stops_when_the_interaction_expires_and_dms_are_closed(
    dc: DiscordStandIn, start_bot: StartBot, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    bot, chats, question, push_id = await proposed_everywhere(dc, start_bot)
    dc.block_dms(ADMIN.id)
    dc.delay_next("POST", f"/channels/{NEWS}/messages", 0.8)

    pressed, answer = await press(dc, question.id, f"/push confirm {push_id}", user=ADMIN)
    dc.expire_interaction(pressed)
    await dc.wait_for(lambda: all(received(dc, chats).values()), what="the push to be sent")
    await asyncio.sleep(0.5)  # another edit would have been tried by now

    dm = dc.dm_channel_id(ADMIN.id)
    assert dm is not None and dc.messages_in(dm) == []
    assert shown(dc, question.id) == answer.content  # "sending", never edited since
    stopped = [r for r in caplog.records if r.getMessage().startswith("stopped showing")]
    assert len(stopped) == 1 and "Cannot send messages to this user" in stopped[0].getMessage()
    assert await push_state(bot, push_id) is PushState.SENT


async def test_a_bare_push_previews_the_digest(dc: DiscordStandIn, start_bot: StartBot) -> None:
    bot = await start_bot()
    sent, preview = await ask(dc, "push", {}, channel_id=GENERAL, user=ADMIN)
    [question] = await dc.wait_for(lambda: dc.followups_for(sent), what="the push question")

    library = bot.runtime.services.library
    assert (preview.data or {}).get("content") == library.digest("en", Format.DISCORD)
    send, _ = buttons(question.components)
    assert send[1].startswith("/push confirm ")
