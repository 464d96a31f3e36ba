"""Commands: a request in, a reply out, the same on every platform.

Each command is a plain async function of (request, services, arguments); `handle` finds it,
checks that admin commands come from admins, and turns any failure into a localised reply.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import replace
from typing import Final

from bot.core.commands import admin, reading, subscriptions
from bot.core.commands.base import Choice, Reply, Request, echo, say_reply
from bot.core.commands.subscriptions import reply_lang
from bot.core.services import Services

__all__ = ["COMMANDS", "Choice", "Reply", "Request", "handle"]

log = logging.getLogger(__name__)

Command = Callable[[Request, Services, str], Awaitable[Reply]]

COMMANDS: Final[dict[str, Command]] = {
    "start": reading.start,
    "help": reading.help_,
    "subscribe": subscriptions.subscribe,
    "unsubscribe": subscriptions.unsubscribe,
    "settings": subscriptions.settings,
    "digest": reading.digest,
    "whosaid": reading.whosaid,
    "push": admin.push,
    "status": admin.status,
    "reload": admin.reload,
}
ADMIN_ONLY: Final = frozenset({"push", "status", "reload"})


def parse(text: str) -> tuple[str, str] | None:
    """ "/whosaid@RingkasBot Guterres" → ("whosaid", "Guterres"); None if not a command."""
    text = text.strip()
    if not text.startswith("/"):
        return None
    # Any white space ends the name: a space, a tab, a no-break space, a new line.
    head, *rest = text[1:].split(maxsplit=1) or [""]
    name = head.partition("@")[0].casefold()
    return name, rest[0].strip() if rest else ""


async def handle(request: Request, services: Services) -> Reply:
    try:
        subscription = await services.store.subscriptions.get(request.chat)
        # Every reply, errors included, in the language the chat chose, if it chose one.
        request = replace(request, lang=reply_lang(request.lang, subscription))
        return await _dispatch(request, services)
    except Exception:
        # The store or a platform failed under us: say so, and keep serving other chats.
        log.exception("%s failed in %s", echo(request.text), request.chat)
        return say_reply(request, request.lang, "internal_error")


async def _dispatch(request: Request, services: Services) -> Reply:
    parsed = parse(request.text)
    if parsed is None:
        return say_reply(request, request.lang, "not_a_command")
    name, args = parsed
    command = COMMANDS.get(name)
    if command is None:
        return say_reply(request, request.lang, "unknown_command", command=echo(f"/{name}"))
    if name in ADMIN_ONLY and not request.is_admin:
        return say_reply(request, request.lang, "not_bot_admin")
    return await command(request, services, args)
