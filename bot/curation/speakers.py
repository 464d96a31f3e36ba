"""Who a phrase of an article names: a person of the registry, a new speaker, or whoever a
pronoun or a description points back to.

A phrase is matched, in order, against the registry's names, aliases and roles ("Sekjen PBB",
"the UN chief", "Hamas officials" also as "a senior Hamas official"), joint speakers included
("Smotrich and Ben-Gvir"); a pronoun ("he", "ia", "keduanya", the -nya of "ujarnya") or a
description ("the prime minister", "one official") refers back to the speakers met so far; what
is left, a name or a body the registry lacks, becomes a new speaker with the role the article
gives it ("Hamas spokesman Samir Abu Nasser" → samir-abu-nasser, role "Hamas spokesman"), and is
known by its surname or first name afterwards ("Abu Nasser", "Rina").
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

from bot.core.content.figures import WEEKDAYS
from bot.core.content.names import NameIndex, names_of, normalize
from bot.core.models import Lang, Person
from bot.curation import lexicon

Speakers = tuple[str, ...]

_NAME_PARTICLES = ("al-", "el-", "ad-", "as-", "bin", "binti", "abu", "van", "de")
_CONNECTORS = frozenset({"of", "the", "and", "for", "dan", "&"})
_JOINERS = frozenset({"and", "dan", "serta", "&"})
_ADJECTIVES = frozenset({"senior", "top", "high-ranking", "another", "other", "tinggi"})
_ADVERBS = frozenset(
    {"also", "later", "then", "again", "juga", "pun", "kemudian", "lalu", "kembali", "sebelumnya"}
)
_WEEKDAY_NAMES = frozenset(day for days in WEEKDAYS.values() for day in days)
_DEMONSTRATIVES = frozenset({"itu", "ini", "tersebut"})
_BOTH = frozenset({"two", "both", "kedua"})
# "one official", "salah satu sumber": one of the body of them met last.
_GROUP_WORDS = frozenset({"group", "movement", "organisation", "organization", "kelompok"})
_ONE_OF = frozenset({"official", "pejabat", "diplomat", "source", "sumber"})
_COUNTS = {"two": 2, "three": 3, "four": 4, "dua": 2, "tiga": 3, "empat": 4, "kedua": 2}
_POSSESSIVE = re.compile(r"['’](?:s\b)?")  # "Israel's", "Guterres'"


@dataclass
class NewSpeaker:
    """Someone the registry lacks, as the article names them: a person or a body."""

    id: str
    name: str
    role: str | None
    person: bool
    keys: set[str] = field(default_factory=set)  # normalised forms it goes by in the article
    # How many people a description counts ("two far-right ministers": 2), whom the article
    # may name after it.
    counted: int | None = None


@dataclass(frozen=True, slots=True)
class _Found:
    speakers: Speakers
    start: int
    end: int


class Cast:
    """The speakers of one article: the registry, the new speakers it adds, who spoke last."""

    def __init__(self, people: Iterable[Person], lang: Lang) -> None:
        self.lang = lang
        self.people = {person.id: person for person in people}
        self.new: dict[str, NewSpeaker] = {}
        self._recent: list[Speakers] = []
        self._names = NameIndex()
        for person in self.people.values():
            self._names.add_person(person, roles=_individual(person))

    # --- who spoke last ---

    def spoke(self, speakers: Speakers) -> None:
        """Remember who spoke or was the subject last: pronouns point back to them."""
        if speakers in self._recent:
            self._recent.remove(speakers)
        self._recent.append(speakers)

    def last(self, plural: bool = False) -> Speakers | None:
        for speakers in reversed(self._recent):
            if not plural and len(speakers) == 1 and self.is_individual(speakers[0]):
                return speakers
            if plural and (len(speakers) > 1 or not self.is_individual(speakers[0])):
                return speakers
        return self._recent[-1] if self._recent else None

    def is_individual(self, speaker: str) -> bool:
        if speaker in self.new:
            return self.new[speaker].person
        return _individual(self.people[speaker])

    # --- phrases ---

    def mentions(self, text: str) -> Iterator[_Found]:
        """Known speakers named in `text`, longest names first, a possessor ("Netanyahu's
        coalition") left out."""
        for speaker, start, end in self._names.find(text, plural=self.lang == "en"):
            if not _POSSESSIVE.match(text, end):
                yield _Found((speaker,), start, end)

    def opening(self, sentence: str) -> Speakers | None:
        """Who a sentence that makes no statement opens with, for the pronouns after it: a
        known speaker, or a person named with their role ("Qatar's spokesman, Majed
        al-Ansari, was more cautious.", "Dr. Lina Haddad, pengajar di …, berpendapat …")."""
        parts = [part.strip() for part in sentence.split(",")]
        named = len(parts) > 2 and (
            _personal_name(parts[0]) is not None or _personal_name(parts[1]) == parts[1]
        )
        if named and len(parts[0].split()) <= 6:
            return self.resolve(f"{parts[0]}, {parts[1]}")
        head = " ".join(sentence.split()[:6])
        return None if self._namesake(head) else self.known(head)

    def known(self, phrase: str) -> Speakers | None:
        """The known speaker(s) a phrase names, joint ones joined by "and"/"dan"; no new ones."""
        found = list(self.mentions(phrase))
        if not found:
            return None
        speakers = [found[0].speakers[0]]
        for before, after in itertools.pairwise(found):
            between = {lexicon.bare(w) for w in phrase[before.end : after.start].split()}
            if after.speakers[0] not in speakers and (between & _JOINERS or between <= {""}):
                speakers.append(after.speakers[0])
            elif after.speakers[0] not in speakers:
                break
        return tuple(speakers)

    def resolve(self, phrase: str, *, new: bool = True) -> Speakers | None:
        """The speaker(s) a subject or attribution phrase names; `new`: add one if need be."""
        phrase = _clean(phrase)
        words = [lexicon.bare(w) for w in phrase.split()]
        content = [
            w for w in words if w not in lexicon.DETERMINERS and w not in _ADJECTIVES | _ADVERBS
        ]
        if content[:1] == ["of"] and words[:1] == ["one"]:
            content = [w for w in content[1:] if w not in lexicon.DETERMINERS]  # "one of the …"
        if not content:
            return None
        if len(content) == 1 and content[0] in lexicon.PRONOUNS[self.lang]:
            return self.last(plural=content[0] in ("they", "mereka", "keduanya"))
        known = self.known(phrase)
        if known is not None and self._namesake(phrase):
            known = None  # "Dr Lina Haddad" is not al-Haddad
        if known is not None and (
            any(self.is_individual(s) for s in known) or not new or not self._named(phrase)
        ):
            return known
        described = self._described(content, phrase)
        if described is not None or not new:
            return described
        return self._add(phrase)

    def _namesake(self, phrase: str) -> bool:
        """Whether the one known name in a phrase is the surname of someone else: a given
        name, not a title or a role, stands right before it ("Lina Haddad")."""
        found = list(self.mentions(phrase))
        if len(found) != 1 or " " in phrase[found[0].start : found[0].end].strip():
            return False
        before = phrase[: found[0].start].split()[-1:]
        not_given = lexicon.ROLE_WORDS | lexicon.ORGANISATIONS | lexicon.TITLES | _CONNECTORS
        return (
            bool(before)
            and _capitalised(before[0])
            and not before[0].isupper()  # "PM Netanyahu", "UN"
            and lexicon.bare(before[0])
            not in (not_given | lexicon.DETERMINERS | lexicon.PERSON_WORDS)
            and not before[0].endswith((",", "'s", "’s"))
        )

    def _named(self, phrase: str) -> bool:
        """Whether a phrase names a person the registry lacks: "Hamas spokesman Samir Abu
        Nasser" is the spokesman, not Hamas."""
        return any(
            (name := _personal_name(part)) is not None and normalize(name) not in self._names
            for part in phrase.split(",")
        )

    def _described(self, content: list[str], phrase: str) -> Speakers | None:
        """ "one official" → the body of officials met last; "the prime minister" → the recent
        speaker whose role that is; "the top US diplomat" → the last person."""
        if self.lang == "id":
            content = [w for w in content if w not in _DEMONSTRATIVES]  # "pejabat itu"
        if len(content) > 1 and content[0] in _BOTH and set(content[1:]) <= lexicon.PERSON_WORDS:
            # "the two leaders", "kedua pemimpin itu": the last joint speakers.
            joint = self.last(plural=True)
            return joint if joint and len(joint) > 1 else None
        if len(content) == 1 and content[0] in _GROUP_WORDS:
            # "the group", "kelompok itu": the last body met, never a person.
            return next((s for s in reversed(self._recent) if not self._people(s)), None)
        if len(content) == 1 and content[0].rstrip("s") in _ONE_OF:
            for speakers in reversed(self._recent):
                if not self.is_individual(speakers[0]) and any(
                    content[0].rstrip("s") in key for key in self._keys_of(speakers[0])
                ):
                    return speakers
        description = " ".join(content)
        # A description names someone by what they are ("the prime minister", "Sekjen PBB"); a
        # place alone ("Israel") is in a role's words but names no one.
        described = {*content} & (lexicon.ROLE_WORDS | lexicon.PERSON_WORDS)
        for speakers in reversed(self._recent):
            if not described:
                break
            if len(speakers) == 1 and any(description in k for k in self._keys_of(speakers[0])):
                return speakers
        words = phrase.split()
        # "the top US diplomat", "diplomat tertinggi AS itu": a description of the last
        # speaker, when it says what someone is ("the report" is no one).
        pointed = (self.lang == "en" and words[0] in ("the", "The")) or (
            self.lang == "id" and lexicon.bare(words[-1]) in _DEMONSTRATIVES
        )
        if not pointed or any(w[0].isupper() and not w.isupper() for w in words[1:]):
            return None
        if content[-1] in lexicon.BODY_WORDS:  # "the commission": the last body met
            return next((s for s in reversed(self._recent) if not self._people(s)), None)
        return self.last() if described else None

    def _people(self, speakers: Speakers) -> bool:
        return len(speakers) > 1 or self.is_individual(speakers[0])

    def _keys_of(self, speaker: str) -> set[str]:
        if speaker in self.new:
            return self.new[speaker].keys | {normalize(self.new[speaker].role or "")}
        person = self.people[speaker]
        return names_of(person) | {normalize(person.role.en), normalize(person.role.id)}

    # --- new speakers ---

    def _add(self, phrase: str) -> Speakers | None:
        parts = [p.strip() for p in phrase.split(",") if p.strip()]
        parts = [
            p for p in parts if lexicon.bare(p.split()[0]) not in lexicon.CLAUSE_WORDS[self.lang]
        ]
        if not parts:
            return None
        # A part that is a name and nothing else ("…, Arif Santoso, said") comes first.
        order = sorted(range(len(parts)), key=lambda i: _personal_name(parts[i]) != parts[i])
        for index in order:
            part = parts[index]
            name = _personal_name(part)
            if name is None:
                continue
            before = part[: part.rindex(name)].strip()
            if lexicon.bare(before) in lexicon.TITLES:
                before = ""  # "Dr. Helena Voss": a title, not a role
            others = [p for i, p in enumerate(parts) if i != index]
            role = before or (others[0] if others else None)
            role = _trimmed(role) if role else None
            return (self._new(name, role, person=True),)
        body = _body_name(parts[0], self.lang)
        joint = _proper_names_joined(body)
        if joint:
            return tuple(self._new(name, None, person=False) for name in joint)
        words = body.split()
        counted = _COUNTS.get(lexicon.bare(parts[0].split()[0]))
        if (
            not words
            or len(words) > 8
            # "Kesepakatan itu", "Laporan tersebut": a thing the article named before.
            or (self.lang == "id" and lexicon.bare(words[-1]) in _DEMONSTRATIVES)
            or not (
                any(w[0].isupper() for w in words)
                or {lexicon.bare(w) for w in words} & lexicon.PERSON_WORDS
            )
        ):
            return None
        speaker = self._new(body, None, person=False)
        self.new[speaker].counted = self.new[speaker].counted or counted
        return (speaker,)

    def _new(self, name: str, role: str | None, *, person: bool) -> str:
        speaker = slug(name)
        if speaker in self.people:
            return speaker
        if speaker not in self.new:
            self.new[speaker] = NewSpeaker(speaker, name, role, person)
        entry = self.new[speaker]
        forms = [_POSSESSIVE.sub("", name)]
        parts = name.split()
        if person and len(parts) > 1:
            # Known afterwards by surname, last two names or first name: "Abu Nasser", "Rina".
            forms += [parts[-1], " ".join(parts[-2:]), parts[0]]
        entry.keys |= {self._names.add(form, speaker) for form in forms}
        return speaker


def name_after(words: list[str], lang: Lang) -> str:
    """ "said Julien Marchetti, the committee's head …, as she …": the name and what describes
    it, up to a word that opens a clause."""
    taken: list[str] = []
    for word in words:
        core = lexicon.bare(word)
        dated = word.startswith("(") and any(c.isdigit() for c in word)  # "(10/10/2025)"
        if core in lexicon.CLAUSE_WORDS[lang] or dated or core in _WEEKDAY_NAMES:
            break
        taken.append(word)
    return " ".join(taken)


def slug(name: str) -> str:
    """A new speaker's id: the name in lower case with hyphens, "'s" and brackets left out."""
    name = re.sub(r"\([^)]*\)", " ", _POSSESSIVE.sub("", name))
    return "-".join(normalize(name).split())[:80].strip("-")


def _individual(person: Person) -> bool:
    # A body's name is written in each language ("Israeli officials", "Pejabat Israel").
    return person.name.en == person.name.id


def _clean(phrase: str) -> str:
    phrase = re.sub(r"\(([^)]*)\)", " ", phrase)
    return " ".join(phrase.strip(" ,.;:").split())


def _trimmed(phrase: str) -> str:
    """A role or a name without its determiners and relative clause: "a spokesman for the
    ministry, who …" → "spokesman for the ministry"; "dua diplomat Arab yang …" → "diplomat
    Arab"."""
    words = phrase.split()
    while words and (lexicon.bare(words[0]) in lexicon.DETERMINERS or words[0].isdigit()):
        words = words[1:]
    for index, word in enumerate(words):
        if lexicon.bare(word) in ("yang", "who", "whose", "which", "that"):
            return " ".join(words[:index])
    return " ".join(words)


def _body_name(phrase: str, lang: Lang) -> str:
    """A body's name: English ends the noun phrase with its head, and what follows the people
    word describes them ("two diplomats involved in the talks" → "diplomats")."""
    words = _trimmed(phrase).split()
    for index, word in enumerate(words[:-1]):
        if (
            lang == "en"
            and lexicon.bare(word) in lexicon.PERSON_WORDS
            and words[index + 1].islower()
        ):
            return " ".join(words[: index + 1])
    return " ".join(words)


def _capitalised(word: str) -> bool:
    core = lexicon.bare(word)
    return bool(core) and (word.lstrip('“‘"(')[0].isupper() or core.startswith(_NAME_PARTICLES))


def _personal_name(part: str) -> str | None:
    """The last run of two to four capitalised words that names a person: not a body (no
    "Committee", no "and"), not a title or a role before the name ("Menteri Luar Negeri Mesir
    Tarek Fawzi" → "Tarek Fawzi"), not an object ("kepada Al Jazeera"), not an adjective
    before a people word ("Russian and Chinese ambassadors")."""
    words = part.split()
    best: list[str] = []
    for start, end in _capitalised_runs(words):
        run = [w for w in words[start:end] if lexicon.bare(w) not in lexicon.TITLES]
        # Whether a title or a role opens the run: "Rabbi Yosef", "Menteri Pertahanan Israel
        # Katz"; one name after it is a name.
        titled = len(run) < end - start
        # A role or an acronym inside the run ends what comes before the name: "Komisi I DPR
        # Dave Laksono", "Panglima TNI Jenderal Agus Subiyanto".
        cut = max((i + 1 for i, w in enumerate(run[:-1]) if _ends_a_title(w)), default=0)
        titled, run = titled or cut > 0, run[cut:]
        while run and lexicon.bare(run[0]) in lexicon.ROLE_WORDS | lexicon.ORGANISATIONS:
            titled = titled or lexicon.bare(run[0]) in lexicon.ROLE_WORDS
            run = run[1:]
        cores = {lexicon.bare(w) for w in run}
        after = lexicon.bare(words[end]) if end < len(words) else ""
        before = lexicon.bare(words[start - 1]) if start else ""
        if (
            (2 if not titled else 1) <= len(run) <= 5
            and not cores & (lexicon.BODY_WORDS | _JOINERS)
            and not all(w.isupper() for w in run)
            and after not in lexicon.PERSON_WORDS
            and before not in lexicon.PREPOSITIONS
        ):
            best = run
    return " ".join(w.strip(",.;:") for w in best) if best else None


def _ends_a_title(word: str) -> bool:
    """A word after which a name may start, in a run of capitalised words: a role ("Jenderal"),
    an acronym ("DPR", "TNI") or a numeral ("Komisi I")."""
    core = lexicon.bare(word)
    acronym = word.strip(",.;:").isupper() and not core.startswith(_NAME_PARTICLES)
    return core in lexicon.ROLE_WORDS or acronym


def _capitalised_runs(words: list[str]) -> list[tuple[int, int]]:
    """Spans of capitalised words, joined across "of the", "and", "dan" ("Committee of the
    Red Cross", "Keluarga Sandera dan Orang Hilang"); a determiner never opens one."""
    runs: list[tuple[int, int]] = []
    start: int | None = None
    for index, word in enumerate([*words, ""]):
        core = lexicon.bare(word)
        if word and _capitalised(word) and not _POSSESSIVE.search(word[:-1] or word):
            if start is None and core in lexicon.DETERMINERS:
                continue
            start = index if start is None else start
            continue
        following = next((w for w in words[index + 1 :] if w not in _CONNECTORS), "")
        if start is not None and word in _CONNECTORS and following and _capitalised(following):
            continue
        if start is not None:
            end = index
            while end > start and words[end - 1] in _CONNECTORS:
                end -= 1
            runs.append((start, end))
        start = None
    return runs


def _proper_names_joined(phrase: str) -> list[str]:
    """ "Saudi Arabia and the United Arab Emirates": two bodies, when each side is a name."""
    sides = re.split(r"\s+(?:and|dan|serta)\s+", phrase)
    names = [" ".join(w for w in side.split() if w.lower() != "the") for side in sides]
    proper = all(
        name
        and all(_capitalised(w) for w in name.split())
        and not {lexicon.bare(w) for w in name.split()} & lexicon.BODY_WORDS
        for name in names
    )
    return names if len(names) > 1 and proper else []


def _people_words(words: list[str]) -> bool:
    return bool({lexicon.bare(w) for w in words} & lexicon.PERSON_WORDS)
