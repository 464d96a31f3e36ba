"""The connection to Discord: a dropped gateway resumes and nothing asked meanwhile is lost; a
token Discord refuses, or an API out of reach, stops `ringkas run` with one worded line that
names the variable, never the token."""

from __future__ import annotations

import logging
from pathlib import Path

import discord
import pytest

from bot.adapters import AdapterError
from bot.adapters.discord import connected_sender
from bot.core.text.strings import say
from tests.adapters.discord.conftest import (
    BUDI,
    GENERAL,
    TOKEN,
    StartBot,
    ask,
    ringkas,
    settings_for,
    write_config,
)
from tests.standins.discord import DiscordStandIn

REFUSED = "mfa.refused-discord-token-0123456789"


@pytest.mark.parametrize("abort", [False, True], ids=["closed with 4000", "connection lost"])
async def test_a_dropped_gateway_resumes_and_answers_what_was_asked_meanwhile(
    dc: DiscordStandIn, start_bot: StartBot, abort: bool
) -> None:
    await start_bot()

    await dc.drop_gateway(abort=abort)
    meanwhile = await dc.dispatch_interaction("settings", channel_id=GENERAL, user=BUDI)
    [missed] = await dc.wait_for(lambda: dc.responses_for(meanwhile), what="the replayed ask")
    _, after = await ask(dc, "settings", channel_id=GENERAL, user=BUDI, locale="id")

    [resume] = dc.resumes
    assert resume.d["session_id"] in dc.sessions
    assert len(dc.identifies) == 1  # resumed, not a new session
    assert dc.connections[-1].path == "/resume"
    assert missed.content == say("en", "not_subscribed")
    assert after.content == say("id", "not_subscribed")


async def test_run_with_a_token_discord_refuses_stops_with_one_line_naming_the_variable(
    dc: DiscordStandIn, tmp_path: Path
) -> None:
    config = write_config(dc, tmp_path)

    code, out, err = await ringkas("run", "--config", str(config), cwd=tmp_path, token=REFUSED)

    assert code == 1
    assert err.splitlines()[-1] == (
        "discord: Discord refused the token in $RINGKAS_DISCORD_TOKEN; "
        "copy it again from the developer portal (Bot → Reset Token)"
    )
    assert [line for line in err.splitlines() if "RINGKAS_DISCORD_TOKEN" in line] == [
        err.splitlines()[-1]
    ]
    assert REFUSED not in out + err and "refused-discord-token" not in out + err
    assert "Traceback" not in err
    assert not dc.identifies  # refused at login, before the gateway
    assert [r.path for r in dc.requests] == ["/users/@me"]


async def test_a_refused_token_or_an_api_out_of_reach_is_worded_for_the_operator(
    dc: DiscordStandIn, tmp_path: Path
) -> None:
    settings = settings_for(dc, tmp_path).discord

    with pytest.raises(AdapterError) as refused:
        async with connected_sender(settings, REFUSED):
            pass
    assert "$RINGKAS_DISCORD_TOKEN" in str(refused.value)
    assert REFUSED not in str(refused.value)

    await dc.stop()
    with pytest.raises(AdapterError) as unreachable:
        async with connected_sender(settings, TOKEN):
            pass
    assert str(unreachable.value).startswith(f"discord: cannot reach {settings.api_base}: ")
    assert TOKEN not in str(unreachable.value)


async def test_a_start_warns_of_nothing_ringkas_does_not_use(
    dc: DiscordStandIn,
    start_bot: StartBot,
    caplog: pytest.LogCaptureFixture,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # discord.py warns once per process: as in a fresh `ringkas run`.
    monkeypatch.setattr(discord.VoiceClient, "warn_nacl", True)
    monkeypatch.setattr(discord.VoiceClient, "warn_dave", True)

    await start_bot()

    warnings = [r for r in caplog.records if r.levelno >= logging.WARNING]
    assert warnings == []


async def test_a_gateway_connection_ended_by_an_unexpected_error_connects_again(
    dc: DiscordStandIn,
    start_bot: StartBot,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    real_connect = discord.Client.connect
    failures = iter([RuntimeError("something discord.py does not expect")])

    async def connect_failing_once(self: discord.Client, *, reconnect: bool = True) -> None:
        if (error := next(failures, None)) is not None:
            raise error
        await real_connect(self, reconnect=reconnect)

    monkeypatch.setattr(discord.Client, "connect", connect_failing_once)
    await start_bot()
    _, answer = await ask(dc, "settings", channel_id=GENERAL, user=BUDI)

    assert answer.content == say("en", "not_subscribed")
    assert "the gateway connection failed; connecting again" in caplog.text
    assert len(dc.identifies) == 1
