"""The health and metrics endpoints of a bot serving the Telegram stand-in (`ops.listen`),
scraped over HTTP while a push goes out, and while its polls fail: what a supervisor and
Prometheus see."""

from __future__ import annotations

import signal
import socket
from pathlib import Path
from typing import Any

import aiohttp
from prometheus_client.parser import text_string_to_metric_families

from bot.core.ports import ChatKind
from tests.adapters.telegram.conftest import (
    ADMIN,
    TOKEN,
    Running,
    StartBot,
    eventually,
    subscribe_directly,
)
from tests.adapters.telegram.program import environment, finish, start, telegram_config
from tests.adapters.telegram.test_push import propose
from tests.adapters.telegram.test_webhook import free_port
from tests.standins.telegram import TelegramStandIn

READERS = list(range(9001, 9011))  # ten private chats that get the push
BLOCKER = 9011  # blocked the bot: its delivery pauses the subscription
THROTTLED = 9002  # its first send is answered 429, retry after 1 s

Samples = dict[tuple[str, frozenset[tuple[str, str]]], float]


async def get(base: str, path: str) -> tuple[int, str]:
    async with aiohttp.ClientSession() as session, session.get(base + path) as response:
        return response.status, await response.text()


async def get_json(base: str, path: str) -> tuple[int, Any]:
    async with aiohttp.ClientSession() as session, session.get(base + path) as response:
        return response.status, await response.json()


async def scrape(base: str) -> Samples:
    """/metrics, parsed as Prometheus parses it: each sample by name and labels."""
    status, text = await get(base, "/metrics")
    assert status == 200
    return {
        (sample.name, frozenset(sample.labels.items())): sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
    }


def value(samples: Samples, name: str, **labels: str) -> float:
    return samples.get((name, frozenset(labels.items())), 0.0)


async def subscribe_readers(bot: Running, api: TelegramStandIn) -> None:
    for chat in [*READERS, BLOCKER]:
        api.add_chat(chat, "private", first_name=f"Reader {chat}")
        await subscribe_directly(bot, chat, ChatKind.PRIVATE, "en")
    api.block(BLOCKER)


async def test_health_and_metrics_are_scraped_during_a_push(
    api: TelegramStandIn, start_bot: StartBot
) -> None:
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    # Six messages a second: the push to eleven chats lasts long enough to be watched.
    bot = await start_bot(
        ops={"listen": f"127.0.0.1:{port}"},
        telegram={"rate_limits": {"overall": {"count": 6, "seconds": 1}}},
    )
    await subscribe_readers(bot, api)

    status, live = await get_json(base, "/healthz")
    assert status == 200
    assert live["status"] == "ok"
    assert {name: check["ok"] for name, check in live["checks"].items()} == {
        "dispatcher": True,
        "roles": True,
        "scheduler": True,
    }
    status, ready = await get_json(base, "/readyz")
    assert status == 200
    checks = ready["checks"]
    assert set(checks) == {"store", "content", "telegram"}
    assert all(check["ok"] for check in checks.values())
    assert checks["telegram"]["detail"] == "polling for updates"
    assert checks["store"]["detail"].startswith("answered in ")
    before = await scrape(base)
    assert value(before, "ringkas_deliveries_total", platform="telegram", outcome="delivered") == 0
    assert value(before, "ringkas_outbox_deliveries", state="pending") == 0

    api.fail_next("sendMessage", 429, retry_after=1, chat_id=THROTTLED)
    question, push_id = await propose(bot)
    api.feed_callback(ADMIN, question, f"/push confirm {push_id}")

    async def midway() -> Samples | None:
        samples = await scrape(base)
        delivered = value(
            samples, "ringkas_deliveries_total", platform="telegram", outcome="delivered"
        )
        pending = value(samples, "ringkas_outbox_deliveries", state="pending")
        return samples if delivered >= 1 and pending >= 1 else None

    during = await eventually(midway, timeout=10)
    # Part sent, part still queued: the oldest pending delivery has been waiting a while.
    assert value(during, "ringkas_outbox_oldest_pending_age_seconds", platform="telegram") > 0
    assert value(during, "ringkas_store_up") == 1
    status, ready = await get_json(base, "/readyz")
    assert status == 200

    async def finished() -> Samples | None:
        samples = await scrape(base)
        settled = value(
            samples, "ringkas_deliveries_total", platform="telegram", outcome="delivered"
        )
        return samples if settled == len(READERS) else None

    after = await eventually(finished, timeout=15)

    def deliveries(outcome: str) -> float:
        return value(after, "ringkas_deliveries_total", platform="telegram", outcome=outcome)

    assert {o: deliveries(o) for o in ("delivered", "retried", "failed", "paused", "moved")} == {
        "delivered": 10,
        "retried": 1,  # the 429
        "failed": 0,
        "paused": 1,  # the chat that blocked the bot
        "moved": 0,
    }
    assert value(after, "ringkas_rate_limited_total", platform="telegram") == 1
    assert 0.5 <= value(after, "ringkas_rate_limit_held_seconds_total", platform="telegram") <= 1.5
    # Every send is timed: ten delivered, one refused, one 429.
    assert value(after, "ringkas_send_duration_seconds_count", platform="telegram") == 12
    assert value(after, "ringkas_outbox_deliveries", state="pending") == 0
    assert value(after, "ringkas_outbox_oldest_pending_age_seconds", platform="telegram") == 0
    assert value(after, "ringkas_paused_subscriptions", platform="telegram", reason="blocked") == 1
    edition = bot.runtime.services.library.edition.selection
    assert edition is not None
    assert value(after, "ringkas_content_edition_info", edition=edition) == 1
    assert value(after, "ringkas_content_problems") == 0
    for role in ("planner", "sender:telegram", "poller:telegram"):
        assert value(after, "ringkas_role_held", role=role) == 1
    assert value(after, "ringkas_platform_connected", platform="telegram") == 1


async def serving_ops(start_bot: StartBot) -> tuple[str, Any]:
    """Start the bot with its endpoints on a free port, ready: their base URL, and the checks
    /readyz answered."""
    port = free_port()
    await start_bot(ops={"listen": f"127.0.0.1:{port}"})
    base = f"http://127.0.0.1:{port}"
    status, ready = await get_json(base, "/readyz")
    assert status == 200, ready
    return base, ready["checks"]


async def not_ready(base: str, timeout: float) -> Any:
    """Wait for /readyz to answer 503: its body."""

    async def failing() -> Any:
        status, body = await get_json(base, "/readyz")
        return body if status == 503 else None

    return await eventually(failing, timeout=timeout)


async def ready_again(base: str, timeout: float) -> None:
    async def ready() -> bool:
        return (await get_json(base, "/readyz"))[0] == 200

    await eventually(ready, timeout=timeout)


async def test_readiness_fails_while_polls_fail_and_comes_back_with_them(
    api: TelegramStandIn, start_bot: StartBot
) -> None:
    base, checks = await serving_ops(start_bot)
    assert checks["telegram"] == {"ok": True, "detail": "polling for updates"}

    api.stop_network("drop")  # the poll under way ends as usual; the next ones fail

    body = await not_ready(base, timeout=10)
    check = body["checks"]["telegram"]
    assert check["ok"] is False and check["detail"].startswith("polling fails: "), check
    assert TOKEN not in check["detail"]
    assert body["checks"]["store"]["ok"] is True  # the one failing check is named
    assert value(await scrape(base), "ringkas_platform_connected", platform="telegram") == 0
    assert (await get_json(base, "/healthz"))[0] == 200  # not ready, and still live

    api.restore_network()
    await ready_again(base, timeout=15)


async def test_the_endpoints_stop_with_the_bot(api: TelegramStandIn, start_bot: StartBot) -> None:
    port = free_port()
    bot = await start_bot(ops={"listen": f"127.0.0.1:{port}"})
    assert (await get(f"http://127.0.0.1:{port}", "/healthz"))[0] == 200

    await bot.stop()

    try:
        await get(f"http://127.0.0.1:{port}", "/healthz")
    except aiohttp.ClientConnectionError:
        pass
    else:
        raise AssertionError("the endpoints still answer after the bot stopped")


async def test_ringkas_run_serves_the_endpoints_until_sigterm(tmp_path: Path) -> None:
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    async with TelegramStandIn(TOKEN, max_poll_seconds=0.5) as api:
        config = telegram_config(tmp_path, api, ops={"listen": f"127.0.0.1:{port}"})
        program = await start(
            tmp_path, "run", "--config", str(config), env=environment(RINGKAS_TELEGRAM_TOKEN=TOKEN)
        )
        try:
            await api.wait_for(lambda: any(c.method == "getUpdates" for c in api.calls), 15)
            live, ready = await get_json(base, "/healthz"), await get_json(base, "/readyz")
            metrics = await scrape(base)
            program.send_signal(signal.SIGTERM)
            run = await finish(program, timeout=10)
        finally:
            if program.returncode is None:
                program.kill()
                await program.wait()

    assert (live[0], ready[0]) == (200, 200)
    assert ready[1]["checks"]["telegram"] == {"ok": True, "detail": "polling for updates"}
    assert value(metrics, "ringkas_role_held", role="poller:telegram") == 1
    assert run.code == 0
    assert f"INFO bot.app: health and metrics at http://127.0.0.1:{port}/" in run.err


async def test_ringkas_run_on_a_port_in_use_exits_1_saying_so(tmp_path: Path) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        async with TelegramStandIn(TOKEN, max_poll_seconds=0.5) as api:
            config = telegram_config(tmp_path, api, ops={"listen": f"127.0.0.1:{port}"})
            env = environment(RINGKAS_TELEGRAM_TOKEN=TOKEN)
            run = await finish(await start(tmp_path, "run", "--config", str(config), env=env))

    assert run.code == 1
    assert run.err.splitlines()[-1] == (
        f"ops.listen: cannot listen on 127.0.0.1:{port}: Address already in use"
    )
    assert not any(c.method == "getUpdates" for c in api.calls)  # it stopped before serving
