"""Discord's side of things: the guilds, users and channels (and the DM channels the bot opens),
the messages Discord holds, the interactions it dispatched and the commands registered; the
changes a test makes to them (a channel forbidden or deleted, DMs closed, an interaction expired);
and the lookups that fail as Discord's do when something is missing or out of reach."""

from __future__ import annotations

import itertools
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from tests.standins.discord.constants import (
    ADMINISTRATOR,
    ALL_PERMISSIONS,
    BOT_USER_ID,
    BOT_USERNAME,
    CHANGE_NICKNAME,
    DISCORD_EPOCH_MS,
    DM,
    EVERYONE_PERMISSIONS,
    GUILD_TEXT,
    MANAGE_MESSAGES,
    SEND_MESSAGES,
    VIEW_CHANNEL,
)
from tests.standins.discord.errors import error
from tests.standins.discord.model import BOT_USER, OWNER, Channel, Guild, Member, Role, User
from tests.standins.discord.records import Dispatched


class Snowflakes:
    """Ids as Discord makes them: the time since its epoch, then a worker and an increment."""

    def __init__(self) -> None:
        self._counter = itertools.count()

    def __call__(self) -> int:
        ms = int(time.time() * 1000) - DISCORD_EPOCH_MS
        return (ms << 22) | (1 << 17) | (next(self._counter) & 0xFFF)


@dataclass
class InteractionState:
    """What Discord keeps of a dispatched interaction, to check the bot's answers against."""

    id: int
    token: str
    type: int
    guild_id: int | None
    channel_id: int
    user_id: int
    at: float
    source_message_id: int | None = None
    acknowledged: int | None = None  # the response type
    original_id: int | None = None
    followup_ids: list[int] = field(default_factory=list)
    expired: bool = False  # see World.expire_interaction


class World:
    """The state every other part reads and changes (see the module docstring)."""

    def __init__(self, guilds: Sequence[Guild], users: Sequence[User]) -> None:
        self.guilds: list[Guild] = list(guilds)
        self._snowflake = Snowflakes()
        self._users: dict[int, User] = {BOT_USER.id: BOT_USER, OWNER.id: OWNER}
        for user in users:
            self._users[user.id] = user
        self._bot_roles: dict[int, int] = {}
        self._channels: dict[int, tuple[Guild | None, Channel]] = {}
        for guild in self.guilds:
            self._register(guild)
        self._dm_channels: dict[int, int] = {}  # user id -> DM channel id
        self._dm_recipients: dict[int, int] = {}  # DM channel id -> user id
        self._forbidden: dict[int, int] = {}  # channel id -> error code
        self._denied: dict[int, int] = {}  # channel id -> permission bits the bot lacks there
        self._deleted: set[int] = set()
        self._blocked_dms: set[int] = set()
        self._stored: dict[int, dict[str, Any]] = {}  # message id -> payload
        self._nonces: dict[tuple[int, str], int] = {}  # (channel id, nonce) -> message id
        self._interactions: dict[str, InteractionState] = {}  # token -> interaction
        self._global_commands: list[dict[str, Any]] = []
        self._guild_commands: dict[int, list[dict[str, Any]]] = {}
        self._command_ids: dict[tuple[int | None, str, int], int] = {}

    def _register(self, guild: Guild) -> None:
        """The guild's channels, members and the bot's role in it, known from now on."""
        self._bot_roles[guild.id] = self._snowflake()
        for channel in guild.channels:
            self._channels[channel.id] = (guild, channel)
        for member in guild.members:
            self._users[member.user.id] = member.user

    # -- Changes a test makes (any time) --

    def forbid(self, channel_id: int, *, code: int = 50001) -> None:
        """Requests on the channel answer 403: 50001 Missing Access (or 50013 Missing
        Permissions)."""
        self._forbidden[channel_id] = code

    def allow(self, channel_id: int) -> None:
        self._forbidden.pop(channel_id, None)

    def deny(self, channel_id: int, permissions: int) -> None:
        """The bot lacks `permissions` in the channel (an overwrite on its role, which the
        channel's payload carries): e.g. EMBED_LINKS, and a message with embeds answers 403
        Missing Permissions (50013). Set before the bot connects for its cache to know."""
        self._denied[channel_id] = permissions

    def delete_channel(self, channel_id: int) -> None:
        """Requests on the channel answer 404 Unknown Channel (10003)."""
        self._deleted.add(channel_id)

    def block_dms(self, user_id: int) -> None:
        """Messages to the user's DM channel answer 403 (50007 Cannot send messages to this
        user)."""
        self._blocked_dms.add(user_id)

    def expire_interaction(self, interaction: Dispatched | int | str) -> None:
        """The interaction's token expires, as Discord's do 15 minutes after the interaction:
        from now on every webhook request with it (a follow-up; getting, editing or deleting
        its original response or a follow-up) answers 401 Invalid Webhook Token (50027), and
        its callback 404 Unknown interaction."""
        self._interactions[self._token_of(interaction)].expired = True

    # -- Queries --

    def dm_channel_id(self, user_id: int) -> int | None:
        """The id of the bot's DM channel with the user, once one was opened."""
        return self._dm_channels.get(user_id)

    def stored_message(self, message_id: int) -> dict[str, Any] | None:
        """Any message the stand-in knows: sent to a channel, an interaction response, a
        follow-up."""
        return self._stored.get(message_id)

    def commands(self, guild_id: int | None = None) -> list[dict[str, Any]]:
        """The registered commands (global, or the guild's), as returned with ids."""
        if guild_id is None:
            return list(self._global_commands)
        return list(self._guild_commands.get(guild_id, []))

    # -- Lookups --

    def _channel(self, channel_id: int) -> tuple[Guild | None, Channel]:
        """The channel, or raise the error Discord would (deleted/unknown 404, forbidden 403)."""
        if channel_id in self._deleted:
            raise error(404, "unknown_channel")
        found = self._channels.get(channel_id)
        if found is None:
            raise error(404, "unknown_channel")
        code = self._forbidden.get(channel_id)
        if code is not None:
            key = "missing_permissions" if code == 50013 else "missing_access"
            raise error(403, key)
        return found

    def _dm_channel(self, user: User) -> Channel:
        """The bot's DM channel with the user, opened on first use."""
        channel_id = self._dm_channels.get(user.id)
        if channel_id is None:
            channel_id = self._snowflake()
            self._dm_channels[user.id] = channel_id
            self._dm_recipients[channel_id] = user.id
            self._channels[channel_id] = (None, Channel(channel_id, "", type=DM))
        return self._channels[channel_id][1]

    def _stored_in(self, channel_id: int, message_id: int) -> dict[str, Any]:
        """The message in the channel, or raise the error Discord would."""
        self._channel(channel_id)
        payload = self._stored.get(message_id)
        if payload is None or int(payload["channel_id"]) != channel_id:
            raise error(404, "unknown_message")
        return payload

    def _token_of(self, interaction: Dispatched | int | str) -> str:
        if isinstance(interaction, Dispatched):
            return interaction.token
        if isinstance(interaction, str):
            return interaction
        for it in self._interactions.values():
            if it.id == interaction:
                return it.token
        raise AssertionError(f"no interaction {interaction}")

    def _command_id(self, guild_id: int | None, name: str, type: int) -> int:
        """A command's id, the same across syncs (as Discord keeps it for an unchanged name)."""
        key = (guild_id, name, type)
        if key not in self._command_ids:
            self._command_ids[key] = self._snowflake()
        return self._command_ids[key]

    def _find_command(self, name: str, guild_id: int | None) -> dict[str, Any] | None:
        """The registered slash command: the guild's, else the global one."""
        pools = []
        if guild_id is not None:
            pools.append(self._guild_commands.get(guild_id, []))
        pools.append(self._global_commands)
        for pool in pools:
            for command in pool:
                if command["name"] == name and int(command.get("type", 1)) == 1:
                    return command
        return None

    # -- Who is where, and may do what --

    def _where(
        self, channel_id: int | None, dm: bool, user: User | Member | None
    ) -> tuple[Guild | None, int]:
        if dm:
            the_user = self._as_user(user)
            return None, self._dm_channel(the_user).id
        if channel_id is None:
            for guild in self.guilds:
                for channel in guild.channels:
                    if channel.type == GUILD_TEXT:
                        return guild, channel.id
            raise AssertionError("no guild text channel configured: pass channel_id or dm=True")
        found = self._channels.get(channel_id)
        if found is None:
            raise AssertionError(f"unknown channel {channel_id}")
        return found[0], channel_id

    def _as_user(self, user: User | Member | None) -> User:
        """The user (None: the first configured member who is no bot, else the owner)."""
        if user is None:
            for guild in self.guilds:
                for member in guild.members:
                    if not member.user.bot:
                        return member.user
            return OWNER
        return user.user if isinstance(user, Member) else user

    def _member(self, guild: Guild, user: User | Member | None) -> Member:
        if isinstance(user, Member):
            return user
        the_user = self._as_user(user)
        for member in guild.members:
            if member.user.id == the_user.id:
                return member
        return Member(the_user)

    def _bot_member(self, guild: Guild) -> Member:
        return Member(BOT_USER, roles=(self._bot_roles[guild.id],))

    def _roles(self, guild: Guild) -> list[Role]:
        """The guild's roles, with @everyone and the bot's managed role."""
        roles = list(guild.roles)
        if all(r.id != guild.id for r in roles):
            roles.insert(0, Role(guild.id, "@everyone", guild.everyone_permissions, position=0))
        roles.append(
            Role(
                self._bot_roles[guild.id],
                BOT_USERNAME,
                guild.bot_permissions,
                position=len(roles),
                managed=True,
            )
        )
        return roles

    def _resolve_permissions(self, guild: Guild, member: Member) -> int:
        if member.permissions is not None:
            return member.permissions
        if member.user.id == guild.owner_id:
            return ALL_PERMISSIONS
        roles = {r.id: r for r in self._roles(guild)}
        value = roles[guild.id].permissions
        for role_id in member.roles:
            if role_id in roles:
                value |= roles[role_id].permissions
        if member.user.id == BOT_USER_ID:
            value |= guild.bot_permissions
        return ALL_PERMISSIONS if value & ADMINISTRATOR else value

    def _app_permissions(self, guild: Guild | None, channel_id: int) -> int:
        """The bot's permissions in the channel, as an interaction's ``app_permissions``."""
        if guild is None:
            return EVERYONE_PERMISSIONS & ~(MANAGE_MESSAGES | CHANGE_NICKNAME)
        value = self._resolve_permissions(guild, self._bot_member(guild))
        if channel_id in self._forbidden:
            value &= ~(VIEW_CHANNEL | SEND_MESSAGES)
        return value & ~self._denied.get(channel_id, 0)
