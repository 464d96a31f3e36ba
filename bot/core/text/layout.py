"""How a digest and a who-said-what answer read, as documents; the renderers only add markup."""

from __future__ import annotations

from bot.core.follow import Target
from bot.core.models import Catalog, Digest, DigestItem, Lang, Quote, Statement
from bot.core.text import wording
from bot.core.text.document import Block, Document, Line, Span, Style
from bot.core.text.strings import say
from bot.core.text.whosaid import (
    Ambiguous,
    NothingFound,
    SpeakerFound,
    TopicFound,
    WhoSaid,
    quote_of,
)

BULLET = "• "


def digest_document(digest: Digest) -> Document:
    blocks: list[Block] = [((Span(digest.title, Style.BOLD),),)]
    if digest.items:
        blocks.append(tuple(_item_line(item) for item in digest.items))
    if digest.quotes:
        heading: Line = (Span(say(digest.lang, "key_statements"), Style.BOLD),)
        blocks.append((heading, *(quote_line(quote, digest.lang) for quote in digest.quotes)))
    if digest.sources:
        label = say(digest.lang, "sources")
        blocks.append(((Span(f"{label}: {'; '.join(digest.sources)}.", Style.ITALIC),),))
    return tuple(blocks)


def _item_line(item: DigestItem) -> Line:
    """The item's title, its text as the detail a reader may open: headlines first."""
    return (Span(BULLET), Span(item.title, Style.BOLD), Span(item.text, Style.DETAIL))


def quote_line(quote: Quote, lang: Lang) -> Line:
    """ "• Name, said, Truth Social (6 October 2025): “words” (translated)" """
    words = f"“{quote.text}”" if quote.direct else quote.text
    mark = f" {say(lang, 'translated')}" if quote.translated else ""
    return (
        Span(BULLET),
        Span(quote.speaker, Style.BOLD),
        Span(f", {quote.attribution}: {words}{mark}"),
    )


def whosaid_document(catalog: Catalog, answer: WhoSaid, lang: Lang) -> Document:
    match answer:
        case SpeakerFound(person, statements, total, topic):
            values = {"name": person.name.get(lang), "role": person.role.get(lang)}
            key = "whosaid_speaker_topic" if topic else "whosaid_speaker"
            if not statements:
                return _heading(say(lang, "whosaid_no_statements", **values))
            header = say(lang, key, shown=len(statements), total=total, topic=topic, **values)
            return (*_heading(header), *(statement_block(catalog, s, lang) for s in statements))
        case TopicFound(query, statements, total):
            header = say(
                lang, "whosaid_topic", query=echo(query), shown=len(statements), total=total
            )
            return (*_heading(header), *(statement_block(catalog, s, lang) for s in statements))
        case Ambiguous(query, candidates):
            lines = tuple(
                (Span(BULLET), Span(p.name.get(lang), Style.BOLD), Span(f" — {p.role.get(lang)}"))
                for p in candidates
            )
            return (*_heading(say(lang, "whosaid_ambiguous", query=echo(query))), lines)
        case NothingFound(query, closest):
            if not query.strip():
                return _heading(say(lang, "whosaid_empty_query"))
            blocks = _heading(say(lang, "whosaid_nothing", query=echo(query)))
            if closest:
                names = ", ".join(p.name.get(lang) for p in closest)
                blocks += (((Span(say(lang, "whosaid_closest", names=names)),),),)
            return blocks


ECHO_LIMIT = 80


def echo(query: str) -> str:
    """The user's query as repeated back: one line, and short whatever was pasted."""
    flat = " ".join(query.split())
    return flat if len(flat) <= ECHO_LIMIT else flat[: ECHO_LIMIT - 1].rstrip() + "…"


def _heading(text: str) -> Document:
    return (((Span(text, Style.BOLD),),),)


def statement_block(catalog: Catalog, statement: Statement, lang: Lang) -> Block:
    """A statement as who said what shows it: who, how, when, the words; then its source."""
    source = wording.source_label(catalog.sources[statement.source], lang)
    label = say(lang, "source")
    return (
        quote_line(quote_of(catalog, statement, lang), lang),
        (Span(f"{label}: {source}", Style.ITALIC),),
    )


# --- follows ---


def target_label(catalog: Catalog, target: Target, lang: Lang) -> str:
    """ "António Guterres", "“sandera”", "Donald Trump on “hostages”": what a follow names."""
    person = catalog.people.get(target.person)
    name = person.name.get(lang) if person is not None else target.person
    if target.person and target.topic:
        return say(lang, "follow_person_topic", name=name, topic=target.topic)
    return name or f"“{target.topic}”"


def follow_news_document(
    catalog: Catalog,
    statements: tuple[Statement, ...],
    labels: tuple[str, ...],
    lang: Lang,
    more: int = 0,
) -> Document:
    """New statements for what a chat follows: which follows they are for, then each statement
    with its source (as who said what shows them), newest first."""
    header = say(lang, "follow_news", what="; ".join(labels))
    blocks = (*_heading(header), *(statement_block(catalog, s, lang) for s in statements))
    if more:
        blocks += (((Span(say(lang, "more", count=more)),),),)
    return blocks
