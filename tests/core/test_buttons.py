"""A reply's choices as button data: the command itself when it fits the platform's limit in
bytes, else a short key the store keeps, so that any instance reading the press finds it."""

from __future__ import annotations

import datetime as dt
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.core.buttons import KEY_PREFIX, ButtonData
from bot.core.store import Store
from tests.fakes import SettableClock

LIMIT = 64  # Telegram's callback_data, in bytes
NOW = dt.datetime(2025, 10, 9, tzinfo=dt.UTC)


@pytest.fixture
async def store(tmp_path: Path) -> AsyncIterator[Store]:
    async with await Store.open(tmp_path / "ringkas.sqlite3") as opened:
        yield opened


@pytest.fixture
def keys(store: Store) -> ButtonData:
    return ButtonData(store.choices, SettableClock(NOW))


def command_of_bytes(size: int, filler: str = "é") -> str:
    """A /whosaid command of exactly `size` bytes in UTF-8, mostly `filler`."""
    head = "/whosaid "
    width = len(filler.encode())
    count, rest = divmod(size - len(head.encode()), width)
    command = head + filler * count + "a" * rest
    assert len(command.encode()) == size
    return command


async def test_a_command_within_the_limit_is_carried_as_itself(keys: ButtonData) -> None:
    for command in ("/whosaid antonio-guterres", "/push confirm 0123456789", "/d"):
        assert await keys.of(command, LIMIT) == command
        assert await keys.command(command) == command


async def test_a_multibyte_command_at_the_edge_is_carried_as_itself(keys: ButtonData) -> None:
    edge = command_of_bytes(LIMIT)

    assert len(edge) < LIMIT  # fewer characters than bytes
    assert await keys.of(edge, LIMIT) == edge
    assert await keys.command(edge) == edge


async def test_the_limit_counts_bytes_not_characters(keys: ButtonData) -> None:
    over = command_of_bytes(LIMIT + 1)
    assert len(over) < LIMIT  # it would fit if characters were counted

    data = await keys.of(over, LIMIT)

    assert data != over
    assert data.startswith(KEY_PREFIX)
    assert len(data.encode()) <= LIMIT
    assert await keys.command(data) == over


@pytest.mark.parametrize("limit", [26, 64, 100])
@pytest.mark.parametrize("size", [101, 500, 4000])
async def test_a_longer_command_gets_a_short_key_that_maps_back(
    keys: ButtonData, limit: int, size: int
) -> None:
    command = command_of_bytes(size, "x")

    data = await keys.of(command, limit)

    assert data.startswith(KEY_PREFIX)
    assert len(data.encode()) <= limit
    assert data.isascii()
    assert await keys.command(data) == command
    assert await keys.of(command, limit) == data  # the same command, the same key


async def test_different_long_commands_get_different_keys(keys: ButtonData) -> None:
    first, second = "/push " + "a" * 100, "/push " + "a" * 99 + "b"

    assert await keys.of(first, LIMIT) != await keys.of(second, LIMIT)
    assert await keys.command(await keys.of(first, LIMIT)) == first
    assert await keys.command(await keys.of(second, LIMIT)) == second


async def test_a_press_reaches_another_instance_or_a_restart_and_finds_the_command(
    tmp_path: Path, store: Store, keys: ButtonData
) -> None:
    command = "/push " + "announcement " * 10
    data = await keys.of(command, LIMIT)
    await store.close()

    async with await Store.open(tmp_path / "ringkas.sqlite3") as other:
        assert await ButtonData(other.choices, SettableClock(NOW)).command(data) == command


async def test_an_unknown_key_is_an_expired_button(keys: ButtonData) -> None:
    assert await keys.command(KEY_PREFIX) is None
    assert await keys.command(KEY_PREFIX + "0" * 24) is None


@pytest.mark.parametrize("data", [None, "", "whosaid x", " /whosaid x", "k", "K:abc", "x:/help"])
async def test_data_that_is_no_command_and_no_key_is_refused(
    keys: ButtonData, data: str | None
) -> None:
    assert await keys.command(data) is None
