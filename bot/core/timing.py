"""Delivery times and time zones: what users type, and when a subscription is next due.

Next due times come from APScheduler's cron triggers, which get DST right: a 02:30 delivery on a
day that skips 02:30 moves to the first valid time, and an hour that happens twice fires once.
"""

from __future__ import annotations

import datetime as dt
import re
import zoneinfo
from collections.abc import Sequence
from functools import cache, lru_cache
from typing import Final

from apscheduler.triggers.cron import CronTrigger

from bot.core.models import Lang

# The zone names Indonesian users type (shared/GLOSSARY.md).
ZONE_ALIASES: Final = {"WIB": "Asia/Jakarta", "WITA": "Asia/Makassar", "WIT": "Asia/Jayapura"}
_ALIAS_OF: Final = {zone: alias for alias, zone in ZONE_ALIASES.items()}

_TIME = re.compile(r"([01]?\d|2[0-3])[:.]([0-5]\d)")
_LOOKS_LIKE_TIME = re.compile(r"\d{1,2}[:.]\d{1,2}")


@cache
def _zones_by_folded_name() -> dict[str, str]:
    names = {name.casefold(): name for name in zoneinfo.available_timezones()}
    names.update({alias.casefold(): zone for alias, zone in ZONE_ALIASES.items()})
    return names


def zone_name(text: str) -> str | None:
    """The IANA name for what a user typed ("wib", "asia/jakarta", "UTC"), or None."""
    return _zones_by_folded_name().get(text.strip().casefold())


def looks_like_zone(text: str) -> bool:
    return "/" in text or text.upper() in ZONE_ALIASES or text.upper() in {"UTC", "GMT"}


def zone_label(name: str, lang: Lang) -> str:
    """ "WIB" for Asia/Jakarta to Indonesian readers, "Asia/Jakarta (WIB)" to English ones."""
    alias = _ALIAS_OF.get(name)
    if alias is None:
        return name
    return alias if lang == "id" else f"{name} ({alias})"


def parse_time(text: str) -> dt.time | None:
    """ "07:00" or "7.00" (the Indonesian form) → 07:00; None for anything else."""
    match = _TIME.fullmatch(text.strip())
    return dt.time(int(match[1]), int(match[2])) if match else None


def looks_like_time(text: str) -> bool:
    """Digits around a colon or period: meant as a time, even if not a valid one ("25:99")."""
    return _LOOKS_LIKE_TIME.fullmatch(text.strip()) is not None


def format_time(time: dt.time, lang: Lang) -> str:
    return time.strftime("%H.%M" if lang == "id" else "%H:%M")


@lru_cache(maxsize=4096)  # few distinct (times, zone) pairs serve thousands of subscriptions
def _triggers(times: tuple[dt.time, ...], zone: str) -> tuple[CronTrigger, ...]:
    # One trigger per time, compared in UTC: APScheduler's OrTrigger compares by wall clock,
    # which in a repeated hour picks the later of two instants.
    tz = zoneinfo.ZoneInfo(zone)
    return tuple(CronTrigger(hour=t.hour, minute=t.minute, second=0, timezone=tz) for t in times)


def _next_fire(triggers: tuple[CronTrigger, ...], start: dt.datetime) -> dt.datetime:
    fires: list[dt.datetime] = [trigger.get_next_fire_time(None, start) for trigger in triggers]
    return min(fire.astimezone(dt.UTC) for fire in fires)


def next_due(times: Sequence[dt.time], zone: str, after: dt.datetime) -> dt.datetime | None:
    """The first delivery time strictly after `after`, in UTC; None when there are no times."""
    if not times:
        return None
    triggers = _triggers(tuple(sorted(set(times))), zone)
    tz = zoneinfo.ZoneInfo(zone)
    wall_after = after.astimezone(tz).replace(tzinfo=None)
    fire = after
    while True:
        # Cron triggers fire at or after `now` at whole seconds: one second on is strictly after.
        start = fire.astimezone(dt.UTC).replace(microsecond=0) + dt.timedelta(seconds=1)
        fire = _next_fire(triggers, start)
        # When clocks go back, 01:30 happens twice; the reader wants one digest, not two.
        if fire.astimezone(tz).replace(tzinfo=None) > wall_after:
            return fire
