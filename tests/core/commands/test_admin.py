"""/push, /status and /reload: the bot's admins' commands, against a real store and content."""

from __future__ import annotations

import datetime as dt
import re
import shutil
from pathlib import Path

import pytest
from sqlalchemy import select

from bot.core.commands import Choice
from bot.core.commands.base import plain_line
from bot.core.delivery.pushes import push_id
from bot.core.delivery.replies import Replies
from bot.core.models import LANGS, Lang
from bot.core.ports import ChatGone, ChatKind, ChatRef, Format, ReplyCall, RetryAfter
from bot.core.services import Services
from bot.core.store import Store
from bot.core.store.outbox import Settlement
from bot.core.store.tables import outbox
from bot.core.text.render import fits, render
from bot.core.text.strings import say
from tests.conftest import CONTENT
from tests.core.commands.conftest import (
    CHAT,
    START,
    Clock,
    ask,
    ask_admin,
    audit_actions,
    joined,
    make_services,
    outbox_rows,
    push_rows,
    subscribe,
)
from tests.fakes import RecordingSender

EN_CHAT = ChatRef("telegram", "201")
ID_CHAT = ChatRef("telegram", "202")
BOTH_CHAT = ChatRef("discord", "203")
PAUSED_CHAT = ChatRef("telegram", "204")


async def subscribers(services: Services) -> None:
    """Three active chats reading four languages between them, and one paused chat."""
    await subscribe(services, EN_CHAT, "en")
    await subscribe(services, ID_CHAT, "id")
    await subscribe(services, BOTH_CHAT, "both")
    paused = await subscribe(services, PAUSED_CHAT, "en")
    await services.store.subscriptions.pause(paused.id, "bot was <blocked>", services.clock.now())


def newest_summary(services: Services) -> str:
    return services.library.catalog.summaries[0].id


async def queued_push_body(services: Services, push: str) -> str:
    """The one body id the push's queued rows share: "push:<id>:" and a hash of its texts,
    which it holds, as the broadcaster renders them, in every language and format."""
    query = select(outbox.c.body_id).where(outbox.c.occasion == f"push:{push}").distinct()
    async with services.store.engine.connect() as connection:
        [body] = list(await connection.scalars(query))
    assert body.startswith(f"push:{push}:"), body
    sent = await services.store.pushes.get(push)
    assert sent is not None
    for lang in LANGS:
        for fmt in Format:
            text = await services.store.outbox.text(body, lang, fmt)
            assert text is not None
            assert text == services.pusher.text(sent, lang, fmt)
    return str(body)


@pytest.fixture
async def copied(store: Store, clock: Clock, tmp_path: Path) -> Services:
    """Services over a copy of the shipped content, which the test may break."""
    folder = tmp_path / "content"
    shutil.copytree(CONTENT, folder)
    return await make_services(store, folder, clock)


# --- only for admins ---


@pytest.mark.parametrize(
    "text", ["/push", "/push hello everyone", "/push confirm abc", "/status", "/reload"]
)
async def test_admin_commands_refuse_everyone_else(services: Services, text: str) -> None:
    reply = await ask(services, text, user="42", can_manage=True)

    assert joined(reply) == "This command is for the bot's admins."
    assert await push_rows(services.store) == []
    assert await audit_actions(services.store) == []
    assert await services.store.outbox.counts() == {}


async def test_the_refusal_is_localised(services: Services) -> None:
    reply = await ask(services, f"/push {newest_summary(services)}", lang="id")

    assert joined(reply) == "Perintah ini khusus untuk admin bot."
    assert await push_rows(services.store) == []


# --- /push ---


async def test_push_without_arguments_previews_the_digest_and_sends_it_once_confirmed(
    services: Services,
) -> None:
    await subscribers(services)
    selection = services.library.edition.selection
    assert selection is not None
    expected_id = push_id(None, None, None, selection)

    preview, question = (await ask_admin(services, "/push")).messages

    assert preview == services.library.digest("en", Format.TELEGRAM)  # what /digest shows
    assert question == say("en", "push_preview", id=expected_id, count=3)
    reply = await ask_admin(services, f"/push confirm {expected_id}")
    assert reply.push_id == expected_id
    queued = await outbox_rows(services.store)
    assert len(queued) == 4  # each chat in its own language(s)
    assert {row_key for _, row_key, _, _ in queued} == {f"push:{expected_id}"}
    body = await queued_push_body(services, expected_id)
    for lang in ("en", "id"):
        stored = await services.store.outbox.text(body, lang, Format.TELEGRAM)
        assert stored == services.library.digest(lang, Format.TELEGRAM)
    # The same digest pushed again is the same push: reported, never sent twice.
    again = await ask_admin(services, "/push")
    assert "was already sent" in joined(again)
    assert len(await outbox_rows(services.store)) == 4


async def test_push_of_the_digest_without_summaries_says_there_are_none(
    services: Services, tmp_path: Path
) -> None:
    empty = tmp_path / "empty"
    shutil.copytree(CONTENT, empty)
    for summary in (empty / "summaries").glob("*.yaml"):
        summary.unlink()
    bare = await make_services(services.store, empty, services.clock)

    reply = await ask_admin(bare, "/push")

    assert joined(reply) == say("en", "no_news_yet")
    assert await push_rows(bare.store) == []


async def test_push_confirm_without_an_id_shows_the_usage(services: Services) -> None:
    reply = await ask_admin(services, "/push confirm")

    newest = ", ".join(s.id for s in services.library.catalog.summaries[:5])
    assert joined(reply) == (
        "Usage: /push (the digest), /push &lt;summary id&gt; or /push &lt;announcement text&gt;. "
        f"Newest summaries: {newest}"
    )
    assert await push_rows(services.store) == []


async def test_push_of_a_summary_previews_it_and_asks(services: Services) -> None:
    await subscribers(services)
    summary = newest_summary(services)
    expected_id = push_id(summary, None, None)

    reply = await ask_admin(services, f"/push {summary}")

    preview, question = reply.messages
    assert preview == services.library.summary_digest(summary, "en", Format.TELEGRAM)
    # Three active chats; the paused one is not counted.
    assert question == say("en", "push_preview", id=expected_id, count=3)
    assert reply.choices == (
        Choice("Send", f"/push confirm {expected_id}"),
        Choice("Cancel", f"/push cancel {expected_id}"),
    )
    assert await push_rows(services.store) == [(expected_id, "draft")]
    assert await services.store.outbox.counts() == {}


async def test_confirm_queues_one_delivery_per_subscriber_language(services: Services) -> None:
    await subscribers(services)
    woken: list[bool] = []
    services.wake = lambda: woken.append(True)
    preview = await ask_admin(services, f"/push {newest_summary(services)}")
    confirm = preview.choices[0].command

    reply = await ask_admin(services, confirm)

    push = push_id(newest_summary(services), None, None)
    assert reply.push_id == push
    # Four deliveries: the chat reading both languages gets two.
    assert joined(reply) == say("en", "push_sending", id=push, count=4)
    key = f"push:{push}"
    assert sorted(await outbox_rows(services.store)) == [
        ("201", key, "en", "pending"),
        ("202", key, "id", "pending"),
        ("203", key, "en", "pending"),
        ("203", key, "id", "pending"),
    ]
    assert await push_rows(services.store) == [(push, "sent")]
    actions = await audit_actions(services.store)
    assert [action for action, _ in actions] == ["push"]
    assert actions[0][1].startswith(push)
    assert woken
    body = await queued_push_body(services, push)
    for lang in LANGS:
        for fmt in Format:
            assert await services.store.outbox.text(body, lang, fmt) == (
                services.library.summary_digest(newest_summary(services), lang, fmt)
            )


async def test_confirming_twice_never_queues_more(services: Services, clock: Clock) -> None:
    await subscribers(services)
    preview = await ask_admin(services, f"/push {newest_summary(services)}")
    await ask_admin(services, preview.choices[0].command)
    clock.advance(dt.timedelta(minutes=5))

    again = await ask_admin(services, preview.choices[0].command)

    push = push_id(newest_summary(services), None, None)
    assert again.messages == (
        f"Push {push} was already sent (2025-10-07 12:00 UTC); it is not sent twice.\n\n"
        f"Push {push}: delivered 0/4, failed 0.",
    )
    assert again.push_id is None
    assert len(await outbox_rows(services.store)) == 4
    assert [action for action, _ in await audit_actions(services.store)] == ["push"]


async def test_proposing_sent_content_again_reports_it_sent(services: Services) -> None:
    await subscribers(services)
    preview = await ask_admin(services, f"/push {newest_summary(services)}")
    await ask_admin(services, preview.choices[0].command)

    again = await ask_admin(services, f"/push {newest_summary(services)}", user="43")

    assert "was already sent" in again.messages[0]
    assert "delivered 0/4, failed 0." in again.messages[0]
    assert again.choices == ()
    assert len(await outbox_rows(services.store)) == 4


async def test_two_admins_confirming_the_same_push_send_it_once(services: Services) -> None:
    await subscribers(services)
    preview = await ask_admin(services, f"/push {newest_summary(services)}")
    confirm = preview.choices[0].command

    first = await ask_admin(services, confirm)
    second = await ask_admin(services, confirm, user="43", chat=ChatRef("telegram", "43"))

    assert first.push_id is not None and second.push_id is None
    assert len(await outbox_rows(services.store)) == 4


async def test_cancel_sends_nothing(services: Services) -> None:
    await subscribers(services)
    preview = await ask_admin(services, f"/push {newest_summary(services)}")
    push = push_id(newest_summary(services), None, None)

    reply = await ask_admin(services, preview.choices[1].command)

    assert joined(reply) == f"Push {push} cancelled: nothing was sent."
    assert await push_rows(services.store) == [(push, "cancelled")]
    assert await services.store.outbox.counts() == {}
    assert [action for action, _ in await audit_actions(services.store)] == ["push-cancel"]
    late = await ask_admin(services, preview.choices[0].command)
    assert joined(late) == f"Push {push} was cancelled earlier."
    twice = await ask_admin(services, preview.choices[1].command)
    assert joined(twice) == f"Push {push} was cancelled earlier."
    assert await services.store.outbox.counts() == {}
    assert [action for action, _ in await audit_actions(services.store)] == ["push-cancel"]


async def test_cancel_after_sending_cancels_nothing(services: Services) -> None:
    await subscribers(services)
    preview = await ask_admin(services, f"/push {newest_summary(services)}")
    await ask_admin(services, preview.choices[0].command)

    reply = await ask_admin(services, preview.choices[1].command)

    assert "was already sent" in joined(reply)
    assert await services.store.outbox.counts() == {"pending": 4}
    assert [action for action, _ in await audit_actions(services.store)] == ["push"]


async def test_cancelled_content_may_be_proposed_again_and_sent(services: Services) -> None:
    await subscribers(services)
    first = await ask_admin(services, f"/push {newest_summary(services)}")
    await ask_admin(services, first.choices[1].command)

    second = await ask_admin(services, f"/push {newest_summary(services)}")

    assert second.choices == first.choices
    assert "Send it?" in second.messages[1]
    reply = await ask_admin(services, second.choices[0].command)
    assert reply.push_id == push_id(newest_summary(services), None, None)
    assert len(await outbox_rows(services.store)) == 4


async def test_confirming_an_unknown_push(services: Services) -> None:
    reply = await ask_admin(services, "/push confirm <nope>")

    assert joined(reply) == "There is no push “&lt;nope&gt;”."
    assert await services.store.outbox.counts() == {}


async def test_an_announcement_is_previewed_and_sent_in_both_languages(
    services: Services,
) -> None:
    await subscribers(services)
    text = "Talks resume <tomorrow> & more"

    preview = await ask_admin(services, f"/push {text}")

    expected_id = push_id(None, text, text)
    assert preview.messages[0] == (
        "<b>Announcement</b>\n\nTalks resume &lt;tomorrow&gt; &amp; more"
    )
    assert preview.messages[1] == say("en", "push_preview", id=expected_id, count=3)
    reply = await ask_admin(services, f"/push confirm {expected_id}")
    assert reply.push_id == expected_id
    key = f"push:{expected_id}"
    queued = await outbox_rows(services.store)
    assert len(queued) == 4
    assert {row_key for _, row_key, _, _ in queued} == {key}
    body = await queued_push_body(services, expected_id)
    indonesian = await services.store.outbox.text(body, "id", Format.TELEGRAM)
    assert indonesian == "<b>Pengumuman</b>\n\nTalks resume &lt;tomorrow&gt; &amp; more"
    discord = await services.store.outbox.text(body, "en", Format.DISCORD)
    assert discord == r"**Announcement**" + "\n\n" + r"Talks resume \<tomorrow\> & more"


async def test_an_announcement_too_long_for_discord_is_refused(services: Services) -> None:
    await subscribers(services)
    text = "word " * 450  # 2,250 characters: fits Telegram's 4,096, not Discord's 2,000

    reply = await ask_admin(services, f"/push {text}")

    assert joined(reply) == "That announcement does not fit in one message; make it shorter."
    assert await push_rows(services.store) == []
    assert await services.store.outbox.counts() == {}


async def test_an_announcement_that_just_fits_is_accepted(services: Services) -> None:
    text = "x" * 1900

    reply = await ask_admin(services, f"/push {text}", fmt=Format.DISCORD)

    assert len(reply.choices) == 2
    assert all(fits(message, Format.DISCORD) for message in reply.messages)


async def test_a_push_whose_summary_went_away_before_confirming_sends_nothing(
    copied: Services,
) -> None:
    await subscribers(copied)
    summary = newest_summary(copied)
    preview = await ask_admin(copied, f"/push {summary}")
    (copied.library.directory / "summaries" / f"{summary}.yaml").unlink()
    await ask_admin(copied, "/reload")
    assert summary not in {s.id for s in copied.library.catalog.summaries}

    reply = await ask_admin(copied, preview.choices[0].command)

    assert joined(reply) == (
        "Something went wrong on our side; nothing was changed. Please try again shortly."
    )
    assert await copied.store.outbox.counts() == {}
    assert await push_rows(copied.store) == [(push_id(summary, None, None), "draft")]


# --- /status ---


async def test_status_with_nothing_yet(services: Services) -> None:
    reply = await ask_admin(services, "/status")

    catalog = services.library.catalog
    text = joined(reply)
    assert text.startswith("<b>Ringkas status</b>\nNo subscriptions yet.")
    assert "Deliveries: 0 waiting, 0 sending; in the last 24 hours 0 delivered, 0 failed" in text
    assert (
        f"Content: {len(catalog.summaries)} summaries, {len(catalog.statements)} statements, "
        "loaded 2025-10-07 12:00 UTC"
    ) in text
    assert "Paused chats" not in text
    assert "Recent admin actions" not in text


async def test_status_counts_the_replies_given_up_with_their_reasons(services: Services) -> None:
    assert "Replies given up" not in joined(await ask_admin(services, "/status"))
    gone, held = ChatGone("blocked"), RetryAfter(120.0)
    platform = RecordingSender()
    platform.script(CHAT.chat_id, gone, held, gone)
    services.replies = Replies({}, {"telegram": platform})
    for _ in range(3):
        await services.replies.send(CHAT, ChatKind.PRIVATE, ReplyCall.new("hi"))

    text = joined(await ask_admin(services, "/status"))

    assert "Replies given up since the start: 3 (chat gone (2), rate limited past 60 s (1))" in text


async def test_status_lists_platforms_deliveries_paused_chats_and_audit(
    services: Services,
) -> None:
    await subscribers(services)
    preview = await ask_admin(services, f"/push {newest_summary(services)}")
    await ask_admin(services, preview.choices[0].command)

    text = joined(await ask_admin(services, "/status"))

    assert "discord: 1 active, 0 paused\ntelegram: 2 active, 1 paused" in text
    assert "Deliveries: 4 waiting, 0 sending; in the last 24 hours 0 delivered, 0 failed" in text
    paused = "telegram:204 since 2025-10-07 12:00 UTC: bot was &lt;blocked&gt;"
    assert f"<b>Paused chats</b>\n{paused}" in text
    push = push_id(newest_summary(services), None, None)
    assert f"<b>Recent pushes</b>\nPush {push}: delivered 0/4, failed 0." in text
    assert "<b>Recent admin actions</b>" in text
    assert re.search(rf"2025-10-07 12:00 UTC telegram:42 push {push}", text)


async def test_status_counts_what_waits_and_what_finished_in_the_last_day(
    services: Services, clock: Clock
) -> None:
    await subscribers(services)
    preview = await ask_admin(services, f"/push {newest_summary(services)}")
    await ask_admin(services, preview.choices[0].command)
    push = push_id(newest_summary(services), None, None)
    rows = await services.store.outbox.claim("telegram", clock.now(), 10)
    finished = Settlement(delivered=[(rows[0].id, "m1")], failed=[(rows[1].id, "Forbidden")])
    await services.store.outbox.settle(finished, clock.now())

    text = joined(await ask_admin(services, "/status"))
    assert "Deliveries: 2 waiting, 0 sending; in the last 24 hours 1 delivered, 1 failed" in text
    assert f"Push {push}: delivered 1/4, failed 1." in text

    clock.advance(dt.timedelta(hours=25))  # the finished rows are older than the last day
    text = joined(await ask_admin(services, "/status"))
    assert "Deliveries: 2 waiting, 0 sending; in the last 24 hours 0 delivered, 0 failed" in text
    assert f"Push {push}: delivered 1/4, failed 1." in text

    # Past the retention period, the push's deliveries are pruned: its progress is not shown.
    clock.advance(services.retention)
    assert f"Push {push}" not in joined(await ask_admin(services, "/status"))


async def test_status_in_indonesian(services: Services) -> None:
    await subscribers(services)

    text = joined(await ask_admin(services, "/status", lang="id"))

    assert text.startswith("<b>Status Ringkas</b>")
    assert "telegram: 2 aktif, 1 dijeda" in text
    assert "<b>Obrolan yang dijeda</b>" in text


async def test_status_with_many_long_pause_reasons_fits_discord(services: Services) -> None:
    for n in range(15):
        sub = await subscribe(services, ChatRef("discord", f"9{n}"), "en")
        reason = f"reason {n} " + "**bold** <and> & " * 40
        await services.store.subscriptions.pause(sub.id, reason, services.clock.now())

    reply = await ask_admin(services, "/status", fmt=Format.DISCORD)

    assert all(fits(message, Format.DISCORD) for message in reply.messages)
    text = joined(reply)
    assert "discord: 0 active, 15 paused" in text
    assert text.count(" since 2025-10-07 12:00 UTC: reason ") == 10


# --- /reload ---


async def test_reload_with_unchanged_content(services: Services) -> None:
    reply = await ask_admin(services, "/reload")

    catalog = services.library.catalog
    assert joined(reply) == (
        f"Content reloaded: {len(catalog.summaries)} summaries, "
        f"{len(catalog.statements)} statements."
    )
    assert [action for action, _ in await audit_actions(services.store)] == ["reload"]


async def test_reload_of_broken_content_reports_where_and_keeps_the_last_good(
    copied: Services,
) -> None:
    before = copied.library.catalog
    digest_before = copied.library.digest("en", Format.TELEGRAM)
    broken = copied.library.directory / "broken.yaml"
    broken.write_text("people:\n  - id: someone\n    name: [unclosed\n", encoding="utf-8")

    reply = await ask_admin(copied, "/reload")

    text = joined(reply)
    assert text.startswith(
        "<b>The content has problems (1); the last good content stays in service:</b>\n"
    )
    assert re.search(rf"{re.escape(str(broken))}:[1-9]\d*: YAML syntax", text)
    assert copied.library.catalog is before
    assert len(copied.library.catalog.summaries) == len(before.summaries) > 0
    assert copied.library.digest("en", Format.TELEGRAM) == digest_before
    async with copied.store.engine.connect() as connection:  # the admin's alert
        [told] = (await connection.execute(select(outbox))).all()
    assert (told.chat_id, told.occasion[:14]) == ("42", "alert:content:")
    notice = await copied.store.outbox.text(told.body_id, "en", Format.TELEGRAM)
    assert notice is not None and str(broken) in notice
    assert [action for action, _ in await audit_actions(copied.store)] == ["reload"]
    status = joined(await ask_admin(copied, "/status"))
    assert "The content has problems (1)" in status
    assert f"Content: {len(before.summaries)} summaries" in status

    broken.unlink()
    fixed = await ask_admin(copied, "/reload")
    assert joined(fixed).startswith("Content reloaded:")
    assert "The content has problems" not in joined(await ask_admin(copied, "/status"))


async def test_reload_reports_a_schema_problem_at_its_line(copied: Services) -> None:
    bad = copied.library.directory / "extra.yaml"
    bad.write_text(
        "people:\n  - id: new-person\n    name: New Person\n    rol: {en: x, id: y}\n",
        encoding="utf-8",
    )

    text = joined(await ask_admin(copied, "/reload"))

    assert f"{bad}:2: people[0]: missing field 'role'" in text
    assert f"{bad}:4: people[0]: unknown field 'rol'" in text


async def test_reload_with_a_new_summary_sends_it_to_instant_subscribers(
    copied: Services,
) -> None:
    await ask(copied, "/subscribe instant")
    old_edition = copied.library.edition.selection
    source = next(iter(copied.library.catalog.sources))
    (copied.library.directory / "summaries" / "2025-10-08-new.yaml").write_text(
        f"""\
summaries:
  - id: 2025-10-08-new
    date: 2025-10-08
    title: {{en: A new development, id: Perkembangan baru}}
    text: {{en: Something happened., id: Sesuatu terjadi.}}
    sources: [{source}]
""",
        encoding="utf-8",
    )

    reply = await ask_admin(copied, "/reload")

    catalog = copied.library.catalog
    assert joined(reply).startswith(f"Content reloaded: {len(catalog.summaries)} summaries")
    assert catalog.summaries[0].id == "2025-10-08-new"
    new_edition = copied.library.edition.selection
    assert new_edition != old_edition
    assert [key for _, key, _, _ in await outbox_rows(copied.store)] == [
        f"instant:{old_edition}",
        f"instant:{new_edition}",
    ]


# --- Pusher.status_text: the message shown while a push goes out ---


async def confirmed_push(services: Services) -> str:
    """The newest summary pushed to `subscribers`: four deliveries, two on each platform."""
    await subscribers(services)
    preview = await ask_admin(services, f"/push {newest_summary(services)}")
    confirmed = await ask_admin(services, preview.choices[0].command)
    assert confirmed.push_id is not None
    return confirmed.push_id


def progress_text(lang: Lang, key: str, push: str, delivered: int, failed: int) -> str:
    return say(lang, key, id=push, delivered=delivered, total=4, failed=failed)


@pytest.mark.parametrize("fmt", [Format.TELEGRAM, Format.DISCORD])
@pytest.mark.parametrize("lang", ["en", "id"])
async def test_push_progress_before_part_way_and_when_done(
    services: Services, clock: Clock, lang: Lang, fmt: Format
) -> None:
    push = await confirmed_push(services)
    outbox_ = services.store.outbox

    before = await services.pusher.status_text(push, lang, fmt)

    telegram = await outbox_.claim("telegram", clock.now(), 10)
    assert len(telegram) == 2
    claimed = await services.pusher.status_text(push, lang, fmt)  # sending is still waiting
    await outbox_.settle(
        Settlement(delivered=[(telegram[0].id, "m1")], failed=[(telegram[1].id, "Forbidden")]),
        clock.now(),
    )
    part_way = await services.pusher.status_text(push, lang, fmt)

    discord = await outbox_.claim("discord", clock.now(), 10)
    assert len(discord) == 2
    retry_at = clock.now() + dt.timedelta(minutes=1)
    await outbox_.settle(
        Settlement(delivered=[(discord[0].id, "m2")], retry=[(discord[1].id, retry_at, "5xx")]),
        clock.now(),
    )
    retrying = await services.pusher.status_text(push, lang, fmt)  # a retry is still waiting
    [again] = await outbox_.claim("discord", retry_at, 10)
    await outbox_.settle(Settlement(delivered=[(again.id, "m3")]), retry_at)
    done = await services.pusher.status_text(push, lang, fmt)

    assert before == (progress_text(lang, "push_progress", push, 0, 0), False)
    assert claimed == before
    assert part_way == (progress_text(lang, "push_progress", push, 1, 1), False)
    assert retrying == (progress_text(lang, "push_progress", push, 2, 1), False)
    assert done == (progress_text(lang, "push_done", push, 3, 1), True)
    # Plain words and digits: the same in either format, nothing in them escaped.
    assert done[0] == render(plain_line(progress_text(lang, "push_done", push, 3, 1)), fmt)


async def test_push_progress_wording(services: Services) -> None:
    push = await confirmed_push(services)
    await services.store.outbox.settle(
        Settlement(
            delivered=[(d.id, "m") for d in await services.store.outbox.claim("telegram", START, 9)]
        ),
        START,
    )
    for d in await services.store.outbox.claim("discord", START, 9):
        await services.store.outbox.settle(Settlement(failed=[(d.id, "gone")]), START)

    english = await services.pusher.status_text(push, "en", Format.TELEGRAM)
    indonesian = await services.pusher.status_text(push, "id", Format.DISCORD)

    assert english == (f"Push {push}: done. Delivered 2/4, failed 2.", True)
    assert indonesian == (f"Push {push}: selesai. Terkirim 2/4, gagal 2.", True)


async def test_push_progress_part_way_wording(services: Services) -> None:
    push = await confirmed_push(services)

    english = await services.pusher.status_text(push, "en", Format.DISCORD)
    indonesian = await services.pusher.status_text(push, "id", Format.TELEGRAM)

    assert english == (f"Push {push}: delivered 0/4, failed 0.", False)
    assert indonesian == (f"Push {push}: terkirim 0/4, gagal 0.", False)


async def test_push_progress_of_a_push_to_no_one_is_done_at_once(services: Services) -> None:
    preview = await ask_admin(services, f"/push {newest_summary(services)}")
    confirmed = await ask_admin(services, preview.choices[0].command)
    assert confirmed.push_id is not None

    progress = await services.pusher.status_text(confirmed.push_id, "en", Format.TELEGRAM)

    assert progress == (f"Push {confirmed.push_id}: done. Delivered 0/0, failed 0.", True)
