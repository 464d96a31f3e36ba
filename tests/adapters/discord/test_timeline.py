"""/timeline on Discord: the picture attached to the interaction's public answer (or to its
follow-up when drawing takes longer than Discord waits), its caption in the user's language;
offered in user installs too; in words when the query finds nothing to draw."""

from __future__ import annotations

import pytest

from bot.adapters.discord import adapter as discord_adapter
from bot.core.models import Lang
from bot.core.picture import draw
from bot.core.ports import Format
from bot.core.text.fitting import whosaid_message
from bot.core.text.render import render
from bot.core.text.timeline import Timeline, caption_document, timeline_of
from tests.adapters.discord.conftest import BUDI, GENERAL, Running, StartBot, ask, buttons, press
from tests.pngs import read_png
from tests.standins.discord import EPHEMERAL, Attached, DiscordStandIn


def caption(bot: Running, query: str, lang: Lang) -> str:
    found = timeline_of(bot.runtime.services.library.edition.index, query, lang)
    assert isinstance(found, Timeline)
    return render(caption_document(found, query), Format.DISCORD)


def a_picture(files: list[Attached], lang: Lang) -> None:
    [file] = files
    assert file.filename == f"ringkas-timeline-{lang}.png"
    assert read_png(file.data).width == draw.WIDTH


async def test_timeline_answers_in_public_with_the_picture_attached(
    dc: DiscordStandIn, start_bot: StartBot
) -> None:
    bot = await start_bot()

    sent, answer = await ask(dc, "timeline", channel_id=GENERAL, user=BUDI)

    assert answer.type == 4 and not answer.flags & EPHEMERAL
    assert answer.content == caption(bot, "", "en")
    a_picture(answer.files, "en")
    original = dc.original_response(sent)
    assert original is not None
    [attachment] = original["attachments"]
    assert (attachment["filename"], attachment["content_type"]) == (
        "ringkas-timeline-en.png",
        "image/png",
    )
    assert answer.data is not None and answer.data["allowed_mentions"] == {"parse": []}


async def test_timeline_of_a_person_for_an_indonesian_client(
    dc: DiscordStandIn, start_bot: StartBot
) -> None:
    bot = await start_bot()

    _, answer = await ask(dc, "timeline", {"query": "trump"}, channel_id=GENERAL, locale="id")

    assert answer.content == caption(bot, "trump", "id")
    a_picture(answer.files, "id")
    assert read_png(answer.files[0].data).texts["Title"].startswith("Negosiasi Israel–Hamas")


async def test_timeline_in_a_dm(dc: DiscordStandIn, start_bot: StartBot) -> None:
    await start_bot()

    _, answer = await ask(dc, "timeline", {"query": "rubio"}, dm=True, user=BUDI)

    a_picture(answer.files, "en")


async def test_a_slow_drawing_is_deferred_then_attached_to_the_follow_up(
    dc: DiscordStandIn, start_bot: StartBot, monkeypatch: pytest.MonkeyPatch
) -> None:
    bot = await start_bot()
    monkeypatch.setattr(discord_adapter, "ANSWER_WITHIN", 0.0)  # as if drawing took 2 s

    sent = await dc.dispatch_interaction("timeline", {"query": "guterres"}, channel_id=GENERAL)
    [shown] = await dc.wait_for(lambda: dc.followups_for(sent), what="the follow-up")

    [deferred] = dc.responses_for(sent)
    assert (deferred.type, deferred.flags & EPHEMERAL) == (5, 0)
    assert shown.content == caption(bot, "guterres", "en") and not shown.ephemeral
    a_picture(shown.files, "en")


async def test_timeline_finding_no_one_answers_in_words_as_whosaid(
    dc: DiscordStandIn, start_bot: StartBot
) -> None:
    bot = await start_bot()

    _, answer = await ask(dc, "timeline", {"query": "zzqx"}, channel_id=GENERAL)

    index = bot.runtime.services.library.edition.index
    assert answer.content == whosaid_message(index, "zzqx", "en", Format.DISCORD)[1]
    assert answer.files == []


async def test_a_candidates_button_answers_with_the_picture(
    dc: DiscordStandIn, start_bot: StartBot
) -> None:
    await start_bot()
    sent, _ = await ask(dc, "timeline", {"query": "minister"}, channel_id=GENERAL)
    original = dc.original_response(sent)
    assert original is not None
    [(label, custom_id), *_] = buttons(original["components"])
    assert label == "Benjamin Netanyahu"

    pressed, _ = await press(dc, int(original["id"]), custom_id)
    [shown] = await dc.wait_for(lambda: dc.followups_for(pressed), what="the picture")

    a_picture(shown.files, "en")
    assert "Benjamin Netanyahu" in (shown.content or "")
    assert (dc.original_response(sent) or {}).get("components") == []  # the choice is made


async def test_timeline_is_offered_in_user_installs_too(
    dc: DiscordStandIn, start_bot: StartBot
) -> None:
    await start_bot()

    [sync] = dc.command_syncs
    commands = {c["name"]: c for c in sync.commands}
    timeline = commands["timeline"]
    assert timeline["name_localizations"] == {"id": "lini-masa"}
    assert timeline["integration_types"] == [0, 1]  # a server's install, and a user's
    assert timeline["contexts"] == [0, 1, 2]  # servers, DMs with the bot, other DMs
    [query] = timeline["options"]
    assert (query["name"], query["required"], query["autocomplete"]) == ("query", False, True)
