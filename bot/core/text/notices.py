"""The notes the bot's admins get without asking (content problems, alerts), and the pieces
/status shares with them: a block with a heading, and times in UTC."""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import Sequence

from bot.core.content.problems import ContentError
from bot.core.models import Lang
from bot.core.ports import Format
from bot.core.text.document import Block, Document, Line, Span, Style
from bot.core.text.render import render, within_limit
from bot.core.text.strings import say

LISTED = 10  # problems, paused chats and audit entries shown before "… and N more"


def block(heading: str | None, lines: Sequence[str]) -> Block:
    head: tuple[Line, ...] = ((Span(heading, Style.BOLD),),) if heading else ()
    return (*head, *((Span(line),) for line in lines))


def utc(moment: dt.datetime) -> str:
    return moment.astimezone(dt.UTC).strftime("%Y-%m-%d %H:%M UTC")


def problems_document(errors: Sequence[ContentError | str], lang: Lang) -> Document:
    shown = [str(error) for error in itertools.islice(errors, LISTED)]
    if len(errors) > LISTED:
        shown.append(say(lang, "more", count=len(errors) - LISTED))
    return (block(say(lang, "content_problems", count=len(errors)), shown),)


def notice(document: Document, fmt: Format) -> str:
    """A note to the admins as one message, cut to fit if it must."""
    return render(within_limit(document, fmt), fmt)


def problems_notice(errors: Sequence[ContentError], lang: Lang, fmt: Format) -> str:
    """The note the admins get when a content change fails validation."""
    return notice(problems_document(errors, lang), fmt)


def reasons(found: Sequence[tuple[str, int]]) -> str:
    """ "chat gone: blocked (18), timed out (2)": the commonest reasons, with their counts."""
    return ", ".join(f"{reason or '—'} ({count})" for reason, count in found)


def alert_notice(key: str, lang: Lang, fmt: Format, **values: object) -> str:
    """An alert: what happened (`alert_<key>`), and what the admin can do about it."""
    lines = [say(lang, f"alert_{key}", **values), say(lang, f"alert_{key}_action")]
    return notice((block(say(lang, "alert_title"), lines),), fmt)
