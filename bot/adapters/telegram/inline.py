"""Telegram's inline mode: "@RingkasBot trump" typed in any chat, answered with the core's inline
results, a page at a time, in the language of the user's app."""

from __future__ import annotations

import logging

from telegram import InlineQuery, InlineQueryResultArticle, InputTextMessageContent
from telegram.constants import ParseMode
from telegram.error import TelegramError

from bot.adapters.telegram.requests import language
from bot.adapters.telegram.sender import NO_PREVIEW
from bot.core.commands.inline import InlineAnswer, InlineAnswers
from bot.core.models import Lang
from bot.core.ports import Format

log = logging.getLogger(__name__)


def articles(answer: InlineAnswer) -> list[InlineQueryResultArticle]:
    """The results as Telegram's articles: chosen, each sends its message, previews off."""
    return [
        InlineQueryResultArticle(
            result.id,
            result.title,
            InputTextMessageContent(
                result.message, parse_mode=ParseMode.HTML, link_preview_options=NO_PREVIEW
            ),
            description=result.description,
        )
        for result in answer.results
    ]


async def answer_inline(query: InlineQuery, answers: InlineAnswers, default_lang: Lang) -> None:
    """Answer the query; results depend on the user's language, so Telegram keeps them per user."""
    lang = language(query.from_user, default_lang)
    answer = answers.answer(query.query, lang, Format.TELEGRAM, query.offset)
    try:
        await query.answer(
            articles(answer),
            cache_time=answer.cache_seconds,
            is_personal=True,
            next_offset=answer.next_offset,
        )
    except TelegramError as error:
        # An inline query lives seconds: one answered too late is gone, and the user types on.
        log.info("telegram: could not answer an inline query: %s", error.message)
