"""Webhook mode: Telegram is told the public URL and the secret, and posts updates to the bot's
own HTTP server; a post without the secret is refused and never reaches the bot."""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import socket
from typing import Any

import aiohttp
import pytest

from bot.core.text.strings import say
from bot.logs import REDACTED, RedactSecrets
from tests.adapters.telegram.conftest import ANA, BUDI, Running, StartBot, calls
from tests.standins.telegram import TelegramStandIn

URL = "https://bot.example.test/tg"
SECRET_ENV = "RINGKAS_TEST_WEBHOOK_SECRET"
SECRET = "webhook-secret-0123456789"
HEADER = "X-Telegram-Bot-Api-Secret-Token"
UPDATES = ["message", "channel_post", "callback_query", "my_chat_member", "inline_query"]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


async def start_webhook(
    start_bot: StartBot, telegram: dict[str, Any] | None = None, **overrides: Any
) -> tuple[Running, str]:
    """The bot in webhook mode, once its server takes connections; where to post updates.
    `telegram` and `overrides`: more of the config, as `start_bot` takes it."""
    port = free_port()
    webhook = {"url": URL, "listen": "127.0.0.1", "port": port, "secret_token_env": SECRET_ENV}
    section = {**(telegram or {}), "webhook": webhook}
    bot = await start_bot(serving_when="setWebhook", telegram=section, **overrides)
    for _ in range(250):
        with contextlib.suppress(OSError):
            _, writer = await asyncio.open_connection("127.0.0.1", port)
            writer.close()
            await writer.wait_closed()
            break
        await asyncio.sleep(0.02)
    return bot, f"http://127.0.0.1:{port}/tg"


def update_from(api: TelegramStandIn, chat_id: int, text: str, **kw: Any) -> dict[str, Any]:
    """An update as Telegram would post it: made by the stand-in, taken off its poll queue."""
    update = api.feed_message(chat_id, text, **kw)
    api.updates.remove(update)
    return update


async def post(address: str, update: dict[str, Any], secret: str | None) -> int:
    headers = {"Content-Type": "application/json"}
    if secret is not None:
        headers[HEADER] = secret
    async with (
        aiohttp.ClientSession() as session,
        session.post(address, data=json.dumps(update), headers=headers) as answer,
    ):
        return answer.status


async def test_webhook_mode_registers_the_url_and_answers_a_posted_update(
    api: TelegramStandIn, start_bot: StartBot, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(SECRET_ENV, SECRET)
    _, address = await start_webhook(start_bot)

    assert (api.webhook.url, api.webhook.secret_token) == (URL, SECRET)
    assert api.webhook.allowed_updates == UPDATES
    assert calls(api, "getUpdates") == []  # no polling alongside

    status = await post(address, update_from(api, ANA.id, "/start", user=ANA), SECRET)
    [answer] = await api.wait_for(lambda: api.sent_to(ANA.id))

    assert status == 200
    assert answer.text.startswith(say("en", "welcome"))


async def test_webhook_refuses_a_post_without_the_secret(
    api: TelegramStandIn, start_bot: StartBot, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(SECRET_ENV, SECRET)
    _, address = await start_webhook(start_bot)

    wrong = await post(address, update_from(api, BUDI.id, "/subscribe", user=BUDI), "guess")
    missing = await post(address, update_from(api, BUDI.id, "/subscribe", user=BUDI), None)
    # A real one afterwards is answered: the refused ones were dropped, not queued.
    right = await post(address, update_from(api, BUDI.id, "/help", user=BUDI), SECRET)
    [answer] = await api.wait_for(lambda: api.sent_to(BUDI.id))
    await asyncio.sleep(0.1)

    assert (wrong, missing, right) == (403, 403, 200)
    assert answer.text.startswith("<b>Perintah</b>")
    assert len(api.sent_to(BUDI.id)) == 1


async def test_without_a_configured_secret_each_run_makes_a_random_one(
    api: TelegramStandIn,
    start_bot: StartBot,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    monkeypatch.delenv(SECRET_ENV, raising=False)

    with caplog.at_level(logging.INFO):
        _, address = await start_webhook(start_bot)

    secret = api.webhook.secret_token
    assert secret is not None and len(secret) >= 32
    assert f"{SECRET_ENV} is unset; using a random webhook secret" in caplog.text
    assert secret not in caplog.text
    assert await post(address, update_from(api, ANA.id, "/help", user=ANA), None) == 403
    assert await post(address, update_from(api, ANA.id, "/help", user=ANA), secret) == 200
    await api.wait_for(lambda: api.sent_to(ANA.id))
    # Made here, not read from the environment: the log filter blanks it all the same.
    line = logging.LogRecord("httpx", logging.INFO, "", 0, "POST %s", (f"?s={secret}",), None)
    RedactSecrets([]).filter(line)
    assert line.getMessage() == f"POST ?s={REDACTED}"
