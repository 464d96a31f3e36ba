"""/follow, /unfollow and /following: a chat told of new statements by a person or on a topic.

A follow is resolved as /whosaid resolves a query (a name, an alias, a role, a typo, a topic, a
person and a topic), so what a chat follows is what /whosaid would have shown it; several
people matching equally are offered as choices.
"""

from __future__ import annotations

from babel import Locale

from bot.core.commands.base import (
    Choice,
    Reply,
    Request,
    echo,
    error_reply,
    plain_line,
    reply,
    say_reply,
)
from bot.core.content.names import normalize
from bot.core.follow import Target
from bot.core.models import Lang
from bot.core.services import Services
from bot.core.store.follows import Added
from bot.core.text.document import Line, Span, Style
from bot.core.text.layout import BULLET, target_label
from bot.core.text.strings import say
from bot.core.text.whosaid import (
    Ambiguous,
    NothingFound,
    SpeakerFound,
    TopicFound,
    WhoSaid,
    topic_words,
)

FOLLOW_LIMIT = 20  # people and topics one chat may follow


def target_of(answer: WhoSaid) -> Target | None:
    """What a who-said answer names: a person, a topic, or a person on a topic; None when it
    names no one (ambiguous, or nothing found)."""
    match answer:
        case SpeakerFound(person=person, topic=topic):
            return Target(person.id, _topic(topic or ""))
        case TopicFound(query=query):
            return Target(topic=_topic(query))
    return None


def _topic(words: str) -> str:
    """A topic as kept: normalised, without the words too common to be one."""
    return " ".join(topic_words(normalize(words).split()))


def key_of(target: Target) -> str:
    """What /unfollow takes for a follow (its buttons send it): "donald-trump hostages"."""
    return " ".join(part for part in (target.person, target.topic) if part)


async def follow(request: Request, services: Services, args: str) -> Reply:
    """Follow a person or a topic here: new statements come to this chat once added."""
    lang = request.lang
    if not request.can_manage:
        return error_reply(request, lang, "not_chat_admin_follows")
    if not args.strip():
        return error_reply(request, lang, "follow_usage")
    catalog = services.library.catalog
    answer = services.library.edition.index.who_said(args, 1)
    target = target_of(answer)
    if target is None:
        return _unresolved(request, answer, lang)
    added = await services.store.follows.add(
        request.chat, request.chat_kind, lang, target, request.user, services.clock.now(),
        FOLLOW_LIMIT,
    )  # fmt: skip
    what = target_label(catalog, target, lang)
    if added is Added.TOO_MANY:
        return error_reply(request, lang, "follow_too_many", count=FOLLOW_LIMIT)
    if added is Added.ALREADY:
        return say_reply(request, lang, "follow_already", what=what)
    chat_lang = await services.store.chats.lang(request.chat) or lang
    language = Locale(lang).languages[chat_lang]
    return say_reply(request, lang, "followed", what=what, language=language)


def _unresolved(request: Request, answer: WhoSaid, lang: Lang) -> Reply:
    """Several people matched (choose one), or no one (the closest names, to choose from)."""
    if isinstance(answer, Ambiguous):
        question = say(lang, "follow_which", query=echo(answer.query))
        choices = tuple(
            _follow_choice(person.id, person.name.get(lang)) for person in answer.candidates
        )
        return reply(request, plain_line(question), choices=choices)
    assert isinstance(answer, NothingFound)
    if not answer.query.strip():
        return error_reply(request, lang, "follow_usage")
    closest = tuple(_follow_choice(p.id, p.name.get(lang)) for p in answer.closest)
    found = say(lang, "whosaid_nothing", query=echo(answer.query))
    return Reply(reply(request, plain_line(found)).messages, closest, error=True)


def _follow_choice(person_id: str, name: str) -> Choice:
    return Choice(name, f"/follow {person_id}")


async def unfollow(request: Request, services: Services, args: str) -> Reply:
    """Stop following a person or topic here; with nothing named, offer what the chat follows."""
    lang = request.lang
    if not request.can_manage:
        return error_reply(request, lang, "not_chat_admin_follows")
    followed = await services.store.follows.of_chat(request.chat)
    if not followed:
        return say_reply(request, lang, "following_none")
    catalog = services.library.catalog
    if not args.strip():
        choices = tuple(
            Choice(target_label(catalog, t, lang), f"/unfollow {key_of(t)}") for t in followed
        )
        return reply(request, plain_line(say(lang, "unfollow_which")), choices=choices)
    target = _followed_as(args, followed, services)
    if target is None or not await services.store.follows.remove(request.chat, target):
        return error_reply(request, lang, "not_following", query=echo(args))
    return say_reply(request, lang, "unfollowed", what=target_label(catalog, target, lang))


def _followed_as(args: str, followed: list[Target], services: Services) -> Target | None:
    """The follow `args` names: as /unfollow's buttons name it, else resolved as /follow
    resolves it."""
    typed = normalize(args)
    for target in followed:
        if typed == normalize(key_of(target)):
            return target
    return target_of(services.library.edition.index.who_said(args, 1))


async def following(request: Request, services: Services, args: str) -> Reply:
    """What this chat follows."""
    lang = request.lang
    followed = await services.store.follows.of_chat(request.chat)
    if not followed:
        return say_reply(request, lang, "following_none")
    catalog = services.library.catalog
    lines: tuple[Line, ...] = tuple(
        (Span(BULLET), Span(target_label(catalog, target, lang))) for target in followed
    )
    heading: Line = (Span(say(lang, "following_title"), Style.BOLD),)
    return reply(request, ((heading, *lines),))
