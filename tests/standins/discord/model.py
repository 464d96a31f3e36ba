"""What a test configures the stand-in with: the users, guilds, their roles, channels and members
(and the bot and the guilds' owner, always there)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from tests.standins.discord.constants import (
    BOT_PERMISSIONS,
    BOT_USER_ID,
    BOT_USERNAME,
    EVERYONE_PERMISSIONS,
    GUILD_TEXT,
    OWNER_USER_ID,
)


@dataclass(frozen=True)
class User:
    id: int
    username: str
    global_name: str | None = None
    bot: bool = False
    discriminator: str = "0"

    def payload(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "id": str(self.id),
            "username": self.username,
            "global_name": self.global_name,
            "discriminator": self.discriminator,
            "avatar": None,
            "public_flags": 0,
            "avatar_decoration_data": None,
        }
        if self.bot:
            data["bot"] = True
        return data


BOT_USER = User(BOT_USER_ID, BOT_USERNAME, bot=True, discriminator="4821")
OWNER = User(OWNER_USER_ID, "owner", global_name="Guild Owner")


@dataclass(frozen=True)
class Role:
    id: int
    name: str
    permissions: int = 0
    position: int = 1
    color: int = 0
    managed: bool = False

    def payload(self) -> dict[str, Any]:
        return {
            "id": str(self.id),
            "name": self.name,
            "permissions": str(self.permissions),
            "position": self.position,
            "color": self.color,
            "colors": {
                "primary_color": self.color,
                "secondary_color": None,
                "tertiary_color": None,
            },
            "hoist": False,
            "icon": None,
            "unicode_emoji": None,
            "managed": self.managed,
            "mentionable": False,
            "flags": 0,
        }


@dataclass(frozen=True)
class Channel:
    """A guild channel: text (0), announcement (5), voice (2), category (4), or a thread (10/11/12)
    whose ``parent_id`` is its text channel."""

    id: int
    name: str
    type: int = GUILD_TEXT
    position: int = 0
    topic: str | None = None
    parent_id: int | None = None
    nsfw: bool = False
    permission_overwrites: tuple[Mapping[str, Any], ...] = ()


@dataclass(frozen=True)
class Member:
    """A guild member. ``permissions`` are its resolved permissions (as an interaction's
    ``member.permissions`` carries them); None derives them from @everyone and its roles."""

    user: User
    roles: tuple[int, ...] = ()
    nick: str | None = None
    permissions: int | None = None


@dataclass
class Guild:
    id: int
    name: str
    channels: Sequence[Channel] = ()
    roles: Sequence[Role] = ()  # @everyone (id == guild id) is added unless given
    members: Sequence[Member] = ()  # the bot's member is added
    owner_id: int = OWNER_USER_ID
    locale: str = "en-US"
    everyone_permissions: int = EVERYONE_PERMISSIONS
    bot_permissions: int = BOT_PERMISSIONS  # of the bot's managed role
    member_count: int | None = None  # None: the number of members
