"""/subscribe's arguments as users type them → values, or the one thing wrong with them."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.core.commands.arguments import MAX_TIMES, ArgError, SubscribeArgs, parse_subscribe
from bot.core.subscription import Plan

T7 = dt.time(7)
T1930 = dt.time(19, 30)
BASE = Plan("en", (T7,), False, "Asia/Jakarta")


def parsed(text: str) -> SubscribeArgs:
    result = parse_subscribe(text)
    assert isinstance(result, SubscribeArgs), result
    return result


def test_nothing_given_is_nothing_changed() -> None:
    assert parse_subscribe("") == SubscribeArgs()
    assert parse_subscribe("   \n ") == SubscribeArgs()


@pytest.mark.parametrize(
    ("word", "languages"),
    [
        ("en", "en"),
        ("EN", "en"),
        ("english", "en"),
        ("Inggris", "en"),
        ("id", "id"),
        ("indonesian", "id"),
        ("Indonesia", "id"),
        ("both", "both"),
        ("keduanya", "both"),
        ("BOTH", "both"),
    ],
)
def test_language_words_and_their_aliases(word: str, languages: str) -> None:
    assert parsed(word).languages == languages


def test_the_same_language_twice_is_one_language() -> None:
    assert parsed("en english").languages == "en"


def test_conflicting_languages_are_refused() -> None:
    assert parse_subscribe("en id") == ArgError("one_language")
    assert parse_subscribe("both inggris") == ArgError("one_language")


@pytest.mark.parametrize(
    ("word", "time"),
    [
        ("07:00", T7),
        ("7:00", T7),
        ("7.00", T7),
        ("07.00", T7),
        ("7.30", dt.time(7, 30)),
        ("19:30", T1930),
        ("00:00", dt.time(0)),
        ("23:59", dt.time(23, 59)),
    ],
)
def test_times_in_the_english_and_the_indonesian_form(word: str, time: dt.time) -> None:
    assert parsed(word).times == (time,)


def test_times_are_sorted_and_duplicates_collapsed() -> None:
    assert parsed("19:30 07:00 7.00 19.30 07:00").times == (T7, T1930)


def test_six_times_are_allowed_and_a_seventh_is_too_many() -> None:
    six = " ".join(f"{hour:02}:00" for hour in range(MAX_TIMES))
    assert len(parsed(six).times) == MAX_TIMES
    seven = " ".join(f"{hour:02}:00" for hour in range(MAX_TIMES + 1))
    assert parse_subscribe(seven) == ArgError("too_many_times", count=MAX_TIMES)


def test_repeating_one_time_many_times_is_not_too_many() -> None:
    assert parsed(" ".join(["07:00"] * 20)).times == (T7,)


@pytest.mark.parametrize("word", ["25:99", "24:00", "7:5", "12.60", "99.99"])
def test_a_time_out_of_range_is_a_bad_time(word: str) -> None:
    assert parse_subscribe(f"en {word}") == ArgError("bad_time", word, languages="en")


@pytest.mark.parametrize(
    ("word", "zone"),
    [
        ("WIB", "Asia/Jakarta"),
        ("wib", "Asia/Jakarta"),
        ("WITA", "Asia/Makassar"),
        ("WIT", "Asia/Jayapura"),
        ("asia/jakarta", "Asia/Jakarta"),
        ("Europe/London", "Europe/London"),
        ("UTC", "UTC"),
    ],
)
def test_zones_by_alias_and_by_name(word: str, zone: str) -> None:
    assert parsed(word).zone == zone


def test_an_alias_and_its_own_zone_name_are_one_zone() -> None:
    assert parsed("WIB Asia/Jakarta").zone == "Asia/Jakarta"


def test_two_different_zones_are_refused() -> None:
    assert parse_subscribe("WIB WITA") == ArgError("one_zone")
    assert parse_subscribe("Asia/Jakarta Europe/London") == ArgError("one_zone")


def test_an_unknown_zone_is_a_bad_zone() -> None:
    assert parse_subscribe("07:00 Mars/Olympus") == ArgError("bad_zone", "Mars/Olympus")


@pytest.mark.parametrize("word", ["weekly", "tomorrow", "2025-10-08", "@everyone"])
def test_any_other_word_is_a_bad_argument_naming_it(word: str) -> None:
    assert parse_subscribe(f"en {word} 07:00") == ArgError("bad_argument", word, languages="en")


def test_a_mistake_remembers_the_language_named_before_it() -> None:
    """So that "/subscribe id 25:99" is answered in Indonesian, whatever the chat's language."""
    assert parse_subscribe("id 25:99") == ArgError("bad_time", "25:99", languages="id")
    assert parse_subscribe("25:99 id") == ArgError("bad_time", "25:99")
    assert parse_subscribe("both weekly") == ArgError("bad_argument", "weekly", languages="both")


def test_the_first_problem_is_the_one_reported() -> None:
    assert parse_subscribe("junk 25:99") == ArgError("bad_argument", "junk")
    assert parse_subscribe("25:99 junk") == ArgError("bad_time", "25:99")


@pytest.mark.parametrize("word", ["instant", "langsung", "segera", "INSTANT"])
def test_instant_words(word: str) -> None:
    assert parsed(word) == SubscribeArgs(instant=True)


def test_everything_at_once() -> None:
    assert parsed("id 19.00 07:00 WIB instant") == SubscribeArgs(
        "id", (T7, dt.time(19)), True, "Asia/Jakarta"
    )


def test_five_thousand_characters_of_junk_are_an_arg_error() -> None:
    junk = ("xq#!<b>" * 800)[:5000]
    assert parse_subscribe(junk) == ArgError("bad_argument", junk)
    words = " ".join(["zz"] * 2500)
    assert parse_subscribe(words) == ArgError("bad_argument", "zz")
    times = " ".join(f"{h % 24:02}:{m:02}" for h in range(24) for m in range(0, 60, 1))[:5000]
    assert parse_subscribe(times) == ArgError("too_many_times", count=MAX_TIMES)


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=300))
def test_any_text_is_a_value_or_an_arg_error_never_an_exception(text: str) -> None:
    result = parse_subscribe(text)
    assert isinstance(result, SubscribeArgs | ArgError)
    if isinstance(result, SubscribeArgs):
        assert list(result.times) == sorted(set(result.times))
        assert len(result.times) <= MAX_TIMES


# --- SubscribeArgs.applied_to ---


def test_nothing_given_keeps_the_plan() -> None:
    assert SubscribeArgs().applied_to(BASE) == BASE


def test_a_language_or_a_zone_changes_only_itself() -> None:
    assert SubscribeArgs(languages="both").applied_to(BASE) == Plan(
        "both", (T7,), False, "Asia/Jakarta"
    )
    assert SubscribeArgs(zone="Asia/Makassar").applied_to(BASE) == Plan(
        "en", (T7,), False, "Asia/Makassar"
    )


def test_new_times_replace_the_old_ones() -> None:
    assert SubscribeArgs(times=(T1930,)).applied_to(BASE) == Plan(
        "en", (T1930,), False, "Asia/Jakarta"
    )


def test_instant_alone_replaces_the_times() -> None:
    assert SubscribeArgs(instant=True).applied_to(BASE) == Plan("en", (), True, "Asia/Jakarta")


def test_times_and_instant_together_keep_both() -> None:
    assert SubscribeArgs(times=(T1930,), instant=True).applied_to(BASE) == Plan(
        "en", (T1930,), True, "Asia/Jakarta"
    )


def test_new_times_end_instant_delivery_unless_given_again() -> None:
    instant = Plan("id", (), True, "Asia/Jayapura")
    assert SubscribeArgs(times=(T7,)).applied_to(instant) == Plan(
        "id", (T7,), False, "Asia/Jayapura"
    )
    assert SubscribeArgs(languages="en").applied_to(instant) == Plan(
        "en", (), True, "Asia/Jayapura"
    )
    both = Plan("id", (T7,), True, "Asia/Jakarta")
    assert SubscribeArgs(zone="UTC").applied_to(both) == Plan("id", (T7,), True, "UTC")
