"""How people are named: the form names and aliases are matched in, whoever matches them."""

from __future__ import annotations

import re
import unicodedata

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
