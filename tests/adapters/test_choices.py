"""A reply's choices as button data: the command itself when it fits the platform's limit in
bytes, else a short key this process remembers, for a while."""

from __future__ import annotations

import pytest

from bot.adapters.choices import KEY_PREFIX, ChoiceKeys

LIMIT = 64  # Telegram's callback_data, in bytes


def command_of_bytes(size: int, filler: str = "é") -> str:
    """A /whosaid command of exactly `size` bytes in UTF-8, mostly `filler`."""
    head = "/whosaid "
    width = len(filler.encode())
    count, rest = divmod(size - len(head.encode()), width)
    command = head + filler * count + "a" * rest
    assert len(command.encode()) == size
    return command


def test_a_command_within_the_limit_is_carried_as_itself() -> None:
    keys = ChoiceKeys(LIMIT)

    for command in ("/whosaid antonio-guterres", "/push confirm 0123456789", "/d"):
        assert keys.data(command) == command
        assert keys.command(command) == command


def test_a_multibyte_command_at_the_edge_is_carried_as_itself() -> None:
    keys = ChoiceKeys(LIMIT)
    edge = command_of_bytes(LIMIT)

    assert len(edge) < LIMIT  # fewer characters than bytes
    assert keys.data(edge) == edge
    assert keys.command(edge) == edge


def test_the_limit_counts_bytes_not_characters() -> None:
    keys = ChoiceKeys(LIMIT)
    over = command_of_bytes(LIMIT + 1)
    assert len(over) < LIMIT  # it would fit if characters were counted

    data = keys.data(over)

    assert data != over
    assert data.startswith(KEY_PREFIX)
    assert len(data.encode()) <= LIMIT
    assert keys.command(data) == over


@pytest.mark.parametrize("limit", [26, 64, 100])
@pytest.mark.parametrize("size", [101, 500, 4000])
def test_a_longer_command_gets_a_short_key_that_maps_back(limit: int, size: int) -> None:
    keys = ChoiceKeys(limit)
    command = command_of_bytes(size, "x")

    data = keys.data(command)

    assert data.startswith(KEY_PREFIX)
    assert len(data.encode()) <= limit
    assert data.isascii()
    assert keys.command(data) == command
    assert keys.data(command) == data  # the same command, the same key


def test_different_long_commands_get_different_keys() -> None:
    keys = ChoiceKeys(LIMIT)
    first, second = "/push " + "a" * 100, "/push " + "a" * 99 + "b"

    assert keys.data(first) != keys.data(second)
    assert keys.command(keys.data(first)) == first
    assert keys.command(keys.data(second)) == second


def test_the_same_long_command_maps_alike_in_another_process() -> None:
    command = "/push " + "announcement " * 10

    assert ChoiceKeys(LIMIT).data(command) == ChoiceKeys(LIMIT).data(command)


def test_an_unknown_key_is_an_expired_button() -> None:
    keys = ChoiceKeys(LIMIT)
    data = ChoiceKeys(LIMIT).data("/push " + "x" * 100)  # made by another process

    assert keys.command(data) is None
    assert keys.command(KEY_PREFIX) is None
    assert keys.command(KEY_PREFIX + "0" * 24) is None


@pytest.mark.parametrize("data", [None, "", "whosaid x", " /whosaid x", "k", "K:abc", "x:/help"])
def test_data_that_is_no_command_and_no_key_is_refused(data: str | None) -> None:
    assert ChoiceKeys(LIMIT).command(data) is None


def test_the_oldest_keys_are_forgotten_after_kept() -> None:
    keys = ChoiceKeys(LIMIT, kept=3)
    commands = [f"/push {n} " + "x" * 100 for n in range(5)]

    data = [keys.data(command) for command in commands]

    assert [keys.command(d) for d in data] == [None, None, *commands[2:]]
    # Short commands take no room among the kept keys.
    keys.data("/help")
    assert [keys.command(d) for d in data[2:]] == commands[2:]


def test_a_key_made_again_is_kept_as_new() -> None:
    keys = ChoiceKeys(LIMIT, kept=2)
    first, second, third = (f"/push {n} " + "x" * 100 for n in range(3))
    first_key, second_key = keys.data(first), keys.data(second)

    keys.data(first)  # shown again: now the newest
    third_key = keys.data(third)

    assert keys.command(first_key) == first
    assert keys.command(second_key) is None
    assert keys.command(third_key) == third
