"""What should arrive, computed from the world alone (each chat's plan and the content changes)
with the rules the README states, never from the bot's own code; and the comparison of what
arrived and what was queued against it."""

from __future__ import annotations

import datetime as dt
import zoneinfo
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from benchmarks.soak.world import START, Change
from bot.core.models import Lang
from bot.core.subscription import State, langs_of

# (platform, chat id, thread, language, edition number): what a chat should have once.
Arrival = tuple[str, str, str, str, int]
# (platform, chat id, thread, language, outbox occasion with the edition as its number).
Queued = tuple[str, str, str, str, str]
# (platform, chat id, thread, language, occasion, state): an outbox row as the run left it.
OutboxRow = tuple[str, str, str, str, str, str]

SAMPLES = 10  # of each kind of discrepancy, the first few, for the report


@dataclass(slots=True)
class Expectation:
    arrivals: set[Arrival] = field(default_factory=set)
    queued: set[Queued] = field(default_factory=set)
    scheduled: int = 0
    instant: int = 0
    skipped_slots: int = 0


def local_slots(times: str, zone: str, start: dt.datetime, end: dt.datetime) -> list[dt.datetime]:
    """The instants, in UTC, of the local `times` in `zone` from `start` to `end` inclusive."""
    tz = zoneinfo.ZoneInfo(zone)
    today = start.astimezone(tz).date()
    found = set()
    for day in (today - dt.timedelta(days=1), today, today + dt.timedelta(days=1)):
        for text in times.split():
            local = dt.datetime.combine(day, dt.time.fromisoformat(text), tzinfo=tz)
            moment = local.astimezone(dt.UTC)
            if start <= moment <= end:
                found.add(moment)
    return sorted(found)


def expected(
    rows: Sequence[Mapping[str, Any]],
    changes: Sequence[Change],
    edition_numbers: Mapping[str | None, int | None],
    end: dt.datetime,
) -> Expectation:
    """Per chat, in time order: a slot sends the edition in service unless the chat has had it;
    a new edition goes to instant chats that have not had it; paused chats get nothing.

    A change is in service from the content watch at its moment. Planning due at that same
    moment runs first (the scheduler runs jobs due together in its order: planning, then the
    watch), so a slot at a change's moment still sends the edition before the change."""
    editions = [(START, 0)]
    for change in changes:
        if change.new_edition:
            editions.append((change.at, editions[-1][1] + 1))

    def edition_at(moment: dt.datetime, *, planned_before_the_watch: bool) -> int:
        return max(
            (
                number
                for at, number in editions
                if at < moment or (at == moment and not planned_before_the_watch)
            ),
            default=0,
        )

    new_edition_times = {at for at, _ in editions}
    result = Expectation()
    for row in rows:
        if row["state"] != State.ACTIVE:
            continue
        chat = (row["platform"], row["chat_id"], row["thread"])
        langs = langs_of(row["languages"])
        slots = local_slots(row["times"], row["timezone"], START, end)
        moments = set(slots) | (new_edition_times if row["instant"] else set())
        last = edition_numbers[row["last_edition"]]
        for moment in sorted(moments):
            sent: list[tuple[str, int]] = []
            if moment in slots:
                edition = edition_at(moment, planned_before_the_watch=True)
                if edition != last:
                    sent.append((f"scheduled:{moment:%Y-%m-%dT%H:%MZ}", edition))
                    result.scheduled += 1
                    last = edition
                else:
                    result.skipped_slots += 1
            if row["instant"]:
                edition = edition_at(moment, planned_before_the_watch=False)
                if edition != last:
                    sent.append((f"instant:{edition}", edition))
                    result.instant += 1
                    last = edition
            for occasion, edition in sent:
                for lang in langs:
                    result.arrivals.add((*chat, lang, edition))
                    result.queued.add((*chat, lang, occasion))
    return result


@dataclass(slots=True)
class Comparison:
    """What arrived and what was queued, against the expectation."""

    deliveries_telegram: int = 0
    deliveries_discord: int = 0
    expected: int = 0
    expected_scheduled: int = 0
    expected_instant: int = 0
    expected_skipped_slots: int = 0
    queued: int = 0
    lost: int = 0  # expected but never received
    duplicated: int = 0  # received more than once per chat, language and edition
    unexpected: int = 0  # received but not expected
    unrecognised: int = 0  # messages whose text is no digest the benchmark knows
    outbox_missing: int = 0  # expected but never queued
    outbox_extra: int = 0  # queued but not expected
    outbox_states: dict[str, int] = field(default_factory=dict)
    samples: dict[str, list[Any]] = field(default_factory=dict)  # a few of each discrepancy

    @property
    def deliveries(self) -> int:
        return self.deliveries_telegram + self.deliveries_discord


def compare(
    hope: Expectation,
    records: Mapping[str, Any],
    rows: Sequence[OutboxRow],
    texts: Mapping[str, tuple[Lang, int]],
    edition_numbers: Mapping[str | None, int | None],
) -> Comparison:
    """The stand-ins' records (each message's chat, thread and text hash) and the outbox's
    rows, against what should have been; `texts` tells each digest text's language and
    edition, `edition_numbers` each edition's number."""
    result = Comparison()
    arrived: Counter[Arrival] = Counter()
    for platform in ("telegram", "discord"):
        for chat_id, thread, digest in records[platform]:
            known = texts.get(digest)
            if known is None:
                result.unrecognised += 1
                continue
            arrived[platform, chat_id, thread, *known] += 1
    result.deliveries_telegram = len(records["telegram"])
    result.deliveries_discord = len(records["discord"])
    result.expected = len(hope.arrivals)
    result.expected_scheduled, result.expected_instant = hope.scheduled, hope.instant
    result.expected_skipped_slots = hope.skipped_slots
    lost = hope.arrivals - set(arrived)
    duplicated = {key: n for key, n in arrived.items() if n > 1}
    unexpected = set(arrived) - hope.arrivals
    result.lost, result.unexpected = len(lost), len(unexpected)
    result.duplicated = sum(n - 1 for n in duplicated.values())
    result.samples = {
        "lost": [list(k) for k in sorted(lost)[:SAMPLES]],
        "duplicated": [[*k, n] for k, n in sorted(duplicated.items())[:SAMPLES]],
        "unexpected": [list(k) for k in sorted(unexpected)[:SAMPLES]],
    }
    numbers = {key: str(number) for key, number in edition_numbers.items() if key}
    queued: set[Queued] = set()
    states: Counter[str] = Counter()
    for platform, chat_id, thread, lang, occasion, state in rows:
        states[state] += 1
        kind, _, what = occasion.partition(":")
        if kind == "instant":
            occasion = f"instant:{numbers.get(what, what)}"
        queued.add((platform, chat_id, thread, lang, occasion))
    result.queued = len(queued)
    result.outbox_states = dict(states)
    result.outbox_missing = len(hope.queued - queued)
    result.outbox_extra = len(queued - hope.queued)
    result.samples["outbox_missing"] = [list(k) for k in sorted(hope.queued - queued)[:SAMPLES]]
    result.samples["outbox_extra"] = [list(k) for k in sorted(queued - hope.queued)[:SAMPLES]]
    return result
