"""The JSON objects Discord sends, as discord.py parses them: the bot user, channels, members,
messages (and the edits to them), and a guild as GUILD_CREATE carries it. Every field discord.py
reads is there, with Discord's defaults for what the stand-in does not model."""

from __future__ import annotations

import mimetypes
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from tests.standins.common import LoopbackServer
from tests.standins.discord.constants import (
    APPLICATION_ID,
    BOT_USER_ID,
    DISCORD_EPOCH_MS,
    DM,
    GUILD_ANNOUNCEMENT,
    GUILD_TEXT,
    GUILD_VOICE,
    INTENT_GUILD_MEMBERS,
    LOADING,
    SUPPRESS_EMBEDS,
    THREAD_TYPES,
)
from tests.standins.discord.model import BOT_USER, Channel, Guild, Member, User
from tests.standins.discord.validation import validate_message
from tests.standins.discord.world import InteractionState, World


def _timestamp(snowflake: int) -> str:
    ms = (snowflake >> 22) + DISCORD_EPOCH_MS
    return datetime.fromtimestamp(ms / 1000, tz=UTC).isoformat()


def _now_iso() -> str:
    return datetime.now(UTC).isoformat()


def bot_user_payload() -> dict[str, Any]:
    """The bot user as /users/@me and READY give it: with the fields only the user itself sees."""
    data = BOT_USER.payload()
    data.update(
        verified=True,
        mfa_enabled=False,
        flags=0,
        email=None,
        locale="en-US",
        premium_type=0,
        banner=None,
        accent_color=None,
        system=False,
    )
    return data


def member_payload(
    member: Member, *, with_user: bool = True, permissions: int | None = None
) -> dict[str, Any]:
    data: dict[str, Any] = {
        "roles": [str(r) for r in member.roles],
        "nick": member.nick,
        "avatar": None,
        "banner": None,
        "joined_at": "2024-01-01T00:00:00.000000+00:00",
        "premium_since": None,
        "deaf": False,
        "mute": False,
        "flags": 0,
        "pending": False,
        "communication_disabled_until": None,
        "avatar_decoration_data": None,
    }
    if with_user:
        data["user"] = member.user.payload()
    if permissions is not None:
        data["permissions"] = str(permissions)
    return data


def apply_edit(payload: dict[str, Any], data: Mapping[str, Any]) -> dict[str, Any]:
    """Edit a stored message as Discord does: only the fields given change; of the flags only
    SUPPRESS_EMBEDS can be set or cleared, and an edit ends LOADING (a deferred response)."""
    validate_message(data, edit=True)
    for key in ("content", "components"):
        if key in data:
            payload[key] = data[key] if data[key] is not None else ("" if key == "content" else [])
    if "embeds" in data:
        payload["embeds"] = [dict(e, type=e.get("type", "rich")) for e in data["embeds"] or []]
    if "flags" in data and data["flags"] is not None:
        keep = int(payload.get("flags") or 0) & ~SUPPRESS_EMBEDS
        payload["flags"] = keep | (int(data["flags"]) & SUPPRESS_EMBEDS)
    payload["flags"] = int(payload.get("flags") or 0) & ~LOADING
    payload["edited_timestamp"] = _now_iso()
    return payload


class Payloads(World):
    """The payloads that need Discord's state: who is in a DM, which channels are gone, where
    attachments are served."""

    _server: LoopbackServer  # set by DiscordStandIn

    def _channel_payload(self, guild: Guild | None, channel: Channel) -> dict[str, Any]:
        if guild is None:
            return self._dm_payload(channel)
        data: dict[str, Any] = {
            "id": str(channel.id),
            "type": channel.type,
            "guild_id": str(guild.id),
            "name": channel.name,
            "position": channel.position,
            "permission_overwrites": [dict(o) for o in channel.permission_overwrites]
            + self._denied_overwrites(guild, channel),
            "parent_id": str(channel.parent_id) if channel.parent_id else None,
            "nsfw": channel.nsfw,
            "flags": 0,
        }
        if channel.type in (GUILD_TEXT, GUILD_ANNOUNCEMENT):
            data.update(topic=channel.topic, last_message_id=None, rate_limit_per_user=0)
        elif channel.type == GUILD_VOICE:
            data.update(bitrate=64000, user_limit=0, rtc_region=None, last_message_id=None)
        elif channel.type in THREAD_TYPES:
            data.update(
                owner_id=str(BOT_USER_ID),
                last_message_id=None,
                rate_limit_per_user=0,
                message_count=0,
                member_count=1,
                total_message_sent=0,
                thread_metadata={
                    "archived": False,
                    "auto_archive_duration": 1440,
                    "archive_timestamp": _now_iso(),
                    "locked": False,
                    "create_timestamp": _now_iso(),
                },
            )
            data.pop("position")
            data.pop("permission_overwrites")
        return data

    def _denied_overwrites(self, guild: Guild, channel: Channel) -> list[dict[str, Any]]:
        """What `deny` took from the bot in the channel, as an overwrite on its role."""
        denied = self._denied.get(channel.id, 0)
        if not denied:
            return []
        role = self._bot_roles[guild.id]
        return [{"id": str(role), "type": 0, "allow": "0", "deny": str(denied)}]

    def _dm_payload(self, channel: Channel) -> dict[str, Any]:
        user = self._users[self._dm_recipients[channel.id]]
        return {
            "id": str(channel.id),
            "type": DM,
            "last_message_id": None,
            "flags": 0,
            "recipients": [user.payload()],
        }

    def _message_payload(
        self,
        message_id: int,
        channel_id: int,
        data: Mapping[str, Any],
        *,
        author: User = BOT_USER,
        guild: Guild | None = None,
        type: int = 0,
        webhook: bool = False,
        interaction: InteractionState | None = None,
    ) -> dict[str, Any]:
        """The message made of what was sent (``data``): by the bot unless ``author`` says,
        through a ``webhook`` (an interaction's response or follow-up) in answer to an
        ``interaction``."""
        payload: dict[str, Any] = {
            "id": str(message_id),
            "channel_id": str(channel_id),
            "author": author.payload(),
            "content": data.get("content") or "",
            "timestamp": _timestamp(message_id),
            "edited_timestamp": None,
            "tts": bool(data.get("tts", False)),
            "mention_everyone": False,
            "mentions": [],
            "mention_roles": [],
            "attachments": [],
            "embeds": [dict(e, type=e.get("type", "rich")) for e in data.get("embeds") or []],
            "pinned": False,
            "type": type,
            "flags": int(data.get("flags") or 0),
            "components": list(data.get("components") or []),
        }
        if guild is not None:
            payload["guild_id"] = str(guild.id)
        if data.get("message_reference"):
            payload["message_reference"] = dict(
                data["message_reference"], type=0, channel_id=str(channel_id)
            )
        if data.get("nonce") is not None:
            payload["nonce"] = data["nonce"]
        for file in data.get("_files") or []:
            attachment_id = self._snowflake()
            url = self._server.url(
                "http", f"/attachments/{channel_id}/{attachment_id}/{file['filename']}"
            )
            payload["attachments"].append(
                {
                    "id": str(attachment_id),
                    "filename": file["filename"],
                    "size": file["size"],
                    "url": url,
                    "proxy_url": url,
                    "content_type": mimetypes.guess_type(file["filename"])[0]
                    or "application/octet-stream",
                }
            )
        if webhook:
            payload["webhook_id"] = str(APPLICATION_ID)
            payload["application_id"] = str(APPLICATION_ID)
        if interaction is not None:
            user = self._users[interaction.user_id]
            payload["interaction_metadata"] = {
                "id": str(interaction.id),
                "type": interaction.type,
                "user": user.payload(),
                "authorizing_integration_owners": {"0": str(interaction.guild_id or 0)},
            }
        return payload

    def _guild_create(self, guild: Guild, intents: int) -> dict[str, Any]:
        """The guild as GUILD_CREATE carries it to a session with ``intents``: its members only
        with GUILD_MEMBERS (the bot's own always), its channels and threads still there."""
        members = [self._bot_member(guild)]
        if intents & INTENT_GUILD_MEMBERS:
            members += [m for m in guild.members if m.user.id != BOT_USER_ID]
        count = (
            guild.member_count
            if guild.member_count is not None
            else 1 + len([m for m in guild.members if m.user.id != BOT_USER_ID])
        )
        channels = [
            c for c in guild.channels if c.type not in THREAD_TYPES and c.id not in self._deleted
        ]
        threads = [
            c for c in guild.channels if c.type in THREAD_TYPES and c.id not in self._deleted
        ]
        system = next((c.id for c in channels if c.type == GUILD_TEXT), None)
        channel_payloads = []
        for channel in channels:
            data = self._channel_payload(guild, channel)
            data.pop("guild_id", None)
            channel_payloads.append(data)
        return {
            "id": str(guild.id),
            "name": guild.name,
            "icon": None,
            "splash": None,
            "discovery_splash": None,
            "banner": None,
            "description": None,
            "owner_id": str(guild.owner_id),
            "region": "singapore",
            "afk_channel_id": None,
            "afk_timeout": 300,
            "verification_level": 1,
            "default_message_notifications": 1,
            "explicit_content_filter": 2,
            "mfa_level": 0,
            "nsfw_level": 0,
            "premium_tier": 0,
            "premium_subscription_count": 0,
            "premium_progress_bar_enabled": False,
            "system_channel_id": str(system) if system else None,
            "system_channel_flags": 0,
            "rules_channel_id": None,
            "public_updates_channel_id": None,
            "safety_alerts_channel_id": None,
            "vanity_url_code": None,
            "preferred_locale": guild.locale,
            "features": [],
            "max_members": 500000,
            "max_video_channel_users": 25,
            "max_stage_video_channel_users": 50,
            "application_id": None,
            "widget_enabled": False,
            "nsfw": False,
            "incidents_data": None,
            "roles": [r.payload() for r in self._roles(guild)],
            "emojis": [],
            "stickers": [],
            "joined_at": "2024-01-01T00:00:00.000000+00:00",
            "large": count >= 250,
            "unavailable": False,
            "member_count": count,
            "lazy": True,
            "voice_states": [],
            "members": [member_payload(m) for m in members],
            "channels": channel_payloads,
            "threads": [self._channel_payload(guild, t) for t in threads],
            "presences": [],
            "stage_instances": [],
            "guild_scheduled_events": [],
            "soundboard_sounds": [],
            "embedded_activities": [],
            "activity_instances": [],
        }
