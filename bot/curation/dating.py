"""When a statement was made, as far as the words around it say: a date, a relative phrase that
is flagged and never turned into a date, or nothing.

Only the attribution is read ("…," Guterres said on 9 October; "kata Guterres, Kamis
(9/10/2025)"), not the statement's own words: "his cabinet would meet on Thursday" dates the
meeting, not the saying. A date without a year takes the article's; one that would then fall
after the article is from the year before.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from bot.core.content import figures
from bot.core.models import Lang

_WEEKDAY_NAMES = {
    lang: "|".join(day.capitalize() for day in days) for lang, days in figures.WEEKDAYS.items()
}
_RELATIVE: dict[Lang, re.Pattern[str]] = {
    "en": re.compile(
        r"\b(?:yesterday|today|tonight|recently|hours later"
        r"|(?:last|this) (?:week|month|year|night|morning|weekend)"
        r"|earlier (?:this|last) (?:week|month)|(?:days|weeks) (?:ago|earlier)"
        rf"|(?:on |last )?(?:{_WEEKDAY_NAMES['en']})(?: (?:morning|afternoon|evening|night))?)\b",
        re.IGNORECASE,
    ),
    "id": re.compile(
        r"\b(?:kemarin(?: (?:pagi|siang|sore|malam))?|hari ini|baru-baru ini|sebelumnya"
        r"|(?:pekan|minggu|bulan|tahun) (?:lalu|ini)|beberapa hari (?:lalu|sebelumnya)"
        rf"|(?:{_WEEKDAY_NAMES['id']})(?: (?:pagi|siang|sore|malam|lalu))?)\b",
        re.IGNORECASE,
    ),
}


@dataclass(frozen=True, slots=True)
class When:
    said: dt.date | None = None  # the date the article gives
    relative: str | None = None  # a relative phrase it gives instead ("last week")


def when(attribution: str, lang: Lang, article_date: dt.date | None) -> When:
    for found in figures.days_of_month(attribution, lang):
        year = found.year or (article_date.year if article_date else None)
        if year is None:
            return When(relative=found.shown)  # no year to give it: flagged like "last week"
        try:
            said = dt.date(year, found.month, found.day)
        except ValueError:
            continue
        if found.year is None and article_date is not None and said > article_date:
            said = said.replace(year=year - 1)
        return When(said=said)
    relative = _RELATIVE[lang].search(attribution)
    return When(relative=relative.group()) if relative else When()
