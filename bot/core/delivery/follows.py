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
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from bot.core.delivery.occasions import Occasion
from bot.core.delivery.planning import body_id_of
from bot.core.follow import Target
from bot.core.heap import collector_paused
from bot.core.library import Edition, Library
from bot.core.models import LANGS, Catalog, Statement
from bot.core.ports import Format
from bot.core.store import Store
from bot.core.store.follows import ChatMessage
from bot.core.text.fitting import follow_news_message
from bot.core.text.layout import target_label
from bot.core.text.whosaid import TopicIndex

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Share:
    """A following chat's share of a new edition: what it follows that matched, and those of
    the new statements (by rank) that they matched."""

    chat: int  # the chat's row in the store
    targets: tuple[Target, ...]
    ranks: tuple[int, ...]  # in order: newest first


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
        self._ranks: dict[Target, frozenset[int]] = {}

    @property
    def speakers(self) -> set[str]:
        return set(self._by_speaker)

    def topics(self, followed: Iterable[str]) -> set[str]:
        """The followed topics some new statement is on."""
        return {topic for topic in followed if self._on(topic)}

    def ranks(self, target: Target) -> frozenset[int]:
        """The new statements the target matches, by rank (worked out once per target)."""
        found = self._ranks.get(target)
        if found is None:
            person = self._by_speaker.get(target.person, set()) if target.person else None
            topic = self._on(target.topic) if target.topic else None
            both = topic if person is None else person if topic is None else person & topic
            found = self._ranks[target] = frozenset(both or ())
        return found

    def _on(self, topic: str) -> set[int]:
        if topic not in self._topic_ranks:
            self._topic_ranks[topic] = self._topics.ranks(topic.split())
        return self._topic_ranks[topic]


def shares(matcher: Matcher, followers: Mapping[int, tuple[Target, ...]]) -> list[Share]:
    """The chats that get a message (of `followers`: what each chat follows, by its row), with
    what matched for each."""
    found = []
    for chat, targets in followers.items():
        matched = [(t, r) for t in targets if (r := matcher.ranks(t))]
        if matched:
            ranks = frozenset().union(*(r for _, r in matched))
            found.append(Share(chat, tuple(t for t, _ in matched), tuple(sorted(ranks))))
    return found


async def matched(store: Store, matcher: Matcher) -> list[Share]:
    """The following chats a new edition reaches: only the follows its statements may match
    are read (their speakers', and the topics they are on), then matched. Tens of thousands of
    chats may follow one speaker or topic: their objects all live until the pass ends, and the
    collector, which would walk them over and over, waits (it took half the time)."""
    with collector_paused():
        people = matcher.speakers
        topics = matcher.topics(await store.follows.topics(people))
        return shares(matcher, await store.follows.followers(people, topics))


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
                await self._store.follows.see(seen, now)
                new: tuple[Statement, ...] = ()
            else:
                new = tuple(s for s in catalog.statements if s.id not in seen)
            queued = 0
            if new:
                messages = await self._messages(catalog, new)
                queued = await self._store.follows.see([s.id for s in new], now, messages)
                seen.update(s.id for s in new)
                log.info("%d new statements: %d follow messages queued", len(new), queued)
            self._seen, self._matched = seen, edition
            return queued

    async def _messages(self, catalog: Catalog, new: tuple[Statement, ...]) -> list[ChatMessage]:
        """The messages for the chats whose follows the new statements match: one per set of
        statements and follows, for every chat with that set, each in its own language."""
        matcher = Matcher(new)
        occasion = occasion_of(new)
        groups: dict[tuple[tuple[int, ...], tuple[Target, ...]], list[int]] = defaultdict(list)
        for share in await matched(self._store, matcher):
            groups[share.ranks, share.targets].append(share.chat)
        messages = []
        for (ranks, targets), chats in groups.items():
            statements = tuple(matcher.statements[rank] for rank in ranks)  # newest first
            texts = {
                (lang, fmt): follow_news_message(
                    catalog,
                    statements,
                    tuple(target_label(catalog, target, lang) for target in targets),
                    lang,
                    fmt,
                )
                for lang in LANGS
                for fmt in Format
            }
            body_id = body_id_of(Occasion.FOLLOW, texts)
            messages.append(ChatMessage(tuple(chats), occasion, body_id, texts))
        return messages
