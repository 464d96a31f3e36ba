"""Fixtures for planning and pushes over the shipped content (the store: tests/core/conftest.py)."""

from __future__ import annotations

import datetime as dt

import pytest

from bot.core.delivery.planning import Broadcaster
from bot.core.delivery.pushes import Pusher
from bot.core.library import Library
from bot.core.store import Store
from bot.core.text.compose import DigestOptions
from tests.conftest import CONTENT

# 07:30 in Jakarta on Monday 6 October 2025: after that day's 07:00 WIB slot.
NOW = dt.datetime(2025, 10, 6, 0, 30, tzinfo=dt.UTC)


@pytest.fixture
async def library() -> Library:
    return await Library.load(CONTENT, DigestOptions(), NOW)


@pytest.fixture
def broadcaster(store: Store, library: Library) -> Broadcaster:
    return Broadcaster(store, library)


@pytest.fixture
def pusher(store: Store, library: Library) -> Pusher:
    return Pusher(store, library)
