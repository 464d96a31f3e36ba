"""/start, /help, /digest and /whosaid: what any member of a chat may ask."""

from __future__ import annotations

from bot.core.commands.base import Choice, Reply, Request, plain_line, reply
from bot.core.commands.subscriptions import SUBSCRIBE_USAGE
from bot.core.models import Lang
from bot.core.services import Services
from bot.core.text.compose import Window
from bot.core.text.document import Document, Line, Span, Style
from bot.core.text.fitting import no_digest_message, whosaid_message
from bot.core.text.layout import BULLET
from bot.core.text.strings import say
from bot.core.text.whosaid import Ambiguous

WHOSAID_LIMIT = 5


async def start(request: Request, services: Services, args: str) -> Reply:
    """Say what Ringkas is and list the commands."""
    lang = request.lang
    return reply(request, plain_line(say(lang, "welcome")), _commands(request, lang))


async def help_(request: Request, services: Services, args: str) -> Reply:
    """List the commands (admin commands only to admins)."""
    lang = request.lang
    return reply(request, _commands(request, lang))


def _commands(request: Request, lang: Lang) -> Document:
    def line(usage: str, key: str) -> Line:
        return (Span(BULLET), Span(usage, Style.BOLD), Span(f" — {say(lang, key)}"))

    everyone: tuple[Line, ...] = (
        (Span(say(lang, "commands"), Style.BOLD),),
        line(SUBSCRIBE_USAGE, "help_subscribe"),
        line("/unsubscribe", "help_unsubscribe"),
        line("/settings", "help_settings"),
        line("/digest", "help_digest"),
        line(f"/whosaid <{say(lang, 'arg_name_or_topic')}>", "help_whosaid"),
        line(f"/follow <{say(lang, 'arg_name_or_topic')}>", "help_follow"),
        line("/unfollow", "help_unfollow"),
        line("/following", "help_following"),
        line("/lang en|id", "help_lang"),
    )
    document: Document = (everyone, ((Span(say(lang, "help_example")),),))
    if request.is_admin:
        admin: tuple[Line, ...] = (
            (Span(say(lang, "admin_commands"), Style.BOLD),),
            line(f"/push [{say(lang, 'arg_summary_or_text')}]", "help_push"),
            line("/status", "help_status"),
            line("/reload", "help_reload"),
        )
        document += (admin,)
    return document


async def digest(request: Request, services: Services, args: str) -> Reply:
    """The current digest, in each language this chat reads."""
    current = await services.store.subscriptions.get(request.chat)
    langs = current.plan.langs if current else (request.lang,)
    messages = tuple(
        services.library.digest(lang, request.fmt) or no_digest_message(lang, request.fmt, Window())
        for lang in langs
    )
    return Reply(messages, digest=True)


async def whosaid(request: Request, services: Services, args: str) -> Reply:
    """Who said what: a name, alias, role or topic; an ambiguous name offers the candidates."""
    lang = request.lang
    index = services.library.edition.index
    answer, message = whosaid_message(index, args, lang, request.fmt, WHOSAID_LIMIT)
    choices: tuple[Choice, ...] = ()
    if isinstance(answer, Ambiguous):
        choices = tuple(
            Choice(person.name.get(lang), f"/whosaid {person.id}") for person in answer.candidates
        )
    return Reply((message,), choices)
