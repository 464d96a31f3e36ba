"""How people are named: the form names and aliases are matched in, and an index that finds
them in running text (who-said-what queries, the check's warnings, the drafter's speakers)."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator

from bot.core.models import LANGS, Person

_COMBINING = re.compile(r"[\u0300-\u036f\u1ab0-\u1aff\u1dc0-\u1dff\u20d0-\u20ff\ufe20-\ufe2f]")
_WORD = re.compile(r"[^\W_]+")


def normalize(text: str) -> str:
    """Lower case, no diacritics, words separated by single spaces: "El-Sisi" → "el sisi"."""
    if not text.isascii():
        text = _COMBINING.sub("", unicodedata.normalize("NFKD", text))
    return " ".join(_WORD.findall(text.casefold()))


def names_of(person: Person) -> set[str]:
    """Every form a person goes by, normalised: id, name in both languages, aliases."""
    names = (person.id.replace("-", " "), *(person.name.get(lang) for lang in LANGS))
    return {normalize(name) for name in (*names, *person.aliases)} - {""}


_WORDS = re.compile(r"[^\W_]+")


class NameIndex:
    """The names, aliases and roles people go by, found in running text longest first.

    A name counts where it is capitalised, unless it is written in lower case ("pejabat
    Israel"): "di sisi lain" (on the other hand) does not name el-Sisi.
    """

    def __init__(self) -> None:
        self._ids: dict[str, str] = {}  # normalised form → who goes by it
        self._lowercase: set[str] = set()
        # A form's first word → the most words a form opening with it has: most words of a
        # text open no name, and cost one lookup.
        self._first: dict[str, int] = {}

    def add(self, written: str, speaker: str) -> str:
        """Index one form; returns it normalised."""
        key = normalize(written)
        if key:
            self._index(key, speaker)
            if written[:1].islower():
                self._lowercase.add(key)
        return key

    def _index(self, key: str, speaker: str) -> None:
        self._ids.setdefault(key, speaker)
        words = key.split()
        # "official" opens "officials" too, for `find(plural=True)`.
        for first in {words[0], words[0].removesuffix("s")} if len(words) == 1 else {words[0]}:
            self._first[first] = max(self._first.get(first, 0), len(words))

    def add_person(self, person: Person, *, roles: bool = False) -> None:
        for written in (person.name.en, person.name.id, *person.aliases):
            self.add(written, person.id)
        self._index(person.id.replace("-", " "), person.id)
        if roles:
            self.add(person.role.en, person.id)
            self.add(person.role.id, person.id)

    def __contains__(self, key: str) -> bool:
        return key in self._ids

    def find(self, text: str, *, plural: bool = False) -> Iterator[tuple[str, int, int]]:
        """Who `text` names and where (start, end), longest names first; `plural`: an English
        singular names the plural form too ("a Hamas official": "Hamas officials")."""
        spans = [(m.start(), m.end()) for m in _WORDS.finditer(text)]
        return self.find_in(text, spans, [fold(text[s:e]) for s, e in spans], plural=plural)

    def find_in(
        self, text: str, spans: list[tuple[int, int]], keys: list[str], *, plural: bool = False
    ) -> Iterator[tuple[str, int, int]]:
        """`find`, over words already split (`spans`) and folded (`keys`)."""
        index = 0
        while index < len(spans):
            longest = self._first.get(keys[index], 0)
            for size in range(min(longest, len(keys) - index), 0, -1):
                key = " ".join(keys[index : index + size])
                speaker = self._ids.get(key) or (self._ids.get(key + "s") if plural else None)
                start, end = spans[index][0], spans[index + size - 1][1]
                if speaker and (text[start].isupper() or key in self._lowercase):
                    yield speaker, start, end
                    index += size
                    break
            else:
                index += 1


def fold(word: str) -> str:
    """One word as `normalize` writes it, without its cost for plain ASCII."""
    return word.casefold() if word.isascii() else normalize(word)
