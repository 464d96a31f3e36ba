"""The patches of discord.py: what each relies on is still in the installed discord.py, and
`apply()` installs them once. A failure here after an upgrade names the patch to revisit."""

from __future__ import annotations

import discord
import discord.client
import pytest
import yarl
from discord import app_commands
from discord.backoff import ExponentialBackoff
from discord.gateway import DiscordWebSocket
from discord.http import HTTPClient, Route
from discord.state import ConnectionState

from bot.adapters.discord import patches
from bot.adapters.discord.adapter import client_options, new_client
from bot.adapters.discord.patches import RECONNECT_CAP, RELIES_ON, CappedBackoff
from bot.config import DiscordSettings


def where(owner: object, client: discord.Client) -> object:
    """Where `owner`'s attribute is found: what discord.py sets in `__init__`, on a client."""
    if owner is discord.Client:
        return client
    if owner is ConnectionState:
        return client._connection
    return owner


@pytest.mark.parametrize(
    ("owner", "name"), RELIES_ON, ids=[f"{getattr(o, '__name__', o)}.{n}" for o, n in RELIES_ON]
)
def test_what_a_patch_relies_on_is_still_there(owner: object, name: str) -> None:
    assert hasattr(where(owner, new_client()), name)


def test_connect_builds_its_backoff_from_its_module_name() -> None:
    """Rebinding `discord.client.ExponentialBackoff` reaches `Client.connect` only while it looks
    the name up at each call; CappedBackoff's waits stay within RECONNECT_CAP."""
    backoff = CappedBackoff()

    assert "ExponentialBackoff" in discord.Client.connect.__code__.co_names
    assert all(0 < backoff.delay() <= RECONNECT_CAP for _ in range(20))


def test_a_client_reads_the_voice_warning_flags_when_it_is_built() -> None:
    names = discord.Client.__init__.__code__.co_names

    assert "warn_nacl" in names and "warn_dave" in names


def test_point_at_sends_rest_and_the_gateway_where_the_settings_say(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(Route, "BASE", Route.BASE)  # restored after the test
    monkeypatch.setattr(DiscordWebSocket, "DEFAULT_GATEWAY", DiscordWebSocket.DEFAULT_GATEWAY)
    settings = DiscordSettings(api_base="http://127.0.0.1:9/api/", gateway_url="ws://127.0.0.1:9")

    patches.point_at(settings)

    assert Route("GET", "/users/@me").url == "http://127.0.0.1:9/api/users/@me"
    assert "DEFAULT_GATEWAY" in DiscordWebSocket.from_client.__code__.co_names
    assert yarl.URL("ws://127.0.0.1:9") == DiscordWebSocket.DEFAULT_GATEWAY


def test_unreadable_events_are_skipped_in_the_parsers_the_gateway_reads(
    caplog: pytest.LogCaptureFixture,
) -> None:
    """The gateway reader takes the connection state's `parsers` dict itself: a parser replaced
    in it is the one that runs."""
    client = new_client()

    patches.skip_unreadable_events(client)
    client._connection.parsers["INTERACTION_CREATE"]({})  # no token, no type: unreadable

    assert "parsers" in DiscordWebSocket.from_client.__code__.co_names
    assert "skipping a INTERACTION_CREATE event that cannot be read" in caplog.text


def test_the_wait_for_ready_is_kept_where_a_stop_finds_it() -> None:
    assert "_ready_task" in ConnectionState.parse_ready.__code__.co_names
    assert patches.ready_task(new_client()) is None  # no READY yet: nothing to cancel


def test_apply_points_discord_py_at_the_replacements_and_a_second_call_changes_nothing(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # As before any apply.
    monkeypatch.setattr(discord.client, "ExponentialBackoff", ExponentialBackoff)
    monkeypatch.setattr(discord.VoiceClient, "warn_nacl", True)
    monkeypatch.setattr(discord.VoiceClient, "warn_dave", True)
    assert not patches.applied()

    patches.apply()
    assert discord.client.ExponentialBackoff is CappedBackoff  # type: ignore[attr-defined]
    assert not discord.VoiceClient.warn_nacl and not discord.VoiceClient.warn_dave
    assert patches.applied()

    patches.apply()
    assert discord.client.ExponentialBackoff is CappedBackoff  # type: ignore[attr-defined]
    assert patches.applied()


async def test_a_shard_client_shares_the_rest_client_and_its_close_leaves_that_open(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """`Client.close` closes `http`: a shard's own, never opened, not the one it shares."""
    rest = new_client()
    closed: list[HTTPClient] = []

    async def close(http: HTTPClient) -> None:
        closed.append(http)

    monkeypatch.setattr(HTTPClient, "close", close)
    shard = patches.SharedRest(rest, **client_options(shard_id=1, shard_count=2))

    assert shard.http is rest.http and shard._connection.http is rest.http
    await shard.close()
    assert closed == [shard.http] and shard.http is not rest.http


def test_a_shard_client_hands_its_slash_commands_to_the_shared_tree() -> None:
    """The connection state passes an application command to the tree kept on it."""
    tree: app_commands.CommandTree[discord.Client] = app_commands.CommandTree(new_client())
    shard = patches.SharedRest(new_client(), **client_options())

    patches.share_tree(shard, tree)

    assert shard._connection._command_tree is tree
    assert "_command_tree" in ConnectionState.parse_interaction_create.__code__.co_names
