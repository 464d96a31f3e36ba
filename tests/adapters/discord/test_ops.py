"""Readiness of a bot serving the Discord stand-in (`ops.listen`), over HTTP: ready once its
shard's session is; not ready, naming the shard, while the network is cut; ready again once
discord.py has resumed."""

from __future__ import annotations

from tests.adapters.discord.conftest import StartBot
from tests.adapters.telegram.test_ops import (
    get_json,
    not_ready,
    ready_again,
    scrape,
    serving_ops,
    value,
)
from tests.standins.discord import DiscordStandIn


async def test_readiness_follows_the_gateway_shards_session(
    dc: DiscordStandIn, start_bot: StartBot
) -> None:
    base, checks = await serving_ops(start_bot)

    assert checks["discord"] == {
        "ok": True,
        "detail": "logged in; gateway shards ready: 0/1",
    }
    samples = await scrape(base)
    assert value(samples, "ringkas_role_held", role="shard:discord:0/1") == 1
    assert value(samples, "ringkas_platform_connected", platform="discord") == 1

    await dc.stop_network()

    body = await not_ready(base, timeout=10)
    assert body["checks"]["discord"] == {
        "ok": False,
        "detail": "gateway shards not ready: 0/1",
    }
    assert body["checks"]["store"]["ok"] is True  # the one failing check is named
    assert (await get_json(base, "/healthz"))[0] == 200  # not ready, and still live

    dc.restore_network()
    await ready_again(base, timeout=15)
