"""Structured text that every renderer shares: blocks of lines of styled spans.

Composition measures a document's visible length here, and each renderer only decides how a
style is marked up, so what a reader sees is the same text on every platform.
"""

from __future__ import annotations

import enum
import re
from dataclasses import dataclass


class Style(enum.Enum):
    PLAIN = "plain"
    BOLD = "bold"
    ITALIC = "italic"
    # The body under a line's heading, which a reader may skip: a digest item's text. Plain text
    # runs it on after a dash (DETAIL_LEAD); Telegram folds it into an expandable quotation under
    # the heading and Discord quotes it there, so a digest reads as headlines first.
    DETAIL = "detail"


DETAIL_LEAD = " — "


@dataclass(frozen=True, slots=True)
class Span:
    text: str
    style: Style = Style.PLAIN


Line = tuple[Span, ...]
Block = tuple[Line, ...]  # lines of one paragraph, joined by a newline
Document = tuple[Block, ...]  # paragraphs, joined by a blank line

LINE_BREAK = "\n"
BLOCK_BREAK = "\n\n"


def plain(document: Document) -> str:
    """The visible text of a document, as plain text shows it: what a length budget counts (a
    detail is as long or longer there than on any platform)."""
    return BLOCK_BREAK.join(
        LINE_BREAK.join("".join(map(visible, line)) for line in block) for block in document
    )


def visible(span: Span) -> str:
    """A span's text as plain text shows it."""
    if span.style is Style.DETAIL and span.text:
        return DETAIL_LEAD + span.text
    return span.text


def visible_length(document: Document) -> int:
    return len(plain(document))


def capped(document: Document, cap: int) -> Document:
    """The document with every line cut to at most `cap` visible characters, "…" marking a cut."""
    return tuple(tuple(_capped_line(line, cap) for line in block) for block in document)


def first_lines(document: Document, count: int) -> Document:
    """The document's first `count` lines, in their paragraphs."""
    kept: list[Block] = []
    for block in document:
        if count <= 0:
            break
        kept.append(block[:count])
        count -= len(block)
    return tuple(kept)


def line_count(document: Document) -> int:
    return sum(len(block) for block in document)


def _capped_line(line: Line, cap: int) -> Line:
    if sum(len(span.text) for span in line) <= cap:
        return line
    kept: list[Span] = []
    room = cap
    for span in line:
        if len(span.text) >= room:
            kept.append(Span(span.text[:room].rstrip() + "…", span.style))
            break
        kept.append(span)
        room -= len(span.text)
    return tuple(kept)


# A sentence ends at . ! ? or … , after any closing quotes or brackets, before white space.
_SENTENCE_END = re.compile(r"(?<=[.!?…])[\"”’')\]]*(?=\s)")


def sentences(text: str) -> list[str]:
    """Split text into sentences, keeping each sentence's own punctuation and closing quotes."""
    out, start = [], 0
    for match in _SENTENCE_END.finditer(text):
        out.append(text[start : match.end()].strip())
        start = match.end()
    rest = text[start:].strip()
    if rest:
        out.append(rest)
    return out


def shorten(text: str, limit: int) -> str:
    """The leading whole sentences of `text` that fit in `limit` characters ("" if none does)."""
    if len(text) <= limit:
        return text
    kept = ""
    for sentence in sentences(text):
        candidate = f"{kept} {sentence}" if kept else sentence
        if len(candidate) > limit:
            break
        kept = candidate
    return kept


ELLIPSIS = "…"
# Left hanging before an ellipsis, they would read as the end or the start of something cut.
_DANGLING = ".,;:–—-([“‘\"' "


def clip_words(text: str, limit: int) -> str:
    """`text` in at most `limit` characters, cut at a word boundary with "…" marking the cut;
    a single word longer than the limit is cut inside."""
    if len(text) <= limit:
        return text
    room = max(limit - len(ELLIPSIS), 0)
    kept = text[:room]
    mid_word = not text[room].isspace() and kept[-1:].strip() != ""
    if mid_word and " " in kept.strip():
        kept = kept.rsplit(maxsplit=1)[0]  # the partial word goes
    return kept.rstrip(_DANGLING) + ELLIPSIS
