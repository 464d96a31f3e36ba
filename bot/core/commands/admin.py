"""/push, /status and /reload: for the bot's admins only (the dispatcher checks)."""

from __future__ import annotations

from bot.core.commands.base import (
    Choice,
    Reply,
    Request,
    echo,
    plain_line,
    reply,
    say_reply,
)
from bot.core.delivery.pushes import AnnouncementTooLong, NothingToPush, progress_line
from bot.core.library import ReloadFailed
from bot.core.models import Lang
from bot.core.services import Services
from bot.core.status import Status, gather
from bot.core.store.records import Push, PushState
from bot.core.store.tables import OutboxState
from bot.core.subscription import State
from bot.core.text.document import Document
from bot.core.text.notices import block, problems_document, utc
from bot.core.text.render import render
from bot.core.text.strings import say

STATES = (OutboxState.PENDING, OutboxState.SENDING, OutboxState.DELIVERED, OutboxState.FAILED)


async def push(request: Request, services: Services, args: str) -> Reply:
    """Preview the digest (no argument), a summary or an announcement for every subscriber;
    send it once confirmed."""
    lang = request.lang
    verb, _, rest = args.partition(" ")
    if verb.casefold() in ("confirm", "cancel") and rest.strip():
        return await _decide(request, services, verb.casefold(), rest.strip())
    if verb.casefold() in ("confirm", "cancel"):
        newest = ", ".join(s.id for s in services.library.catalog.summaries[:5])
        return say_reply(request, lang, "push_usage", ids=newest or "—")
    is_summary = any(s.id == args.strip() for s in services.library.catalog.summaries)
    try:
        if not args.strip():  # what an admin means by a bare /push: the digest, now
            stored = await services.propose_push(_actor(request))
        elif is_summary:
            stored = await services.propose_push(_actor(request), summary_id=args.strip())
        else:
            stored = await services.propose_push(_actor(request), text_en=args, text_id=args)
    except AnnouncementTooLong:
        return say_reply(request, lang, "push_too_long")
    except NothingToPush:
        return say_reply(request, lang, "no_news_yet")
    if stored.state is PushState.SENT:
        return await _already_sent(request, services, stored)
    counts = await services.store.subscriptions.counts()
    chats = sum(n for (_, state), n in counts.items() if state is State.ACTIVE)
    preview = services.pusher.text(stored, lang, request.fmt)
    question = render(plain_line(say(lang, "push_preview", id=stored.id, count=chats)), request.fmt)
    choices = (
        Choice(say(lang, "push_send"), f"/push confirm {stored.id}"),
        Choice(say(lang, "push_cancel"), f"/push cancel {stored.id}"),
    )
    return Reply((preview, question), choices)


async def _decide(request: Request, services: Services, verb: str, push_id: str) -> Reply:
    lang = request.lang
    stored = await services.store.pushes.get(push_id)
    if stored is None:
        return say_reply(request, lang, "push_unknown", id=echo(push_id))
    if stored.state is PushState.DRAFT:
        if verb == "cancel" and await services.cancel_push(stored, _actor(request)):
            return say_reply(request, lang, "push_cancelled", id=stored.id)
        if verb == "confirm":
            queued = await services.confirm_push(stored, _actor(request))
            if queued is not None:
                answer = say_reply(request, lang, "push_sending", id=stored.id, count=queued)
                return Reply(answer.messages, push_id=stored.id)
        # Another admin or an earlier button decided first: say what became of it.
        stored = await services.store.pushes.get(push_id) or stored
    if stored.state is PushState.SENT:
        return await _already_sent(request, services, stored)
    return say_reply(request, lang, "push_was_cancelled", id=stored.id)


async def _already_sent(request: Request, services: Services, stored: Push) -> Reply:
    lang = request.lang
    sent_at = stored.sent_at or stored.created_at
    progress = await services.pusher.progress(stored.id)
    return reply(
        request,
        plain_line(say(lang, "push_already_sent", id=stored.id, when=utc(sent_at))),
        plain_line(progress_line(lang, stored.id, progress)),
    )


async def status(request: Request, services: Services, args: str) -> Reply:
    """Subscriptions per platform, deliveries by state, the content in service, paused chats."""
    lang = request.lang
    own: Document = ()  # this process's count of replies given up, not the store's
    if failed := services.replies.counts.failed:
        reasons = ", ".join(f"{reason} ({n})" for reason, n in failed.most_common())
        line = say(lang, "status_replies_failed", count=failed.total(), reasons=reasons)
        own = (block(None, [line]),)
    return reply(request, status_document(await gather(services), lang, own))


def status_document(facts: Status, lang: Lang, own: Document = ()) -> Document:
    """/status and `ringkas status`: subscriptions per platform; deliveries by state and the
    content in service; its problems, what this process adds (`own`), paused chats, recent
    pushes and admin actions."""
    per_platform = [
        say(
            lang,
            "status_subscriptions",
            platform=platform,
            active=by_state[State.ACTIVE],
            paused=by_state[State.PAUSED],
        )
        for platform, by_state in facts.subscriptions.items()
    ] or [say(lang, "status_no_subscriptions")]
    document: Document = (
        block(say(lang, "status_title"), per_platform),
        block(
            None,
            [
                say(lang, "status_deliveries", **{s: facts.deliveries[s] for s in STATES}),
                say(
                    lang,
                    "status_content",
                    summaries=facts.summaries,
                    statements=facts.statements,
                    when=utc(facts.content_loaded_at),
                ),
            ],
        ),
    )
    if facts.problems:
        document += problems_document(facts.problems, lang)
    document += own
    if facts.paused:
        lines = [
            say(
                lang,
                "status_paused_chat",
                chat=p.chat,
                when=utc(p.since),
                reason=echo(p.reason),
            )
            for p in facts.paused
        ]
        document += (block(say(lang, "status_paused"), lines),)
    if facts.pushes:
        lines = [progress_line(lang, p.id, p.progress) for p in facts.pushes]
        document += (block(say(lang, "status_pushes"), lines),)
    if facts.audit:
        lines = [f"{utc(e.at)} {e.actor} {e.action} {echo(e.detail)}" for e in facts.audit]
        document += (block(say(lang, "status_audit"), lines),)
    return document


async def reload(request: Request, services: Services, args: str) -> Reply:
    """Load the content again now; with problems, the last good content stays in service."""
    lang = request.lang
    result = await services.reload()
    now = services.clock.now()
    if isinstance(result, ReloadFailed):
        detail = f"{len(result.errors)} problems"
        await services.store.audit.record(_actor(request), "reload", detail, now)
        return reply(request, problems_document(result.errors, lang))
    catalog = result.edition.catalog
    detail = f"{len(catalog.summaries)} summaries, edition {result.edition.selection}"
    await services.store.audit.record(_actor(request), "reload", detail, now)
    return say_reply(
        request, lang, "reloaded",
        summaries=len(catalog.summaries), statements=len(catalog.statements),
    )  # fmt: skip


def _actor(request: Request) -> str:
    return f"{request.chat.platform}:{request.user}"
