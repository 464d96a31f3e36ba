"""Command arguments as users type them → values, or the one thing wrong with them."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Final

from bot.core import timing
from bot.core.subscription import Languages, Plan

MAX_TIMES: Final = 6

_LANGUAGE_WORDS: Final[dict[str, Languages]] = {
    "en": "en", "english": "en", "inggris": "en",
    "id": "id", "indonesian": "id", "indonesia": "id",
    "both": "both", "keduanya": "both",
}  # fmt: skip
_INSTANT_WORDS: Final = {"instant", "langsung", "segera"}


def parse_language(word: str) -> Languages | None:
    """ "id", "Indonesia", "inggris", "both" … as a language choice; None if it is none."""
    return _LANGUAGE_WORDS.get(word.strip().casefold())


@dataclass(frozen=True, slots=True)
class SubscribeArgs:
    """What the user gave; anything not given keeps its current or default value."""

    languages: Languages | None = None
    times: tuple[dt.time, ...] = ()
    instant: bool = False
    zone: str | None = None

    def applied_to(self, base: Plan) -> Plan:
        """`base` with what was given: new times replace the old ones (and instant, unless
        given too); "instant" alone replaces the times."""
        return Plan(
            languages=self.languages or base.languages,
            times=self.times or (() if self.instant else base.times),
            instant=self.instant or (base.instant and not self.times),
            timezone=self.zone or base.timezone,
        )


@dataclass(frozen=True, slots=True)
class ArgError:
    """A reply key from bot.core.replies, and the offending word or limit to fill in."""

    key: str
    value: str = ""
    count: int = 0
    languages: Languages | None = None  # a language named before the mistake, to answer in


def parse_subscribe(text: str) -> SubscribeArgs | ArgError:
    languages: Languages | None = None
    times: list[dt.time] = []
    instant = False
    zone: str | None = None
    for word in text.split():
        folded = word.casefold()
        if folded in _LANGUAGE_WORDS:
            if languages is not None and languages != _LANGUAGE_WORDS[folded]:
                return ArgError("one_language")  # which of the two to answer in is unclear
            languages = _LANGUAGE_WORDS[folded]
        elif folded in _INSTANT_WORDS:
            instant = True
        elif (time := timing.parse_time(word)) is not None:
            if time not in times:
                times.append(time)
            if len(times) > MAX_TIMES:
                return ArgError("too_many_times", count=MAX_TIMES, languages=languages)
        elif timing.looks_like_time(word):
            return ArgError("bad_time", word, languages=languages)
        elif (name := timing.zone_name(word)) is not None:
            if zone is not None and zone != name:
                return ArgError("one_zone", languages=languages)
            zone = name
        elif timing.looks_like_zone(word):
            return ArgError("bad_zone", word, languages=languages)
        else:
            return ArgError("bad_argument", word, languages=languages)
    return SubscribeArgs(languages, tuple(sorted(times)), instant, zone)
