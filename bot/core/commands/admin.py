"""/push, /status and /reload: for the bot's admins only (the dispatcher checks)."""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import Sequence

from bot.core.commands.base import (
    Choice,
    Reply,
    Request,
    echo,
    fit_messages,
    plain_line,
    reply,
    say_reply,
)
from bot.core.content.problems import ContentError
from bot.core.delivery.pushes import AnnouncementTooLong, NothingToPush, progress_line
from bot.core.library import ReloadFailed
from bot.core.models import Lang
from bot.core.ports import Format
from bot.core.services import Services
from bot.core.store.records import Push, PushState
from bot.core.store.tables import OutboxState
from bot.core.subscription import State
from bot.core.text.document import Block, Document, Line, Span, Style
from bot.core.text.render import render
from bot.core.text.strings import say

STATES = (OutboxState.PENDING, OutboxState.SENDING, OutboxState.DELIVERED, OutboxState.FAILED)
LISTED = 10  # problems, paused chats and audit entries shown before "… and N more"
# Finished deliveries are counted over this last stretch: the store keeps weeks of them, and
# counting them all would make /status take seconds (benchmarks/bench_retention.py).
RECENT = dt.timedelta(hours=24)


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
        plain_line(say(lang, "push_already_sent", id=stored.id, when=_utc(sent_at))),
        plain_line(progress_line(lang, stored.id, progress)),
    )


async def status(request: Request, services: Services, args: str) -> Reply:
    """Subscriptions per platform, deliveries by state, the content in service, paused chats."""
    lang = request.lang
    document = await _overview(services, lang)
    if services.library.problems:
        document += _problems(services.library.problems, lang)
    if failed := services.replies.counts.failed:
        reasons = ", ".join(f"{reason} ({n})" for reason, n in failed.most_common())
        line = say(lang, "status_replies_failed", count=failed.total(), reasons=reasons)
        document += (_block(None, [line]),)
    if paused := await services.store.subscriptions.paused(LISTED):
        lines = [
            say(
                lang,
                "status_paused_chat",
                chat=str(s.chat),
                when=_utc(s.paused_at or s.subscribed_at),
                reason=echo(s.paused_reason or ""),
            )
            for s in paused
        ]
        document += (_block(say(lang, "status_paused"), lines),)
    # A push sent before the retention period has had its deliveries pruned: no progress left.
    kept = services.clock.now() - services.retention
    recent = await services.store.pushes.recent_sent(3)
    if pushes := [sent for sent in recent if sent.sent_at is not None and sent.sent_at >= kept]:
        lines = []
        for sent in pushes:
            progress = await services.pusher.progress(sent.id)
            lines.append(progress_line(lang, sent.id, progress))
        document += (_block(say(lang, "status_pushes"), lines),)
    if audit := await services.store.audit.recent(5):
        lines = [f"{_utc(e.at)} {e.actor} {e.action} {echo(e.detail)}" for e in audit]
        document += (_block(say(lang, "status_audit"), lines),)
    return reply(request, document)


async def _overview(services: Services, lang: Lang) -> Document:
    """Subscriptions per platform; deliveries waiting and sending, those finished in the last
    RECENT, and the content in service."""
    counts = await services.store.subscriptions.counts()
    per_platform = [
        say(
            lang,
            "status_subscriptions",
            platform=platform,
            active=counts.get((platform, State.ACTIVE), 0),
            paused=counts.get((platform, State.PAUSED), 0),
        )
        for platform in sorted({platform for platform, _ in counts})
    ] or [say(lang, "status_no_subscriptions")]
    outbox = await services.store.outbox.counts(since=services.clock.now() - RECENT)
    catalog, loaded_at = services.library.catalog, services.library.edition.loaded_at
    return (
        _block(say(lang, "status_title"), per_platform),
        _block(
            None,
            [
                say(lang, "status_deliveries", **{state: outbox.get(state, 0) for state in STATES}),
                say(
                    lang,
                    "status_content",
                    summaries=len(catalog.summaries),
                    statements=len(catalog.statements),
                    when=_utc(loaded_at),
                ),
            ],
        ),
    )


def _block(heading: str | None, lines: Sequence[str]) -> Block:
    head: tuple[Line, ...] = ((Span(heading, Style.BOLD),),) if heading else ()
    return (*head, *((Span(line),) for line in lines))


async def reload(request: Request, services: Services, args: str) -> Reply:
    """Load the content again now; with problems, the last good content stays in service."""
    lang = request.lang
    result = await services.reload()
    now = services.clock.now()
    if isinstance(result, ReloadFailed):
        detail = f"{len(result.errors)} problems"
        await services.store.audit.record(_actor(request), "reload", detail, now)
        return reply(request, _problems(result.errors, lang))
    catalog = result.edition.catalog
    detail = f"{len(catalog.summaries)} summaries, edition {result.edition.selection}"
    await services.store.audit.record(_actor(request), "reload", detail, now)
    return say_reply(
        request, lang, "reloaded",
        summaries=len(catalog.summaries), statements=len(catalog.statements),
    )  # fmt: skip


def _problems(errors: Sequence[ContentError], lang: Lang) -> Document:
    shown = [str(error) for error in itertools.islice(errors, LISTED)]
    if len(errors) > LISTED:
        shown.append(say(lang, "more", count=len(errors) - LISTED))
    return (_block(say(lang, "content_problems", count=len(errors)), shown),)


def _actor(request: Request) -> str:
    return f"{request.chat.platform}:{request.user}"


def _utc(moment: dt.datetime) -> str:
    return moment.astimezone(dt.UTC).strftime("%Y-%m-%d %H:%M UTC")


def problems_notice(errors: Sequence[ContentError], lang: Lang, fmt: Format) -> str:
    """The note the admins get when a content change fails validation."""
    return fit_messages(_problems(errors, lang), fmt)[0]
