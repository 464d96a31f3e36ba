"""Delivery times and zones: what users type, and when a subscription is next due (DST too)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from zoneinfo import ZoneInfo

import pytest

from bot.core.timing import (
    format_time,
    looks_like_time,
    looks_like_zone,
    next_due,
    parse_time,
    zone_label,
    zone_name,
)

T = dt.time


def utc(*args: int) -> dt.datetime:
    return dt.datetime(*args, tzinfo=dt.UTC)


def fires(
    times: Sequence[dt.time], zone: str, start: dt.datetime, end: dt.datetime
) -> list[dt.datetime]:
    """Every delivery from `start` to `end`, as a scheduler delivering on time would see them."""
    found: list[dt.datetime] = []
    due = next_due(times, zone, start)
    while due is not None and due < end:
        found.append(due)
        due = next_due(times, zone, due)
    return found


# --- zones ---


@pytest.mark.parametrize(
    ("typed", "zone"),
    [
        ("WIB", "Asia/Jakarta"),
        ("wib", "Asia/Jakarta"),
        ("Wib", "Asia/Jakarta"),
        (" WIB ", "Asia/Jakarta"),
        ("WITA", "Asia/Makassar"),
        ("wita", "Asia/Makassar"),
        ("WIT", "Asia/Jayapura"),
        ("wIt", "Asia/Jayapura"),
    ],
)
def test_zone_name_accepts_indonesian_aliases_in_any_case(typed: str, zone: str) -> None:
    assert zone_name(typed) == zone


@pytest.mark.parametrize(
    ("typed", "zone"),
    [
        ("Asia/Jakarta", "Asia/Jakarta"),
        ("asia/jakarta", "Asia/Jakarta"),
        ("ASIA/JAKARTA", "Asia/Jakarta"),
        ("america/new_york", "America/New_York"),
        ("europe/BERLIN", "Europe/Berlin"),
        ("utc", "UTC"),
        ("  Asia/Makassar\n", "Asia/Makassar"),
    ],
)
def test_zone_name_accepts_iana_names_in_any_case_and_returns_the_canonical_spelling(
    typed: str, zone: str
) -> None:
    assert zone_name(typed) == zone


@pytest.mark.parametrize(
    "typed", ["", "   ", "Mars/Olympus", "Jakarta", "WIBB", "WI", "07:00", "Asia/", "asia jakarta"]
)
def test_zone_name_rejects_junk(typed: str) -> None:
    assert zone_name(typed) is None


@pytest.mark.parametrize(
    ("text", "expected"),
    [("Asia/Jakarta", True), ("wib", True), ("WITA", True), ("utc", True), ("GMT", True),
     ("hello", False), ("07:00", False), ("both", False)],
)  # fmt: skip
def test_looks_like_zone_tells_zone_attempts_from_other_words(text: str, expected: bool) -> None:
    assert looks_like_zone(text) is expected


@pytest.mark.parametrize(
    ("zone", "id_label", "en_label"),
    [
        ("Asia/Jakarta", "WIB", "Asia/Jakarta (WIB)"),
        ("Asia/Makassar", "WITA", "Asia/Makassar (WITA)"),
        ("Asia/Jayapura", "WIT", "Asia/Jayapura (WIT)"),
    ],
)
def test_zone_label_gives_the_alias_to_indonesian_readers_and_both_to_english(
    zone: str, id_label: str, en_label: str
) -> None:
    assert zone_label(zone, "id") == id_label
    assert zone_label(zone, "en") == en_label


@pytest.mark.parametrize("zone", ["Europe/Berlin", "UTC", "America/New_York"])
def test_zone_label_is_the_iana_name_for_zones_without_an_alias(zone: str) -> None:
    assert zone_label(zone, "id") == zone
    assert zone_label(zone, "en") == zone


# --- times ---


@pytest.mark.parametrize(
    ("typed", "time"),
    [
        ("07:00", T(7, 0)),
        ("7:00", T(7, 0)),
        ("7.05", T(7, 5)),
        ("07.05", T(7, 5)),
        ("0:00", T(0, 0)),
        ("23:59", T(23, 59)),
        ("19.30", T(19, 30)),
        (" 06:15 ", T(6, 15)),
    ],
)
def test_parse_time_accepts_colon_and_period_forms(typed: str, time: dt.time) -> None:
    assert parse_time(typed) == time


@pytest.mark.parametrize(
    "typed",
    ["25:99", "24:00", "07:60", "7", "0700", "7:5", "07:00:00", "", "seven", "7-05", "-1:00",
     "07:00 pm", "123:00"],
)  # fmt: skip
def test_parse_time_rejects_what_is_not_a_valid_clock_time(typed: str) -> None:
    assert parse_time(typed) is None


@pytest.mark.parametrize(("typed", "expected"), [
    ("25:99", True), ("07:60", True), ("7.05", True), ("99.9", True), ("07:00", True),
    ("7", False), ("seven", False), ("123:00", False), ("07:00 pm", False), ("WIB", False),
])  # fmt: skip
def test_looks_like_time_spots_attempts_even_when_invalid(typed: str, expected: bool) -> None:
    assert looks_like_time(typed) is expected


def test_format_time_uses_a_period_in_indonesian_and_a_colon_in_english() -> None:
    assert format_time(T(7, 5), "id") == "07.05"
    assert format_time(T(7, 5), "en") == "07:05"
    assert format_time(T(19, 0), "id") == "19.00"


@pytest.mark.parametrize("lang", ["en", "id"])
def test_format_time_reads_back_with_parse_time(lang: str) -> None:
    for time in (T(0, 0), T(7, 5), T(12, 30), T(23, 59)):
        assert parse_time(format_time(time, lang)) == time  # type: ignore[arg-type]


# --- next due ---


def test_next_due_with_no_times_is_none() -> None:
    assert next_due([], "Asia/Jakarta", utc(2025, 10, 6)) is None
    assert next_due((), "UTC", utc(2025, 10, 6)) is None


def test_next_due_for_07_00_in_jakarta_is_midnight_utc() -> None:
    due = next_due([T(7, 0)], "Asia/Jakarta", utc(2025, 10, 5, 12))
    assert due == utc(2025, 10, 6, 0, 0)
    assert due is not None and due.tzinfo is dt.UTC


def test_next_due_is_strictly_after_the_given_instant() -> None:
    slot = utc(2025, 10, 6, 0, 0)  # 07:00 WIB
    assert next_due([T(7, 0)], "Asia/Jakarta", slot) == slot + dt.timedelta(days=1)
    just_before = slot - dt.timedelta(microseconds=1)
    assert next_due([T(7, 0)], "Asia/Jakarta", just_before) == slot
    just_after = slot + dt.timedelta(microseconds=1)
    assert next_due([T(7, 0)], "Asia/Jakarta", just_after) == slot + dt.timedelta(days=1)


def test_next_due_accepts_aware_instants_in_any_zone() -> None:
    jakarta = dt.timezone(dt.timedelta(hours=7))
    after = dt.datetime(2025, 10, 6, 6, 0, tzinfo=jakarta)  # 23:00 UTC the day before
    assert next_due([T(7, 0)], "Asia/Jakarta", after) == utc(2025, 10, 6, 0, 0)


def test_next_due_with_several_times_picks_the_nearest() -> None:
    times = [T(19, 0), T(7, 0), T(12, 0)]  # unsorted on purpose; 00:00, 05:00, 12:00 UTC
    assert next_due(times, "Asia/Jakarta", utc(2025, 10, 5, 23)) == utc(2025, 10, 6, 0)
    assert next_due(times, "Asia/Jakarta", utc(2025, 10, 6, 0)) == utc(2025, 10, 6, 5)
    assert next_due(times, "Asia/Jakarta", utc(2025, 10, 6, 5)) == utc(2025, 10, 6, 12)
    assert next_due(times, "Asia/Jakarta", utc(2025, 10, 6, 12)) == utc(2025, 10, 7, 0)


def test_next_due_ignores_duplicate_times() -> None:
    start, end = utc(2025, 10, 5, 12), utc(2025, 10, 7, 12)
    assert fires([T(7, 0), T(7, 0)], "Asia/Jakarta", start, end) == fires(
        [T(7, 0)], "Asia/Jakarta", start, end
    )
    assert len(fires([T(7, 0), T(7, 0)], "Asia/Jakarta", start, end)) == 2


def test_next_due_fires_every_slot_of_every_day_in_order() -> None:
    found = fires([T(7, 0), T(19, 0)], "Asia/Makassar", utc(2025, 10, 6), utc(2025, 10, 9))
    # WITA is UTC+8: 07:00 → 23:00 UTC the day before, 19:00 → 11:00 UTC.
    assert found == [
        utc(2025, 10, 6, 11), utc(2025, 10, 6, 23),
        utc(2025, 10, 7, 11), utc(2025, 10, 7, 23),
        utc(2025, 10, 8, 11), utc(2025, 10, 8, 23),
    ]  # fmt: skip


def test_spring_forward_new_york_a_skipped_0230_slot_fires_once_at_0730_utc() -> None:
    # 2025-03-09: 02:00 EST jumps to 03:00 EDT, so 02:30 never happens that day.
    found = fires([T(2, 30)], "America/New_York", utc(2025, 3, 8), utc(2025, 3, 11))
    assert found == [
        utc(2025, 3, 8, 7, 30),  # 02:30 EST
        utc(2025, 3, 9, 7, 30),  # the skipped slot, once
        utc(2025, 3, 10, 6, 30),  # 02:30 EDT
    ]
    assert next_due([T(2, 30)], "America/New_York", utc(2025, 3, 9)) == utc(2025, 3, 9, 7, 30)


def test_fall_back_new_york_a_repeated_0130_slot_fires_once() -> None:
    # 2025-11-02: 01:00–02:00 happens twice, first in EDT (UTC-4) then in EST (UTC-5).
    after_delivery = next_due([T(1, 30)], "America/New_York", utc(2025, 11, 2, 5, 30))
    assert after_delivery == utc(2025, 11, 3, 6, 30)
    found = fires([T(1, 30)], "America/New_York", utc(2025, 11, 1), utc(2025, 11, 4))
    assert found == [utc(2025, 11, 1, 5, 30), utc(2025, 11, 2, 5, 30), utc(2025, 11, 3, 6, 30)]


def test_fall_back_with_two_slots_in_the_repeated_hour_fires_each_once() -> None:
    zone = "America/New_York"
    found = fires([T(1, 15), T(1, 45)], zone, utc(2025, 11, 2), utc(2025, 11, 3))
    walls = [f.astimezone(ZoneInfo(zone)).time() for f in found]
    assert walls == [T(1, 15), T(1, 45)]


def test_fall_back_two_slots_in_the_repeated_hour_each_fire_at_the_first_occurrence() -> None:
    # A lone slot fires at the first 01:45 (EDT); a second slot must not change that (APScheduler's
    # OrTrigger, comparing fire times by wall clock, would pick the later 01:45 EST).
    assert next_due([T(1, 45)], "America/New_York", utc(2025, 11, 2, 5, 15)) == utc(
        2025, 11, 2, 5, 45
    )
    found = fires([T(1, 15), T(1, 45)], "America/New_York", utc(2025, 11, 2), utc(2025, 11, 3))
    assert found == [utc(2025, 11, 2, 5, 15), utc(2025, 11, 2, 5, 45)]


def test_spring_forward_berlin_a_skipped_0230_slot_fires_once() -> None:
    # 2025-03-30: 02:00 CET jumps to 03:00 CEST.
    found = fires([T(2, 30)], "Europe/Berlin", utc(2025, 3, 29), utc(2025, 4, 1))
    assert found == [utc(2025, 3, 29, 1, 30), utc(2025, 3, 30, 1, 30), utc(2025, 3, 31, 0, 30)]


def test_fall_back_berlin_a_repeated_0230_slot_fires_once() -> None:
    # 2025-10-26: 03:00 CEST goes back to 02:00 CET; 02:30 is 00:30 UTC, then 01:30 UTC.
    assert next_due([T(2, 30)], "Europe/Berlin", utc(2025, 10, 26, 0, 30)) == utc(
        2025, 10, 27, 1, 30
    )
    found = fires([T(2, 30)], "Europe/Berlin", utc(2025, 10, 25), utc(2025, 10, 28))
    assert found == [utc(2025, 10, 25, 0, 30), utc(2025, 10, 26, 0, 30), utc(2025, 10, 27, 1, 30)]


def test_slots_outside_dst_transitions_keep_their_wall_time_across_them() -> None:
    found = fires([T(8, 0)], "Europe/Berlin", utc(2025, 10, 25), utc(2025, 10, 28))
    assert found == [utc(2025, 10, 25, 6), utc(2025, 10, 26, 7), utc(2025, 10, 27, 7)]
    assert {f.astimezone(ZoneInfo("Europe/Berlin")).time() for f in found} == {T(8, 0)}
