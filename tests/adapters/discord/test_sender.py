"""The Discord sender: one message to a channel, thread or DM, and what became of it as one of
the core's outcomes — for every error discord.py raises; it never raises itself."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import aiohttp
import discord
import pytest

from bot.adapters.discord import DiscordSender, connected_sender
from bot.adapters.discord.sender import DIGEST_COLOUR, outcome_of
from bot.core import ports
from bot.core.ports import MessageKind, Outbound, Outcome
from tests.adapters.discord.conftest import GENERAL, NEWS, THREAD, TOKEN, ref, settings_for
from tests.standins.discord import EMBED_LINKS, SUPPRESS_EMBEDS, DiscordStandIn


def response(status: int, reason: str) -> Any:
    """What discord.py's HTTP errors read of an aiohttp response."""
    return SimpleNamespace(status=status, reason=reason)


def http_error(
    kind: type[discord.HTTPException], status: int, reason: str, message: str, code: int = 0
) -> discord.HTTPException:
    return kind(response(status, reason), {"message": message, "code": code})


# Every way a send fails, and the outcome it must come to.
FAILURES: list[tuple[str, BaseException, Outcome]] = [
    ("429 over the wait", discord.RateLimited(45.0), ports.RetryAfter(45.0)),
    (
        "429 after discord.py's retries",
        discord.HTTPException(
            SimpleNamespace(status=429, reason="Too Many Requests", headers={"Retry-After": "2.5"}),
            {"message": "You are being rate limited.", "code": 0},
        ),
        ports.RetryAfter(2.5),
    ),
    (
        "429 without Retry-After",
        http_error(discord.HTTPException, 429, "Too Many Requests", "rate limited"),
        ports.RetryAfter(5.0),
    ),
    (
        "403 missing access",
        http_error(discord.Forbidden, 403, "Forbidden", "Missing Access", 50001),
        ports.ChatGone("403 Missing Access"),
    ),
    (
        "403 closed DMs",
        http_error(discord.Forbidden, 403, "Forbidden", "Cannot send messages to this user", 50007),
        ports.ChatGone("403 Cannot send messages to this user"),
    ),
    (
        "404 deleted channel",
        http_error(discord.NotFound, 404, "Not Found", "Unknown Channel", 10003),
        ports.ChatGone("404 Unknown Channel"),
    ),
    (
        "500 after discord.py's retries",
        http_error(discord.DiscordServerError, 500, "Internal Server Error", "500: Internal"),
        ports.Transient("HTTP 500: 500: Internal"),
    ),
    (
        "503",
        discord.DiscordServerError(response(503, "Service Unavailable"), "upstream overloaded"),
        ports.Transient("HTTP 503: upstream overloaded"),
    ),
    (
        "other HTTP error",
        http_error(discord.HTTPException, 400, "Bad Request", "Invalid Form Body", 50035),
        ports.Transient("HTTP 400: Invalid Form Body"),
    ),
    (
        "connection refused",
        aiohttp.ClientConnectionError("Cannot connect to host"),
        ports.Transient("ClientConnectionError: Cannot connect to host"),
    ),
    (
        "server disconnected",
        aiohttp.ServerDisconnectedError(),
        ports.Transient("ServerDisconnectedError: Server disconnected"),
    ),
    ("timeout", TimeoutError(), ports.Transient("TimeoutError: ")),
    (
        "connection reset",
        ConnectionResetError(104, "Connection reset by peer"),
        ports.Transient("ConnectionResetError: [Errno 104] Connection reset by peer"),
    ),
    (
        "anything else",
        RuntimeError("Session is closed"),
        ports.Transient("RuntimeError: Session is closed"),
    ),
]


@pytest.mark.parametrize(
    ("error", "expected"), [(e, o) for _, e, o in FAILURES], ids=[n for n, _, _ in FAILURES]
)
def test_each_error_comes_to_its_outcome(error: Exception, expected: Outcome) -> None:
    assert outcome_of(error) == expected


class Failing:
    """A client whose every send raises `error`."""

    def __init__(self, error: BaseException) -> None:
        self.error = error
        self.sent: list[tuple[int, str, dict[str, Any]]] = []

    def get_partial_messageable(self, channel_id: int) -> Failing:
        self.channel_id = channel_id
        return self

    def get_channel(self, channel_id: int) -> None:
        return None  # no gateway cache

    async def send(self, content: str | None = None, **options: Any) -> Any:
        embed = options.get("embed")
        self.sent.append((self.channel_id, content or embed.description, options))
        raise self.error


@pytest.mark.parametrize(
    ("error", "expected"), [(e, o) for _, e, o in FAILURES], ids=[n for n, _, _ in FAILURES]
)
async def test_send_reports_every_failure_and_never_raises(
    error: Exception, expected: Outcome
) -> None:
    client = Failing(error)
    sender = DiscordSender(client)  # type: ignore[arg-type]

    for kind in (MessageKind.DIGEST, MessageKind.FOLLOW):
        outcome = await sender.send(ref(GENERAL), Outbound("hello", kind))

        assert outcome == expected
        (channel_id, content, options), *_ = client.sent
        assert (channel_id, content) == (GENERAL, "hello")
        assert options["allowed_mentions"].to_dict() == {"parse": []}
        client.sent.clear()


async def test_a_digest_refused_as_an_embed_goes_as_text() -> None:
    refused = http_error(discord.Forbidden, 403, "Forbidden", "Missing Permissions", 50013)
    client = Failing(refused)
    sender = DiscordSender(client)  # type: ignore[arg-type]

    outcome = await sender.send(ref(GENERAL), Outbound("hello", MessageKind.DIGEST))

    assert outcome == ports.ChatGone("403 Missing Permissions")  # as text too: the bot may not post
    [(_, _, first), (_, text, second)] = client.sent
    assert "embed" in first and "embed" not in second
    assert (text, second["suppress_embeds"]) == ("hello", True)


# --- the real client against the stand-in, logged in over REST only ---


@pytest.fixture
async def sender(dc: DiscordStandIn, tmp_path: Path) -> AsyncIterator[DiscordSender]:
    settings = settings_for(dc, tmp_path)
    async with connected_sender(settings.discord, TOKEN) as connected:
        yield connected


async def test_a_sent_message_is_delivered_with_its_id(
    dc: DiscordStandIn, sender: DiscordSender
) -> None:
    outcome = await sender.send(ref(THREAD), Outbound("*Ringkasan*", MessageKind.NOTICE))

    [message] = dc.messages
    assert outcome == ports.Delivered(str(message.id))
    assert (message.channel_id, message.content) == (THREAD, "*Ringkasan*")
    assert message.allowed_mentions == {"parse": []}
    assert not dc.identifies  # REST only


async def test_a_digest_is_an_embed(dc: DiscordStandIn, sender: DiscordSender) -> None:
    text = "**Ringkasan**\n\n• **Judul**\n> isi https://example.org/report"
    outcome = await sender.send(ref(GENERAL), Outbound(text, MessageKind.DIGEST))

    [message] = dc.messages
    assert outcome == ports.Delivered(str(message.id))
    assert message.content is None
    [embed] = message.embeds
    assert (embed["description"], embed["color"]) == (text, DIGEST_COLOUR.value)
    assert not message.flags & SUPPRESS_EMBEDS  # which would hide the embed itself
    assert message.allowed_mentions == {"parse": []}


async def test_where_the_bot_may_not_embed_links_a_digest_is_plain_text(
    dc: DiscordStandIn, sender: DiscordSender
) -> None:
    dc.deny(NEWS, EMBED_LINKS)

    outcome = await sender.send(ref(NEWS), Outbound("**Ringkasan**", MessageKind.DIGEST))

    [message] = dc.messages
    assert outcome == ports.Delivered(str(message.id))
    assert (message.content, message.embeds) == ("**Ringkasan**", [])
    assert message.flags & SUPPRESS_EMBEDS


@pytest.mark.parametrize(
    ("kind", "suppressed"),
    [(MessageKind.FOLLOW, True), (MessageKind.NOTICE, True), (MessageKind.ANNOUNCEMENT, False)],
)
async def test_link_previews_are_off_except_in_announcements(
    dc: DiscordStandIn, sender: DiscordSender, kind: MessageKind, suppressed: bool
) -> None:
    await sender.send(ref(GENERAL), Outbound("https://example.org/report", kind))

    [message] = dc.messages
    assert bool(message.flags & SUPPRESS_EMBEDS) is suppressed


async def test_discord_errors_come_to_outcomes(dc: DiscordStandIn, sender: DiscordSender) -> None:
    digest = Outbound("digest", MessageKind.DIGEST)
    dc.forbid(NEWS)
    dc.delete_channel(THREAD)
    dc.fail_next("POST", f"/channels/{GENERAL}/messages", 429, retry_after=45.0)

    assert await sender.send(ref(NEWS), digest) == ports.ChatGone("403 Missing Access")
    assert await sender.send(ref(THREAD), digest) == ports.ChatGone("404 Unknown Channel")
    assert await sender.send(ref(1), digest) == ports.ChatGone("404 Unknown Channel")
    # Longer than discord.py waits (30 s): the outbox waits instead of a task.
    assert await asyncio.wait_for(sender.send(ref(GENERAL), digest), 2.0) == ports.RetryAfter(45.0)
    dc.fail_next("POST", f"/channels/{GENERAL}/messages", 503)
    assert await sender.send(ref(GENERAL), digest) == ports.Transient(
        "HTTP 503: 503: Service Unavailable"
    )
    dc.fail_next("POST", f"/channels/{GENERAL}/messages", 400)
    assert await sender.send(ref(GENERAL), digest) == ports.Transient("HTTP 400: 400: Bad Request")
    assert dc.messages == []


async def test_a_hung_send_is_cut_at_its_bound_and_its_retry_shows_no_second_message(
    dc: DiscordStandIn, sender: DiscordSender
) -> None:
    """discord.py's requests have no timeout short of aiohttp's 5 minutes: the sender's own
    bound cuts a hung one (a Transient outcome: the outbox retries it), and the retry carries
    the same nonce, so the message Discord did create is not shown twice."""
    hurried = DiscordSender(sender._client, timeout=0.5)  # the same client, a shorter bound
    digest = Outbound("digest", MessageKind.DIGEST, nonce="d:1")
    dc.delay_next("POST", f"/channels/{GENERAL}/messages", 5.0, after=True)  # created, then hung

    started = asyncio.get_running_loop().time()
    outcome = await hurried.send(ref(GENERAL), digest)

    assert isinstance(outcome, ports.Transient) and "TimeoutError" in outcome.reason
    assert asyncio.get_running_loop().time() - started < 1.5
    again = await hurried.send(ref(GENERAL), digest)
    [message] = dc.messages
    assert again == ports.Delivered(str(message.id)) and dc.nonce_replays == 1


async def test_a_short_429_is_waited_out_by_discord_py(
    dc: DiscordStandIn, sender: DiscordSender
) -> None:
    dc.fail_next("POST", f"/channels/{GENERAL}/messages", 429, retry_after=0.3)

    outcome = await sender.send(ref(GENERAL), Outbound("digest", MessageKind.DIGEST))

    [message] = dc.messages
    assert outcome == ports.Delivered(str(message.id))
    assert dc.rejected_429 == 1


async def test_discord_out_of_reach_is_transient(dc: DiscordStandIn, sender: DiscordSender) -> None:
    await dc.stop()

    outcome = await sender.send(ref(GENERAL), Outbound("digest", MessageKind.DIGEST))

    assert isinstance(outcome, ports.Transient)
    # Refused, or a kept-alive connection found closed: aiohttp's errors either way.
    assert outcome.reason.startswith(("ClientConnectorError", "ClientOSError", "ServerDisc"))


async def test_a_chat_id_that_is_not_a_channel_id_is_reported_not_raised(
    sender: DiscordSender,
) -> None:
    chat = ports.ChatRef("discord", "general")

    outcome = await sender.send(chat, Outbound("digest", MessageKind.DIGEST))

    assert not isinstance(outcome, ports.Delivered)


async def test_a_chat_with_a_thread_part_is_not_sent_to_the_parent_channel(
    dc: DiscordStandIn, sender: DiscordSender
) -> None:
    chat = ports.ChatRef("discord", str(GENERAL), str(THREAD))

    await sender.send(chat, Outbound("digest", MessageKind.DIGEST))

    assert dc.messages_in(GENERAL) == []
