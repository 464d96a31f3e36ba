"""Commands: a request in, a reply out, the same on every platform.

Each command is a plain async function of (request, services, arguments); `handle` finds it,
checks that admin commands come from admins, and turns any failure into a localised reply.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import replace
from typing import Final

from bot.core.commands import admin, follows, language, reading, subscriptions
from bot.core.commands.base import Choice, Picture, Reply, Request, echo, error_reply
from bot.core.commands.subscriptions import reply_lang
from bot.core.models import Lang
from bot.core.services import Services
from bot.core.text.strings import say

__all__ = [
    "ADMIN_ONLY",
    "COMMANDS",
    "MANAGING",
    "Choice",
    "Picture",
    "Reply",
    "Request",
    "handle",
    "menu",
    "parse",
]

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
    "follow": follows.follow,
    "unfollow": follows.unfollow,
    "following": follows.following,
    "lang": language.lang,
    "timeline": reading.timeline,
    "push": admin.push,
    "status": admin.status,
    "reload": admin.reload,
}
ADMIN_ONLY: Final = frozenset({"push", "status", "reload"})
# Commands that change the chat's settings (its subscription, follows, language): only they read
# `Request.can_manage`, so an adapter need ask the platform who is a chat administrator only for
# these.
MANAGING: Final = frozenset({"subscribe", "unsubscribe", "follow", "unfollow", "lang"})
# Telegram's deep links (t.me/<bot>?start=<payload>) arrive as "/start <payload>": a payload
# "<command>-<argument>" (or just "<command>") runs one of these at once ("whosaid-donald-trump").
LINKED: Final = frozenset({"whosaid", "follow", "digest", "lang"})


def menu(lang: Lang, admin: bool = False) -> tuple[tuple[str, str], ...]:
    """(command, what it does) for the platforms' command menus: everyone's, or the admins'."""
    return tuple(
        (name, say(lang, f"help_{name}")) for name in COMMANDS if (name in ADMIN_ONLY) == admin
    )


def parse(text: str) -> tuple[str, str] | None:
    """ "/whosaid@RingkasBot Guterres" → ("whosaid", "Guterres"); None if not a command."""
    text = text.strip()
    if not text.startswith("/"):
        return None
    # Any white space ends the name: a space, a tab, a no-break space, a new line.
    head, *rest = text[1:].split(maxsplit=1) or [""]
    name = head.partition("@")[0].casefold()
    args = rest[0].strip() if rest else ""
    if name == "start" and (linked := _deep_link(args)) is not None:
        return linked
    return name, args


def _deep_link(payload: str) -> tuple[str, str] | None:
    """ "whosaid-donald-trump" → ("whosaid", "donald-trump"); None for any other /start text."""
    name, _, argument = payload.partition("-")
    if name.casefold() not in LINKED or len(payload.split()) != 1:
        return None
    return name.casefold(), argument


async def handle(request: Request, services: Services) -> Reply:
    try:
        subscription = await services.store.subscriptions.get(request.chat)
        chosen = await services.store.chats.lang(request.chat)
        # Every reply, errors included, in the language the chat chose, if it chose one.
        request = replace(request, lang=reply_lang(request.lang, subscription, chosen))
        answer = await _dispatch(request, services)
        return answer if answer.lang else replace(answer, lang=request.lang)
    except Exception:
        # The store or a platform failed under us: say so, and keep serving other chats.
        log.exception("%s failed in %s", echo(request.text), request.chat)
        return _error(request, "internal_error")


async def _dispatch(request: Request, services: Services) -> Reply:
    parsed = parse(request.text)
    if parsed is None:
        return _error(request, "not_a_command")
    name, args = parsed
    command = COMMANDS.get(name)
    if command is None:
        return _error(request, "unknown_command", command=echo(f"/{name}"))
    if name in ADMIN_ONLY and not request.is_admin:
        return _error(request, "not_bot_admin")
    return await command(request, services, args)


def _error(request: Request, key: str, **values: object) -> Reply:
    return replace(error_reply(request, request.lang, key, **values), lang=request.lang)
