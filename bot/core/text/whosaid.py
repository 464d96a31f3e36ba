"""Who said what: find a speaker by name, alias or role phrase, or statements by topic.

A query is tried, in order, as: a speaker's exact name or alias (ignoring case, diacritics,
hyphens and spaces); a speaker followed or preceded by a topic ("trump hostages"); a topic in
either language; a name with a typo; a part of a name ("Benjamin"). The first that matches
answers; when several people match equally, the answer is the list of candidates.
"""

from __future__ import annotations

import heapq
import itertools
from bisect import bisect_left
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from babel.lists import format_list
from rapidfuzz import fuzz, process
from rapidfuzz.distance import OSA

from bot.core.content.names import names_of, normalize
from bot.core.models import Catalog, Kind, Lang, Person, Quote, Statement
from bot.core.text import wording

# A typo is an edit of a word of a name (optimal string alignment: a swap of two letters is one
# edit); at most one edit in four letters. Unlike a plain ratio, this does not reward a short
# query for being part of a longer word.
FUZZY_CUTOFF = 0.75
FUZZY_TIE = 0.03  # people whose best scores are this close are equally likely
MAX_CANDIDATES = 8
MIN_PREFIX = 3  # shorter topic words must match a whole word
MAX_QUERY = 200  # characters matched: names and topics are short, pasted junk need not cost more

# Words too common to be a topic on their own, in English and Indonesian.
_STOPWORD_TEXT = """
a an and are as at be been but by for from had has have he her his i in is it its of on or our
she that the their them they this to was we were what who will with would you
ada adalah akan atau bagi bahwa dalam dan dari dengan di ia ini itu ke kami kita mereka oleh pada
para saat sebagai serta telah tentang untuk yang
"""
_STOPWORDS = frozenset(_STOPWORD_TEXT.split())


NO_MATCH = 3


def _typed_rank(alias: str, key: str) -> int:
    """0: the alias begins with the typed text; 1: one of its words does; 2: it contains it."""
    if alias.startswith(key):
        return 0
    if f" {key}" in alias:
        return 1
    return 2 if key in alias else NO_MATCH


def quote_of(catalog: Catalog, statement: Statement, lang: Lang) -> Quote:
    """A statement as shown to a reader of `lang`: speakers, how and when it was said, the words."""
    names = [catalog.people[speaker].name.get(lang) for speaker in statement.speakers]
    when = wording.statement_date(statement, catalog.sources[statement.source], lang)
    where = f"{statement.venue.get(lang)}, " if statement.venue is not None else ""
    attribution = f"{wording.kind(statement, lang)}, {where}{when}"
    return Quote(
        statement_id=statement.id,
        speaker=str(format_list(names, locale=lang)),
        attribution=attribution,
        text=statement.text.get(lang),
        direct=statement.kind is Kind.DIRECT,
        translated=statement.original != lang,
    )


# --- answers ---


@dataclass(frozen=True, slots=True)
class SpeakerFound:
    person: Person
    statements: tuple[Statement, ...]  # newest first, at most the limit asked for
    total: int
    topic: str | None = None  # set when the query also named a topic


@dataclass(frozen=True, slots=True)
class TopicFound:
    query: str
    statements: tuple[Statement, ...]
    total: int


@dataclass(frozen=True, slots=True)
class Ambiguous:
    query: str
    candidates: tuple[Person, ...]


@dataclass(frozen=True, slots=True)
class NothingFound:
    query: str
    closest: tuple[Person, ...]


WhoSaid = SpeakerFound | TopicFound | Ambiguous | NothingFound


class TopicIndex:
    """Statements by the words of their texts in both languages: what a topic finds. Who said
    what builds one over the whole catalog; following a topic, one over a new edition's
    statements alone."""

    def __init__(self, statements: Sequence[Statement]) -> None:
        postings: dict[str, list[int]] = defaultdict(list)
        for rank, statement in enumerate(statements):
            for word in set(normalize(f"{statement.text.en} {statement.text.id}").split()):
                postings[word].append(rank)
        self._postings = dict(postings)
        self._vocabulary = sorted(postings)

    def ranks(self, words: Sequence[str]) -> set[int]:
        """Statements (by rank) containing every topic word, each as a word or a word's start."""
        wanted = topic_words(words)
        if not wanted:
            return set()
        result: set[int] | None = None
        for word in sorted(wanted, key=len, reverse=True):  # longer words are rarer: fewer ranks
            ranks = self._word_ranks(word)
            result = ranks if result is None else result & ranks
            if not result:
                return set()
        return result or set()

    def _word_ranks(self, word: str) -> set[int]:
        if len(word) < MIN_PREFIX:
            return set(self._postings.get(word, ()))
        start = bisect_left(self._vocabulary, word)
        end = bisect_left(self._vocabulary, word + "\uffff", start)
        ranks: set[int] = set()
        for vocabulary_word in self._vocabulary[start:end]:
            ranks.update(self._postings[vocabulary_word])
        return ranks


def topic_words(words: Iterable[str]) -> list[str]:
    """The words of a normalised query that can be a topic: its stopwords left out."""
    return [w for w in words if w not in _STOPWORDS]


class QuoteIndex:
    """Lookup structures over one catalog, built once per catalog."""

    def __init__(self, catalog: Catalog) -> None:
        self.catalog = catalog
        self._by_alias: dict[str, set[str]] = defaultdict(set)
        self._by_compact: dict[str, set[str]] = defaultdict(set)
        self._by_name_word: dict[str, set[str]] = defaultdict(set)
        self._aliases: dict[str, list[str]] = {}
        for person in catalog.people.values():
            self._index_person(person)
        self._name_vocabulary = sorted(self._by_name_word)

        by_speaker: dict[str, list[int]] = defaultdict(list)
        for rank, statement in enumerate(catalog.statements):
            for speaker in statement.speakers:
                by_speaker[speaker].append(rank)
        self._by_speaker = dict(by_speaker)
        self.topics = TopicIndex(catalog.statements)

    def _index_person(self, person: Person) -> None:
        aliases = sorted(names_of(person))
        self._aliases[person.id] = aliases
        for alias in aliases:
            self._by_alias[alias].add(person.id)
            self._by_compact[alias.replace(" ", "")].add(person.id)
            for word in alias.split():
                self._by_name_word[word].add(person.id)

    # --- the query ---

    def who_said(self, query: str, limit: int = 5) -> WhoSaid:
        key = normalize(query[:MAX_QUERY])
        if not key:
            return NothingFound(query, ())
        words = key.split()
        people = self._exact(key)
        if len(people) > 1:
            return Ambiguous(query, tuple(people[:MAX_CANDIDATES]))
        if people:
            return self._speaker(people[0], limit)
        split = self._speaker_and_topic(words, limit)
        if split is not None:
            return split
        ranks = self.topics.ranks(words)
        if ranks:
            return TopicFound(query, self._newest(ranks, limit), len(ranks))
        # A word the statements use is a topic; only then may it be a typo of a name.
        people = self._fuzzy(key) or self._name_words(words)
        if len(people) == 1:
            return self._speaker(people[0], limit)
        if people:
            return Ambiguous(query, tuple(people[:MAX_CANDIDATES]))
        return NothingFound(query, self.closest(key))

    def statements_by(self, people: Iterable[str], limit: int) -> tuple[Statement, ...]:
        """The newest statements of any of `people`, newest first, at most `limit`."""
        merged = heapq.merge(*(self._by_speaker.get(person, ()) for person in people))
        ranks = (rank for rank, _ in itertools.groupby(merged))  # a joint statement once
        return tuple(self.catalog.statements[r] for r in itertools.islice(ranks, limit))

    def suggest(self, typed: str, limit: int) -> tuple[Person, ...]:
        """People for a list shown while a name is typed: those with a name or alias (in either
        language) that begins with the text first, then a word of one, then one containing it;
        with none of these, the nearest names, for a typo."""
        key = normalize(typed[:MAX_QUERY])
        ranked: list[tuple[int, str]] = []
        for owner, aliases in self._aliases.items():
            rank = min((_typed_rank(alias, key) for alias in aliases), default=NO_MATCH)
            if rank < NO_MATCH:
                ranked.append((rank, owner))
        if not ranked and key:
            return self.closest(key, limit)
        ranked.sort(key=lambda item: (item[0], self.catalog.people[item[1]].name.en))
        return tuple(self._people(owner for _, owner in ranked[:limit]))

    def closest(self, key: str, count: int = 3) -> tuple[Person, ...]:
        """The people whose name words are nearest the query's words, however far: suggestions."""
        scored = sorted(
            (
                (-score, word)
                for query_word in key.split()[:5]
                for word, score, _ in process.extract(
                    query_word, self._name_vocabulary, scorer=fuzz.ratio, limit=count
                )
            ),
        )
        owners = (owner for _, word in scored for owner in sorted(self._by_name_word[word]))
        return tuple(self._people(owners)[:count])

    def _exact(self, key: str) -> list[Person]:
        owners = self._by_alias.get(key) or self._by_compact.get(key.replace(" ", "")) or set()
        return self._people(sorted(owners))

    def _fuzzy(self, key: str) -> list[Person]:
        """People with an alias within the typo allowance of the whole query.

        Only people sharing a word with the query, or a word within reach of a typo, are
        scored: the words of names are few, the aliases of every person are many.
        """
        candidates = {
            owner
            for word in key.split()
            for near in self._near_words(word)
            for owner in self._by_name_word[near]
        }
        aliases = [(alias, owner) for owner in candidates for alias in self._aliases[owner]]
        found = process.extract(
            key,
            [alias for alias, _ in aliases],
            scorer=OSA.normalized_similarity,
            score_cutoff=FUZZY_CUTOFF,
            limit=None,
        )
        best: dict[str, float] = {}
        for _, score, index in found:
            owner = aliases[index][1]
            best[owner] = max(score, best.get(owner, 0.0))
        if not best:
            return []
        top = max(best.values())
        close = sorted((o for o, s in best.items() if s >= top - FUZZY_TIE), key=lambda o: -best[o])
        return self._people(close)

    def _near_words(self, word: str) -> list[str]:
        """Name words equal to `word`, or within a typo of it."""
        if len(word) < 4:
            return [word] if word in self._by_name_word else []
        found = process.extract(
            word,
            self._name_vocabulary,
            scorer=OSA.normalized_similarity,
            score_cutoff=FUZZY_CUTOFF,
            limit=MAX_CANDIDATES,
        )
        return [candidate for candidate, _, _ in found]

    def _speaker_and_topic(self, words: list[str], limit: int) -> SpeakerFound | None:
        """ "trump hostages" or "sandera netanyahu": a speaker's exact name, and a topic."""
        for size in range(len(words) - 1, 0, -1):
            for name, topic in ((words[:size], words[size:]), (words[-size:], words[:-size])):
                people = self._exact(" ".join(name))
                if len(people) != 1:
                    continue
                person = people[0]
                ranks = self.topics.ranks(topic)
                mine = [r for r in self._by_speaker.get(person.id, ()) if r in ranks]
                if mine:
                    shown = tuple(self.catalog.statements[r] for r in mine[:limit])
                    return SpeakerFound(person, shown, len(mine), " ".join(topic))
        return None

    def _name_words(self, words: list[str]) -> list[Person]:
        owners: set[str] | None = None
        for word in words:
            found = self._by_name_word.get(word, set())
            owners = set(found) if owners is None else owners & found
        return self._people(sorted(owners or ()))

    def _speaker(self, person: Person, limit: int) -> SpeakerFound:
        ranks = self._by_speaker.get(person.id, [])
        shown = tuple(self.catalog.statements[r] for r in ranks[:limit])
        return SpeakerFound(person, shown, len(ranks))

    def _newest(self, ranks: set[int], limit: int) -> tuple[Statement, ...]:
        return tuple(self.catalog.statements[r] for r in heapq.nsmallest(limit, ranks))

    def _people(self, ids: Iterable[str]) -> list[Person]:
        return [self.catalog.people[i] for i in dict.fromkeys(ids)]
