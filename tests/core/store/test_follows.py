"""Chats' own settings and follows in the store: adding and removing follows, finding the
follows a new edition may match, marking statements seen with the messages made for them, and
follower chats that go or move, as the outbox reports them."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from bot.core.follow import Target
from bot.core.models import LANGS, Lang
from bot.core.ports import ChatKind, ChatRef, Format
from bot.core.store import Store
from bot.core.store.chats import is_follower, recipient_of
from bot.core.store.follows import Added, ChatMessage
from bot.core.store.outbox import Settlement
from bot.core.store.tables import follows
from tests.core.store.conftest import MINUTE, NOW, chat, outbox_rows, subscribe

TRUMP = Target("donald-trump")
HOSTAGES = Target(topic="hostages")
TRUMP_ON_HOSTAGES = Target("donald-trump", "hostages")


async def follow(
    store: Store,
    ref: str,
    target: Target,
    lang: Lang = "en",
    kind: ChatKind = ChatKind.PRIVATE,
    limit: int = 20,
) -> Added:
    return await store.follows.add(chat(ref), kind, lang, target, "user:1", NOW, limit)


def test_a_follow_names_a_person_or_a_topic() -> None:
    with pytest.raises(ValueError):
        Target()


async def test_a_chat_follows_a_target_once(store: Store) -> None:
    assert await follow(store, "telegram:1", TRUMP) is Added.ADDED
    assert await follow(store, "telegram:1", TRUMP) is Added.ALREADY
    assert await follow(store, "telegram:1", TRUMP_ON_HOSTAGES) is Added.ADDED
    assert await follow(store, "telegram:2", TRUMP) is Added.ADDED
    assert await store.follows.of_chat(chat("telegram:1")) == [TRUMP, TRUMP_ON_HOSTAGES]


async def test_a_chat_follows_at_most_the_limit(store: Store) -> None:
    for n in range(3):
        assert await follow(store, "telegram:1", Target(topic=f"t{n}"), limit=3) is Added.ADDED
    assert await follow(store, "telegram:1", HOSTAGES, limit=3) is Added.TOO_MANY
    assert await follow(store, "telegram:1", Target(topic="t0"), limit=3) is Added.ALREADY
    assert len(await store.follows.of_chat(chat("telegram:1"))) == 3


async def test_the_first_follow_gives_a_new_chat_its_language(store: Store) -> None:
    assert await store.chats.lang(chat("telegram:1")) is None
    await follow(store, "telegram:1", TRUMP, lang="id")
    await follow(store, "telegram:1", HOSTAGES, lang="en")  # the chat's language stays
    assert await store.chats.lang(chat("telegram:1")) == "id"


async def test_set_lang_makes_or_changes_a_chats_language(store: Store) -> None:
    await store.chats.set_lang(chat("telegram:1"), ChatKind.PRIVATE, "id")
    assert await store.chats.lang(chat("telegram:1")) == "id"
    await store.chats.set_lang(chat("telegram:1"), ChatKind.PRIVATE, "en")
    settings = await store.chats.get(chat("telegram:1"))
    assert settings is not None
    assert (settings.lang, settings.kind, settings.gone) == ("en", ChatKind.PRIVATE, None)
    assert await store.chats.lang(chat("telegram:1/5")) is None  # a topic is a chat of its own


async def test_remove_unfollows_one_target(store: Store) -> None:
    await follow(store, "telegram:1", TRUMP)
    await follow(store, "telegram:1", HOSTAGES)
    assert await store.follows.remove(chat("telegram:1"), TRUMP)
    assert not await store.follows.remove(chat("telegram:1"), TRUMP)
    assert not await store.follows.remove(chat("telegram:9"), TRUMP)
    assert await store.follows.of_chat(chat("telegram:1")) == [HOSTAGES]


async def test_by_chat_lists_each_chat_with_what_it_follows(store: Store) -> None:
    await follow(store, "telegram:1", TRUMP)
    await follow(store, "discord:7", HOSTAGES, lang="id", kind=ChatKind.GROUP)
    await follow(store, "telegram:1", HOSTAGES)
    await store.chats.set_lang(chat("telegram:3"), ChatKind.PRIVATE, "id")  # follows nothing
    listed = [(s.chat, s.lang, targets) async for s, targets in store.follows.by_chat()]
    assert listed == [
        (chat("telegram:1"), "en", [TRUMP, HOSTAGES]),
        (chat("discord:7"), "id", [HOSTAGES]),
    ]
    only = [s.chat async for s, _ in store.follows.by_chat("discord")]
    assert only == [chat("discord:7")]


async def test_topics_are_those_followed_alone_or_on_the_given_people(store: Store) -> None:
    await follow(store, "telegram:1", HOSTAGES)
    await follow(store, "telegram:2", Target("donald-trump", "ceasefire"))
    await follow(store, "telegram:3", Target("yair-lapid", "talks"))
    await follow(store, "telegram:4", TRUMP)
    assert sorted(await store.follows.topics({"donald-trump"})) == ["ceasefire", "hostages"]
    assert await store.follows.topics(set()) == ["hostages"]


async def test_followers_are_what_chats_follow_that_a_new_edition_may_match(
    store: Store,
) -> None:
    await follow(store, "telegram:1", TRUMP, lang="id")
    await follow(store, "telegram:2", HOSTAGES, kind=ChatKind.GROUP)
    await follow(store, "telegram:3", TRUMP_ON_HOSTAGES)
    await follow(store, "telegram:3", Target(topic="ceasefire"))  # not among the topics
    await follow(store, "telegram:4", Target("yair-lapid", "hostages"))
    await follow(store, "telegram:5", Target(topic="ceasefire"))
    await follow(store, "telegram:6", Target("yair-lapid"))
    await follow(store, "telegram:1", HOSTAGES, lang="id")

    found = await store.follows.followers({"donald-trump"}, {"hostages"})

    rows = {ref: await row_of(store, ref) for ref in ("telegram:1", "telegram:2", "telegram:3")}
    assert found == {
        rows["telegram:1"]: (TRUMP, HOSTAGES),  # one chat's follows together, in their order
        rows["telegram:2"]: (HOSTAGES,),
        rows["telegram:3"]: (TRUMP_ON_HOSTAGES,),
    }
    assert await store.follows.followers(set(), set()) == {}


async def row_of(store: Store, ref: str) -> int:
    settings = await store.chats.get(chat(ref))
    assert settings is not None
    return settings.id


async def test_followers_reach_past_one_in_list(store: Store) -> None:
    topics = [f"topic{n:04d}" for n in range(1_200)]  # more than one IN list holds
    for n, topic in enumerate(topics[::100]):
        await follow(store, f"telegram:{n}", Target(topic=topic))
    found = await store.follows.followers(set(), set(topics))
    assert len(found) == 12


async def test_seen_is_none_until_statements_are_first_marked(store: Store) -> None:
    assert await store.follows.seen() is None
    assert await store.follows.see([], NOW) == 0  # content without statements: seen all the same
    assert await store.follows.seen() == set()
    await store.follows.see(["a", "b"], NOW)
    await store.follows.see(["b", "c"], NOW)
    assert await store.follows.seen() == {"a", "b", "c"}


def message_for(*chat_rows: int, occasion: str = "follow:e1") -> ChatMessage:
    texts = {(lang, fmt): f"news in {lang} for {fmt}" for lang in LANGS for fmt in Format}
    return ChatMessage(chat_rows, occasion, "follow:b1", texts)


async def test_see_queues_the_messages_with_their_texts_and_the_marks_once(store: Store) -> None:
    await follow(store, "telegram:1", TRUMP, lang="id")
    await follow(store, "discord:2", TRUMP, kind=ChatKind.GROUP)
    rows = [await row_of(store, ref) for ref in ("telegram:1", "discord:2")]

    assert await store.follows.see(["s1"], NOW, [message_for(*rows)]) == 2
    assert await store.follows.see(["s1"], NOW, [message_for(*rows)]) == 0  # queued once

    queued = await outbox_rows(store)
    assert [(r.subscription_id, r.platform, r.chat_id, r.chat_kind, r.lang) for r in queued] == [
        (recipient_of(rows[0]), "telegram", "1", "private", "id"),
        (recipient_of(rows[1]), "discord", "2", "group", "en"),
    ]
    assert {(r.occasion, r.body_id, r.kind, r.state) for r in queued} == {
        ("follow:e1", "follow:b1", "follow", "pending")
    }
    assert all(is_follower(r.subscription_id) for r in queued)
    assert await store.outbox.text("follow:b1", "id", Format.TELEGRAM) == "news in id for telegram"
    assert await store.follows.seen() == {"s1"}


async def test_see_queues_for_more_chats_than_one_in_list(store: Store) -> None:
    rows = []
    for n in range(1_100):
        await store.chats.set_lang(ChatRef("telegram", str(n)), ChatKind.PRIVATE, "en")
        rows.append(await row_of(store, f"telegram:{n}"))
    assert await store.follows.see([], NOW, [message_for(*rows)]) == 1_100


async def _queue_follow_message(store: Store, ref: str) -> int:
    await follow(store, ref, TRUMP, kind=ChatKind.GROUP)
    row = await row_of(store, ref)
    await store.follows.see(["s1"], NOW, [message_for(row)])
    return row


async def test_a_follower_chat_gone_is_left_out_until_it_returns(store: Store) -> None:
    sub = await subscribe(store, "telegram:-5")  # a subscription whose id may equal the chat's
    row = await _queue_follow_message(store, "telegram:-5")
    [delivery] = await store.outbox.claim("telegram", NOW, 10)
    await store.outbox.settle(Settlement(gone=[(delivery, "bot was kicked")]), NOW + MINUTE)

    settings = await store.chats.get(chat("telegram:-5"))
    assert settings is not None and settings.id == row
    assert settings.gone == "chat gone: bot was kicked"
    assert await store.follows.see([], NOW, [message_for(row, occasion="follow:e2")]) == 0
    still = await store.subscriptions.get(sub.chat)  # the subscription is not the follower
    assert still is not None and still.state.value == "active"

    await store.chats.returned("telegram", "-5")
    assert await store.follows.see([], NOW, [message_for(row, occasion="follow:e2")]) == 1


async def test_a_follower_chat_moved_takes_its_follows_and_queue_along(store: Store) -> None:
    sub = await subscribe(store, "telegram:-2")  # another chat: untouched by the move
    await _queue_follow_message(store, "telegram:-1")
    [delivery] = await store.outbox.claim("telegram", NOW, 10)
    await store.outbox.settle(Settlement(moved=[(delivery, "-1009")]), NOW + MINUTE)

    assert await store.follows.of_chat(chat("telegram:-1009")) == [TRUMP]
    assert await store.follows.of_chat(chat("telegram:-1")) == []
    [row] = await outbox_rows(store)
    assert (row.chat_id, row.state) == ("-1009", "pending")
    assert await store.subscriptions.get(sub.chat) == sub


async def test_a_follower_chat_moved_onto_one_that_follows_joins_it(store: Store) -> None:
    await _queue_follow_message(store, "telegram:-1")
    await follow(store, "telegram:-1", HOSTAGES, kind=ChatKind.GROUP)
    await follow(store, "telegram:-1009", TRUMP, kind=ChatKind.GROUP)
    [delivery] = await store.outbox.claim("telegram", NOW, 10)
    await store.outbox.settle(Settlement(moved=[(delivery, "-1009")]), NOW + MINUTE)

    assert sorted(await store.follows.of_chat(chat("telegram:-1009"))) == sorted([TRUMP, HOSTAGES])
    assert await store.chats.get(chat("telegram:-1")) is None
    async with store.engine.connect() as connection:
        assert len((await connection.execute(select(follows))).all()) == 2
    [row] = await outbox_rows(store)
    assert row.chat_id == "-1009"


async def test_set_languages_changes_only_a_subscriptions_languages(store: Store) -> None:
    sub = await subscribe(store, "telegram:1", "both")
    assert await store.subscriptions.set_languages(sub.chat, "id")
    changed = await store.subscriptions.get(sub.chat)
    assert changed is not None
    assert changed.plan.languages == "id"
    assert (changed.plan.times, changed.state, changed.next_due) == (
        sub.plan.times, sub.state, sub.next_due,
    )  # fmt: skip
    assert not await store.subscriptions.set_languages(ChatRef("telegram", "2"), "en")
