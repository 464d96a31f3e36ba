"""Sending to Discord: one message to a channel, thread or DM, and what became of it as one of
the core's outcomes."""

from __future__ import annotations

import asyncio
import logging
import secrets
from collections.abc import Callable
from typing import Any

import aiohttp
import discord

from bot.config import DISCORD_SEND_TIMEOUT
from bot.core import ports
from bot.core.ports import ChatRef, Format, MessageKind, Outbound, Outcome

log = logging.getLogger(__name__)

PLATFORM = "discord"
# Content can never ping @everyone, @here, a role or a user, whatever a summary says.
NO_MENTIONS = discord.AllowedMentions.none()
FALLBACK_RETRY_AFTER = 5.0
NONCE_LIMIT = 25  # characters, set by Discord
MISSING_PERMISSIONS = 50013  # what Discord answers an embed where the bot may not embed links
DIGEST_COLOUR = discord.Colour(0x3B6E8F)  # the bar beside a digest: one colour, always the same


class DiscordSender:
    """The core's sender for Discord: REST calls of discord.py's client, which handles HTTP
    rate limits (buckets and the global limit) itself."""

    platform = PLATFORM
    format = Format.DISCORD

    def __init__(
        self,
        client: discord.Client,
        cached_channel: Callable[[int], object | None] | None = None,
        timeout: float = DISCORD_SEND_TIMEOUT,
    ) -> None:
        """`cached_channel` finds a channel in the gateway's caches: the client's own, unless
        the gateway's sessions are other clients (shards). `timeout`: the longest a send may
        take, retries after 429s included."""
        self._client = client
        self._cached_channel = cached_channel or client.get_channel
        self._timeout = timeout

    async def send(self, chat: ChatRef, message: Outbound) -> Outcome:
        # A thread or a forum post has its own channel id; "CHANNEL/THREAD" posts to the thread.
        target = chat.thread or chat.chat_id
        if not target.isdigit():
            return ports.ChatGone(f"{target!r} is not a Discord channel id")
        channel = self._client.get_partial_messageable(int(target))
        embed = message.kind is MessageKind.DIGEST and self._may_embed(int(target))
        try:
            # Bounded, so that a hung request holds neither its delivery nor a clean stop.
            async with asyncio.timeout(self._timeout):
                try:
                    sent = await self._post(channel, message, embed)
                except discord.Forbidden as refused:
                    if not embed or refused.code != MISSING_PERMISSIONS:
                        raise
                    # The bot may not embed links here: the digest as plain text instead.
                    sent = await self._post(channel, message, embed=False)
        except Exception as error:  # a sender reports, it never raises
            return outcome_of(error)
        return ports.Delivered(str(sent.id))

    async def _post(
        self, channel: discord.PartialMessageable, message: Outbound, embed: bool
    ) -> discord.Message:
        return await channel.send(
            **message_fields(
                message.text, embed, previews=message.kind is MessageKind.ANNOUNCEMENT
            ),
            allowed_mentions=NO_MENTIONS,
            # Discord drops a second message with the same nonce (for a few minutes): a retry
            # after a lost answer is not shown twice.
            nonce=nonce_of(message),
        )

    def _may_embed(self, channel_id: int) -> bool:
        """Whether the bot may embed links in the channel, as far as the gateway's cache tells
        (a channel it does not know: try, and fall back to text if Discord refuses)."""
        channel = self._cached_channel(channel_id)
        if isinstance(channel, discord.abc.GuildChannel | discord.Thread):
            return channel.permissions_for(channel.guild.me).embed_links
        return True


def message_fields(text: str, embed: bool, previews: bool = False) -> dict[str, Any]:
    """A message's text as discord.py's send takes it: a digest as an embed (a card with a
    coloured bar, its markdown as on any message), anything else as content, link previews off
    unless asked for (a digest links to its sources: one preview would stand over the rest)."""
    if embed:
        return {"embed": discord.Embed(description=text, colour=DIGEST_COLOUR)}
    return {"content": text, "suppress_embeds": not previews}


def nonce_of(message: Outbound) -> str | int:
    """The delivery's own nonce (at most 25 characters), else a random one."""
    if message.nonce and len(message.nonce) <= NONCE_LIMIT:
        return message.nonce
    return secrets.randbits(64)


def outcome_of(error: Exception) -> Outcome:
    """A failed REST call as the core's outcome."""
    match error:
        case discord.RateLimited():
            return ports.RetryAfter(error.retry_after)
        case discord.Forbidden() | discord.NotFound():
            # Missing access, a deleted channel, a user who closed their DMs: until the bot is
            # given access again, sending cannot succeed.
            return ports.ChatGone(f"{error.status} {error.text}".strip())
        case discord.HTTPException() if error.status == 429:
            # discord.py gave up after its own retries: the outbox waits (and never gives up on
            # a rate limit), and the pacer holds the platform meanwhile.
            return ports.RetryAfter(_retry_after(error))
        case discord.HTTPException():
            return ports.Transient(f"HTTP {error.status}: {error.text}".strip())
        case aiohttp.ClientError() | asyncio.TimeoutError() | OSError():
            return ports.Transient(f"{type(error).__name__}: {error}")
        case _:
            log.error("unexpected error sending to Discord", exc_info=error)
            return ports.Transient(f"{type(error).__name__}: {error}")


def _retry_after(error: discord.HTTPException) -> float:
    """The seconds the 429 asked for (its Retry-After header), else a few."""
    try:
        return max(float(error.response.headers.get("Retry-After", "")), 0.0)
    except (AttributeError, TypeError, ValueError):
        return FALLBACK_RETRY_AFTER
