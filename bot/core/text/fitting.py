"""Content → finished messages for one format, always within that platform's message limit."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace

from bot.core.models import Catalog, Lang, Statement
from bot.core.ports import Format
from bot.core.text.compose import DigestOptions, Window, compose_digest
from bot.core.text.document import Document, Span, Style
from bot.core.text.layout import digest_document, follow_news_document, whosaid_document
from bot.core.text.render import fits, render, within_limit
from bot.core.text.whosaid import QuoteIndex, SpeakerFound, TopicFound, WhoSaid
from bot.core.text.wording import no_news

MIN_BUDGET = 200


def digest_message(
    catalog: Catalog,
    lang: Lang,
    fmt: Format,
    window: Window = Window(),
    options: DigestOptions = DigestOptions(),
) -> str | None:
    """The digest as one message, or None when the window has no summaries.

    The visible budget is kept; only when escaping and markup push the message past the platform's
    limit (text full of "&" or "*") is the budget lowered until it fits.
    """
    budget = options.max_chars
    while True:
        digest = compose_digest(catalog, lang, window, replace(options, max_chars=budget))
        if digest is None:
            return None
        document = digest_document(digest)
        message = render(document, fmt)
        if fits(message, fmt):
            return message
        if budget <= MIN_BUDGET:  # the parts always kept (titles, sources) are too long
            return render(within_limit(document, fmt), fmt)
        budget = max(MIN_BUDGET, budget * 3 // 4)


def no_digest_message(lang: Lang, fmt: Format, window: Window) -> str:
    return render((((Span(no_news(window.since, window.until, lang), Style.PLAIN),),),), fmt)


def whosaid_message(
    index: QuoteIndex, query: str, lang: Lang, fmt: Format, limit: int = 5
) -> tuple[WhoSaid, str]:
    """The answer and its message; statements are dropped from the end until the message fits,
    and lines are cut if even one is too long."""
    answer = index.who_said(query, limit)
    return answer_message(index.catalog, answer, lang, fmt)


def answer_message(
    catalog: Catalog, answer: WhoSaid, lang: Lang, fmt: Format
) -> tuple[WhoSaid, str]:
    """A who-said-what answer as one message, as `whosaid_message` fits it."""
    if not isinstance(answer, SpeakerFound | TopicFound):
        return answer, render(within_limit(whosaid_document(catalog, answer, lang), fmt), fmt)
    found = answer  # the type the closure below needs

    def document(statements: tuple[Statement, ...]) -> Document:
        return whosaid_document(catalog, replace(found, statements=statements), lang)

    kept, message = _fitting(answer.statements, document, fmt)
    return replace(answer, statements=kept), message


def follow_news_message(
    catalog: Catalog,
    statements: tuple[Statement, ...],
    labels: tuple[str, ...],
    lang: Lang,
    fmt: Format,
    limit: int = 10,
) -> str:
    """New statements for a chat's follows as one message: up to `limit` of them, as many as
    fit, then how many more there are."""

    def document(shown: tuple[Statement, ...]) -> Document:
        more = len(statements) - len(shown)
        return follow_news_document(catalog, shown, labels, lang, more)

    return _fitting(statements[:limit], document, fmt)[1]


def _fitting(
    statements: tuple[Statement, ...],
    document_of: Callable[[tuple[Statement, ...]], Document],
    fmt: Format,
) -> tuple[tuple[Statement, ...], str]:
    """The statements kept and the message: statements dropped from the end until it fits, then
    lines cut if even one statement does not."""
    document = document_of(statements)
    while len(statements) > 1 and not fits(render(document, fmt), fmt):
        statements = statements[:-1]
        document = document_of(statements)
    return statements, render(within_limit(document, fmt), fmt)
