"""The Discord stand-in against the real discord.py client: login, gateway, messages, slash
commands, autocomplete, buttons, errors, a global 429, and a dropped gateway that resumes."""

from __future__ import annotations

import asyncio
import io
import json
import warnings
import zlib
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import aiohttp
import pytest

with warnings.catch_warnings():
    # discord.py imports audioop, deprecated since Python 3.11 (and warnings are errors here).
    warnings.simplefilter("ignore", DeprecationWarning)
    import discord
    from discord import app_commands

from tests.standins.discord import (
    APPLICATION_ID,
    BOT_USER_ID,
    EMBED_LINKS,
    EPHEMERAL,
    MANAGE_CHANNELS,
    Channel,
    DiscordStandIn,
    Guild,
    Member,
    Role,
    User,
    pointed_at,
)

TOKEN = "standin-test-token"
GUILD_ID = 1_300_000_000_000_000_001
GENERAL = 1_300_000_000_000_000_010
NEWS = 1_300_000_000_000_000_011
THREAD = 1_300_000_000_000_000_012
MODS = 1_300_000_000_000_000_020
ALICE = User(1_300_000_000_000_000_100, "alice", global_name="Alice")
BOB = User(1_300_000_000_000_000_101, "bob")


def make_guild() -> Guild:
    return Guild(
        id=GUILD_ID,
        name="Ringkas Test",
        channels=[
            Channel(GENERAL, "general", topic="Talk"),
            Channel(NEWS, "digests", position=1),
            Channel(THREAD, "a thread", type=11, parent_id=GENERAL),
        ],
        roles=[Role(MODS, "mods", permissions=MANAGE_CHANNELS)],
        members=[Member(ALICE), Member(BOB, roles=(MODS,))],
    )


@pytest.fixture
async def dc() -> AsyncIterator[DiscordStandIn]:
    async with DiscordStandIn(
        token=TOKEN, guilds=[make_guild()], heartbeat_interval=0.2
    ) as standin:
        yield standin


@asynccontextmanager
async def running(dc: DiscordStandIn, client: discord.Client) -> AsyncIterator[discord.Client]:
    """Start the client against the stand-in, wait until it is ready, close it after."""
    with pointed_at(dc):
        task = asyncio.create_task(client.start(TOKEN))
        try:
            ready = asyncio.create_task(client.wait_until_ready())
            done, _ = await asyncio.wait(
                {ready, task}, timeout=5.0, return_when=asyncio.FIRST_COMPLETED
            )
            if ready not in done:
                ready.cancel()
                if task in done:
                    task.result()  # raise what stopped the client
                raise AssertionError(f"client not ready\n{dc.summary()}")
            yield client
        finally:
            await client.close()
            await asyncio.wait_for(task, 5.0)


def new_client(**kwargs: object) -> discord.Client:
    # READY waits guild_ready_timeout (2 s by default) after the last GUILD_CREATE.
    return discord.Client(intents=discord.Intents.default(), guild_ready_timeout=0.05, **kwargs)  # type: ignore[arg-type]


class Indonesian(app_commands.Translator):
    async def translate(
        self,
        string: app_commands.locale_str,
        locale: discord.Locale,
        context: app_commands.TranslationContextTypes,
    ) -> str | None:
        table = {
            "digest": "ringkasan",
            "Today's digest": "Ringkasan hari ini",
            "lang": "bahasa",
            "Language": "Bahasa",
        }
        return table.get(string.message) if locale is discord.Locale.indonesian else None


async def test_login_ready_guilds_and_heartbeats(dc: DiscordStandIn) -> None:
    async with running(dc, new_client()) as client:
        assert client.user is not None and client.user.id == BOT_USER_ID
        assert client.application_id == APPLICATION_ID
        guild = client.get_guild(GUILD_ID)
        assert guild is not None and guild.name == "Ringkas Test"
        assert {c.id for c in guild.text_channels} == {GENERAL, NEWS}
        assert guild.get_thread(THREAD) is not None
        assert guild.me is not None and guild.me.id == BOT_USER_ID
        assert guild.default_role.permissions.send_messages
        assert guild.get_role(MODS) is not None

        identify = dc.identifies[0]
        assert identify.d["token"] == TOKEN
        assert identify.d["intents"] == discord.Intents.default().value
        await dc.wait_for(lambda: len(dc.heartbeats) >= 2)
        assert client.latency < 1.0  # heartbeats are acknowledged
        paths = [r.path for r in dc.requests]
        assert paths[:2] == ["/users/@me", "/oauth2/applications/@me"]
    # discord.py means to close with 1000, but with aiohttp 3.14 its reader task's close(4000)
    # goes out first, so the session stays resumable, as it would on Discord.
    await dc.wait_for(lambda: not dc.connected)


async def test_send_records_message_and_allowed_mentions(dc: DiscordStandIn) -> None:
    async with running(dc, new_client()) as client:
        channel = client.get_channel(GENERAL)
        assert isinstance(channel, discord.TextChannel)
        embed = discord.Embed(title="Ringkasan", description="Hari ini")
        message = await channel.send(
            "hello <@1>", embed=embed, allowed_mentions=discord.AllowedMentions.none()
        )
        [recorded] = dc.messages
        assert recorded.id == message.id and recorded.channel_id == GENERAL
        assert recorded.content == "hello <@1>"
        assert recorded.allowed_mentions == {"parse": []}
        assert recorded.embeds[0]["title"] == "Ringkasan"
        assert message.author.id == BOT_USER_ID and message.embeds[0].description == "Hari ini"

        edited = await message.edit(content="edited")
        assert edited.content == "edited" and (dc.edits[-1].json or {})["content"] == "edited"
        assert (await channel.fetch_message(message.id)).content == "edited"


async def test_slash_command_sync_response_and_followup(dc: DiscordStandIn) -> None:
    client = new_client()
    tree = app_commands.CommandTree(client)
    await tree.set_translator(Indonesian())
    seen: list[discord.Interaction] = []

    @tree.command(
        name=app_commands.locale_str("digest"),
        description=app_commands.locale_str("Today's digest"),
    )
    @app_commands.describe(lang=app_commands.locale_str("Language"))
    async def digest(interaction: discord.Interaction, lang: str) -> None:
        seen.append(interaction)
        allowed = interaction.permissions.manage_channels
        await interaction.response.send_message(f"digest {lang} manage={allowed}", ephemeral=True)
        await interaction.followup.send("more")

    guild = discord.Object(GUILD_ID)
    tree.copy_global_to(guild=guild)
    async with running(dc, client):
        synced = await tree.sync(guild=guild)
        assert [c.name for c in synced] == ["digest"]
        [sync] = dc.command_syncs
        assert sync.guild_id == GUILD_ID
        command = sync.commands[0]
        assert command["name_localizations"] == {"id": "ringkasan"}
        assert command["description_localizations"] == {"id": "Ringkasan hari ini"}
        assert command["options"][0]["name_localizations"] == {"id": "bahasa"}

        sent = await dc.dispatch_interaction(
            "digest", {"lang": "id"}, channel_id=GENERAL, user=ALICE
        )
        await dc.wait_for(lambda: dc.followups_for(sent))
        [response] = dc.responses_for(sent)
        assert response.type == 4 and response.flags == EPHEMERAL and response.ephemeral
        assert response.content == "digest id manage=False"
        assert dc.followups_for(sent)[0].content == "more"
        interaction = seen[0]
        assert interaction.user.id == ALICE.id and interaction.guild_id == GUILD_ID
        assert interaction.channel is not None and interaction.channel.id == GENERAL
        original = dc.original_response(sent)
        assert original is not None and original["flags"] == EPHEMERAL

        # A moderator (MANAGE_CHANNELS through a role) is told so.
        modded = await dc.dispatch_interaction(
            "digest", {"lang": "en"}, channel_id=GENERAL, user=BOB
        )
        await dc.wait_for(lambda: dc.responses_for(modded))
        assert dc.responses_for(modded)[0].content == "digest en manage=True"
        # Explicit permissions win.
        plain = await dc.dispatch_interaction("digest", {"lang": "en"}, user=BOB, permissions=0)
        await dc.wait_for(lambda: dc.responses_for(plain))
        assert dc.responses_for(plain)[0].content == "digest en manage=False"


async def test_dm_interaction_and_defer_then_edit(dc: DiscordStandIn) -> None:
    client = new_client()
    tree = app_commands.CommandTree(client)

    @tree.command(name="later", description="Deferred")
    async def later(interaction: discord.Interaction) -> None:
        await interaction.response.defer(thinking=True)
        await interaction.edit_original_response(content="done")

    async with running(dc, client):
        await tree.sync()
        assert dc.command_syncs[0].guild_id is None
        sent = await dc.dispatch_interaction("later", dm=True, user=ALICE)
        await dc.wait_for(lambda: dc.edits)
        [response] = dc.responses_for(sent)
        assert response.type == 5
        original = dc.original_response(sent)
        assert (
            original is not None and original["content"] == "done" and not original["flags"] & 128
        )
        assert dc.edits[0].via == "original" and sent.guild_id is None
        assert "user" in sent.payload and "member" not in sent.payload


async def test_autocomplete(dc: DiscordStandIn) -> None:
    client = new_client()
    tree = app_commands.CommandTree(client)

    @tree.command(name="speaker", description="Who said what")
    async def speaker(interaction: discord.Interaction, name: str) -> None:
        await interaction.response.send_message(name)

    @speaker.autocomplete("name")
    async def complete(
        interaction: discord.Interaction, current: str
    ) -> list[app_commands.Choice[str]]:
        people = ["Prabowo", "Puan", "Anies"]
        return [
            app_commands.Choice(name=p, value=p.lower())
            for p in people
            if p.lower().startswith(current.lower())
        ]

    async with running(dc, client):
        await tree.sync()
        sent = await dc.dispatch_autocomplete("speaker", {"name": "p"}, focused="name")
        assert sent.type == 4
        assert sent.payload["data"]["options"] == [
            {"name": "name", "type": 3, "value": "p", "focused": True}
        ]
        await dc.wait_for(lambda: dc.responses_for(sent))
        [response] = dc.responses_for(sent)
        assert response.type == 8
        assert response.choices == [
            {"name": "Prabowo", "value": "prabowo"},
            {"name": "Puan", "value": "puan"},
        ]


async def test_button_press_is_a_component_interaction(dc: DiscordStandIn) -> None:
    pressed: list[discord.Interaction] = []

    class Confirm(discord.ui.View):
        @discord.ui.button(label="Confirm", custom_id="confirm")
        async def confirm(
            self, interaction: discord.Interaction, button: discord.ui.Button[Confirm]
        ) -> None:
            pressed.append(interaction)
            await interaction.response.edit_message(content="confirmed", view=None)

    async with running(dc, new_client()) as client:
        channel = client.get_channel(GENERAL)
        assert isinstance(channel, discord.TextChannel)
        message = await channel.send("Sure?", view=Confirm(timeout=5))
        assert dc.messages[0].components[0]["components"][0]["custom_id"] == "confirm"
        sent = await dc.dispatch_component(message.id, "confirm", user=ALICE)
        await dc.wait_for(lambda: dc.responses_for(sent))
        assert pressed and pressed[0].message is not None and pressed[0].message.id == message.id
        [response] = dc.responses_for(sent)
        assert response.type == 7 and response.content == "confirmed"
        stored = dc.stored_message(message.id)
        assert (
            stored is not None and stored["content"] == "confirmed" and stored["components"] == []
        )


async def test_forbidden_and_deleted_channels(dc: DiscordStandIn) -> None:
    async with running(dc, new_client()) as client:
        general = client.get_channel(GENERAL)
        news = client.get_channel(NEWS)
        assert isinstance(general, discord.TextChannel) and isinstance(news, discord.TextChannel)
        dc.forbid(GENERAL)
        with pytest.raises(discord.Forbidden) as forbidden:
            await general.send("no")
        assert forbidden.value.code == 50001
        dc.delete_channel(NEWS)
        with pytest.raises(discord.NotFound) as missing:
            await news.send("gone")
        assert missing.value.code == 10003
        assert dc.messages == []
        dc.allow(GENERAL)
        await general.send("yes")
        assert [m.content for m in dc.messages] == ["yes"]


async def test_global_429_is_waited_out_and_sent_once(dc: DiscordStandIn) -> None:
    async with running(dc, new_client()) as client:
        channel = client.get_channel(GENERAL)
        assert isinstance(channel, discord.TextChannel)
        dc.limit_global(per_second=5, burst=1)
        await channel.send("one")
        await channel.send("two")  # over the limit: 429 (retry_after ≈ 0.2 s), discord.py retries
        assert dc.rejected_429 == 1
        assert [m.content for m in dc.messages] == ["one", "two"]
        assert dc.duplicates() == {}
        posts = dc.requests_to("POST", "/channels/*/messages")
        assert [r.json["content"] for r in posts] == ["one", "two", "two"]
        assert posts[2].at - posts[1].at >= 0.15


async def test_dropped_gateway_resumes_and_replays(dc: DiscordStandIn) -> None:
    client = new_client()
    tree = app_commands.CommandTree(client)
    resumed = asyncio.Event()

    @client.event
    async def on_resumed() -> None:
        resumed.set()

    @tree.command(name="ping", description="Ping")
    async def ping(interaction: discord.Interaction) -> None:
        await interaction.response.send_message("pong")

    async with running(dc, client):
        await tree.sync()
        await dc.drop_gateway()
        assert not dc.connected
        # Dispatched while the client is away: buffered, then replayed on RESUME.
        missed = await dc.dispatch_interaction("ping")
        await asyncio.wait_for(resumed.wait(), 5.0)
        [resume] = dc.resumes
        assert resume.d["session_id"] in dc.sessions and resume.d["token"] == TOKEN
        assert resume.connection == 2 and dc.connections[1].path == "/resume"
        assert dc.connections[0].query["compress"] == "zlib-stream"
        assert len(dc.identifies) == 1
        await dc.wait_for(lambda: dc.responses_for(missed))
        # And keeps working.
        after = await dc.dispatch_interaction("ping")
        await dc.wait_for(lambda: dc.responses_for(after))
        channel = client.get_channel(GENERAL)
        assert isinstance(channel, discord.TextChannel)
        await channel.send("still here")
        assert dc.messages[-1].content == "still here"


async def test_wrong_token_fails_login(dc: DiscordStandIn) -> None:
    client = new_client()
    with pointed_at(dc):
        with pytest.raises(discord.LoginFailure):
            await client.login("wrong")
        await client.close()


async def test_pointed_at_restores() -> None:
    base = discord.http.Route.BASE
    gateway = discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY
    async with DiscordStandIn() as standin:
        with pointed_at(standin):
            assert standin.api_base == discord.http.Route.BASE
            assert standin.gateway_url == str(discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY)
    assert base == discord.http.Route.BASE
    assert gateway == discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY


async def test_raw_gateway_zlib_and_bad_token(dc: DiscordStandIn) -> None:
    async with aiohttp.ClientSession() as session:
        async with session.ws_connect(
            dc.gateway_url + "?v=10&encoding=json&compress=zlib-stream"
        ) as ws:
            inflate = zlib.decompressobj()
            hello = await ws.receive()
            assert hello.type is aiohttp.WSMsgType.BINARY and hello.data.endswith(
                b"\x00\x00\xff\xff"
            )
            assert json.loads(inflate.decompress(hello.data))["d"]["heartbeat_interval"] == 200
            await ws.send_json({"op": 1, "d": None})
            ack = json.loads(inflate.decompress((await ws.receive()).data))
            assert ack["op"] == 11
            await ws.send_json({"op": 2, "d": {"token": "wrong", "intents": 1, "properties": {}}})
            closed = await ws.receive()
            assert closed.type is aiohttp.WSMsgType.CLOSE and closed.data == 4004
        async with session.ws_connect(dc.gateway_url + "?v=10&encoding=json") as ws:
            assert json.loads((await ws.receive()).data)["op"] == 10  # text frames without compress
            await ws.send_json({"op": 2, "d": {"token": TOKEN, "intents": 1, "properties": {}}})
            ready = json.loads((await ws.receive()).data)
            assert ready["t"] == "READY" and ready["s"] == 1
            assert ready["d"]["resume_gateway_url"] == dc.resume_gateway_url
            create = json.loads((await ws.receive()).data)
            assert (
                create["t"] == "GUILD_CREATE"
                and create["s"] == 2
                and create["d"]["id"] == str(GUILD_ID)
            )


async def test_rest_faults_headers_and_validation(dc: DiscordStandIn) -> None:
    auth = {"Authorization": f"Bot {TOKEN}"}
    async with aiohttp.ClientSession(dc.api_base + "/", headers=auth) as http:
        async with http.get("nowhere") as r:
            assert r.status == 404 and r.headers["Content-Type"] == "application/json"
            assert await r.json() == {"message": "404: Not Found", "code": 0}
        async with http.get("users/@me", headers={"Authorization": "Bot nope"}) as r:
            assert r.status == 401

        dc.fail_next("POST", "/channels/", 502, count=2)
        for _ in range(2):
            async with http.post(f"channels/{GENERAL}/messages", json={"content": "x"}) as r:
                assert r.status == 502
        async with http.post(f"channels/{GENERAL}/messages", json={"content": "x"}) as r:
            assert r.status == 200
            for header in (
                "X-RateLimit-Limit",
                "X-RateLimit-Remaining",
                "X-RateLimit-Reset",
                "X-RateLimit-Reset-After",
                "X-RateLimit-Bucket",
            ):
                assert header in r.headers
            assert int(r.headers["X-RateLimit-Remaining"]) < int(r.headers["X-RateLimit-Limit"])
        async with http.post(f"channels/{GENERAL}/messages", json={"content": ""}) as r:
            assert r.status == 400 and (await r.json())["code"] == 50006
        async with http.post(f"channels/{GENERAL}/messages", json={"content": "x" * 2001}) as r:
            assert r.status == 400 and (await r.json())["code"] == 50035

        dc.delay_next("GET", "/channels/", 0.2)
        started = asyncio.get_running_loop().time()
        async with http.get(f"channels/{GENERAL}") as r:
            assert r.status == 200 and (await r.json())["name"] == "general"
        assert asyncio.get_running_loop().time() - started >= 0.2

        dc.faults(p500=0.5, seed=7)
        statuses = []
        for _ in range(20):
            async with http.get(f"channels/{GENERAL}") as r:
                statuses.append(r.status)
        dc.faults()
        assert 0 < statuses.count(500) < 20 and set(statuses) == {200, 500}
        assert dc.faults_injected["500"] == statuses.count(500)

        bad = [{"name": "Digest", "description": "x", "name_localizations": {"id-ID": "ringkasan"}}]
        async with http.put(f"applications/{APPLICATION_ID}/commands", json=bad) as r:
            body = await r.json()
            assert r.status == 400 and body["code"] == 50035
            assert (
                body["errors"]["0"]["name"]["_errors"][0]["code"]
                == "APPLICATION_COMMAND_INVALID_NAME"
            )
            assert (
                body["errors"]["0"]["name_localizations"]["_errors"][0]["code"] == "LOCALE_INVALID"
            )
        assert dc.command_syncs == []
        with pytest.raises(AssertionError, match="timed out"):
            await dc.wait_for(lambda: dc.followups, timeout=0.05)


async def test_auto_sharded_client_asks_gateway_bot(dc: DiscordStandIn) -> None:
    client = discord.AutoShardedClient(intents=discord.Intents.default(), guild_ready_timeout=0.05)
    async with running(dc, client):
        assert any(r.path == "/gateway/bot" for r in dc.requests)
        assert dc.identifies[0].d["shard"] == [0, 1]
        assert client.get_guild(GUILD_ID) is not None


async def test_files_dms_and_user_messages(dc: DiscordStandIn) -> None:
    seen: list[discord.Message] = []
    client = new_client()

    @client.event
    async def on_message(message: discord.Message) -> None:
        if message.author.id != BOT_USER_ID:
            seen.append(message)

    async with running(dc, client):
        channel = client.get_channel(GENERAL)
        assert isinstance(channel, discord.TextChannel)
        sent = await channel.send("report", file=discord.File(io.BytesIO(b"abc"), "report.txt"))
        assert dc.messages[0].attachments == ["report.txt"]
        assert sent.attachments[0].filename == "report.txt" and sent.attachments[0].size == 3

        alice = await client.fetch_user(ALICE.id)
        await alice.send("hai")
        dm = dc.messages[-1]
        assert dm.content == "hai" and dm.channel_id != GENERAL
        dc.block_dms(ALICE.id)
        with pytest.raises(discord.Forbidden) as blocked:
            await alice.send("again")
        assert blocked.value.code == 50007

        # Default intents lack MESSAGE_CONTENT: content only when the bot is mentioned.
        await dc.send_user_message(GENERAL, "plain", author=ALICE)
        await dc.send_user_message(GENERAL, "hey bot", author=BOB, mentions=[dc.bot_user])
        await dc.wait_for(lambda: len(seen) == 2)
        assert [(m.author.id, m.content) for m in seen] == [(ALICE.id, ""), (BOB.id, "hey bot")]


async def test_interaction_rules(dc: DiscordStandIn) -> None:
    client = new_client()
    tree = app_commands.CommandTree(client)
    errors: list[BaseException] = []

    @tree.command(name="slow", description="Too slow")
    async def slow(interaction: discord.Interaction) -> None:
        await asyncio.sleep(0.1)
        try:
            await interaction.response.send_message("late")
        except discord.NotFound as exc:
            errors.append(exc)

    async with running(dc, client):
        await tree.sync()
        dc.callback_deadline = 0.05
        sent = await dc.dispatch_interaction("slow")
        await dc.wait_for(lambda: errors)
        assert isinstance(errors[0], discord.NotFound) and errors[0].code == 10062
        assert dc.responses_for(sent) == []

        # A press on a button no view listens for: the client ignores it, this test answers.
        dc.callback_deadline = None
        channel = client.get_channel(GENERAL)
        assert isinstance(channel, discord.TextChannel)
        message = await channel.send("buttons")
        other = await dc.dispatch_component(message.id, "nobody")
        callback = f"{dc.api_base}/interactions/{other.id}/{other.token}/callback"
        hook = f"{dc.api_base}/webhooks/{APPLICATION_ID}/{other.token}"
        async with aiohttp.ClientSession() as http:
            async with http.post(hook, json={"content": "too soon"}) as r:
                assert r.status == 404 and (await r.json())["code"] == 10015
            async with http.post(callback, json={"type": 8, "data": {"choices": []}}) as r:
                assert r.status == 400  # an autocomplete result to a button press
            async with http.post(callback, json={"type": 6}) as r:
                assert r.status == 204  # no with_response: no body
            async with http.post(callback, json={"type": 4, "data": {"content": "x"}}) as r:
                assert r.status == 400 and (await r.json())["code"] == 40060
            async with http.post(hook + "?wait=true", json={"content": "now"}) as r:
                assert r.status == 200 and (await r.json())["content"] == "now"
            wrong = f"{dc.api_base}/webhooks/{BOT_USER_ID}/{other.token}"
            async with http.post(wrong, json={"content": "x"}) as r:
                assert r.status == 404  # the application's id, not the bot user's
        assert [f.content for f in dc.followups_for(other)] == ["now"]


async def test_abort_and_reconnect_request_resume(dc: DiscordStandIn) -> None:
    client = new_client()
    resumes = 0

    @client.event
    async def on_resumed() -> None:
        nonlocal resumes
        resumes += 1

    async with running(dc, client):
        await dc.drop_gateway(abort=True)
        await dc.wait_for(lambda: resumes == 1)
        await dc.request_reconnect()
        await dc.wait_for(lambda: resumes == 2)
        assert len(dc.identifies) == 1 and len(dc.resumes) == 2
        assert [c.path for c in dc.connections] == ["/", "/resume", "/resume"]


async def test_lost_response_retry_is_deduplicated_by_nonce(dc: DiscordStandIn) -> None:
    auth = {"Authorization": f"Bot {TOKEN}"}
    url = f"{dc.api_base}/channels/{GENERAL}/messages"
    async with aiohttp.ClientSession(headers=auth) as http:
        dc.fail_next("POST", "/channels/*/messages", 502, after=True)
        body = {"content": "once", "nonce": "42", "enforce_nonce": True}
        async with http.post(url, json=body) as r:
            assert r.status == 502  # ... yet the message was sent
        async with http.post(url, json=body) as r:
            assert r.status == 200 and (await r.json())["id"] == str(dc.messages[0].id)
        async with http.post(url, json={"content": "once", "nonce": "43"}) as r:
            assert r.status == 200
    assert dc.nonce_replays == 1 and len(dc.messages) == 2
    assert dc.duplicates() == {(GENERAL, "once"): 2}


async def test_user_installs_and_the_contexts_a_command_is_offered_in(dc: DiscordStandIn) -> None:
    client = new_client()
    tree = app_commands.CommandTree(client)
    seen: list[discord.Interaction] = []

    @tree.command(name="everywhere", description="In any server and any DM")
    @app_commands.allowed_installs(guilds=True, users=True)
    @app_commands.allowed_contexts(guilds=True, dms=True, private_channels=True)
    async def everywhere(interaction: discord.Interaction) -> None:
        seen.append(interaction)
        await interaction.response.send_message("here", embed=discord.Embed(description="card"))

    @tree.command(name="servers", description="Where the bot is installed")
    @app_commands.allowed_installs(guilds=True, users=False)
    @app_commands.allowed_contexts(guilds=True, dms=True, private_channels=False)
    async def servers(interaction: discord.Interaction) -> None:
        await interaction.response.send_message("there")

    async with running(dc, client):
        await tree.sync()
        synced = {c["name"]: c for c in dc.command_syncs[0].commands}
        assert synced["everywhere"]["integration_types"] == [0, 1]
        assert synced["everywhere"]["contexts"] == [0, 1, 2]
        assert (synced["servers"]["integration_types"], synced["servers"]["contexts"]) == (
            [0],
            [0, 1],
        )

        sent = await dc.dispatch_interaction("everywhere", user=ALICE, install="user", private=True)
        [response] = await dc.wait_for(lambda: dc.responses_for(sent))
        assert response.text == "here\n\ncard"
        [interaction] = seen
        assert interaction.context.private_channel and interaction.is_user_integration()
        assert interaction.guild_id is None and not interaction.is_guild_integration()
        assert sent.payload["authorizing_integration_owners"] == {"1": str(ALICE.id)}

        # Discord offers a command only where it says it may be installed and used.
        with pytest.raises(AssertionError, match="does not offer /servers in a DM between"):
            await dc.dispatch_interaction("servers", user=ALICE, install="user", private=True)
        with pytest.raises(AssertionError, match="to a user install"):
            await dc.dispatch_interaction("servers", channel_id=GENERAL, install="user")


async def test_a_sync_with_unknown_contexts_is_refused(dc: DiscordStandIn) -> None:
    body = [{"name": "x", "description": "x", "contexts": [3], "integration_types": [2]}]
    async with (
        aiohttp.ClientSession() as session,
        session.put(
            f"{dc.api_base}/applications/{APPLICATION_ID}/commands",
            json=body,
            headers={"Authorization": f"Bot {TOKEN}"},
        ) as answer,
    ):
        refused = await answer.json()
    assert answer.status == 400
    assert set(refused["errors"]["0"]) == {"contexts", "integration_types"}


async def test_embeds_need_embed_links(dc: DiscordStandIn) -> None:
    dc.deny(NEWS, EMBED_LINKS)
    async with running(dc, new_client()) as client:
        channel = client.get_channel(NEWS)
        assert isinstance(channel, discord.TextChannel)
        assert not channel.permissions_for(channel.guild.me).embed_links  # the cache knows
        with pytest.raises(discord.Forbidden) as refused:
            await channel.send(embed=discord.Embed(description="card"))
        assert refused.value.code == 50013
        await channel.send("text")
    assert [m.text for m in dc.messages] == ["text"]


# --- sharding ---

# Guilds on shards 0 and 1 of 2 (a guild's shard is (guild_id >> 22) % num_shards).
EVEN_CHANNEL, ODD_CHANNEL = 1_300_000_000_000_000_030, 1_300_000_000_000_000_031
EVEN = Guild(id=GUILD_ID, name="Even", channels=[Channel(EVEN_CHANNEL, "general")])
ODD = Guild(id=GUILD_ID + (1 << 22), name="Odd", channels=[Channel(ODD_CHANNEL, "general")])


def interactions_heard(client: discord.Client) -> list[int | None]:
    """The guild (None: a DM) of each interaction the client receives, as it comes."""
    heard: list[int | None] = []

    async def on_interaction(interaction: discord.Interaction) -> None:
        heard.append(interaction.guild_id)

    client.event(on_interaction)
    return heard


async def test_each_guild_is_served_by_its_shard_and_dms_by_shard_0() -> None:
    shards = 2
    async with DiscordStandIn(
        token=TOKEN, guilds=[EVEN, ODD], users=[ALICE], shards=shards, max_concurrency=shards
    ) as dc:
        clients = [new_client(shard_id=n, shard_count=shards) for n in range(shards)]
        heard = [interactions_heard(client) for client in clients]
        async with running(dc, clients[0]), running(dc, clients[1]):
            await dc.dispatch_interaction("ping", channel_id=ODD_CHANNEL)
            await dc.dispatch_interaction("ping", channel_id=EVEN_CHANNEL)
            await dc.dispatch_interaction("ping", dm=True, user=ALICE)
            await dc.wait_for(lambda: len(heard[0]) == 2 and len(heard[1]) == 1)

            assert heard == [[EVEN.id, None], [ODD.id]]
            assert [g.id for g in clients[0].guilds] == [EVEN.id]
            assert [g.id for g in clients[1].guilds] == [ODD.id]
            assert dc.open_shards == [(0, 2), (1, 2)]
            assert (dc.overlaps, dc.identifies_too_soon) == (0, 0)  # buckets 0 and 1: at once
        async with aiohttp.ClientSession() as http:
            headers = {"Authorization": f"Bot {TOKEN}"}
            async with http.get(f"{dc.api_base}/gateway/bot", headers=headers) as r:
                limits = await r.json()
        assert limits["shards"] == shards
        assert limits["session_start_limit"]["max_concurrency"] == shards


async def test_a_session_that_would_have_too_many_guilds_is_closed_with_4011() -> None:
    async with DiscordStandIn(token=TOKEN, guilds=[EVEN, ODD], guilds_per_session=1) as dc:
        client = new_client()
        with pointed_at(dc), pytest.raises(discord.ConnectionClosed) as closed:
            await asyncio.wait_for(client.start(TOKEN), 5.0)  # discord.py gives up: no retry

        assert closed.value.code == 4011
        assert not dc.sessions and len(dc.identifies) == 1
        await client.close()


async def identify(dc: DiscordStandIn, shard: list[int]) -> dict[str, object]:
    """IDENTIFY on a raw connection (no heartbeats), and the gateway's answer."""
    url = dc.gateway_url + "?v=10&encoding=json"
    async with aiohttp.ClientSession() as session, session.ws_connect(url) as ws:
        await ws.receive()  # HELLO
        d = {"token": TOKEN, "intents": 1, "properties": {}, "shard": shard}
        await ws.send_json({"op": 2, "d": d})
        answer: dict[str, object] = json.loads((await ws.receive()).data)
        return answer


async def test_identifies_of_one_bucket_come_one_per_window_or_get_invalid_session() -> None:
    async with DiscordStandIn(
        token=TOKEN, guilds=[EVEN, ODD], max_concurrency=2, identify_window=0.3
    ) as dc:
        first, same_bucket, other_bucket = [
            await identify(dc, shard) for shard in ([0, 4], [2, 4], [1, 4])
        ]
        await asyncio.sleep(0.3)
        later = await identify(dc, [2, 4])

        assert first["t"] == other_bucket["t"] == later["t"] == "READY"
        assert same_bucket == {"op": 9, "d": False, "s": None, "t": None}
        assert dc.identifies_too_soon == 1


async def test_two_sessions_of_one_shard_both_get_its_events_and_count_as_an_overlap() -> None:
    """As on Discord, which lets several sessions identify with one shard."""
    async with DiscordStandIn(token=TOKEN, guilds=[EVEN], identify_window=0) as dc:
        clients = [new_client(shard_id=0, shard_count=1) for _ in range(2)]
        heard = [interactions_heard(client) for client in clients]
        async with running(dc, clients[0]), running(dc, clients[1]):
            await dc.dispatch_interaction("ping", channel_id=EVEN_CHANNEL)
            await dc.wait_for(lambda: heard[0] and heard[1])

            assert dc.open_shards == [(0, 1), (0, 1)]
            assert dc.overlaps == 1
