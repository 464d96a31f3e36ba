"""Finished messages: always within the platform's limit, however much escaping the text needs."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace
from typing import Any

import pytest
import yaml

from bot.core.content.loading import load_catalog
from bot.core.models import LANGS, Catalog, Lang
from bot.core.ports import Format
from bot.core.text.compose import DigestOptions, Window, compose_digest
from bot.core.text.fitting import digest_message, no_digest_message, whosaid_message
from bot.core.text.layout import whosaid_document
from bot.core.text.render import MESSAGE_LIMIT, escape_discord, fits, message_length, render
from bot.core.text.whosaid import QuoteIndex, SpeakerFound
from tests.conftest import WriteContent

PLATFORMS = [Format.TELEGRAM, Format.DISCORD]
# Each character costs more once escaped: "&" is "&amp;" for Telegram, "*" is "\*" for Discord.
COSTLY = "&*&*&*&*&* &*&*&*&*&*."


def costly_text(sentences: int) -> str:
    return " ".join([COSTLY] * sentences)


def costly_catalog(write_content: WriteContent, statements: int = 3) -> Catalog:
    """Four long summaries and a speaker with many long statements, all of "&" and "*"."""
    text = {"en": costly_text(40), "id": costly_text(40)}
    content: dict[str, Any] = {
        "story": {"title": {"en": "&* story", "id": "&* cerita"}},
        "people": [
            {
                "id": "amp-star",
                "name": "Amp & Star",
                "role": {"en": "& role *", "id": "& peran *"},
                "aliases": ["Ampstar"],
            }
        ],
        "sources": [{"id": "report-en", "language": "en", "published": "2025-10-06"}],
        "summaries": [
            {
                "id": f"day-{day}",
                "date": dt.date(2025, 10, day).isoformat(),
                "title": {"en": f"&*& title {day}", "id": f"&*& judul {day}"},
                "text": text,
                "sources": ["report-en"],
                "statements": [
                    {
                        "id": f"said-{day}-{n}",
                        "speaker": "amp-star",
                        "kind": "direct",
                        "original": "en",
                        "text": {"en": costly_text(12), "id": costly_text(12)},
                        "date": dt.date(2025, 10, day).isoformat(),
                        "source": "report-en",
                        "key": n == 0,
                    }
                    for n in range(statements)
                ],
            }
            for day in (1, 2, 3, 4)
        ],
    }
    return load_catalog(write_content(**{"content.yaml": yaml.safe_dump(content)}))


@pytest.mark.parametrize("fmt", PLATFORMS)
@pytest.mark.parametrize("lang", LANGS)
@pytest.mark.parametrize("budget", [300, 1200, 3000])
def test_a_digest_full_of_escapes_still_fits_one_message(
    write_content: WriteContent, fmt: Format, lang: Lang, budget: int
) -> None:
    catalog = costly_catalog(write_content)
    message = digest_message(catalog, lang, fmt, options=DigestOptions(max_chars=budget))
    assert message is not None
    assert message_length(message) <= MESSAGE_LIMIT[fmt]
    assert "title 4" in message or "judul 4" in message  # the lead item is there


def test_the_visible_budget_is_lowered_only_when_the_markup_overflows(
    write_content: WriteContent,
) -> None:
    catalog = costly_catalog(write_content)
    options = DigestOptions(max_chars=3000)
    text = digest_message(catalog, "en", Format.TEXT, options=options)
    discord = digest_message(catalog, "en", Format.DISCORD, options=options)
    assert text is not None
    assert discord is not None
    assert message_length(text) > MESSAGE_LIMIT[Format.DISCORD]  # the budget alone would overflow
    assert len(discord.replace("\\", "")) < len(text)


@pytest.mark.parametrize("fmt", list(Format))
@pytest.mark.parametrize("lang", LANGS)
@pytest.mark.parametrize("budget", [300, 3000])
def test_the_real_digest_fits_every_platform(
    catalog: Catalog, fmt: Format, lang: Lang, budget: int
) -> None:
    message = digest_message(catalog, lang, fmt, options=DigestOptions(max_chars=budget))
    assert message is not None
    assert fits(message, fmt)


@pytest.mark.parametrize("fmt", list(Format))
def test_an_empty_window_gives_no_digest_message(catalog: Catalog, fmt: Format) -> None:
    window = Window(since=dt.date(2099, 1, 1))
    assert digest_message(catalog, "en", fmt, window) is None


@pytest.mark.parametrize(
    ("lang", "window", "expected"),
    [
        (
            "en",
            Window(dt.date(2020, 1, 1), dt.date(2020, 1, 1)),
            "No summaries for 1 January 2020.",
        ),
        (
            "id",
            Window(dt.date(2020, 1, 1), dt.date(2020, 1, 2)),
            "Tidak ada ringkasan untuk 1–2 Januari 2020.",
        ),
        ("en", Window(since=dt.date(2030, 1, 1)), "No summaries since 1 January 2030."),
        ("id", Window(until=dt.date(2020, 1, 1)), "Tidak ada ringkasan hingga 1 Januari 2020."),
        ("en", Window(), "No summaries yet."),
        ("id", Window(), "Belum ada ringkasan."),
    ],
)
def test_no_digest_message_names_the_window_in_the_readers_language(
    lang: Lang, window: Window, expected: str
) -> None:
    assert no_digest_message(lang, Format.TEXT, window) == expected


@pytest.mark.parametrize("fmt", PLATFORMS)
def test_no_digest_message_is_rendered_for_the_platform(fmt: Format) -> None:
    message = no_digest_message("en", fmt, Window(dt.date(2020, 1, 1), dt.date(2020, 1, 1)))
    assert message.startswith("No summaries for 1 January 2020")


@pytest.mark.parametrize("lang", LANGS)
def test_whosaid_drops_statements_from_the_end_until_the_message_fits_discord(
    write_content: WriteContent, lang: Lang
) -> None:
    catalog = costly_catalog(write_content, statements=4)
    index = QuoteIndex(catalog)
    full = index.who_said("ampstar", limit=20)
    answer, message = whosaid_message(index, "ampstar", lang, Format.DISCORD, limit=20)
    assert isinstance(full, SpeakerFound)
    assert isinstance(answer, SpeakerFound)
    assert fits(message, Format.DISCORD)
    assert 1 <= len(answer.statements) < len(full.statements)
    assert answer.statements == full.statements[: len(answer.statements)]
    assert answer.total == full.total == 16
    # It keeps as many as fit: one more would overflow.
    one_more = replace(answer, statements=full.statements[: len(answer.statements) + 1])
    assert not fits(
        render(whosaid_document(catalog, one_more, lang), Format.DISCORD), Format.DISCORD
    )


@pytest.mark.parametrize("fmt", list(Format))
def test_whosaid_keeps_every_statement_when_they_fit(quote_index: QuoteIndex, fmt: Format) -> None:
    answer, message = whosaid_message(quote_index, "guterres", "en", fmt, limit=20)
    assert answer == quote_index.who_said("guterres", limit=20)
    assert fits(message, fmt)


@pytest.mark.parametrize("fmt", [Format.TELEGRAM, Format.DISCORD])
def test_a_pasted_wall_of_text_is_echoed_short_and_the_answer_fits(
    quote_index: QuoteIndex, fmt: Format
) -> None:
    query = "<b>&*@everyone\n" * 400

    _, message = whosaid_message(quote_index, query, "en", fmt)

    assert fits(message, fmt)
    assert len(message) < 400
    assert "\n<b>" not in message.split("\n\n")[0]  # one line, escaped


# --- digests that read as headlines first ---


@pytest.mark.parametrize("lang", LANGS)
def test_a_telegram_digest_folds_each_item_body_under_its_headline(
    catalog: Catalog, lang: Lang
) -> None:
    options = DigestOptions(max_chars=3000)
    message = digest_message(catalog, lang, Format.TELEGRAM, options=options)
    digest = compose_digest(catalog, lang, options=options)
    assert message is not None and digest is not None
    for item in digest.items:
        headline = f"• <b>{item.title}</b>\n<blockquote expandable>{item.text[:20]}"
        assert headline in message.replace("&amp;", "&")
    assert message.count("<blockquote expandable>") == len(digest.items) >= 3
    assert fits(message, Format.TELEGRAM)


@pytest.mark.parametrize("lang", LANGS)
def test_a_discord_digest_quotes_each_item_body_under_its_headline(
    catalog: Catalog, lang: Lang
) -> None:
    options = DigestOptions(max_chars=1200)  # Discord's 2,000 hold it whole
    message = digest_message(catalog, lang, Format.DISCORD, options=options)
    digest = compose_digest(catalog, lang, options=options)
    assert message is not None and digest is not None
    lines = message.splitlines()
    for item in digest.items:
        headline = f"• **{escape_discord(item.title, at_line_start=False)}**"
        at = lines.index(headline)
        assert lines[at + 1].startswith("> ")
    assert fits(message, Format.DISCORD)
