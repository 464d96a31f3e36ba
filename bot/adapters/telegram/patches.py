"""python-telegram-bot, changed where it offers no option for what Ringkas needs.

Every change of PTB's behaviour is here, each with what PTB does, why Ringkas changes it and
what breaks without it. They rest on PTB's internals, listed in RELIES_ON; the tests in
tests/adapters/telegram/test_patches.py check each against the installed PTB, so an upgrade
that moves one fails there, not in production.

- `LenientBot`: the bot `make_bot` builds (a subclass: nothing process-wide).
- `SkippingWebhookHandler`: installed process-wide by `apply()`.
- `post_json` and `answered_unreadably`: sending without PTB's objects (nothing process-wide).
"""

from __future__ import annotations

import asyncio
import json
import logging
from typing import Any

from telegram import Bot, Update
from telegram.error import BadRequest, NetworkError, TelegramError, TimedOut
from telegram.ext import ExtBot, Updater
from telegram.ext._utils import webhookhandler
from telegram.request import BaseRequest

log = logging.getLogger(__name__)

JSONDict = dict[str, Any]

POLL_RETRY_CAP = 5.0  # seconds: the longest wait between two polls after a network error
INVALID_RESPONSE = "Invalid server response"  # PTB's words for a body that is not JSON


class LenientBot(ExtBot[None]):
    """A bot that skips an update it cannot parse instead of failing the whole getUpdates.

    python-telegram-bot parses a batch of updates at once: one it cannot read (a field of a
    newer Bot API, a malformed payload) fails every poll, the offset never moves past it, and
    the bot would never answer anyone again. Such an update is logged and replaced by its bare
    id, which no handler takes and which moves the offset on. A poll that fails on the network
    is also tried again here, sooner than PTB would (see `_poll`).

    Relies on the private `Bot._post(endpoint, data, **timeouts)`, through which `get_updates`
    fetches the raw JSON before it parses it: the one place to see an update unparsed.
    """

    async def _post(self, endpoint: str, data: JSONDict | None = None, **kwargs: Any) -> Any:
        if endpoint != "getUpdates":
            return await super()._post(endpoint, data, **kwargs)
        result = await self._poll(data, **kwargs)
        if isinstance(result, list):
            return [self._readable(raw) for raw in result]
        return result

    async def _poll(self, data: JSONDict | None, **kwargs: Any) -> Any:
        """getUpdates, tried again here after a network error: after 1 s, then 1.5 times longer
        each time up to POLL_RETRY_CAP.

        PTB's polling loop would wait up to 30 s between tries (1.5 times longer each time),
        so once the network is back after an outage the bot could stay deaf for half a minute.
        A timeout is PTB's to retry (it polls again at once), and a refusal (BadRequest, also a
        NetworkError to PTB) is not a network error. Stopping the updater cancels the wait.

        Only a long poll is tried again. When polling stops, PTB's updater calls getUpdates once
        more without a wait (`timeout` 0) to confirm the updates it fetched, and suppresses that
        call's error: retried here, a stop during an outage would wait for the network.
        """
        pause = 1.0
        while True:
            try:
                return await super()._post("getUpdates", data, **kwargs)
            except (TimedOut, BadRequest):
                raise
            except NetworkError as error:
                if not (data or {}).get("timeout"):
                    raise  # the stop's confirming call

                log.warning(
                    "telegram: polling failed (%s); retrying in %.1f s", error.message, pause
                )
                await asyncio.sleep(pause)
                pause = min(pause * 1.5, POLL_RETRY_CAP)

    def _readable(self, raw: JSONDict) -> JSONDict:
        if read_update(raw, self) is None:
            return {"update_id": raw.get("update_id") if isinstance(raw, dict) else None}
        return raw


def read_update(raw: object, bot: Bot) -> Update | None:
    """The update in `raw` (JSON as Telegram sent it), or None, logged, when it cannot be read:
    a field of a newer Bot API, a malformed payload."""
    try:
        if not isinstance(raw, dict):
            raise TypeError(f"an update is a JSON object, not {type(raw).__name__}")
        update = Update.de_json(dict(raw), bot)
    except Exception as error:
        update_id = raw.get("update_id") if isinstance(raw, dict) else None
        log.error("telegram: skipping update %s that cannot be read: %r", update_id, error)
        return None
    return update


class SkippingWebhookHandler(webhookhandler.TelegramHandler):
    """PTB's webhook handler, except that a post it cannot read is logged and answered 200.

    PTB answers an update it cannot parse with 400 (and a body that is not JSON with 500), and
    Telegram posts again every update whose answer was not 2xx: one bad update would come back
    forever. PTB's webhook app (`WebhookAppClass`) builds its handler from the private module's
    name `TelegramHandler`, and has no option for another: `apply()` rebinds that name.

    Relies on PTB's handler checking a post (content type, secret) in `_validate_post`, and on
    its `initialize` setting `bot` and `update_queue`.
    """

    async def post(self) -> None:
        self._validate_post()  # a post without the secret is refused (403) before it is read
        try:
            raw = json.loads(self.request.body)
        except ValueError as error:  # not JSON, or not UTF-8
            log.error("telegram: skipping a webhook post that is not JSON: %r", error)
            return  # 200
        update = read_update(raw, self.bot)
        if update is None:
            return  # 200
        if isinstance(self.bot, ExtBot):
            self.bot.insert_callback_data(update)  # as PTB's handler does
        await self.update_queue.put(update)


async def post_json(bot: Bot, endpoint: str, data: JSONDict) -> object:
    """Call the Bot API and return Telegram's `result` as JSON, without PTB's objects.

    PTB's `send_message` builds a full `Message` (chat, sender, entities, each frozen) from every
    answer, CPU spent on every send for the one field Ringkas reads, `message_id` (the figures:
    benchmarks/README.md, bench_load). And once Telegram has carried out a
    send, an answer PTB cannot parse into a `Message` (a field of a newer Bot API) must still
    count as delivered: retrying it would post the message twice. `Bot._post` is where PTB sends
    the parameters (serialising its own objects in them, as for any call) and hands back the
    parsed JSON; the public `do_api_request` goes there too, but warns for a method PTB has.
    """
    return await bot._post(endpoint, data)


def answered_unreadably(error: Exception) -> bool:
    """Whether `error` means that Telegram answered 2xx (carried the call out) with a body PTB
    could not read: PTB raises a bare `TelegramError("Invalid server response")` when the body
    is not JSON (a non-2xx answer raises a subclass with its own message), and a KeyError or
    TypeError when the JSON has no `result` where `BaseRequest.post` looks for it."""
    if isinstance(error, KeyError | TypeError):
        return True
    return type(error) is TelegramError and error.message == INVALID_RESPONSE


# What the patches rely on in PTB (the object, then the attribute's name), checked by the tests
# against the installed version.
RELIES_ON: tuple[tuple[object, str], ...] = (
    # LenientBot: the raw JSON of getUpdates passes through `_post` before PTB parses it; the
    # updater's last getUpdates as polling stops, set up in `_start_polling`, does not wait.
    (ExtBot, "_post"),
    (Updater, "_start_polling"),
    # post_json: `_post` sends any method's parameters and returns the JSON `result`...
    (Bot, "_post"),
    # ...having parsed the body in `parse_json_payload` (which raises INVALID_RESPONSE).
    (BaseRequest, "parse_json_payload"),
    # SkippingWebhookHandler: the webhook app takes its handler from this module's name...
    (webhookhandler, "TelegramHandler"),
    # ...which checks a post in `_validate_post` and answers it in `post`...
    (webhookhandler.TelegramHandler, "_validate_post"),
    (webhookhandler.TelegramHandler, "post"),
    # ...with what its `initialize` sets.
    (webhookhandler.TelegramHandler, "bot"),
    (webhookhandler.TelegramHandler, "update_queue"),
)


def applied() -> bool:
    """Whether PTB already points at every replacement `apply()` installs."""
    return webhookhandler.TelegramHandler is SkippingWebhookHandler


def apply() -> None:
    """Install the process-wide patches: once, at start. Idempotent: when they are in place
    (`applied()`), a call does nothing."""
    if applied():
        return
    webhookhandler.TelegramHandler = SkippingWebhookHandler  # type: ignore[misc]
