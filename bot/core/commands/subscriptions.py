"""/subscribe, /unsubscribe and /settings: a chat's own subscription."""

from __future__ import annotations

from dataclasses import replace

from babel import Locale

from bot.core import timing
from bot.core.commands.arguments import ArgError, SubscribeArgs, parse_subscribe
from bot.core.commands.base import (
    Reply,
    Request,
    echo,
    error_reply,
    plain_line,
    reply,
    say_reply,
    when,
)
from bot.core.models import Lang
from bot.core.services import Services
from bot.core.subscription import Plan, State, Subscription
from bot.core.text.document import Document, Span, Style
from bot.core.text.strings import say

SUBSCRIBE_USAGE = "/subscribe [en|id|both] [HH:MM …|instant] [WIB|WITA|WIT|Area/City]"


def reply_lang(lang: Lang, subscription: Subscription | None, chosen: Lang | None = None) -> Lang:
    """The chat's chosen language, if it chose one (its digest's, else the one /lang or its
    first follow set); else the one the adapter gave."""
    if subscription is not None and subscription.plan.languages != "both":
        return subscription.plan.langs[0]
    return chosen or lang


async def subscribe(request: Request, services: Services, args: str) -> Reply:
    """Subscribe this chat, change its plan, or resume it as it was after a pause."""
    parsed = parse_subscribe(args)
    lang = request.lang
    if parsed.languages in ("en", "id"):
        lang = parsed.languages  # the chat just chose it (even if it then mistyped): answer in it
    return replace(await _subscribe(request, services, args, parsed, lang), lang=lang)


async def _subscribe(
    request: Request, services: Services, args: str, parsed: SubscribeArgs | ArgError, lang: Lang
) -> Reply:
    if not request.can_manage:
        return error_reply(request, lang, "not_chat_admin")
    if isinstance(parsed, ArgError):
        return _arg_error(request, lang, parsed)
    current = await services.store.subscriptions.get(request.chat)
    plan = parsed.applied_to(current.plan if current else services.defaults.plan(request.lang))
    subscription = await services.store.subscriptions.subscribe(
        request.chat,
        request.chat_kind,
        plan,
        request.user,
        services.clock.now(),
        request.chat_title,
    )
    if current is None:
        headline = "subscribed"
    elif current.state is State.PAUSED and not args.strip():
        headline = "resumed"
    else:
        headline = "updated"
    if plan.languages != "both" and await services.store.chats.lang(request.chat) is not None:
        # The chat's own language follows its latest choice: its follows come in it too.
        await services.store.chats.set_lang(request.chat, request.chat_kind, plan.languages)
    if plan.instant:
        await services.plan()  # an instant subscriber gets the current digest right away
    return reply(request, plain_line(say(lang, headline), Style.BOLD), describe(subscription, lang))


async def unsubscribe(request: Request, services: Services, args: str) -> Reply:
    """Stop the digest in this chat and forget its settings."""
    lang = request.lang
    if not request.can_manage:
        return error_reply(request, lang, "not_chat_admin")
    removed = await services.store.subscriptions.remove(request.chat, services.clock.now())
    return say_reply(request, lang, "unsubscribed" if removed else "not_subscribed")


async def settings(request: Request, services: Services, args: str) -> Reply:
    """This chat's subscription: languages, times, zone, state, next and last digest."""
    current = await services.store.subscriptions.get(request.chat)
    lang = request.lang
    if current is None:
        return say_reply(request, lang, "not_subscribed")
    return reply(
        request,
        plain_line(say(lang, "settings_title"), Style.BOLD),
        describe(current, lang),
        plain_line(say(lang, "plan_change")),
    )


def describe(subscription: Subscription, lang: Lang) -> Document:
    plan = subscription.plan
    zone = plan.timezone
    lines: list[str] = [say(lang, "plan_languages", languages=_languages(plan, lang))]
    times = say(lang, "and").join(timing.format_time(t, lang) for t in plan.times)
    zone_label = timing.zone_label(zone, lang)
    if plan.times and plan.instant:
        lines.append(say(lang, "plan_times_and_instant", times=times, zone=zone_label))
    elif plan.times:
        lines.append(say(lang, "plan_times", times=times, zone=zone_label))
    elif plan.instant:
        lines.append(say(lang, "plan_instant"))
    if subscription.state is State.PAUSED:
        assert subscription.paused_at is not None
        paused = when(subscription.paused_at, zone, lang)
        reason = echo(subscription.paused_reason or "")
        lines.append(say(lang, "plan_paused", when=paused, reason=reason))
    elif subscription.next_due is not None:
        lines.append(say(lang, "plan_next", when=when(subscription.next_due, zone, lang)))
    if subscription.last_sent_at is not None:
        lines.append(say(lang, "plan_last", when=when(subscription.last_sent_at, zone, lang)))
    return (tuple((Span(line),) for line in lines),)


def _languages(plan: Plan, lang: Lang) -> str:
    names = Locale(lang).languages
    if plan.languages == "both":
        return say(lang, "plan_both", en=names["en"], id=names["id"])
    return str(names[plan.languages])


def _arg_error(request: Request, lang: Lang, error: ArgError) -> Reply:
    return error_reply(
        request, lang, error.key, value=echo(error.value), count=error.count, usage=SUBSCRIBE_USAGE
    )
