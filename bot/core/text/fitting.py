"""Content → finished messages for one format, always within that platform's message limit."""

from __future__ import annotations

from dataclasses import replace

from bot.core.models import Catalog, Lang
from bot.core.ports import Format
from bot.core.text.compose import DigestOptions, Window, compose_digest
from bot.core.text.document import Span, Style
from bot.core.text.layout import digest_document, whosaid_document
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
    document = whosaid_document(catalog, answer, lang)
    while not fits(render(document, fmt), fmt) and isinstance(answer, SpeakerFound | TopicFound):
        if len(answer.statements) <= 1:
            break
        answer = replace(answer, statements=answer.statements[:-1])
        document = whosaid_document(catalog, answer, lang)
    return answer, render(within_limit(document, fmt), fmt)
