"""The patches of python-telegram-bot: what each relies on is still in the installed PTB, and
`apply()` installs them once. A failure here after an upgrade names the patch to revisit."""

from __future__ import annotations

import inspect
from typing import cast

import pytest
from telegram import Bot
from telegram.ext import ExtBot, Updater
from telegram.ext._utils import webhookhandler

from bot.adapters.telegram import patches
from bot.adapters.telegram.patches import RELIES_ON, SkippingWebhookHandler

PTB_HANDLER = cast(type[webhookhandler.TelegramHandler], SkippingWebhookHandler.__base__)


@pytest.mark.parametrize(
    ("owner", "name"), RELIES_ON, ids=[f"{getattr(o, '__name__', o)}.{n}" for o, n in RELIES_ON]
)
def test_what_a_patch_relies_on_is_still_there(owner: object, name: str) -> None:
    assert hasattr(owner, name)


def test_lenient_bot_sees_get_updates_raw_json_through_post() -> None:
    """LenientBot overrides `_post(endpoint, data, **timeouts)`, the call `get_updates` makes
    before it parses the updates."""
    parameters = list(inspect.signature(ExtBot._post).parameters.values())

    assert inspect.iscoroutinefunction(ExtBot._post)
    assert [p.name for p in parameters[:3]] == ["self", "endpoint", "data"]
    assert all(p.kind is inspect.Parameter.KEYWORD_ONLY for p in parameters[3:])
    assert "_post" in Bot.get_updates.__code__.co_names


def test_ptb_confirms_the_fetched_updates_without_a_wait_and_suppresses_its_error() -> None:
    """LenientBot retries only a long poll: PTB's last getUpdates as polling stops passes a
    timeout of 0 and suppresses a TelegramError (else a stop in an outage would hang: the
    end-to-end check is test_restart's stop during a network cut)."""
    updater = inspect.getsource(Updater._start_polling)
    cleanup = updater[updater.index("async def _get_updates_cleanup") :]
    assert "timeout=dtm.timedelta(seconds=0)" in cleanup
    assert "except TelegramError" in cleanup


def test_the_webhook_app_builds_its_handler_from_the_module_name() -> None:
    """Rebinding `webhookhandler.TelegramHandler` reaches the webhook server only while PTB's
    app looks the name up when it is built, and the replaced handler is PTB's own."""
    assert "TelegramHandler" in webhookhandler.WebhookAppClass.__init__.__code__.co_names
    assert PTB_HANDLER.__module__ == webhookhandler.__name__
    assert {"bot", "update_queue"} <= set(PTB_HANDLER.__slots__)  # set by its `initialize`


def test_apply_points_ptb_at_the_replacements_and_a_second_call_changes_nothing(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(webhookhandler, "TelegramHandler", PTB_HANDLER)  # as before any apply
    assert not patches.applied()

    patches.apply()
    assert webhookhandler.TelegramHandler is SkippingWebhookHandler
    assert patches.applied()

    patches.apply()
    assert webhookhandler.TelegramHandler is SkippingWebhookHandler
