"""What goes into the outbox for follows: when an edition of the content adds statements, each
chat following a person or topic they match gets one message with them, in its language.

A statement is new when it is not among the statements already matched (kept in the store). The
messages and the marks that their statements were matched are written in one transaction, and
every message's occasion names the new statements ("follow:<hash>"), unique per chat: a pass
repeated, or run again after a crash, queues nothing twice. The first time (a new store) every
statement in service is old news.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import hashlib
import logging
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from bot.core.delivery.occasions import Occasion
from bot.core.delivery.planning import store_texts
from bot.core.follow import Target
from bot.core.library import Edition, Library
from bot.core.models import Catalog, Lang, Statement
from bot.core.ports import ChatKind, ChatRef, Format, MessageKind
from bot.core.store import Store
from bot.core.store.follows import Follower
from bot.core.store.outbox import delivery_row
from bot.core.text.fitting import follow_news_message
from bot.core.text.layout import target_label
from bot.core.text.whosaid import TopicIndex

log = logging.getLogger(__name__)


@dataclass(slots=True)
class _Chat:
    """One following chat's share of a new edition: what it follows that matched, and the
    statements (by rank among the new ones)."""

    chat: ChatRef
    kind: ChatKind
    lang: Lang
    targets: list[Target] = field(default_factory=list)
    ranks: set[int] = field(default_factory=set)


class Matcher:
    """A new edition's statements, and which of them each follow matches: a person's, those on
    a topic (as who said what finds a topic: each word, or a word's start, in either language),
    or a person's on a topic."""

    def __init__(self, statements: Sequence[Statement]) -> None:
        self.statements = tuple(statements)
        self._topics = TopicIndex(self.statements)
        self._by_speaker: dict[str, set[int]] = defaultdict(set)
        for rank, statement in enumerate(self.statements):
            for speaker in statement.speakers:
                self._by_speaker[speaker].add(rank)
        self._topic_ranks: dict[str, set[int]] = {}

    @property
    def speakers(self) -> set[str]:
        return set(self._by_speaker)

    def topics(self, followed: Iterable[str]) -> set[str]:
        """The followed topics some new statement is on."""
        return {topic for topic in followed if self._on(topic)}

    def ranks(self, target: Target) -> set[int]:
        found: set[int] | None = None
        if target.person:
            found = self._by_speaker.get(target.person, set())
        if target.topic:
            on_topic = self._on(target.topic)
            found = on_topic if found is None else found & on_topic
        return found or set()

    def _on(self, topic: str) -> set[int]:
        if topic not in self._topic_ranks:
            self._topic_ranks[topic] = self._topics.ranks(topic.split())
        return self._topic_ranks[topic]


def by_chat(matcher: Matcher, followers: Iterable[Follower]) -> dict[int, _Chat]:
    """The chats that get a message, by recipient, with what matched for each."""
    chats: dict[int, _Chat] = {}
    for follower in followers:
        ranks = matcher.ranks(follower.target)
        if not ranks:
            continue
        share = chats.get(follower.recipient)
        if share is None:
            share = chats[follower.recipient] = _Chat(follower.chat, follower.kind, follower.lang)
        share.targets.append(follower.target)
        share.ranks |= ranks
    return chats


def occasion_of(statements: Sequence[Statement]) -> str:
    """The occasion of the messages made for these new statements: the same statements, the
    same occasion, whenever it is planned."""
    ids = "\n".join(sorted(statement.id for statement in statements))
    return Occasion.FOLLOW.of(hashlib.sha256(ids.encode()).hexdigest()[:16])


class FollowNews:
    """Plans the follow messages of each new edition (`plan`, on every scheduler pass and after
    every reload: an edition already matched costs nothing)."""

    def __init__(self, store: Store, library: Library) -> None:
        self._store = store
        self._library = library
        self._seen: set[str] | None = None  # read from the store on the first pass
        self._matched: Edition | None = None  # the edition last matched
        self._lock = asyncio.Lock()

    async def plan(self, now: dt.datetime) -> int:
        """Queue the follow messages for the statements the edition in service adds; the
        number of messages queued."""
        async with self._lock:
            edition = self._library.edition
            if edition is self._matched:
                return 0
            seen = self._seen if self._seen is not None else await self._store.follows.seen()
            catalog = edition.catalog
            if seen is None:  # a new store: what is in service now is no news to anyone
                seen = set(catalog.statements_by_id)
                await self._store.follows.see(seen)
                new: tuple[Statement, ...] = ()
            else:
                new = tuple(s for s in catalog.statements if s.id not in seen)
            queued = 0
            if new:
                rows = await self._messages(catalog, new, now)
                queued = await self._store.follows.see([s.id for s in new], rows)
                seen.update(s.id for s in new)
                log.info("%d new statements: %d follow messages queued", len(new), queued)
            self._seen, self._matched = seen, edition
            return queued

    async def _messages(
        self, catalog: Catalog, new: tuple[Statement, ...], now: dt.datetime
    ) -> list[dict[str, Any]]:
        """The outbox rows for the chats whose follows the new statements match. Chats with
        the same statements, follows and language share one stored text."""
        matcher = Matcher(new)
        people = matcher.speakers
        topics = matcher.topics(await self._store.follows.topics(people))
        chats = by_chat(matcher, await self._store.follows.followers(people, topics))
        occasion = occasion_of(new)
        bodies: dict[tuple[tuple[int, ...], tuple[Target, ...], Lang], str] = {}
        rows = []
        for recipient, share in chats.items():
            key = (tuple(sorted(share.ranks)), tuple(share.targets), share.lang)
            if key not in bodies:
                bodies[key] = await self._body(catalog, matcher, *key)
            row = delivery_row(
                recipient, share.chat, share.kind, occasion, bodies[key], share.lang,
                MessageKind.FOLLOW, now,
            )  # fmt: skip
            rows.append(row)
        return rows

    async def _body(
        self,
        catalog: Catalog,
        matcher: Matcher,
        ranks: tuple[int, ...],
        targets: tuple[Target, ...],
        lang: Lang,
    ) -> str:
        statements = tuple(matcher.statements[rank] for rank in ranks)  # newest first
        labels = tuple(target_label(catalog, target, lang) for target in targets)
        texts = {
            (lang, fmt): follow_news_message(catalog, statements, labels, lang, fmt)
            for fmt in Format
        }
        return await store_texts(self._store, Occasion.FOLLOW, texts)
