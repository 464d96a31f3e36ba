"""Discord on discord.py: slash commands and button presses in as core requests, core replies
out as interaction responses. Guild channels, threads, forum posts and DMs.

The slash commands are synced to Discord only when they change (their hash is kept in the
store): syncing on every start would hit Discord's daily limit on command updates.

One client logs in and makes every REST call (the sender's, the answers'); the gateway is
sharded, a client per shard this instance holds (`shards`), over that REST client.

Where discord.py itself is changed (the reconnect backoff, where it connects, an event it cannot
read, the wait for READY, a client per shard): `patches`, applied at construction.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import io
import json
import logging
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from typing import Any

import aiohttp
import discord
from discord import app_commands

from bot.adapters import AdapterError
from bot.adapters.discord import commands, patches, shards
from bot.adapters.discord.sender import NO_MENTIONS, DiscordSender, message_fields
from bot.config import DISCORD_RATELIMIT_WAIT, DiscordSettings
from bot.core.commands import Choice, Picture, Reply, Request, handle
from bot.core.commands import suggestions as suggest
from bot.core.commands.suggestions import Suggestion
from bot.core.delivery.pushes import PushStatus
from bot.core.models import Lang
from bot.core.ports import ChatKind, ChatRef, Connection, Format, StatusDisplay, StatusExpired
from bot.core.roles import Role
from bot.core.services import Services
from bot.core.text.strings import say

log = logging.getLogger(__name__)

Edit = Callable[[str], Awaitable[object]]  # replaces a message's text

PLATFORM = "discord"
CUSTOM_ID_LIMIT = 100  # characters of a button's custom_id
ANSWER_WITHIN = 2.0  # seconds: Discord wants an answer within 3; a slower command defers first
BUTTONS_LIVE = (
    900.0  # seconds a reply's buttons are listened for (an interaction's token lives 15 min)
)
# What Discord answers a request through an interaction's token once the token has expired (15
# minutes after the interaction): 401 Invalid Webhook Token, at times 404 Unknown Webhook.
TOKEN_EXPIRED = frozenset({50027, 10015})


def client_options(**options: object) -> dict[str, Any]:
    """What every client of the adapter is built with, and `options`."""
    # Guilds only: the bot reads no messages (slash commands need no message content intent).
    return {
        "intents": discord.Intents(guilds=True),
        "allowed_mentions": NO_MENTIONS,
        "max_ratelimit_timeout": DISCORD_RATELIMIT_WAIT,
        **options,
    }


def new_client(**options: object) -> discord.Client:
    return discord.Client(**client_options(**options))


@contextlib.asynccontextmanager
async def connected_sender(settings: DiscordSettings, token: str) -> AsyncIterator[DiscordSender]:
    """A sender without the gateway: for `ringkas deliver --once` and `ringkas push`."""
    patches.apply()  # before the client is built: it reads the voice warnings' flags
    patches.point_at(settings)
    client = new_client()
    try:
        await _login(client, settings, token)
        yield DiscordSender(client)
    finally:
        await client.close()


async def _login(client: discord.Client, settings: DiscordSettings, token: str) -> None:
    """Log in over REST, worded for the operator; never with the token in the message."""
    try:
        await client.login(token)
    except discord.LoginFailure:
        raise AdapterError(
            f"discord: Discord refused the token in ${settings.token_env}; "
            "copy it again from the developer portal (Bot → Reset Token)"
        ) from None
    except (aiohttp.ClientError, OSError, discord.HTTPException) as error:
        raise AdapterError(f"discord: cannot reach {settings.api_base}: {error}") from None


class DiscordAdapter:
    def __init__(
        self,
        settings: DiscordSettings,
        token: str,
        default_lang: Lang,
        progress_every: float = 2.0,
        identify_window: float = shards.IDENTIFY_WINDOW,
        **client_options: object,
    ) -> None:
        """`identify_window`: Discord's, but for the tests; `client_options` go to discord.py
        (`guild_ready_timeout`, say)."""
        self._settings = settings
        self._token = token
        self._default_lang = default_lang
        self._client_options = client_options
        patches.apply()  # before the client is built: it reads the voice warnings' flags
        self._client = new_client(**client_options)  # REST only: the shards' clients connect
        self._client.setup_hook = self._setup  # type: ignore[method-assign]
        self.tree: app_commands.CommandTree[discord.Client] = app_commands.CommandTree(self._client)
        self.tree.on_error = self.on_app_command_error  # type: ignore[method-assign]
        commands.install(self.tree, self)
        self.sender = DiscordSender(self._client, lambda channel: self.shards.channel(channel))
        self.shards = shards.Shards(
            settings.shards, self._client, self._shard_client, identify_window
        )
        self._services: Services | None = None
        self._progress_every = progress_every
        self._status: PushStatus | None = None

    @property
    def services(self) -> Services:
        assert self._services is not None, "the adapter has not started"
        return self._services

    async def start(self, services: Services) -> None:
        """Log in over REST (which runs `_setup`), and settle the gateway's shard count; the
        shards' connections start as this instance takes them (`roles`)."""
        self._services = services
        self._status = PushStatus(services, PLATFORM, Format.DISCORD, self._progress_every)
        patches.point_at(self._settings)
        await _login(self._client, self._settings, self._token)
        try:
            await self.shards.start(services.store)
        except (aiohttp.ClientError, OSError, discord.DiscordException) as error:
            raise AdapterError(
                f"discord: cannot reach {self._settings.api_base}: {error}"
            ) from None

    def roles(self) -> Sequence[Role]:
        """A role per gateway shard: those this instance holds, and free ones up to its share."""
        return self.shards.roles()

    def connection(self) -> Connection:
        """Logged in over REST (the sends' way out), and every gateway shard this instance
        holds ready (`Shard.ready`: its session ready, its connection open). Holding no shard is
        connected: other instances serve the gateway, this one sends."""
        if self._client.user is None or self._client.is_closed():
            return Connection(False, "not logged in")
        held, ready = self.shards.held, self.shards.ready
        if not held:
            return Connection(True, "logged in; other instances hold the gateway shards")
        waiting = [f"{n}/{count}" for n, count in held if (n, count) not in ready]
        if waiting:
            return Connection(False, "gateway shards not ready: " + ", ".join(waiting))
        shown = ", ".join(f"{n}/{count}" for n, count in held)
        return Connection(True, f"logged in; gateway shards ready: {shown}")

    async def stop(self) -> None:
        """The shards' connections close first, then the REST client they share."""
        if self._status is not None:
            self._status.cancel_all()
        await self.shards.stop()
        await self._client.close()

    def _shard_client(self, shard: int, count: int) -> shards.ShardClient:
        client = shards.ShardClient(
            self._client,
            self.shards.identify,
            **client_options(shard_id=shard, shard_count=count, **self._client_options),
        )
        patches.share_tree(client, self.tree)
        patches.skip_unreadable_events(client)
        client.event(self.on_interaction)
        client.event(self.on_guild_join)
        return client

    async def _setup(self) -> None:
        await self.tree.set_translator(commands.Translations())
        try:
            await self._sync_commands()
        except (discord.HTTPException, app_commands.AppCommandError) as error:
            # The commands Discord has stay in place; the next start tries again.
            log.warning("discord: could not sync the slash commands: %s", error)

    async def _sync_commands(self) -> None:
        """To each configured guild (shown at once: for testing), else globally (Discord may
        take up to an hour to show changes) — each only when the commands changed."""
        guilds: list[discord.Object | None] = [
            discord.Object(id=guild) for guild in self._settings.guilds
        ] or [None]
        translator = self.tree.translator
        assert translator is not None
        for guild in guilds:
            if guild is not None:
                self.tree.copy_global_to(guild=guild)
            payload = [
                await command.get_translated_payload(self.tree, translator)
                for command in self.tree.get_commands(guild=guild)
            ]
            digest = hashlib.sha256(json.dumps(payload, sort_keys=True).encode()).hexdigest()
            target = f"guild:{guild.id}" if guild else "global"
            menu = f"{PLATFORM}.commands:{self._client.application_id}:{target}"
            if await self.services.menu_is_current(menu, digest):
                log.info("discord: slash commands unchanged (%s); not synced", target)
                continue
            await self.tree.sync(guild=guild)
            await self.services.menu_published(menu, digest)
            log.info("discord: slash commands synced (%s)", target)

    async def on_guild_join(self, guild: discord.Guild) -> None:
        """The bot was added (back) to a server: its channels' paused subscriptions resume."""
        for channel in [*guild.channels, *guild.threads]:
            await self.services.chat_returned(PLATFORM, str(channel.id))

    # --- interactions ---

    async def run(self, interaction: discord.Interaction, text: str, private: bool) -> None:
        """A slash command: the core's reply as the interaction's response."""
        reply = await self._in_time(
            interaction, text, lambda: interaction.response.defer(ephemeral=private, thinking=True)
        )
        if reply.error and not private and interaction.response.is_done():
            # The first follow-up would take the public "thinking" message's place: an error
            # goes to the asker alone instead.
            await interaction.delete_original_response()
        status = await self._answer(interaction, reply, private or reply.error)
        if reply.push_id and status is not None:
            await self._follow_push(interaction, status, reply.push_id, reply.lang)

    async def _in_time(
        self,
        interaction: discord.Interaction,
        text: str,
        defer: Callable[[], Awaitable[object]],
    ) -> Reply:
        """The core's reply; Discord wants an answer within 3 s, so a slower one defers first."""
        work = asyncio.ensure_future(handle(self._request(interaction, text), self.services))
        finished, _ = await asyncio.wait({work}, timeout=ANSWER_WITHIN)
        if not finished:
            await defer()
        return await work

    async def on_app_command_error(
        self, interaction: discord.Interaction, error: app_commands.AppCommandError
    ) -> None:
        """A command this version does not have (Discord can show stale ones for up to an hour
        after a sync) or options it cannot read: say so rather than leave the user waiting."""
        log.warning("discord: could not run a slash command: %s", error)
        lang = self._lang(interaction)
        name = interaction.command.name if interaction.command else "?"
        text = say(lang, "unknown_command", command=f"/{name}")
        if not interaction.response.is_done():
            await interaction.response.send_message(text, ephemeral=True)

    async def on_interaction(self, interaction: discord.Interaction) -> None:
        """A button press; slash commands and autocomplete are the command tree's."""
        if interaction.type is not discord.InteractionType.component:
            return
        custom_id = interaction.data.get("custom_id") if interaction.data else None
        command = await self.services.buttons.command(str(custom_id or ""))
        if command is None:
            lang = self._lang(interaction)
            await interaction.response.send_message(say(lang, "button_expired"), ephemeral=True)
            return
        reply = await self._in_time(interaction, command, interaction.response.defer)
        message = interaction.message
        private = bool(message and message.flags.ephemeral)
        status: Edit | None
        if reply.error:
            # Only the one who pressed learns why; the message stays as it is for the others.
            await self._answer(interaction, reply, private=True)
            return
        if len(reply.messages) == 1 and not reply.choices and reply.picture is None:
            # The answer takes the place of the question: the pressed message becomes the status.
            await _edit_pressed(interaction, reply.messages[0])
            status = _editor(interaction)
        else:
            await _edit_pressed(interaction, None)  # the choice is made: no more buttons
            status = await self._answer(interaction, reply, private)
        if reply.push_id and status is not None:
            await self._follow_push(interaction, status, reply.push_id, reply.lang)

    def _request(self, interaction: discord.Interaction, text: str) -> Request:
        in_dm = interaction.guild_id is None
        user = interaction.user
        channel = interaction.channel
        # A DM or group DM between users, or a server without the bot: a command the user
        # installed for themselves, where the bot can only answer.
        visiting = interaction.context.private_channel or not (
            in_dm or interaction.is_guild_integration()
        )
        return Request(
            chat=ChatRef(PLATFORM, str(interaction.channel_id)),
            chat_kind=ChatKind.PRIVATE if in_dm else ChatKind.GROUP,
            user=str(user.id),
            text=text,
            lang=self._lang(interaction),
            fmt=Format.DISCORD,
            # One's own DMs; in a guild, Manage Channels in this channel (Discord computes it).
            can_manage=not visiting and (in_dm or interaction.permissions.manage_channels),
            is_admin=self.services.is_admin(PLATFORM, str(user.id)),
            chat_title=getattr(channel, "name", None) or f"DM {user}",
        )

    def _lang(self, interaction: discord.Interaction) -> Lang:
        """The language of the user's Discord client, if Ringkas speaks it."""
        locale = str(interaction.locale)
        if locale == "id":
            return "id"
        if locale.startswith("en"):
            return "en"
        return self._default_lang

    # --- autocomplete (commands.Handler) ---

    def people(self, interaction: discord.Interaction, typed: str) -> tuple[Suggestion, ...]:
        limit = commands.AUTOCOMPLETE_LIMIT
        return suggest.people(self.services, typed, self._lang(interaction), limit)

    def zones(self, interaction: discord.Interaction, typed: str) -> tuple[Suggestion, ...]:
        return suggest.zones(typed, commands.AUTOCOMPLETE_LIMIT)

    def summaries(self, interaction: discord.Interaction, typed: str) -> tuple[Suggestion, ...]:
        limit = commands.AUTOCOMPLETE_LIMIT
        return suggest.summaries(self.services, typed, self._lang(interaction), limit)

    # --- answers ---

    async def _answer(
        self, interaction: discord.Interaction, reply: Reply, private: bool
    ) -> Edit | None:
        """Send the reply's messages, the choices as buttons under the last; a way to edit the
        last one (for a push's progress)."""
        status: Edit | None = None
        # A digest as Discord's digests look (an embed), where the bot may embed links.
        embed = reply.digest and interaction.app_permissions.embed_links
        for index, text in enumerate(reply.messages):
            final = index == len(reply.messages) - 1
            view = (
                await self._view(reply.choices)
                if final and reply.choices
                else discord.utils.MISSING
            )
            fields = message_fields(text, embed)
            # A picture is attached to the first message, its caption.
            file = _file(reply.picture) if index == 0 and reply.picture else discord.utils.MISSING
            if not interaction.response.is_done():
                await interaction.response.send_message(
                    **fields, ephemeral=private, view=view, allowed_mentions=NO_MENTIONS, file=file
                )
                status = _editor(interaction)
            else:
                sent = await interaction.followup.send(
                    **fields, ephemeral=private, view=view, allowed_mentions=NO_MENTIONS,
                    wait=True, file=file,
                )  # fmt: skip
                status = _message_editor(sent)
        return status

    async def _view(self, choices: tuple[Choice, ...]) -> discord.ui.View:
        """Buttons whose presses `on_interaction` answers (so they outlive this process's
        memory of the view)."""
        view = discord.ui.View(timeout=BUTTONS_LIVE)
        for choice in choices:
            view.add_item(
                discord.ui.Button(
                    label=choice.label[:80],
                    custom_id=await self.services.buttons.of(choice.command, CUSTOM_ID_LIMIT),
                )
            )
        return view

    async def _follow_push(
        self, interaction: discord.Interaction, edit: Edit, push_id: str, lang: Lang | None
    ) -> None:
        """Show the push's progress in its status message; once the interaction has expired (a
        long push outlasts it), the core moves it to a DM to the admin who confirmed it."""
        assert self._status is not None, "the adapter has not started"
        display = StatusDisplay(_until_expired(edit), move=_dm_to(interaction.user))
        await self._status.follow(push_id, lang or self._default_lang, display)


async def _edit_pressed(interaction: discord.Interaction, content: str | None) -> None:
    """Edit the message whose button was pressed, and take its buttons away."""
    changes: dict[str, Any] = {"view": None}
    if content is not None:
        changes["content"] = content
    if interaction.response.is_done():  # deferred: the original response is that message
        await interaction.edit_original_response(**changes)
    else:
        await interaction.response.edit_message(**changes)


def _file(picture: Picture) -> discord.File:
    """A picture as an attachment (a File is read once: one for each send)."""
    return discord.File(io.BytesIO(picture.png), filename=picture.filename)


def _editor(interaction: discord.Interaction) -> Edit:
    async def edit(content: str) -> object:
        return await interaction.edit_original_response(
            content=content, allowed_mentions=NO_MENTIONS
        )

    return edit


def _until_expired(edit: Edit) -> Edit:
    """`edit` through an interaction's token, which Discord refuses 15 minutes on."""

    async def edit_or_expire(content: str) -> object:
        try:
            return await edit(content)
        except discord.HTTPException as error:
            if error.code in TOKEN_EXPIRED:
                raise StatusExpired(str(error)) from error
            raise

    return edit_or_expire


def _dm_to(admin: discord.User | discord.Member) -> Callable[[str], Awaitable[StatusDisplay]]:
    """Post the status in a DM to `admin`, then edit that message: the bot may edit its own
    message for as long as it exists. If it cannot be posted (DMs closed), that failure is the
    caller's, as any failed edit's."""

    async def move(content: str) -> StatusDisplay:
        sent = await admin.send(content, allowed_mentions=NO_MENTIONS, suppress_embeds=True)
        return StatusDisplay(_message_editor(sent))

    return move


def _message_editor(message: discord.Message) -> Edit:
    async def edit(content: str) -> object:
        return await message.edit(content=content, allowed_mentions=NO_MENTIONS)

    return edit
