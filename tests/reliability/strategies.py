"""Hostile input for property-based tests, and the checks every outgoing message must pass.

The strategies mix arbitrary Unicode with the fragments most likely to break a renderer or a
platform: markup of every format the bot writes (HTML, Markdown, Discord mentions), control
characters, bidirectional and zero-width characters, combining marks, astral characters, and
texts past 10,000 characters. `check_message` is what Telegram, Discord or a terminal would
object to in one message, so every test states its property through the same one function.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence
from types import MappingProxyType

from hypothesis import strategies as st

from bot.core.content.schema import CONTROL_CHARACTERS
from bot.core.models import (
    Catalog,
    DateBasis,
    Kind,
    Lang,
    Localized,
    Person,
    Source,
    Statement,
    Story,
    Summary,
)
from bot.core.ports import Format
from bot.core.text.render import MESSAGE_LIMIT
from tests.core.text.test_render import discord_text, live_mentions
from tests.standins.telegram import ApiError, parse_html, utf16_len

# --- hostile text ---

HTML = (
    "<b>", "</b>", "<i>x</i>", "<script>alert(1)</script>", "<a href='javascript:x'>", "</a>",
    "&amp;", "&lt;", "&gt;", "&quot;", "&#0;", "&#x1F600;", "&nbsp;", "&", "<", ">", "<>", "</",
    "<!--", "-->", "<![CDATA[", "<tg-spoiler>", "<pre><code class='x'>",
)  # fmt: skip
MARKDOWN = (
    "*", "**", "_", "__", "~~", "`", "```", "||", "[link](http://x.test)", "> quote", "# ",
    "-# ", "1. ", "- ", "+ ", "\\", "\\*", "<http://x.test>", "\\\\",
)  # fmt: skip
MENTIONS = (
    "@everyone", "@here", "@EveryOne", "@HERE", "@", "@every", "one", "here", "<@123>",
    "<@!123>", "<@&123>", "<#123>", "</cmd:123>", "<t:0:R>", "\\<@1>", "@\u200beveryone",
)  # fmt: skip
CONTROLS = (
    "\x00", "\r", "\r\n", "\n", "\x1b", "\x1b[31m", "\u2028", "\u2029", "\x7f", "\x85", "\t",
    "\x0b", "\x0c", "\x08",
)  # fmt: skip
UNICODE = (
    "\u202e", "\u200f", "\u061c", "שלום", "مرحبا", "\u200b", "\u200d", "\ufeff", "\u2060",
    "e\u0301", "\u0301" * 20, "😀", "👍🏽", "🏳️‍🌈", "𝕏", "İ", "ß", "ﬃ", "\u3000", "\xa0",
    "António", "Sekjen PBB",
)  # fmt: skip
FRAGMENTS = (*HTML, *MARKDOWN, *MENTIONS, *CONTROLS, *UNICODE)

LONG = 10_000

_fragment = st.sampled_from(FRAGMENTS)
# st.text draws from every code point but surrogates, astral planes included.
_mixed = st.lists(st.one_of(st.text(max_size=16), _fragment), max_size=8).map("".join)
_long = st.builds(
    lambda piece, tail: piece * (LONG // max(1, len(piece)) + 1) + tail,
    st.one_of(_fragment, st.text(min_size=1, max_size=8)),
    _mixed,
)


def hostile_text(long: bool = True) -> st.SearchStrategy[str]:
    """Anything a user might paste; with `long`, now and then 10,000 characters of it."""
    return st.one_of(_mixed, _mixed, _mixed, _long) if long else _mixed


_CONTROL = re.compile(CONTROL_CHARACTERS)


def content_text(max_size: int = 40) -> st.SearchStrategy[str]:
    """Hostile text that the content schema still accepts: no control characters but tab and
    newline, not blank, trimmed; at most `max_size` characters (10,000 and more now and then,
    when `max_size` allows)."""
    return hostile_text(long=max_size > LONG).map(
        lambda text: _CONTROL.sub("", text).strip()[:max_size].strip() or "x"
    )


def localized(text: st.SearchStrategy[str]) -> st.SearchStrategy[Localized]:
    return st.builds(Localized, text, text)


# --- hostile catalogs, built as the loader would build them ---

DAY = dt.date(2025, 10, 6)


@st.composite
def catalogs(draw: st.DrawFn, max_size: int = 40) -> Catalog:
    """A valid catalog whose every text a curator could have written with hostile intent:
    names, roles, aliases, cites, titles, texts, venues and reporters."""
    text = content_text(max_size)
    people = {
        f"p{n}": Person(f"p{n}", draw(localized(text)), draw(localized(text)),
                        tuple(draw(st.lists(text, max_size=2))))
        for n in range(draw(st.integers(1, 3)))
    }  # fmt: skip
    sources = {
        f"s{n}": Source(f"s{n}", draw(st.sampled_from(["en", "id"])), DAY + dt.timedelta(n),
                        None, None, tuple(draw(st.lists(text, max_size=2))))
        for n in range(draw(st.integers(1, 2)))
    }  # fmt: skip
    summaries, statements = [], []
    for n in range(draw(st.integers(1, 3))):
        source = draw(st.sampled_from(sorted(sources)))
        said = []
        for m in range(draw(st.integers(0, 2))):
            kind = draw(st.sampled_from(list(Kind)))
            said.append(
                Statement(
                    id=f"st{n}-{m}",
                    speakers=tuple(draw(st.lists(st.sampled_from(sorted(people)), min_size=1,
                                                 max_size=2, unique=True))),
                    kind=kind,
                    text=draw(localized(text)),
                    original=draw(st.sampled_from(["en", "id"])),
                    date=DAY + dt.timedelta(n),
                    date_basis=draw(st.sampled_from(list(DateBasis))),
                    source=source,
                    summary=f"sum{n}",
                    reported_by=draw(text) if kind is Kind.REPORTED else None,
                    venue=draw(st.none() | localized(text)),
                    key=draw(st.booleans()),
                )
            )  # fmt: skip
        statements += said
        summaries.append(
            Summary(f"sum{n}", DAY + dt.timedelta(n), draw(st.integers(1, 5)),
                    draw(localized(text)), draw(localized(text)), (source,),
                    tuple(s.id for s in said))
        )  # fmt: skip
    summaries.sort(key=lambda s: (-s.date.toordinal(), -s.priority, s.id))
    rank = {s.id: n for n, s in enumerate(summaries)}
    statements.sort(key=lambda s: (-s.date.toordinal(), rank[s.summary]))
    return Catalog(
        story=Story(draw(localized(text))),
        people=MappingProxyType(people),
        sources=MappingProxyType(sources),
        summaries=tuple(summaries),
        statements=tuple(statements),
        statements_by_id=MappingProxyType({s.id: s for s in statements}),
    )


# --- what every outgoing message must be ---

_TELEGRAM_ENTITY = re.compile(r"&(?:amp|lt|gt|quot|#\d+|#x[0-9a-fA-F]+);")
_OUR_TAGS = re.compile(r"</?(?:b|i)>|<blockquote expandable>|</blockquote>")


def visible_text(message: str, fmt: Format) -> str:
    """What the reader sees: Telegram's entity-parsed text, Discord's text with escapes and
    mention guards resolved, or the text itself."""
    if fmt is Format.TELEGRAM:
        return parse_html(message)[0]
    if fmt is Format.DISCORD:
        return discord_text(message)
    return message


def check_message(message: str, fmt: Format) -> str:
    """Fail unless the platform would take `message` as it is; return its visible text.

    Telegram: the stand-in's parser accepts it (it raises on what Telegram refuses), and, tighter
    than Telegram, every "&" starts an entity and every "<" or ">" belongs to our own <b>, <i>
    and <blockquote expandable> tags, so no user text ever reaches the parser as markup; at
    most 4,096 UTF-16 units after parsing. Discord: no live mention of anyone; at most 2,000
    characters (UTF-16 units, which is stricter). Everywhere: not blank (both platforms refuse
    an empty text), and no control character the content schema refuses, even one the user
    typed (some platforms refuse them; a terminal runs them)."""
    assert isinstance(message, str)
    if fmt is Format.TELEGRAM:
        try:
            shown, _entities = parse_html(message)
        except ApiError as refused:  # pragma: no cover - the failure message is the point
            raise AssertionError(f"Telegram refuses it: {refused}") from refused
        assert message.count("&") == len(_TELEGRAM_ENTITY.findall(message)), "raw &"
        assert "<" not in _OUR_TAGS.sub("", message), "a < outside our tags"
        assert ">" not in _OUR_TAGS.sub("", message), "a > outside our tags"
        assert utf16_len(shown) <= MESSAGE_LIMIT[fmt], utf16_len(shown)
    else:
        shown = visible_text(message, fmt)
    if fmt is Format.DISCORD:
        assert live_mentions(message) == [], live_mentions(message)
        assert utf16_len(message) <= MESSAGE_LIMIT[fmt], utf16_len(message)
    assert shown.strip(), f"blank message {message!r}"
    found = set(_CONTROL.findall(message))
    assert not found, f"control characters {found} in {message[:200]!r}"
    return shown


def check_messages(messages: Sequence[str], fmt: Format) -> list[str]:
    assert messages, "no message at all"
    return [check_message(message, fmt) for message in messages]


def control_characters(message: str) -> list[str]:
    return _CONTROL.findall(message)


def fmts() -> st.SearchStrategy[Format]:
    return st.sampled_from(list(Format))


def langs() -> st.SearchStrategy[Lang]:
    return st.sampled_from(["en", "id"])
