"""/start, /help, /digest, /whosaid and /timeline: what any member of a chat may ask."""

from __future__ import annotations

from bot.core.commands.base import Choice, Picture, Reply, Request, plain_line, reply, say_reply
from bot.core.commands.subscriptions import SUBSCRIBE_USAGE
from bot.core.models import Catalog, Lang
from bot.core.services import Services
from bot.core.text.compose import Window
from bot.core.text.document import Document, Line, Span, Style
from bot.core.text.fitting import answer_message, no_digest_message
from bot.core.text.layout import BULLET
from bot.core.text.render import render
from bot.core.text.strings import say
from bot.core.text.timeline import Timeline, caption_document, timeline_of
from bot.core.text.whosaid import Ambiguous, WhoSaid

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
        line(f"/timeline [{say(lang, 'arg_name_or_topic')}]", "help_timeline"),
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
    index = services.library.edition.index
    return _in_words(request, index.catalog, index.who_said(args, WHOSAID_LIMIT), "whosaid")


async def timeline(request: Request, services: Services, args: str) -> Reply:
    """Who said what, when: a picture by day and by lane of every statement, or of a person's
    or a topic's; in words, as /whosaid answers, when the query finds nothing to draw."""
    lang = request.lang
    library = services.library
    index = library.edition.index
    found = timeline_of(index, args, lang)
    if found is None:
        return say_reply(request, lang, "timeline_none")
    if not isinstance(found, Timeline):
        return _in_words(request, index.catalog, found, "timeline")
    png = await library.pictures.timeline(found)  # drawn in a worker thread, or cached
    caption = render(caption_document(found, args), request.fmt)
    return Reply((caption,), picture=Picture(png, f"ringkas-timeline-{lang}.png"))


def _in_words(request: Request, catalog: Catalog, answer: WhoSaid, command: str) -> Reply:
    """A who-said-what answer as a message; candidates for an ambiguous name as choices that
    ask `command` again for one of them."""
    lang = request.lang
    answer, message = answer_message(catalog, answer, lang, request.fmt)
    choices: tuple[Choice, ...] = ()
    if isinstance(answer, Ambiguous):
        choices = tuple(
            Choice(person.name.get(lang), f"/{command} {person.id}") for person in answer.candidates
        )
    return Reply((message,), choices)
