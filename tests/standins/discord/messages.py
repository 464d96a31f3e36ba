"""Channels and the messages in them: the bot's (``channel.send``, with Discord's nonce handling;
getting, editing, deleting), typing, and the messages a test has users post. A message reaches
the sessions with the intents to see it, as MESSAGE_CREATE."""

from __future__ import annotations

import re
import time
from collections.abc import Sequence
from typing import Any

from aiohttp import web

from tests.standins.discord.constants import (
    BOT_USER_ID,
    EMBED_LINKS,
    INTENT_DIRECT_MESSAGES,
    INTENT_GUILD_MESSAGES,
    INTENT_MESSAGE_CONTENT,
    TEXT_TYPES,
)
from tests.standins.discord.errors import error
from tests.standins.discord.gateway import Session
from tests.standins.discord.model import Guild, User
from tests.standins.discord.payloads import apply_edit, member_payload
from tests.standins.discord.records import ChannelMessage, Edit
from tests.standins.discord.rest import Rest, json_response, no_content
from tests.standins.discord.validation import validate_message


class Messages(Rest):
    """The channel and message routes, and users' messages (see the module docstring)."""

    def __init__(self, echo_own_messages: bool) -> None:
        # As on Discord, the bot gets its own messages back as MESSAGE_CREATE (False: it does not).
        self.echo_own_messages = echo_own_messages

    async def send_user_message(
        self, channel_id: int, content: str, *, author: User, mentions: Sequence[User] = ()
    ) -> int:
        """A user posts a message: MESSAGE_CREATE to the sessions with the intents to see it
        (content only with MESSAGE_CONTENT, in DMs, or when the bot is mentioned). Returns its
        id."""
        self._users.setdefault(author.id, author)
        if channel_id not in self._channels:
            raise AssertionError(f"unknown channel {channel_id}")
        guild, _ = self._channels[channel_id]
        message_id = self._snowflake()
        payload = self._message_payload(
            message_id, channel_id, {"content": content}, author=author, guild=guild
        )
        payload["mentions"] = [u.payload() for u in mentions]
        if guild is not None:
            payload["member"] = member_payload(self._member(guild, author), with_user=False)
        self._stored[message_id] = payload
        for session in self._message_audience(guild):
            data = dict(payload)
            sees_content = (
                session.intents & INTENT_MESSAGE_CONTENT
                or guild is None
                or any(u.id == BOT_USER_ID for u in mentions)
            )
            if not sees_content:
                data.update(content="", embeds=[], attachments=[], components=[])
            await self._dispatch(session, "MESSAGE_CREATE", data)
        return message_id

    def _message_audience(self, guild: Guild | None) -> list[Session]:
        """The sessions that get a message in the guild (None: in a DM): those with the intent
        for it, of the guild's shard."""
        need = INTENT_GUILD_MESSAGES if guild is not None else INTENT_DIRECT_MESSAGES
        return [s for s in self._live_sessions(guild.id if guild else None) if s.intents & need]

    async def _get_channel(self, request: web.Request, m: re.Match[str], body: Any) -> web.Response:
        guild, channel = self._channel(int(m["channel"]))
        return json_response(self._channel_payload(guild, channel))

    async def _typing(self, request: web.Request, m: re.Match[str], body: Any) -> web.Response:
        self._channel(int(m["channel"]))
        return no_content()

    async def _post_message(
        self, request: web.Request, m: re.Match[str], body: Any
    ) -> web.Response:
        channel_id = int(m["channel"])
        guild, channel = self._channel(channel_id)
        if channel.type not in TEXT_TYPES:
            raise error(400, "non_text")
        if guild is None and self._dm_recipients.get(channel_id) in self._blocked_dms:
            raise error(403, "cannot_dm")
        self._take_global()
        data = body if isinstance(body, dict) else {}
        validate_message(data)
        if data.get("embeds") and not self._app_permissions(guild, channel_id) & EMBED_LINKS:
            raise error(403, "missing_permissions")  # a bot embeds only with Embed Links
        nonce = data.get("nonce")
        if nonce is not None and data.get("enforce_nonce"):
            # Discord answers a repeated nonce (a retry) with the message it already created.
            earlier = self._nonces.get((channel_id, str(nonce)))
            if earlier is not None and earlier in self._stored:
                self.nonce_replays += 1
                return json_response(self._stored[earlier])
        message_id = self._snowflake()
        if nonce is not None:
            self._nonces[(channel_id, str(nonce))] = message_id
        payload = self._message_payload(
            message_id,
            channel_id,
            data,
            guild=guild,
            type=19 if data.get("message_reference") else 0,
        )
        self._stored[message_id] = payload
        self.messages.append(
            ChannelMessage(
                channel_id=channel_id,
                content=data.get("content"),
                embeds=list(data.get("embeds") or []),
                allowed_mentions=data.get("allowed_mentions"),
                flags=int(data.get("flags") or 0),
                at=time.monotonic(),
                id=message_id,
                components=list(data.get("components") or []),
                attachments=[f["filename"] for f in data.get("_files") or []],
                message_reference=data.get("message_reference"),
            )
        )
        if self.echo_own_messages:
            for session in self._message_audience(guild):
                await self._dispatch(session, "MESSAGE_CREATE", dict(payload))
        return json_response(payload)

    async def _get_message(self, request: web.Request, m: re.Match[str], body: Any) -> web.Response:
        return json_response(self._stored_in(int(m["channel"]), int(m["message"])))

    async def _patch_message(
        self, request: web.Request, m: re.Match[str], body: Any
    ) -> web.Response:
        message_id = int(m["message"])
        payload = self._stored_in(int(m["channel"]), message_id)
        if int(payload["author"]["id"]) != BOT_USER_ID:
            raise error(403, "not_author")
        data = body if isinstance(body, dict) else {}
        apply_edit(payload, data)
        self.edits.append(Edit("channel", message_id, dict(data), time.monotonic()))
        return json_response(payload)

    async def _delete_message(
        self, request: web.Request, m: re.Match[str], body: Any
    ) -> web.Response:
        message_id = int(m["message"])
        self._stored_in(int(m["channel"]), message_id)
        del self._stored[message_id]
        self.edits.append(Edit("channel", message_id, None, time.monotonic()))
        return no_content()
