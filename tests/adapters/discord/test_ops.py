"""Readiness of a bot serving the Discord stand-in (`ops.listen`), over HTTP: ready once its
shard's session is; not ready, naming the shard, while the network is cut; ready again once
discord.py has resumed."""

from __future__ import annotations

from typing import Any

from tests.adapters.discord.conftest import StartBot
from tests.adapters.telegram.conftest import eventually
from tests.adapters.telegram.test_ops import get_json, scrape, value
from tests.adapters.telegram.test_webhook import free_port
from tests.standins.discord import DiscordStandIn


async def test_readiness_follows_the_gateway_shards_session(
    dc: DiscordStandIn, start_bot: StartBot
) -> None:
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    await start_bot(ops={"listen": f"127.0.0.1:{port}"})

    status, ready = await get_json(base, "/readyz")
    assert status == 200
    assert ready["checks"]["discord"] == {
        "ok": True,
        "detail": "logged in; gateway shards ready: 0/1",
    }
    samples = await scrape(base)
    assert value(samples, "ringkas_role_held", role="shard:discord:0/1") == 1
    assert value(samples, "ringkas_platform_connected", platform="discord") == 1

    await dc.stop_network()

    async def not_ready() -> Any:
        status, body = await get_json(base, "/readyz")
        return body if status == 503 else None

    body = await eventually(not_ready, timeout=10)
    assert body["checks"]["discord"] == {
        "ok": False,
        "detail": "gateway shards not ready: 0/1",
    }
    assert body["checks"]["store"]["ok"] is True  # the one failing check is named
    assert (await get_json(base, "/healthz"))[0] == 200  # not ready, and still live

    dc.restore_network()

    async def ready_again() -> bool:
        return (await get_json(base, "/readyz"))[0] == 200

    await eventually(ready_again, timeout=15)
