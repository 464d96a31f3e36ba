"""`ringkas subscribers list|add|remove`, `ringkas push` and `ringkas status`: operators' tools on
the store."""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import sys
from typing import Any

from bot.adapters.console import ConsoleSender
from bot.app import Runtime, open_runtime, platform_senders, platform_tokens
from bot.cli.common import (
    NOTHING,
    OK,
    Failure,
    configure_logs,
    count,
    run_async,
    settings_of,
    store_options,
)
from bot.core import status
from bot.core.commands.admin import status_document
from bot.core.commands.arguments import ArgError, parse_subscribe
from bot.core.delivery.pushes import AnnouncementTooLong, NothingToPush
from bot.core.ports import ChatKind, ChatRef, Format, SystemClock
from bot.core.store.outbox import Progress
from bot.core.store.records import PushState
from bot.core.subscription import State, Subscription
from bot.core.text.layout import target_label
from bot.core.text.render import render
from bot.core.text.strings import say

OPERATOR = "operator"


def add_parsers(commands: Any) -> None:
    subscribers = commands.add_parser("subscribers", help="list, add or remove subscriptions")
    actions = subscribers.add_subparsers(required=True, metavar="ACTION")

    listing = actions.add_parser(
        "list", help="every subscription and follow, with state and pause reason"
    )
    listing.add_argument("--platform", help="only this platform")
    listing.add_argument("--state", choices=[s.value for s in State], help="only this state")
    store_options(listing)
    listing.set_defaults(run=lambda args: _with_runtime(args, _list))

    add = actions.add_parser("add", help="subscribe a chat, e.g. telegram:-1001234 id 07:00 WIB")
    add.add_argument("chat", type=_chat, metavar="PLATFORM:CHAT_ID[/THREAD]")
    add.add_argument("plan", nargs="*", metavar="ARG", help="as /subscribe: en|id|both HH:MM zone")
    add.add_argument(
        "--kind",
        choices=[k.value for k in ChatKind],
        default=ChatKind.GROUP.value,
        help="what the chat is (sets its rate limit; default group)",
    )
    store_options(add)
    add.set_defaults(run=lambda args: _with_runtime(args, _add))

    remove = actions.add_parser("remove", help="delete a chat's subscription")
    remove.add_argument("chat", type=_chat, metavar="PLATFORM:CHAT_ID[/THREAD]")
    store_options(remove)
    remove.set_defaults(run=lambda args: _with_runtime(args, _remove))

    showing = commands.add_parser(
        "status", help="what /status shows: subscriptions, deliveries, content, pushes, audit"
    )
    showing.add_argument("--json", action="store_true", help="one JSON object, for scripts")
    store_options(showing)
    showing.set_defaults(run=lambda args: _with_runtime(args, _status))

    push = commands.add_parser(
        "push", help="send the digest (no option), a summary or an announcement to everyone"
    )
    what = push.add_mutually_exclusive_group()
    what.add_argument("--summary", metavar="ID", help="a summary's id")
    what.add_argument("--text-en", metavar="TEXT", help="announcement in English (with --text-id)")
    push.add_argument("--text-id", metavar="TEXT", help="announcement in Indonesian")
    push.add_argument("--yes", action="store_true", help="send without asking")
    store_options(push)
    push.set_defaults(run=lambda args: _with_runtime(args, _push, sending=True))


def _with_runtime(args: argparse.Namespace, action: Any, sending: bool = False) -> int:
    """Run `action` on the store and content; `sending` connects the platforms with a token and
    sends, unless another process already sends from the store."""
    settings = settings_of(args, store=True)
    configure_logs(args, settings, logging.WARNING)
    tokens = platform_tokens(settings) if sending else {}

    async def main() -> int:
        async with (
            platform_senders(settings, tokens) as senders,
            open_runtime(
                settings, SystemClock(), [ConsoleSender(sys.stdout), *senders], send=sending
            ) as runtime,
        ):
            return int(await action(args, runtime))

    return run_async(main())


async def _list(args: argparse.Namespace, runtime: Runtime) -> int:
    store = runtime.services.store
    shown = 0
    async for sub in store.subscriptions.all(args.platform):
        if args.state and sub.state != args.state:
            continue
        print(_row(sub))
        shown += 1
    following = 0
    catalog = runtime.services.library.catalog
    async for chat, targets in store.follows.by_chat(args.platform):
        state = State.PAUSED if chat.gone else State.ACTIVE
        if args.state and state != args.state:
            continue
        labels = "; ".join(target_label(catalog, target, "en") for target in targets)
        cells = [str(chat.chat), chat.kind.value, chat.lang, f"follows {labels}", "-", state.value]
        print("\t".join(cells + ([chat.gone] if chat.gone else [])))
        following += 1
    summary = count(shown, "subscription", "subscriptions")
    if following:
        summary += ", " + count(following, "chat following", "chats following")
    print(summary, file=sys.stderr)
    return OK if shown or following else NOTHING


def _row(sub: Subscription) -> str:
    plan = sub.plan
    times = " ".join(t.strftime("%H:%M") for t in plan.times) or "-"
    cells = [
        str(sub.chat),
        sub.chat_kind.value,
        plan.languages,
        times + (" +instant" if plan.instant else ""),
        plan.timezone,
        sub.state.value,
    ]
    if sub.state is State.PAUSED:
        cells.append(f"since {sub.paused_at:%Y-%m-%d %H:%M} UTC: {sub.paused_reason}")
    elif sub.next_due is not None:
        cells.append(f"next {sub.next_due:%Y-%m-%d %H:%M} UTC")
    return "\t".join(cells)


async def _status(args: argparse.Namespace, runtime: Runtime) -> int:
    facts = await status.gather(runtime.services)
    if args.json:
        print(json.dumps(status.as_json(facts), ensure_ascii=False, indent=2))
    else:  # in English, as the other operators' tools
        print(render(status_document(facts, "en"), Format.TEXT))
    return OK


async def _add(args: argparse.Namespace, runtime: Runtime) -> int:
    services = runtime.services
    parsed = parse_subscribe(" ".join(args.plan))
    if isinstance(parsed, ArgError):
        message = say("en", parsed.key, value=parsed.value, count=parsed.count, usage="")
        raise Failure([message.removesuffix(" Usage: ").strip()])
    current = await services.store.subscriptions.get(args.chat)
    plan = parsed.applied_to(current.plan if current else services.defaults.plan())
    now = services.clock.now()
    sub = await services.store.subscriptions.subscribe(
        args.chat, ChatKind(args.kind), plan, OPERATOR, now
    )
    await services.store.audit.record(OPERATOR, "subscribers-add", _row(sub), now)
    print(_row(sub))
    return OK


async def _remove(args: argparse.Namespace, runtime: Runtime) -> int:
    store, now = runtime.services.store, runtime.services.clock.now()
    if not await store.subscriptions.remove(args.chat, now):
        raise Failure([f"{args.chat}: no such subscription"])
    await store.audit.record(OPERATOR, "subscribers-remove", str(args.chat), now)
    print(f"{args.chat}: removed")
    return OK


async def _push(args: argparse.Namespace, runtime: Runtime) -> int:
    services = runtime.services
    if args.text_en is not None and not args.text_id:
        raise Failure(["--text-en needs --text-id: announcements go out in both languages"])
    if args.summary and args.summary not in {s.id for s in services.library.catalog.summaries}:
        raise Failure([f"no summary {args.summary!r} in {runtime.settings.content}"])
    try:
        push = await services.propose_push(
            OPERATOR, summary_id=args.summary, text_en=args.text_en, text_id=args.text_id
        )
    except AnnouncementTooLong:
        raise Failure(["the announcement does not fit in one message; make it shorter"]) from None
    except NothingToPush:
        raise Failure([f"no summaries in {runtime.settings.content}: no digest to push"]) from None
    if push.state is PushState.SENT:
        print(f"push {push.id} was already sent; it is not sent twice", file=sys.stderr)
        _show_progress(push.id, await services.pusher.progress(push.id), final=True)
        return OK
    print(services.pusher.text(push, runtime.settings.language, Format.TEXT))
    if not args.yes and not _confirmed(push.id):
        await services.cancel_push(push, OPERATOR)
        print(f"push {push.id} cancelled: nothing was sent", file=sys.stderr)
        return NOTHING
    if await services.confirm_push(push, OPERATOR) is None:
        print(f"push {push.id} was sent or cancelled meanwhile; not sent again", file=sys.stderr)
    if runtime.sends:  # else the process that holds the store sends it
        drain = asyncio.create_task(runtime.dispatcher.drain(wait_up_to=30))
        while not drain.done():
            _show_progress(push.id, await services.pusher.progress(push.id))
            await asyncio.wait([drain], timeout=0.5)
        await drain
    progress = await services.pusher.progress(push.id)
    _show_progress(push.id, progress, final=True)
    if progress.waiting:
        print(
            f"{progress.waiting} deliveries wait for the running bot (`ringkas run`) to send",
            file=sys.stderr,
        )
    return OK


def _confirmed(push_id: str) -> bool:
    print(f"Send push {push_id} to every subscriber? [y/N] ", end="", file=sys.stderr, flush=True)
    answer = sys.stdin.readline().strip().casefold()
    return answer in ("y", "yes", "ya")


def _show_progress(push_id: str, progress: Progress, final: bool = False) -> None:
    total = max(progress.total, 1)
    done = progress.delivered + progress.failed
    bar = "#" * (30 * done // total)
    line = (
        f"push {push_id}: delivered {progress.delivered}/{progress.total}, "
        f"failed {progress.failed} [{bar:<30}]"
    )
    if sys.stderr.isatty():
        print(f"\r{line}", end="\n" if final else "", file=sys.stderr, flush=True)
    elif final:
        print(line, file=sys.stderr)


def _chat(value: str) -> ChatRef:
    try:
        return ChatRef.parse(value)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None
