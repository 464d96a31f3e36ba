"""Liveness and readiness, as the checks see them and as `/healthz` and `/readyz` answer them
over HTTP: a failing check is named, with its detail, and the answer is 503."""

from __future__ import annotations

import asyncio
import datetime as dt
import io
import socket
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from sqlalchemy.ext.asyncio import create_async_engine

from bot.adapters.console import ConsoleAdapter
from bot.adapters.discord import DiscordAdapter
from bot.adapters.telegram import TelegramAdapter
from bot.config import DiscordSettings, TelegramSettings
from bot.core.library import Library
from bot.core.ports import Adapter, SystemClock
from bot.core.store import Store
from bot.core.text.compose import DigestOptions
from bot.ops import OpsUnavailable
from bot.ops.health import Check, Health
from bot.ops.http import OpsServer
from bot.ops.metrics import Metrics, ServiceState
from tests.conftest import CONTENT
from tests.ops.doubles import StubAdapter

NOW = dt.datetime(2025, 10, 8, 6, 0, tzinfo=dt.UTC)
REFUSED = "postgresql+asyncpg://ringkas@127.0.0.1:1/ringkas"  # nothing listens on port 1


@pytest.fixture
async def store(tmp_path: Path) -> AsyncIterator[Store]:
    async with await Store.open(tmp_path / "ringkas.sqlite3") as opened:
        yield opened


@pytest.fixture
async def library() -> Library:
    return await Library.load(CONTENT, DigestOptions(), NOW)


@pytest.fixture
async def unreachable() -> AsyncIterator[Store]:
    store = Store(create_async_engine(REFUSED))
    yield store
    await store.engine.dispose()


def by_name(checks: list[Check]) -> dict[str, tuple[bool, str]]:
    return {check.name: (check.ok, check.detail) for check in checks}


async def test_liveness_follows_the_loops_from_start_to_stop(
    store: Store, library: Library
) -> None:
    stopping = asyncio.Event()
    health = Health(store, library, [], stopping)
    assert by_name(health.liveness()) == {
        "process": (True, "starting: the adapters are connecting")
    }

    async def dispatcher() -> None:
        raise RuntimeError("the store went away")

    running = asyncio.create_task(asyncio.sleep(60))
    crashed = asyncio.create_task(dispatcher())
    health.watch_task("roles", running)
    health.watch_task("dispatcher", crashed)
    await asyncio.sleep(0)  # the dispatcher's task runs, and fails

    assert by_name(health.liveness()) == {
        "roles": (True, "running"),
        "dispatcher": (False, "ended: RuntimeError: the store went away"),
    }
    stopping.set()  # the loops end as the process stops: still live
    assert by_name(health.liveness()) == {"process": (True, "stopping")}
    running.cancel()


async def test_ready_when_the_store_answers_the_content_is_loaded_and_platforms_connected(
    store: Store, library: Library
) -> None:
    stopping = asyncio.Event()
    health = Health(store, library, [StubAdapter("telegram", True, "polling")], stopping)

    checks = by_name(await health.readiness())

    assert all(ok for ok, _ in checks.values())
    assert set(checks) == {"store", "content", "telegram"}
    assert checks["store"][1].startswith("answered in ")
    assert checks["content"][1].startswith(f"{len(library.catalog.summaries)} summaries, edition ")
    assert checks["telegram"][1] == "polling"

    stopping.set()
    assert by_name(await health.readiness())["serving"] == (False, "stopping")


async def test_a_store_that_never_answers_fails_readiness_within_the_timeout(
    library: Library,
) -> None:
    # A server that accepts the connection and says nothing: the store's answer never comes.
    accepted: list[asyncio.StreamWriter] = []
    silent = await asyncio.start_server(lambda r, w: accepted.append(w), "127.0.0.1", 0)
    port = silent.sockets[0].getsockname()[1]
    engine = create_async_engine(f"postgresql+asyncpg://ringkas@127.0.0.1:{port}/ringkas")
    health = Health(Store(engine), library, [], asyncio.Event(), store_timeout=0.2)
    try:
        began = asyncio.get_running_loop().time()
        checks = by_name(await health.readiness())
        took = asyncio.get_running_loop().time() - began
    finally:
        await engine.dispose()
        silent.close()
        for writer in accepted:
            writer.close()
        await silent.wait_closed()

    assert checks["store"] == (False, "no answer within 0.2 s")
    assert took < 2


def adapters() -> list[Any]:
    """The real adapters, built and never started."""
    done = asyncio.Event()
    return [
        TelegramAdapter(TelegramSettings(), "4242:token", "en"),
        DiscordAdapter(DiscordSettings(), "token", "en"),
        ConsoleAdapter(io.StringIO(), io.StringIO(), "en", done),
    ]


async def test_adapters_not_started_are_not_connected() -> None:
    built: list[Adapter] = adapters()

    states = {a.sender.platform: (a.connection().up, a.connection().detail) for a in built}

    assert states == {
        "telegram": (False, "not started"),
        "discord": (False, "not logged in"),
        "console": (False, "not started"),
    }
    for adapter in built:
        await adapter.stop()


@pytest.fixture
async def serving(unreachable: Store, library: Library) -> AsyncIterator[tuple[str, asyncio.Event]]:
    """The endpoints over an unreachable store and a Telegram adapter never started."""
    telegram = TelegramAdapter(TelegramSettings(), "4242:token", "en")
    stopping = asyncio.Event()
    health = Health(unreachable, library, [telegram], stopping)
    metrics = Metrics(["telegram"])
    state = ServiceState(unreachable, library, SystemClock(), list, frozenset, [telegram])
    server = OpsServer(health, metrics.registry, state)
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    await server.start("127.0.0.1", port)
    yield f"http://127.0.0.1:{port}", stopping
    await server.close()
    await telegram.stop()


async def test_readyz_answers_503_naming_each_failing_check(
    serving: tuple[str, asyncio.Event],
) -> None:
    base, _ = serving
    async with aiohttp.ClientSession() as session:
        async with session.get(base + "/readyz") as response:
            status, body = response.status, await response.json()
        async with session.get(base + "/healthz") as response:
            live = response.status, await response.json()

    assert status == 503
    assert body["status"] == "failing"
    checks = body["checks"]
    assert checks["store"]["ok"] is False
    refused = checks["store"]["detail"]  # the errno's number is the system's own
    assert refused.startswith("ConnectionRefusedError: [Errno ")
    assert refused.endswith("Connect call failed ('127.0.0.1', 1)")
    assert checks["telegram"] == {"ok": False, "detail": "not started"}
    assert checks["content"]["ok"] is True
    # Not ready, and still live: the process is starting.
    assert live == (
        200,
        {
            "status": "ok",
            "checks": {"process": {"ok": True, "detail": "starting: the adapters are connecting"}},
        },
    )


async def test_metrics_answer_in_the_format_the_scraper_asks_for(
    serving: tuple[str, asyncio.Event],
) -> None:
    base, _ = serving
    async with aiohttp.ClientSession() as session:
        async with session.get(base + "/metrics") as response:
            plain = response.headers["Content-Type"], await response.text()
        openmetrics = {"Accept": "application/openmetrics-text; version=1.0.0"}
        async with session.get(base + "/metrics", headers=openmetrics) as response:
            negotiated = response.headers["Content-Type"], await response.text()

    assert plain[0].startswith("text/plain")
    assert "ringkas_store_up 0.0" in plain[1]  # the store is unreachable: said, not hidden
    assert 'ringkas_platform_connected{platform="telegram"} 0.0' in plain[1]
    assert 'ringkas_deliveries_total{outcome="delivered",platform="telegram"} 0.0' in plain[1]
    assert negotiated[0].startswith("application/openmetrics-text")
    assert negotiated[1].rstrip().endswith("# EOF")


async def test_a_taken_port_is_a_clear_error(
    serving: tuple[str, asyncio.Event], store: Store, library: Library
) -> None:
    base, _ = serving
    port = int(base.rsplit(":", 1)[1])
    health = Health(store, library, [], asyncio.Event())
    state = ServiceState(store, library, SystemClock(), list, frozenset, [])
    second = OpsServer(health, Metrics([]).registry, state)

    with pytest.raises(OpsUnavailable) as refused:
        await second.start("127.0.0.1", port)

    assert str(refused.value) == (
        f"ops.listen: cannot listen on 127.0.0.1:{port}: Address already in use"
    )
