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

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from decimal import Decimal

from rapidfuzz import fuzz

from bot.core.content.names import names_of, normalize
from bot.core.models import LANGS, Lang, Localized, Person

_MONTHS: dict[Lang, tuple[str, ...]] = {
    "en": ("january", "february", "march", "april", "may", "june", "july", "august",
           "september", "october", "november", "december"),
    "id": ("januari", "februari", "maret", "april", "mei", "juni", "juli", "agustus",
           "september", "oktober", "november", "desember"),
}  # fmt: skip
_WEEKDAYS: dict[Lang, tuple[str, ...]] = {
    "en": ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"),
    "id": ("senin", "selasa", "rabu", "kamis", "jumat", "sabtu", "minggu"),
}


def _month_number(lang: Lang, word: str) -> int | None:
    word = word.casefold().rstrip(".")
    for number, month in enumerate(_MONTHS[lang], 1):
        # "Oct", "Okt", "Sept": a month's first three letters or more.
        if len(word) >= 3 and month.startswith(word):
            return number
    return None


def _month_names(lang: Lang) -> str:
    """A pattern of the months' names, capitalised, in full or cut to three letters or more."""
    return "|".join(
        rf"{month[:3].capitalize()}(?:{month[3:]}|\.)?" if month[3:] else month.capitalize()
        for month in _MONTHS[lang]
    )


_DAY = r"(?P<day>[0-3]?\d)"
_YEAR = r"(?P<year>\d{4})"
_DATES: dict[Lang, tuple[re.Pattern[str], ...]] = {
    "en": (
        re.compile(rf"\b{_DAY}(?:st|nd|rd|th)? (?P<month>{_month_names('en')})(?:,? {_YEAR})?\b"),
        re.compile(rf"\b(?P<month>{_month_names('en')}) {_DAY}(?:st|nd|rd|th)?(?:,? {_YEAR})?\b"),
    ),
    "id": (
        re.compile(rf"\b{_DAY} (?P<month>{_month_names('id')})(?: {_YEAR})?\b"),
        # Indonesian news dates an event in brackets after its weekday: "Senin (6/10/2025)".
        re.compile(rf"\({_DAY}/(?P<month>[01]?\d)(?:/{_YEAR})?\)"),
    ),
}  # fmt: skip
_MONTH_ALONE = {lang: re.compile(rf"\b(?:{_month_names(lang)})(?!\w)") for lang in _MONTHS}
_WEEKDAY = {
    "en": re.compile(r"\b(Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday)s?\b"),
    # "Minggu" is Sunday, but "minggu lalu" is last week.
    "id": re.compile(r"\b(Senin|Selasa|Rabu|Kamis|Jum'?at|Sabtu|Minggu(?! (?:lalu|depan|ini)))\b"),
}
_TIME = {
    "en": re.compile(r"\b(?P<hour>[01]?\d|2[0-3]):(?P<minute>[0-5]\d)\b"),
    "id": re.compile(r"\b(?P<hour>[01]?\d|2[0-3])[.:](?P<minute>[0-5]\d)(?= ?(?:WIB|WITA|WIT)\b)"),
}
_NUMBER = {
    "en": re.compile(r"(?<![\w.,])(\d{1,3}(?:,\d{3})+|\d+)(\.\d+)?"),
    "id": re.compile(r"(?<![\w.,])(\d{1,3}(?:\.\d{3})+|\d+)(,\d+)?"),
}
_SCALE = {
    "en": {"thousand": 1_000, "million": 1_000_000, "billion": 1_000_000_000},
    "id": {"ribu": 1_000, "juta": 1_000_000, "miliar": 1_000_000_000},
}
_FOLLOWING_WORD = re.compile(r"[ -]?([^\W\d_]+)")

_UNIT_WORDS = {
    "en": """zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen
             fifteen sixteen seventeen eighteen nineteen""",
    "id": "nol satu dua tiga empat lima enam tujuh delapan sembilan sepuluh sebelas",
}
_UNITS = {
    lang: {word: n for n, word in enumerate(words.split())} for lang, words in _UNIT_WORDS.items()
}
_TENS_WORDS = "twenty thirty forty fifty sixty seventy eighty ninety"
_TENS_EN = {word: 10 * n for n, word in enumerate(_TENS_WORDS.split(), 2)}
_SE = {"seratus": 100, "seribu": 1_000, "sejuta": 1_000_000}  # "se-" is "one"
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


def _dates(text: str, lang: Lang) -> Iterator[tuple[Mention, tuple[int, int]]]:
    for pattern in _DATES[lang]:
        for match in pattern.finditer(text):
            month_text = match["month"]
            month = int(month_text) if month_text.isdigit() else _month_number(lang, month_text)
            if month is None or not 1 <= month <= 12:
                continue
            yield Mention(("date", month, int(match["day"])), match.group()), match.span()
            if match["year"]:
                yield Mention(("number", Decimal(match["year"])), match["year"]), match.span()


def _words(text: str) -> Iterator[tuple[str, int, int]]:
    for match in re.finditer(r"[^\W\d_]+", text):
        yield match.group(), match.start(), match.end()


def _spelled(text: str, lang: Lang) -> Iterator[Mention]:
    """Numbers written in words: "twenty-five", "dua puluh", "seratus lima"."""
    words = list(_words(text))
    index = 0
    while index < len(words):
        value, used = _spelled_at(text, words, index, lang)
        if used:
            shown = text[words[index][1] : words[index + used - 1][2]]
            yield Mention(("number", Decimal(value)), shown, value >= _SPELLED_REQUIRED)
            index += used
        else:
            index += 1


def _spelled_at(
    text: str, words: list[tuple[str, int, int]], start: int, lang: Lang
) -> tuple[int, int]:
    """The value of the number words from `start`, and how many words it took (0: none)."""
    total = current = used = 0
    for word, begin, _ in words[start:]:
        if used and text[words[start + used - 1][2] : begin] not in (" ", "-"):
            break  # "dua, tiga": two numbers
        word = word.casefold()
        if word in _UNITS[lang]:
            current += _UNITS[lang][word]
        elif lang == "en" and word in _TENS_EN:
            current += _TENS_EN[word]
        elif lang == "id" and word in _SE:
            current += _SE[word]
        elif used and word in ("hundred", "ratus"):
            current *= 100
        elif used and word in ("belas",):
            current += 10
        elif used and word in ("puluh",):
            current *= 10
        elif used and word in _SCALE[lang]:
            total += current * _SCALE[lang][word]
            current = 0
        elif used and lang == "en" and word == "and":
            continue
        else:
            break
        used += 1
    return total + current, used


def _numbers(text: str, lang: Lang) -> Iterator[Mention]:
    group, decimal = (",", ".") if lang == "en" else (".", ",")
    for match in _NUMBER[lang].finditer(text):
        whole, fraction = match[1], match[2] or ""
        value = Decimal(whole.replace(group, "") + fraction.replace(decimal, "."))
        following = _FOLLOWING_WORD.match(text, match.end())
        shown = match.group()
        if following and following[1].casefold() in _SCALE[lang]:
            value *= _SCALE[lang][following[1].casefold()]
            shown = text[match.start() : following.end()]
        yield Mention(("number", value.normalize()), shown)
    yield from _spelled(text, lang)


def _blank(text: str, spans: Iterable[tuple[int, int]]) -> str:
    """`text` with the spans already read as something else replaced by spaces."""
    chars = list(text)
    for start, end in spans:
        chars[start:end] = " " * (end - start)
    return "".join(chars)


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
        self._aliases: dict[str, str] = {}  # normalised alias → person id
        for person in people:
            if person.name.en != person.name.id:
                # A body ("Israeli officials", "pejabat Israel") is a description, worded
                # freely; its words are read like any others ("Israeli", "Israel").
                continue
            for alias in names_of(person):
                self._aliases.setdefault(alias, person.id)
        self._longest = max((len(alias.split()) for alias in self._aliases), default=1)

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
        mentions: list[Mention] = []
        taken: list[tuple[int, int]] = []
        for mention, span in _dates(text, lang):
            mentions.append(mention)
            taken.append(span)
        for match in _TIME[lang].finditer(text):
            mentions.append(Mention(("time", int(match["hour"]), int(match["minute"])), match[0]))
            taken.append(match.span())
        for match in _MONTH_ALONE[lang].finditer(_blank(text, taken)):
            month = _month_number(lang, match.group())
            mentions.append(Mention(("month", month), match.group()))
        for match in _WEEKDAY[lang].finditer(text):
            day = match[1].casefold().replace("'", "")
            mentions.append(Mention(("weekday", _WEEKDAYS[lang].index(day)), match[1]))
        mentions.extend(_numbers(_blank(text, taken), lang))
        mentions.extend(self._names(text, lang))
        return mentions

    def _names(self, text: str, lang: Lang) -> Iterator[Mention]:
        letters = [c for c in text if c.isalpha()]
        if sum(c.isupper() for c in letters) > _MOSTLY_CAPITALS * max(len(letters), 1):
            return
        words = list(_words(text))
        keys = [normalize(word) for word, _, _ in words]
        index = 0
        while index < len(words):
            found = self._person_at(keys, index) or _phrase_at(keys, index)
            if found is not None:
                name, used = found
                yield Mention(name, text[words[index][1] : words[index + used - 1][2]])
                index += used
                continue
            word, start, _ = words[index]
            folded = keys[index]
            index += 1
            if not word[0].isupper() or folded in _TITLES or _shouted(words, index - 1):
                continue
            if folded in _EXONYMS and (folded not in _ACRONYMS or word.isupper()):
                yield Mention(("name", _EXONYMS[folded]), word)
            elif folded not in _EXONYMS and not _is_month_or_day(word):
                # Capitalised first in a sentence, a word may be a name or not: it answers for
                # the other text's, and is not required of it.
                yield Mention(("name", folded), word, required=not _opens_sentence(text, start))

    def _person_at(self, keys: list[str], start: int) -> tuple[tuple[str, str], int] | None:
        for size in range(min(self._longest, len(keys) - start), 0, -1):
            person = self._aliases.get(" ".join(keys[start : start + size]))
            if person is not None:
                return ("person", person), size
        return None


def _phrase_at(keys: list[str], start: int) -> tuple[tuple[str, str], int] | None:
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


def _is_month_or_day(word: str) -> bool:
    folded = word.casefold()
    return any(folded in names for names in (*_MONTHS.values(), *_WEEKDAYS.values()))


# A name written a little differently in the other language: "Kairo", "Palestina", "Israel".
_NEAR_NAME = 80


def _near(mention: Mention, others: Iterable[Mention]) -> bool:
    word = str(mention.key[1])
    return any(
        other.key[0] == "name" and fuzz.ratio(word, str(other.key[1])) >= _NEAR_NAME
        for other in others
    )
