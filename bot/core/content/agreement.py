"""Whether a text's two languages agree: the numbers, dates and names of one are in the other.

Curators write every text twice, and a figure or a date can change or drop out on the way.
`ringkas check` warns about each number, date and name found in one language's text and not in
the other's. Equivalent forms count as the same: "1,968" and "1.968", "2.5" and "2,5", "20" and
"dua puluh" or "twenty", "7 October 2025", "October 7, 2025", "7 Oktober 2025" and "(7/10/2025)",
"Monday" and "Senin", a person by any of their names, aliases or roles in either language
("Guterres", "UN chief", "Sekjen PBB"), "Egypt" and "Mesir".

A number spelled out under ten ("two sides", "kedua pihak") is too often not a figure to be
required; it still answers for a digit in the other text. A name is a capitalised word inside a
sentence that is not a title ("President", "Menteri") or a month or weekday; a text mostly in
capitals (a post quoted as written) has no names to compare.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from decimal import Decimal

from rapidfuzz import fuzz

from bot.core.content import figures
from bot.core.content.names import NameIndex, fold
from bot.core.models import LANGS, Lang, Localized, Person

# Below this, a number spelled out is not required in the other text (see the docstring).
_SPELLED_REQUIRED = 10


@dataclass(frozen=True, slots=True)
class Mention:
    """A number, date or name as found in one text: what it is, and how it was written."""

    key: tuple[object, ...]  # equal for equivalent forms: ("number", 1968), ("person", id)
    shown: str
    required: bool = True  # False: it only answers for the other text's (see the docstring)

    @property
    def what(self) -> str:
        kind = self.key[0]
        return "number" if kind == "number" else "name" if kind in ("name", "person") else "date"


def _figures(text: str, lang: Lang) -> Iterator[Mention]:
    taken: list[figures.Span] = []
    for date in figures.days_of_month(text, lang):
        yield Mention(("date", date.month, date.day), date.shown)
        if date.year is not None:
            yield Mention(("number", Decimal(date.year)), str(date.year))
        taken.append(date.span)
    for hour, minute, shown, span in figures.times(text, lang):
        yield Mention(("time", hour, minute), shown)
        taken.append(span)
    rest = figures.blank(text, taken)
    for month, shown in figures.months_alone(rest, lang):
        yield Mention(("month", month), shown)
    for day, shown, _ in figures.weekdays(text, lang):
        yield Mention(("weekday", day), shown)
    for number in figures.numbers(rest, lang):
        required = not number.spelled or number.value >= _SPELLED_REQUIRED
        yield Mention(("number", number.value), number.shown, required)


# Places and bodies whose names differ between the languages, by a key common to both.
_EXONYMS = {
    "egypt": "egypt", "egyptian": "egypt", "egyptians": "egypt", "mesir": "egypt",
    "cairo": "cairo", "kairo": "cairo",
    "israeli": "israel", "israelis": "israel",
    "palestinian": "palestine", "palestinians": "palestine", "palestina": "palestine",
    "un": "un", "pbb": "un", "us": "us", "as": "us", "american": "us", "america": "us",
    "amerika": "us", "english": "uk", "british": "uk", "britain": "uk", "inggris": "uk",
    "world": "world", "dunia": "world", "arabs": "arab",
    "jerusalem": "jerusalem", "yerusalem": "jerusalem", "jordan": "jordan", "yordania": "jordan",
    "syria": "syria", "suriah": "syria", "turkey": "turkey", "turkish": "turkey", "turki": "turkey",
    "europe": "europe", "european": "europe", "eropa": "europe",
}  # fmt: skip
_PHRASES = {
    "united states": "us", "amerika serikat": "us", "united nations": "un",
    "perserikatan bangsa bangsa": "un", "west bank": "west bank", "tepi barat": "west bank",
    "security council": "security council", "dewan keamanan": "security council",
    "red cross": "red cross", "palang merah": "red cross",
}  # fmt: skip
_PHRASE_OPENERS = frozenset(phrase.split()[0] for phrase in _PHRASES)
# Capitalised before a name or in a body's name, but not names: titles, in both languages.
_TITLE_TEXT = """
i mr mrs ms dr president presiden prime perdana minister menteri ministers secretary sekretaris
general jenderal sekjen menlu menkeu state foreign luar negeri finance keuangan national security
nasional keamanan opposition oposisi leader pemimpin head chief commission komisi inquiry
penyelidikan brigades brigade pm ambassador duta besar spokesman spokesperson juru bicara jubir
envoy utusan king raja queen ratu sheikh syekh defense defence pertahanan forces pasukan army
tentara
"""
_TITLES = frozenset(_TITLE_TEXT.split())
# A capitalised word after these (or first in the text) may be capitalised as a sentence's start.
_OPENERS = ".!?:;“\"(‘'—–-"
# Exonyms that are also common words in lower case ("as", "us"): names only in capitals.
_ACRONYMS = frozenset({"as", "us", "un"})
_MOSTLY_CAPITALS = 0.6
_BOTH_WAYS: tuple[tuple[Lang, Lang], ...] = (("en", "id"), ("id", "en"))


class Agreement:
    """The check of one catalog's texts: people by their aliases, built once."""

    def __init__(self, people: Iterable[Person]) -> None:
        self._people = NameIndex()
        for person in people:
            # A body ("Israeli officials", "pejabat Israel") is a description, worded freely;
            # its words are read like any others ("Israeli", "Israel").
            if person.name.en == person.name.id:
                self._people.add_person(person)

    def missing(self, text: Localized) -> list[tuple[Lang, Lang, Mention]]:
        """(in, not in, what) for each number, date and name one language has and the other
        lacks, in the order of the texts."""
        found = {lang: self.mentions(text.get(lang), lang) for lang in LANGS}
        keys = {lang: {mention.key for mention in found[lang]} for lang in LANGS}
        gaps: list[tuple[Lang, Lang, Mention]] = []
        for lang, other in _BOTH_WAYS:
            shown: set[tuple[object, ...]] = set()
            for mention in found[lang]:
                if mention.required and mention.key not in keys[other] and mention.key not in shown:
                    if mention.key[0] == "name" and _near(mention, found[other]):
                        continue
                    shown.add(mention.key)
                    gaps.append((lang, other, mention))
        return gaps

    def mentions(self, text: str, lang: Lang) -> list[Mention]:
        return [*_figures(text, lang), *self._names(text, lang)]

    def _names(self, text: str, lang: Lang) -> Iterator[Mention]:
        if sum(map(str.isupper, text)) > _MOSTLY_CAPITALS * max(sum(map(str.isalpha, text)), 1):
            return
        words = list(figures.words(text))
        keys = [fold(word) for word, _, _ in words]
        spans = [(start, end) for _, start, end in words]
        people = {s: (who, e) for who, s, e in self._people.find_in(text, spans, keys)}
        index = 0
        while index < len(words):
            word, start, _ = words[index]
            if start in people:
                speaker, end = people[start]
                yield Mention(("person", speaker), text[start:end])
                while index < len(words) and words[index][1] < end:
                    index += 1
                continue
            phrase = _phrase_at(keys, index)
            if phrase is not None:
                name, used = phrase
                yield Mention(name, text[start : words[index + used - 1][2]])
                index += used
                continue
            folded = keys[index]
            index += 1
            if not word[0].isupper() or folded in _TITLES or _shouted(words, index - 1):
                continue
            if folded in _EXONYMS and (folded not in _ACRONYMS or word.isupper()):
                yield Mention(("name", _EXONYMS[folded]), word)
            elif folded not in _EXONYMS and not figures.is_month_or_weekday(word):
                # Capitalised first in a sentence, a word may be a name or not: it answers for
                # the other text's, and is not required of it.
                yield Mention(("name", folded), word, required=not _opens_sentence(text, start))


def _phrase_at(keys: list[str], start: int) -> tuple[tuple[str, str], int] | None:
    if keys[start] not in _PHRASE_OPENERS:
        return None
    for size in (3, 2):
        name = _PHRASES.get(" ".join(keys[start : start + size]))
        if name is not None:
            return ("name", name), size
    return None


def _shouted(words: list[tuple[str, int, int]], index: int) -> bool:
    """Whether the word is in capitals among others ("MOVE FAST"): a shout, not an acronym."""
    return words[index][0].isupper() and any(
        0 <= other < len(words) and len(words[other][0]) > 1 and words[other][0].isupper()
        for other in (index - 1, index + 1)
    )


def _opens_sentence(text: str, start: int) -> bool:
    before = text[:start].rstrip()
    return not before or before[-1] in _OPENERS


# A name written a little differently in the other language: "Kairo", "Palestina", "Israel".
_NEAR_NAME = 80


def _near(mention: Mention, others: Iterable[Mention]) -> bool:
    word = str(mention.key[1])
    return any(
        other.key[0] == "name" and fuzz.ratio(word, str(other.key[1])) >= _NEAR_NAME
        for other in others
    )
