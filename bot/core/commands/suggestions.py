"""What a platform with autocomplete offers while a command's argument is typed: people for
/whosaid, time zones for /subscribe, summaries for /push. Each value is the argument the core's
command accepts."""

from __future__ import annotations

import zoneinfo
from dataclasses import dataclass
from functools import cache

from bot.core import timing
from bot.core.models import Lang
from bot.core.services import Services

LABEL_LIMIT = 100  # characters of a label: Discord's limit for a choice's name


@dataclass(frozen=True, slots=True)
class Suggestion:
    label: str  # what the list shows
    value: str  # what the command receives when it is picked


def people(services: Services, typed: str, lang: Lang, limit: int) -> tuple[Suggestion, ...]:
    """Speakers by name or alias in either language: "Sekjen" finds António Guterres."""
    index = services.library.edition.index
    return tuple(
        Suggestion(_label(f"{person.name.get(lang)} — {person.role.get(lang)}"), person.id)
        for person in index.suggest(typed, limit)
    )


def zones(typed: str, limit: int) -> tuple[Suggestion, ...]:
    """WIB, WITA and WIT first, then the IANA zones whose name contains the text."""
    key = typed.strip().casefold()
    found = [
        Suggestion(f"{alias} — {zone}", alias)
        for alias, zone in timing.ZONE_ALIASES.items()
        if key in alias.casefold() or key in zone.casefold()
    ]
    found += [Suggestion(name, name) for name in _zone_names() if key in name.casefold()]
    return tuple(found[:limit])


def summaries(services: Services, typed: str, lang: Lang, limit: int) -> tuple[Suggestion, ...]:
    """The summaries in service, newest first, by id or title."""
    key = typed.strip().casefold()
    return tuple(
        Suggestion(_label(f"{summary.id} — {summary.title.get(lang)}"), summary.id)
        for summary in services.library.catalog.summaries
        if key in summary.id.casefold() or key in summary.title.get(lang).casefold()
    )[:limit]


@cache
def _zone_names() -> tuple[str, ...]:
    return tuple(sorted(zoneinfo.available_timezones()))


def _label(text: str) -> str:
    return text if len(text) <= LABEL_LIMIT else text[: LABEL_LIMIT - 1] + "…"
