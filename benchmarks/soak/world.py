"""The soak's simulated world: the stepped clock, the subscriptions across time zones, and the
content changes a curator makes while the bot runs. Everything is seeded: the same arguments
give the same world."""

from __future__ import annotations

import datetime as dt
import os
import random
import zoneinfo
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from benchmarks.common import (
    DISCORD_CHANNEL_BASE,
    SLOTS,
    TELEGRAM_GROUP_BASE,
    TELEGRAM_PRIVATE_BASE,
    pick,
    subscription_row,
)
from bot.core import timing
from bot.core.ports import ChatKind
from bot.core.subscription import State

# A Tuesday, 00:00 UTC: 07:00 WIB, 08:00 WITA, 09:00 WIT, when Indonesian readers want news.
# No zone below changes its offset within hours of it, so a wall time is one instant.
START = dt.datetime(2025, 10, 7, 0, 0, tzinfo=dt.UTC)
ZONES = {
    "Asia/Jakarta": 35,  # WIB
    "Asia/Makassar": 15,  # WITA
    "Asia/Jayapura": 10,  # WIT
    "Asia/Kolkata": 5,  # +05:30
    "Asia/Kathmandu": 3,  # +05:45
    "Asia/Tokyo": 5,
    "Australia/Adelaide": 4,  # +10:30 (daylight time since 5 October)
    "Pacific/Auckland": 3,  # +13:00
    "Europe/London": 6,
    "Europe/Berlin": 5,
    "America/New_York": 6,
    "America/Sao_Paulo": 3,
}
LANGUAGES = {"id": 45, "en": 35, "both": 20}
PLATFORMS = {"telegram": 50, "discord": 50}
TELEGRAM_KINDS = {ChatKind.PRIVATE: 60, ChatKind.GROUP: 30, ChatKind.CHANNEL: 10}
TOPIC_SHARE = 0.1  # Telegram groups whose subscription is one forum topic
INSTANT_SHARE = 0.2
INSTANT_WITH_TIMES = 0.25  # of the instant chats, those that also have delivery times
IN_WINDOW_SHARE = 0.7  # of the scheduled chats, those with a time inside the simulated span
ON_THE_FIVE = 0.5  # of those times, the ones on a round 5 minutes (the bursts readers make)
UP_TO_DATE_SHARE = 0.5  # scheduled chats that already had the current edition: skipped at first
NEW_INSTANT_SHARE = 0.1  # instant chats that have had nothing yet: sent the current edition
PAUSED_SHARE = 0.02  # must get nothing
NEW_EDITION_SHARE = 0.75  # of the content changes, new summaries; the rest edit a title
CHANGE_GAP_MINUTES = (2.0, 5.0)
OLDER_EDITION = "an-older-edition"
SOURCE = "report-id-2025-10-07"  # a shipped source the new summaries cite


# --- simulated time ---


@dataclass(slots=True)
class SteppedClock:
    """The runtime's clock in simulated time: it stands still until the benchmark moves it, so
    everything the dispatcher and the planner read off it happens at the step's moment."""

    current: dt.datetime

    def now(self) -> dt.datetime:
        return self.current

    def advance_to(self, moment: dt.datetime) -> None:
        if moment < self.current:
            raise ValueError(f"time goes forward: {moment} < {self.current}")
        self.current = moment


# --- the subscriptions ---


@dataclass(frozen=True, slots=True)
class Audience:
    """How many chats each platform has: the stand-in child needs the Discord channels first."""

    platforms: tuple[str, ...]  # of each subscription, in order

    @property
    def discord_channels(self) -> int:
        return self.platforms.count("discord")


def audience(count: int, seed: int) -> Audience:
    rng = random.Random(seed)
    return Audience(tuple(pick(rng, PLATFORMS) for _ in range(count)))


def window_time(rng: random.Random, zone: str, span_minutes: int) -> dt.time:
    """A local time in `zone` that falls inside the simulated span, often on a round 5 minutes."""
    offset = rng.randrange(span_minutes + 1)
    if rng.random() < ON_THE_FIVE:
        offset -= offset % 5
    moment = (START + dt.timedelta(minutes=offset)).astimezone(zoneinfo.ZoneInfo(zone))
    return moment.time().replace(second=0, microsecond=0, tzinfo=None)


def subscription_rows(
    who: Audience, span_minutes: int, current_edition: str | None, seed: int
) -> list[dict[str, Any]]:
    """Ready rows of the subscriptions table, seeded; `next_due` as the running bot would have
    left it just before START (from `timing.next_due`, as `bench_runtime` does)."""
    rng = random.Random(seed + 1)
    numbers: Counter[str] = Counter()
    next_dues: dict[tuple[tuple[dt.time, ...], str], dt.datetime | None] = {}
    rows = []
    for number, platform in enumerate(who.platforms):
        nth = numbers[platform]
        numbers[platform] += 1
        if platform == "telegram":
            kind: ChatKind = pick(rng, TELEGRAM_KINDS)
            if kind is ChatKind.PRIVATE:
                chat_id = str(TELEGRAM_PRIVATE_BASE + nth)
            else:
                chat_id = str(TELEGRAM_GROUP_BASE - nth)
            thread = str(rng.randint(2, 999)) if kind is ChatKind.GROUP and (
                rng.random() < TOPIC_SHARE
            ) else ""  # fmt: skip
        else:
            kind, chat_id, thread = ChatKind.GROUP, str(DISCORD_CHANNEL_BASE + nth), ""
        zone: str = pick(rng, ZONES)
        instant = rng.random() < INSTANT_SHARE
        times: set[dt.time] = set()
        if not instant or rng.random() < INSTANT_WITH_TIMES:
            if rng.random() < IN_WINDOW_SHARE:
                times.add(window_time(rng, zone, span_minutes))
            times.update(rng.sample(SLOTS, rng.randint(0 if times else 1, 2)))
        ordered = tuple(sorted(times))
        if (ordered, zone) not in next_dues:
            next_dues[ordered, zone] = timing.next_due(
                ordered, zone, START - dt.timedelta(seconds=1)
            )
        if instant:
            last = None if rng.random() < NEW_INSTANT_SHARE else current_edition
        else:
            last = current_edition if rng.random() < UP_TO_DATE_SHARE else OLDER_EDITION
        paused = rng.random() < PAUSED_SHARE
        title = "" if kind is ChatKind.PRIVATE else f"Chat {nth}"
        base = subscription_row(platform, number, chat_id, kind, title, START)
        rows.append(
            {
                **base,
                "thread": thread,
                "languages": pick(rng, LANGUAGES),
                "times": " ".join(t.strftime("%H:%M") for t in ordered),
                "instant": instant,
                "timezone": zone,
                "state": State.PAUSED if paused else State.ACTIVE,
                "paused_reason": "blocked by the user" if paused else None,
                "paused_at": START - dt.timedelta(days=2) if paused else None,
                "next_due": next_dues[ordered, zone],
                "last_edition": last,
            }
        )
    return rows


# --- the content changes ---


@dataclass(frozen=True, slots=True)
class Change:
    at: dt.datetime
    new_edition: bool  # a new summary (a new edition); else a curator's fix to a title


def content_changes(span_minutes: int, step: dt.timedelta, seed: int) -> list[Change]:
    """Every few simulated minutes, on a step; the first within the first minutes (so the
    warm-up has a reload), and always a new summary."""
    rng = random.Random(seed + 2)
    changes: list[Change] = []
    minute = rng.uniform(0.5, 1.5)
    while minute < span_minutes:
        at = START + step * round(minute * 60 / step.total_seconds())
        changes.append(Change(at, not changes or rng.random() < NEW_EDITION_SHARE))
        minute += rng.uniform(*CHANGE_GAP_MINUTES)
    return changes


class Curator:
    """Writes the changes into the copied content folder as an editor would: a new summary file,
    newer than every other, or a fixed title in the last one written (same edition)."""

    def __init__(self, folder: Path) -> None:
        self._folder = folder / "summaries"
        self._written = 0
        self._fixes = 0

    def apply(self, change: Change) -> None:
        if change.new_edition or not self._written:
            self._written += 1
            self._fixes = 0
        else:
            self._fixes += 1
        number, fixes = self._written, self._fixes
        fixed = " (updated)" * fixes
        day = dt.date(2025, 10, 7) + dt.timedelta(days=number)
        text = f"""\
summaries:
  - id: soak-edition-{number:03d}
    date: {day.isoformat()}
    priority: 5
    title:
      en: "Soak test development number {number}{fixed}"
      id: "Perkembangan uji ketahanan nomor {number}{fixed}"
    text:
      en: >-
        The Indonesian report dated 7 October 2025 is cited again for development {number}. No new
        statement is attributed to anyone in this test summary.
      id: >-
        Laporan berbahasa Indonesia bertanggal 7 Oktober 2025 dikutip lagi untuk perkembangan
        {number}. Tidak ada pernyataan baru yang dikaitkan dengan siapa pun dalam ringkasan uji ini.
    sources: [{SOURCE}]
"""
        path = self._folder / f"soak-edition-{number:03d}.yaml"
        partial = path.with_suffix(".partial")  # not *.yaml: the watcher never sees it half-written
        partial.write_text(text, encoding="utf-8")
        os.replace(partial, path)
