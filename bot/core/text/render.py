"""Document → text for one output format: plain text, Telegram HTML or Discord markdown.

Every text from content or users is escaped here, and nowhere else: the renderers are the one
place where text turns into markup.
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable

from bot.core.content.schema import CONTROL_CHARACTERS
from bot.core.ports import Format
from bot.core.text.document import (
    BLOCK_BREAK,
    LINE_BREAK,
    Document,
    Span,
    Style,
    capped,
    first_lines,
    line_count,
    plain,
    visible,
)

# One message's size on each platform. Both count more than code points for some characters, so
# lengths are taken in UTF-16 code units, the stricter measure (an emoji counts 2).
MESSAGE_LIMIT: dict[Format, int] = {
    Format.TEXT: 1_000_000,
    Format.TELEGRAM: 4096,
    Format.DISCORD: 2000,
}


def message_length(message: str) -> int:
    return len(message.encode("utf-16-le")) // 2


def fits(message: str, fmt: Format) -> bool:
    return message_length(message) <= MESSAGE_LIMIT[fmt]


# Platforms refuse some control characters, and a console would run a terminal escape. Content
# is checked for them at load; what users type is not, so they are dropped from every span here.
_CONTROL = re.compile(CONTROL_CHARACTERS)


def printable(text: str) -> str:
    return _CONTROL.sub("", text)


def render(document: Document, fmt: Format) -> str:
    span_markup = _MARKUP[fmt]
    message = BLOCK_BREAK.join(
        LINE_BREAK.join(
            "".join(
                span_markup(Span(printable(span.text), span.style), index == 0)
                for index, span in enumerate(line)
            )
            for line in block
        )
        for block in document
    )
    # Mentions are checked on the whole message: "@" ending one span and "everyone" starting
    # the next would otherwise join into a live mention.
    return neutralize_mentions(message) if fmt is Format.DISCORD else message


def within_limit(document: Document, fmt: Format) -> Document:
    """The document cut to fit one message, whatever the content: the last resort for a document
    that cannot be made to fit otherwise. Lines are cut to the longest length at which it fits,
    so short lines stay whole; should there be too many lines for even one character each, the
    last lines go first. Both are found by bisection: a 20,000-character field costs some 15
    renders, not hundreds."""

    def fitting(candidate: Document) -> bool:
        return fits(render(candidate, fmt), fmt)

    if fitting(document):
        return document
    kept = _largest(1, line_count(document), lambda n: fitting(capped(first_lines(document, n), 1)))
    document = first_lines(document, kept)
    longest = max(len(plain(((line,),))) for block in document for line in block)
    return capped(document, _largest(1, longest, lambda cap: fitting(capped(document, cap))))


def _largest(low: int, high: int, holds: Callable[[int], bool]) -> int:
    """The largest n in [low, high] for which `holds` (true up to some n, false after), or low."""
    while low < high:
        middle = (low + high + 1) // 2
        if holds(middle):
            low = middle
        else:
            high = middle - 1
    return low


# --- plain text ---


def _text_span(span: Span, line_start: bool) -> str:
    return visible(span)


# --- Telegram: HTML parse mode, where only <, > and & need escaping outside attributes ---

_TELEGRAM_TAG = {Style.PLAIN: "", Style.BOLD: "b", Style.ITALIC: "i"}


def _telegram_span(span: Span, line_start: bool) -> str:
    text = html.escape(span.text, quote=False)
    if span.style is Style.DETAIL:
        # Folded under its heading: the reader taps to open it.
        return f"\n<blockquote expandable>{text}</blockquote>" if text else ""
    tag = _TELEGRAM_TAG[span.style]
    return f"<{tag}>{text}</{tag}>" if tag and text else text


# --- Discord: markdown, escaped, and no text may mention anyone ---

_DISCORD_WRAP = {Style.PLAIN: "", Style.BOLD: "**", Style.ITALIC: "*"}
_MARKDOWN_CHARS = re.compile(r"([\\*_~`|<>\[\]])")
# Headings, lists and numbered lists are markup only at the start of a line.
# [^\S\n]: white space within the line; `\s*` would run across line breaks, so a run of n blank
# lines was scanned again from each of them (quadratic).
_LINE_MARKUP = r"([^\S\n]*)([#+-]|\d+\.)"
_AT_LINE_START = re.compile(rf"^{_LINE_MARKUP}", re.MULTILINE)
_AFTER_NEWLINE = re.compile(rf"(\n){_LINE_MARKUP}")
_MASS_MENTION = re.compile(r"@(everyone|here)", re.IGNORECASE)
ZERO_WIDTH_SPACE = "\u200b"


def escape_discord(text: str, at_line_start: bool = True) -> str:
    """Text that Discord shows as written: no markup, no mention of anyone."""
    return neutralize_mentions(_escape_markdown(text, at_line_start))


def _escape_markdown(text: str, at_line_start: bool) -> str:
    text = _MARKDOWN_CHARS.sub(r"\\\1", text)
    line_markup = _AT_LINE_START if at_line_start else _AFTER_NEWLINE
    return line_markup.sub(_escape_line_markup, text)


def neutralize_mentions(text: str) -> str:
    """ "@everyone" and "@here" shown as written, mentioning no one (our markup has no "@")."""
    return _MASS_MENTION.sub(f"@{ZERO_WIDTH_SPACE}\\1", text)


def _escape_line_markup(match: re.Match[str]) -> str:
    *before, marker = match.groups()
    # "1." is escaped at its dot: a backslash before a digit would show.
    escaped = f"{marker[:-1]}\\." if marker.endswith(".") else f"\\{marker}"
    return "".join(before) + escaped


def _discord_span(span: Span, line_start: bool) -> str:
    if not span.text:
        return ""
    if span.style is Style.DETAIL:
        # A quotation under its heading, every line of it ("> " marks one line).
        return "".join(f"\n> {_escape_markdown(line, True)}" for line in span.text.split("\n"))
    wrap = _DISCORD_WRAP[span.style]
    # Inside ** or * a leading "#" is no heading, so only bare text at a line's start needs it.
    # Mentions are neutralised once, on the whole message (see render).
    return f"{wrap}{_escape_markdown(span.text, line_start and not wrap)}{wrap}"


_MARKUP: dict[Format, Callable[[Span, bool], str]] = {
    Format.TEXT: _text_span,
    Format.TELEGRAM: _telegram_span,
    Format.DISCORD: _discord_span,
}
