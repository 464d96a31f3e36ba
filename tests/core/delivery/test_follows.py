"""Follow messages: when an edition adds statements, each chat following a person or topic
they match gets one message, in its language, once; over a real store and a copy of the real
content, edited as a curator would."""

from __future__ import annotations

import datetime as dt
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Row, delete, select

from bot.core.delivery.follows import FollowNews, Matcher, occasion_of
from bot.core.follow import Target
from bot.core.models import Lang
from bot.core.ports import ChatKind, ChatRef, Format, MessageKind
from bot.core.services import Defaults, Services
from bot.core.store.chats import recipient_of
from bot.core.store.outbox import Settlement
from bot.core.store.tables import outbox, statements_seen
from tests.core.test_library import add_statement, copy_content
from tests.fakes import SettableClock, services_over

NOW = dt.datetime(2025, 10, 8, 0, 30, tzinfo=dt.UTC)


@pytest.fixture
async def services(tmp_path: Path) -> AsyncIterator[Services]:
    async with services_over(
        copy_content(tmp_path),
        tmp_path / "ringkas.sqlite3",
        SettableClock(NOW),
        defaults=Defaults("en", "Asia/Jakarta", (dt.time(7),)),
    ) as services:
        yield services


async def follow(services: Services, chat_id: str, target: Target, lang: Lang = "en") -> ChatRef:
    chat = ChatRef("telegram", chat_id)
    await services.store.follows.add(chat, ChatKind.PRIVATE, lang, target, "u", NOW, 20)
    return chat


async def rows(services: Services) -> list[Row[Any]]:
    async with services.store.engine.connect() as connection:
        return list((await connection.execute(select(outbox).order_by(outbox.c.id))).all())


async def text_of(services: Services, row: Row[Any], fmt: Format = Format.TEXT) -> str:
    text = await services.store.outbox.text(row.body_id, row.lang, fmt)
    assert text is not None
    return text


def guterres_on_hostages(services: Services) -> None:
    add_statement(
        services.library.directory, "fixture-guterres-hostages", "antonio-guterres",
        "The hostages must be freed now.", "Para sandera harus dibebaskan sekarang.",
    )  # fmt: skip


async def test_a_new_store_takes_the_content_in_service_as_old_news(services: Services) -> None:
    await follow(services, "1", Target("antonio-guterres"))
    assert await services.plan() is not None
    assert await rows(services) == []
    seen = await services.store.follows.seen()
    assert seen == set(services.library.catalog.statements_by_id)


async def test_a_new_statement_goes_once_to_the_chats_following_it(services: Services) -> None:
    await services.plan()  # the content in service: old news
    person = await follow(services, "1", Target("antonio-guterres"))
    topic = await follow(services, "2", Target(topic="sandera"), lang="id")
    both = await follow(services, "3", Target("antonio-guterres", "hostage"))
    await follow(services, "4", Target("donald-trump"))  # another speaker
    await follow(services, "5", Target("antonio-guterres", "ceasefire"))  # another topic
    guterres_on_hostages(services)

    await services.reload()

    queued = await rows(services)
    assert [(r.chat_id, r.lang, r.kind) for r in queued] == [
        ("1", "en", MessageKind.FOLLOW),
        ("2", "id", MessageKind.FOLLOW),
        ("3", "en", MessageKind.FOLLOW),
    ]
    assert {r.occasion for r in queued} == {
        occasion_of([services.library.catalog.statements_by_id["fixture-guterres-hostages"]])
    }
    assert [ChatRef("telegram", r.chat_id) for r in queued] == [person, topic, both]
    english = await text_of(services, queued[0])
    assert english.startswith("New statements: António Guterres\n\n")
    assert "The hostages must be freed now." in english
    indonesian = await text_of(services, queued[1])
    assert indonesian.startswith("Pernyataan baru: “sandera”\n\n")
    assert "Para sandera harus dibebaskan sekarang." in indonesian
    assert "António Guterres on “hostage”" in await text_of(services, queued[2])

    # Again, and after a restart (a new planner reads what was matched from the store): nothing.
    assert (await services.plan()).queued == 0
    assert await FollowNews(services.store, services.library).plan(NOW) == 0
    assert len(await rows(services)) == 3


async def test_an_unrelated_statement_goes_to_no_one(services: Services) -> None:
    await services.plan()
    await follow(services, "1", Target("antonio-guterres"))
    await follow(services, "2", Target(topic="sandera"))
    add_statement(
        services.library.directory, "fixture-lapid-budget", "yair-lapid",
        "The budget vote is next week.", "Pemungutan suara anggaran pekan depan.",
    )  # fmt: skip

    await services.reload()

    assert await rows(services) == []
    assert "fixture-lapid-budget" in (await services.store.follows.seen() or set())


async def test_a_chat_matched_by_several_follows_gets_one_message(services: Services) -> None:
    await services.plan()
    await follow(services, "1", Target("antonio-guterres"))
    await follow(services, "1", Target(topic="hostages"))
    guterres_on_hostages(services)

    await services.reload()

    [row] = await rows(services)
    assert (await text_of(services, row)).startswith(
        "New statements: António Guterres; “hostages”\n\n"
    )


async def test_a_message_repeated_after_a_crash_is_queued_once(services: Services) -> None:
    await services.plan()
    await follow(services, "1", Target("antonio-guterres"))
    guterres_on_hostages(services)
    await services.reload()
    # As if the marks had not been written: the same statements are matched again.
    async with services.store.engine.begin() as connection:
        await connection.execute(
            delete(statements_seen).where(
                statements_seen.c.statement == "fixture-guterres-hostages"
            )
        )

    assert await FollowNews(services.store, services.library).plan(NOW) == 0
    assert len(await rows(services)) == 1


async def test_a_gone_chat_gets_no_more_until_it_is_back(services: Services) -> None:
    await services.plan()
    chat = await follow(services, "1", Target("antonio-guterres"))
    guterres_on_hostages(services)
    await services.reload()
    [delivery] = await services.store.outbox.claim("telegram", NOW, 10)
    await services.store.outbox.settle(Settlement(gone=[(delivery, "blocked")]), NOW)
    add_statement(
        services.library.directory, "fixture-guterres-again", "antonio-guterres",
        "Talks must go on.", "Perundingan harus berlanjut.",
    )  # fmt: skip

    await services.reload()
    assert len(await rows(services)) == 1

    await services.chat_returned("telegram", chat.chat_id)
    add_statement(
        services.library.directory, "fixture-guterres-third", "antonio-guterres",
        "A third one.", "Yang ketiga.",
    )  # fmt: skip
    await services.reload()
    assert len(await rows(services)) == 2


async def test_every_format_of_a_follow_message_fits_its_platform(services: Services) -> None:
    await services.plan()
    await follow(services, "1", Target(topic="hostages"))
    for n in range(12):  # more new statements than one message holds
        add_statement(
            services.library.directory, f"fixture-many-{n}", "antonio-guterres",
            "The hostages & prisoners <must> be *freed*. " * 12, "Para sandera. " * 12,
        )  # fmt: skip
    await services.reload()
    [row] = await rows(services)
    settings = await services.store.chats.get(ChatRef("telegram", "1"))
    assert settings is not None and row.subscription_id == recipient_of(settings.id)
    for fmt, limit in ((Format.TELEGRAM, 4096), (Format.DISCORD, 2000)):
        text = await text_of(services, row, fmt)
        assert len(text.encode("utf-16-le")) // 2 <= limit
        assert "… and " in text and " more" in text


def test_the_matcher_finds_a_persons_a_topics_and_both(services: Services) -> None:
    catalog = services.library.catalog
    statements = catalog.statements[:6]
    matcher = Matcher(statements)
    speaker = statements[0].speakers[0]
    assert all(speaker in statements[r].speakers for r in matcher.ranks(Target(speaker)))
    assert 0 in matcher.ranks(Target(speaker))
    assert matcher.ranks(Target("nobody")) == set()
    assert matcher.topics(["zzqx", "hostage"]) <= {"hostage"}
