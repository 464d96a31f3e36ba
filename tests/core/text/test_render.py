"""Rendering documents: valid Telegram HTML, inert Discord markdown, the same visible text."""

from __future__ import annotations

import re
from html import unescape
from html.parser import HTMLParser

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.core.models import LANGS, Catalog, Lang
from bot.core.ports import Format
from bot.core.text.compose import DigestOptions, compose_digest
from bot.core.text.document import Document, Span, Style, plain
from bot.core.text.layout import digest_document, whosaid_document
from bot.core.text.render import (
    MESSAGE_LIMIT,
    ZERO_WIDTH_SPACE,
    fits,
    message_length,
    printable,
    render,
    within_limit,
)
from bot.core.text.whosaid import QuoteIndex

# --- checkers ---

TELEGRAM_TAGS = frozenset({"b", "i", "u", "s", "a", "code", "pre", "blockquote"})
_ENTITY = re.compile(r"&(?:amp|lt|gt|quot|#\d+|#x[0-9a-fA-F]+);")


class _TelegramChecker(HTMLParser):
    """Collects every way a message breaks Telegram's HTML parse mode, and its visible text."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=False)
        self.problems: list[str] = []
        self.open: list[str] = []
        self.text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag not in TELEGRAM_TAGS:
            self.problems.append(f"tag <{tag}>")
        self.open.append(tag)

    def handle_endtag(self, tag: str) -> None:
        if not self.open or self.open.pop() != tag:
            self.problems.append(f"unbalanced </{tag}>")

    def handle_data(self, data: str) -> None:
        self.problems += [f"raw {char!r}" for char in "<>&" if char in data]
        self.text.append(data)

    def handle_entityref(self, name: str) -> None:
        self.text.append(unescape(f"&{name};"))

    def handle_charref(self, name: str) -> None:
        self.text.append(unescape(f"&#{name};"))

    def unknown_decl(self, data: str) -> None:
        self.problems.append(f"declaration {data!r}")

    def handle_comment(self, data: str) -> None:
        self.problems.append(f"comment {data!r}")


def telegram_text(message: str) -> str:
    """The text Telegram shows for `message`; fails the test if the HTML is not valid for it."""
    ampersands = message.count("&")
    assert len(_ENTITY.findall(message)) == ampersands, "an & that starts no entity"
    checker = _TelegramChecker()
    checker.feed(message)
    checker.close()
    assert not checker.problems, checker.problems
    assert not checker.open, f"unclosed {checker.open}"
    return "".join(checker.text)


def shown_on_telegram(document: Document) -> str:
    """The text Telegram shows for a document: a detail on a line of its own (in a quotation),
    where plain text runs it on after a dash."""
    moved = tuple(
        tuple(
            tuple(
                Span(f"\n{span.text}" if span.text else "") if span.style is Style.DETAIL else span
                for span in line
            )
            for line in block
        )
        for block in printable_document(document)
    )
    return plain(moved)


def printable_document(document: Document) -> Document:
    """The document as the renderers see it: control characters dropped from every span."""
    return tuple(
        tuple(tuple(Span(printable(s.text), s.style) for s in line) for line in block)
        for block in document
    )


_MENTION = re.compile(r"<(?:@[!&]?|#)\d+>")
_MASS_MENTION = re.compile(r"@(?:everyone|here)", re.IGNORECASE)


def live_mentions(message: str) -> list[str]:
    """Mentions Discord would act on: @everyone/@here, or <@id>, <@&id>, <#id> not escaped."""
    found = _MASS_MENTION.findall(message)
    for match in _MENTION.finditer(message):
        backslashes = len(message[: match.start()]) - len(message[: match.start()].rstrip("\\"))
        if backslashes % 2 == 0:
            found.append(match.group())
    return found


def discord_text(message: str) -> str:
    """What Discord shows for a message of plain spans: escapes resolved, mention guards gone."""
    return re.sub(r"\\([!-/:-@\[-`{-~])", r"\1", message).replace(ZERO_WIDTH_SPACE, "")


def doc(*lines: tuple[Span, ...]) -> Document:
    """One block of the given lines."""
    return (tuple(lines),)


NASTY = "<script>alert('x')</script> & <b>bold</b> &amp; a < b > c"


# --- hand-built documents ---


def test_text_format_shows_the_plain_text() -> None:
    document = (
        ((Span("Title", Style.BOLD),),),
        ((Span("• "), Span(NASTY, Style.ITALIC)), (Span("*two*"),)),
    )
    assert render(document, Format.TEXT) == plain(document) == f"Title\n\n• {NASTY}\n*two*"


@pytest.mark.parametrize(
    ("style", "expected"),
    [
        (Style.PLAIN, "a &amp; b"),
        (Style.BOLD, "<b>a &amp; b</b>"),
        (Style.ITALIC, "<i>a &amp; b</i>"),
        (Style.DETAIL, "\n<blockquote expandable>a &amp; b</blockquote>"),
    ],
)
def test_telegram_marks_styles_with_tags(style: Style, expected: str) -> None:
    assert render(doc((Span("a & b", style),)), Format.TELEGRAM) == expected


@pytest.mark.parametrize("style", list(Style))
def test_telegram_escapes_markup_in_text(style: Style) -> None:
    message = render(doc((Span(NASTY, style),)), Format.TELEGRAM)
    assert "<script>" not in message
    assert "&lt;b&gt;bold&lt;/b&gt;" in message
    assert "&amp;amp;" in message
    assert telegram_text(message).lstrip("\n") == NASTY  # a detail begins a line of its own


def test_telegram_leaves_out_tags_around_empty_spans() -> None:
    assert render(doc((Span("", Style.BOLD), Span("x"))), Format.TELEGRAM) == "x"


@pytest.mark.parametrize(
    ("style", "expected"),
    [(Style.PLAIN, "a \\* b"), (Style.BOLD, "**a \\* b**"), (Style.ITALIC, "*a \\* b*")],
)
def test_discord_marks_styles_with_asterisks(style: Style, expected: str) -> None:
    assert render(doc((Span("a * b", style),)), Format.DISCORD) == expected


@pytest.mark.parametrize("char", ["*", "_", "~", "`", "|", ">", "[", "]", "<", "\\"])
def test_discord_escapes_markdown_characters_anywhere(char: str) -> None:
    text = f"{char}a{char}{char} b{char}"
    message = render(doc((Span(text),)), Format.DISCORD)
    assert message == text.replace(char, f"\\{char}")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("# Heading", "\\# Heading"),
        ("- item", "\\- item"),
        ("+ item", "\\+ item"),
        ("  - indented", "  \\- indented"),
        ("12. numbered", "12\\. numbered"),
        ("line\n# heading\n-# subtext", "line\n\\# heading\n\\-# subtext"),
        ("not # a heading", "not # a heading"),
        ("costs 3. Not a list", "costs 3. Not a list"),
    ],
)
def test_discord_escapes_line_markup_only_at_a_line_start(text: str, expected: str) -> None:
    assert render(doc((Span(text),)), Format.DISCORD) == expected


def test_discord_escapes_line_markup_after_a_newline_inside_a_later_span() -> None:
    message = render(doc((Span("• "), Span("a\n# b")), (Span("# c"),)), Format.DISCORD)
    assert message == "• a\n\\# b\n\\# c"


@pytest.mark.parametrize(
    "text",
    ["@everyone", "@here", "hi @EveryOne!", "<@123>", "<@!123>", "<@&456>", "<#789>", "\\<@123>"],
)
@pytest.mark.parametrize("style", list(Style))
def test_discord_never_mentions_anyone(text: str, style: Style) -> None:
    message = render(doc((Span(text, style),)), Format.DISCORD)
    assert live_mentions(message) == []


@pytest.mark.parametrize(
    "text", ["@everyone", "<@123>", "a *b* _c_ ~~d~~ `e` ||f|| [g](h) > i", "1. # x", NASTY]
)
def test_discord_shows_escaped_text_as_written(text: str) -> None:
    assert discord_text(render(doc((Span(text),)), Format.DISCORD)) == text


@pytest.mark.parametrize(
    "spans",
    [
        (Span("@every"), Span("one")),
        (Span("@"), Span("here")),
        (Span("a @"), Span("Everyone b")),
    ],
)
def test_discord_never_mentions_anyone_across_adjacent_spans(spans: tuple[Span, ...]) -> None:
    assert live_mentions(render(doc(spans), Format.DISCORD)) == []


# --- lengths ---


@pytest.mark.parametrize(
    ("message", "length"),
    [("", 0), ("abc", 3), ("é", 1), ("😀", 2), ("a😀b", 4), ("👍🏽", 4), ("—“”", 3)],
)
def test_message_length_counts_utf16_code_units(message: str, length: int) -> None:
    assert message_length(message) == length


@pytest.mark.parametrize("fmt", [Format.TELEGRAM, Format.DISCORD])
@pytest.mark.parametrize("unit", ["a", "😀"])
def test_fits_stops_at_the_platform_limit(fmt: Format, unit: str) -> None:
    limit = MESSAGE_LIMIT[fmt]
    exact = unit * (limit // message_length(unit))
    assert fits(exact, fmt)
    assert not fits(exact + "a", fmt)


# --- real documents ---


def _real_documents(catalog: Catalog, lang: Lang) -> list[Document]:
    digests = [
        compose_digest(catalog, lang, options=DigestOptions(max_chars=budget))
        for budget in (300, 1200, 3000)
    ]
    index = QuoteIndex(catalog)
    answers = [index.who_said(query, 20) for query in ("trump", "hostages", "officials", "zzqx")]
    return [
        *(digest_document(d) for d in digests if d is not None),
        *(whosaid_document(catalog, answer, lang) for answer in answers),
    ]


@pytest.mark.parametrize("lang", LANGS)
def test_real_documents_render_to_valid_telegram_html_with_the_same_text(
    catalog: Catalog, lang: Lang
) -> None:
    for document in _real_documents(catalog, lang):
        assert telegram_text(render(document, Format.TELEGRAM)) == shown_on_telegram(document)


@pytest.mark.parametrize("lang", LANGS)
def test_real_documents_render_to_discord_without_mentions_and_text_as_is(
    catalog: Catalog, lang: Lang
) -> None:
    for document in _real_documents(catalog, lang):
        assert live_mentions(render(document, Format.DISCORD)) == []
        assert render(document, Format.TEXT) == plain(document)


# --- properties over arbitrary text ---

_MARKUP = st.sampled_from(
    ["<b>", "</i>", "&", "&amp;", "<script>", "*", "**", "_", "`", "|", ">", "#", "- ", "1. ",
     "[", "]", "\\", "@everyone", "@here", "@", "@every", "one", "here", "<@123>", "<@&1>",
     "<#2>", "\n", "\r", "\x00", "\x1b"]
)  # fmt: skip
_TEXT = st.lists(st.one_of(st.text(max_size=12), _MARKUP), max_size=6).map("".join)
_SPAN = st.builds(Span, _TEXT, st.sampled_from(list(Style)))
_DOCUMENT = st.lists(
    st.lists(st.lists(_SPAN, min_size=1, max_size=3).map(tuple), min_size=1, max_size=3).map(tuple),
    min_size=1,
    max_size=3,
).map(tuple)

_FEW = settings(max_examples=80, deadline=None)


@_FEW
@given(_DOCUMENT)
def test_any_document_renders_to_valid_telegram_html_with_its_text(document: Document) -> None:
    # Control characters are dropped: platforms refuse some, a console would run them.
    assert telegram_text(render(document, Format.TELEGRAM)) == shown_on_telegram(document)


@_FEW
@given(_DOCUMENT)
def test_any_document_renders_to_discord_without_a_mention(document: Document) -> None:
    assert live_mentions(render(document, Format.DISCORD)) == []


@_FEW
@given(_TEXT)
def test_any_plain_text_shows_in_discord_as_written(text: str) -> None:
    message = render(doc((Span(text),)), Format.DISCORD)
    assert live_mentions(message) == []
    assert discord_text(message) == printable(text).replace(ZERO_WIDTH_SPACE, "")


@_FEW
@given(_DOCUMENT)
def test_any_document_renders_to_its_plain_text_in_text_format(document: Document) -> None:
    assert render(document, Format.TEXT) == plain(printable_document(document))


# --- the checkers themselves ---


@pytest.mark.parametrize(
    "message", ["<p>x</p>", "<b>x", "<b>x</i>", "x</b>", "a & b", "a &nbsp b", "a < b", "a > b"]
)
def test_the_telegram_checker_rejects_invalid_html(message: str) -> None:
    with pytest.raises(AssertionError):
        telegram_text(message)


@pytest.mark.parametrize(
    ("message", "found"),
    [
        ("@everyone", ["@everyone"]),
        ("\\\\<@1>", ["<@1>"]),  # an escaped backslash leaves the mention live
        ("\\<@1>", []),
        ("<#2> <@&3> <@!4>", ["<#2>", "<@&3>", "<@!4>"]),
    ],
)
def test_the_mention_checker_finds_live_mentions(message: str, found: list[str]) -> None:
    assert live_mentions(message) == found


# --- the last resort: a document too long for any message ---


@pytest.mark.parametrize("fmt", [Format.TELEGRAM, Format.DISCORD])
def test_a_document_too_long_is_cut_at_its_long_lines_and_keeps_its_short_ones(
    fmt: Format,
) -> None:
    document = (
        ((Span("Title", Style.BOLD),),),
        ((Span("Sources: "), Span("&*<" * 3_000, Style.ITALIC)), (Span("short line"),)),
    )

    message = render(within_limit(document, fmt), fmt)

    assert fits(message, fmt)
    assert message_length(message) > MESSAGE_LIMIT[fmt] * 0.9  # cut no more than it must
    shown = telegram_text(message) if fmt is Format.TELEGRAM else discord_text(message)
    assert shown.replace("*", "").startswith("Title\n\nSources: &<&<")
    assert shown.replace("*", "").endswith("…\nshort line")


def test_a_document_that_fits_is_rendered_whole() -> None:
    document = doc((Span("Title", Style.BOLD),), (Span("x" * 100),))
    assert render(within_limit(document, Format.TELEGRAM), Format.TELEGRAM) == render(
        document, Format.TELEGRAM
    )


def test_with_too_many_lines_for_any_cut_the_last_paragraphs_go() -> None:
    document = tuple(((Span(f"{n}"),),) for n in range(2_000))  # 2,000 paragraphs

    message = render(within_limit(document, Format.DISCORD), Format.DISCORD)

    assert fits(message, Format.DISCORD)
    assert message.startswith("0\n\n1\n\n2")
