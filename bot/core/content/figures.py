"""Dates, times and numbers as English and Indonesian news write them, read into values.

"7 October 2025", "October 7" and "7 Oktober"; Indonesian news's "Senin (6/10/2025)"; "1,968"
and "1.968", "2.5" and "2,5", "1.2 million" and "1,2 juta"; numbers in words ("twenty-five",
"dua puluh lima", "seratus"). The cross-language check compares texts by these values, and the
drafter dates statements by them.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from decimal import Decimal

from bot.core.models import Lang

_MONTHS: dict[Lang, tuple[str, ...]] = {
    "en": ("january", "february", "march", "april", "may", "june", "july", "august",
           "september", "october", "november", "december"),
    "id": ("januari", "februari", "maret", "april", "mei", "juni", "juli", "agustus",
           "september", "oktober", "november", "desember"),
}  # fmt: skip
WEEKDAYS: dict[Lang, tuple[str, ...]] = {
    "en": ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"),
    "id": ("senin", "selasa", "rabu", "kamis", "jumat", "sabtu", "minggu"),
}


def _month_number(lang: Lang, word: str) -> int | None:
    word = word.casefold().rstrip(".")
    for number, month in enumerate(_MONTHS[lang], 1):
        # "Oct", "Okt": a month's first three letters or more.
        if len(word) >= 3 and month.startswith(word):
            return number
    return None


def _month_names(lang: Lang) -> str:
    """A pattern of the months' names, capitalised, in full or cut to three letters."""
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
# The words a number in words can open with.
_OPENING_WORDS = {
    "en": frozenset({*_UNITS["en"], *_TENS_EN}),
    "id": frozenset({*_UNITS["id"], *_SE}),
}

Span = tuple[int, int]


@dataclass(frozen=True, slots=True)
class DayOfMonth:
    """A date as written: the year only when the text gives it."""

    month: int
    day: int
    year: int | None
    shown: str
    span: Span


@dataclass(frozen=True, slots=True)
class Number:
    value: Decimal
    shown: str
    spelled: bool  # written in words


def days_of_month(text: str, lang: Lang) -> Iterator[DayOfMonth]:
    for pattern in _DATES[lang]:
        for match in pattern.finditer(text):
            month_text = match["month"]
            month = int(month_text) if month_text.isdigit() else _month_number(lang, month_text)
            if month is not None and 1 <= month <= 12 and 1 <= int(match["day"]) <= 31:
                year = int(match["year"]) if match["year"] else None
                yield DayOfMonth(month, int(match["day"]), year, match.group(), match.span())


def months_alone(text: str, lang: Lang) -> Iterator[tuple[int, str]]:
    """Months named without a day ("since October"): number and text. Give a text with its
    days of the month blanked out (`blank`)."""
    for match in _MONTH_ALONE[lang].finditer(text):
        month = _month_number(lang, match.group())
        if month is not None:
            yield month, match.group()


def weekdays(text: str, lang: Lang) -> Iterator[tuple[int, str, Span]]:
    """Weekdays named: 0 for Monday, as written, where."""
    for match in _WEEKDAY[lang].finditer(text):
        day = match[1].casefold().replace("'", "")
        yield WEEKDAYS[lang].index(day), match[1], match.span()


def times(text: str, lang: Lang) -> Iterator[tuple[int, int, str, Span]]:
    for match in _TIME[lang].finditer(text):
        yield int(match["hour"]), int(match["minute"]), match.group(), match.span()


def numbers(text: str, lang: Lang) -> Iterator[Number]:
    """Numbers in digits (with a scale word: "1.5 million") and in words. Give a text with its
    dates and times blanked out (`blank`), or their digits count as numbers too."""
    group, decimal = (",", ".") if lang == "en" else (".", ",")
    for match in _NUMBER[lang].finditer(text):
        whole, fraction = match[1], match[2] or ""
        value = Decimal(whole.replace(group, "") + fraction.replace(decimal, "."))
        following = _FOLLOWING_WORD.match(text, match.end())
        shown = match.group()
        if following and following[1].casefold() in _SCALE[lang]:
            value *= _SCALE[lang][following[1].casefold()]
            shown = text[match.start() : following.end()]
        yield Number(value.normalize(), shown, spelled=False)
    yield from _spelled(text, lang)


def blank(text: str, spans: Iterable[Span]) -> str:
    """`text` with the spans already read as something else replaced by spaces."""
    chars = list(text)
    for start, end in spans:
        chars[start:end] = " " * (end - start)
    return "".join(chars)


def words(text: str) -> Iterator[tuple[str, int, int]]:
    """Each word (letters only) with its start and end."""
    for match in re.finditer(r"[^\W\d_]+", text):
        yield match.group(), match.start(), match.end()


def _spelled(text: str, lang: Lang) -> Iterator[Number]:
    """Numbers written in words: "twenty-five", "dua puluh", "seratus lima"."""
    found = list(words(text))
    index = 0
    while index < len(found):
        if found[index][0].casefold() not in _OPENING_WORDS[lang]:
            index += 1
            continue
        value, used = _spelled_at(text, found, index, lang)
        if used:
            shown = text[found[index][1] : found[index + used - 1][2]]
            yield Number(Decimal(value), shown, spelled=True)
            index += used
        else:
            index += 1


def _spelled_at(
    text: str, found: list[tuple[str, int, int]], start: int, lang: Lang
) -> tuple[int, int]:
    """The value of the number words from `start`, and how many words it took (0: none)."""
    total = current = used = 0
    for word, begin, _ in found[start:]:
        if used and text[found[start + used - 1][2] : begin] not in (" ", "-"):
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
        elif used and word == "belas":
            current += 10
        elif used and word == "puluh":
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


def is_month_or_weekday(word: str) -> bool:
    folded = word.casefold()
    return any(folded in names for names in (*_MONTHS.values(), *WEEKDAYS.values()))
