"""/lang: the language a chat is answered in, with or without a subscription (and its digest's,
when it has one)."""

from __future__ import annotations

from dataclasses import replace

from babel import Locale

from bot.core.commands.arguments import parse_language
from bot.core.commands.base import Reply, Request, error_reply, plain_line, reply, say_reply
from bot.core.services import Services
from bot.core.text.strings import say


async def lang(request: Request, services: Services, args: str) -> Reply:
    """Set the language of this chat's replies (and digest); bare, say which it is. Like the
    subscription, a chat's administrators' to change."""
    current = request.lang
    if not request.can_manage:
        return error_reply(request, current, "not_chat_admin_lang")
    if not args.strip():
        language = Locale(current).languages[current]
        return say_reply(request, current, "lang_current", language=language)
    chosen = parse_language(args)
    if chosen is None or chosen == "both" or len(args.split()) > 1:
        return error_reply(request, current, "lang_usage")
    await services.store.chats.set_lang(request.chat, request.chat_kind, chosen)
    subscribed = await services.store.subscriptions.set_languages(request.chat, chosen)
    language = Locale(chosen).languages[chosen]
    lines = [say(chosen, "lang_set", language=language)]
    if subscribed:
        lines.append(say(chosen, "lang_set_digest", language=language))
    return replace(reply(request, plain_line(" ".join(lines))), lang=chosen)
