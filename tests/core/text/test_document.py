"""Sentence splitting and shortening: digests are cut at sentence ends, never mid-word."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.core.text.document import (
    Span,
    Style,
    clip_words,
    plain,
    sentences,
    shorten,
    visible_length,
)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("One sentence. Another one! A third?", ["One sentence.", "Another one!", "A third?"]),
        ("He said “We go.” Then he left.", ["He said “We go.”", "Then he left."]),
        ('She asked "why?" He shrugged.', ['She asked "why?"', "He shrugged."]),
        ("It was ‘final.’ Talks ended.", ["It was ‘final.’", "Talks ended."]),
        ("(An aside.) The point.", ["(An aside.)", "The point."]),
        ("Wait… Then go.", ["Wait…", "Then go."]),
        ("Wait... Then go.", ["Wait...", "Then go."]),
        ("First line.\nSecond line.", ["First line.", "Second line."]),
        (
            "A toll of 67,000 and 3.5 percent. Then more.",
            ["A toll of 67,000 and 3.5 percent.", "Then more."],
        ),
        ("No final stop", ["No final stop"]),
        ("Ends. then trails", ["Ends.", "then trails"]),
        ("", []),
        ("   ", []),
    ],
)
def test_sentences_split_after_end_marks_and_closing_quotes(text: str, expected: list[str]) -> None:
    assert sentences(text) == expected


def test_sentences_keep_every_character_but_the_breaking_spaces() -> None:
    text = "Alpha “beta.” Gamma… Delta? (Epsilon.) Zeta"
    assert " ".join(sentences(text)) == text


@pytest.mark.parametrize("text", ["Short.", "One. Two.", "no sentence end at all", ""])
@pytest.mark.parametrize("slack", [0, 1, 50])
def test_shorten_leaves_text_that_fits_unchanged(text: str, slack: int) -> None:
    assert shorten(text, len(text) + slack) == text


@pytest.mark.parametrize(
    ("limit", "expected"),
    [
        (4, "One."),
        (8, "One."),
        (9, "One. Two."),
        (15, "One. Two."),
        (16, "One. Two. Three."),
    ],
)
def test_shorten_keeps_leading_whole_sentences(limit: int, expected: str) -> None:
    assert shorten("One. Two. Three. Four.", limit) == expected


@pytest.mark.parametrize("limit", [0, 1, 10, 20])
def test_shorten_gives_empty_text_when_the_first_sentence_does_not_fit(limit: int) -> None:
    # "Short." would fit, but only leading sentences are kept: never one from the middle.
    assert shorten("A first sentence far too long to fit. Short.", limit) == ""


def test_shorten_never_cuts_inside_a_word_or_a_sentence_without_an_end() -> None:
    assert shorten("an unpunctuated run of words that goes on", 20) == ""


_WORD = st.text(alphabet="abcdefghij", min_size=1, max_size=8)
_SENTENCE = st.builds(
    lambda words, end: " ".join(words) + end,
    st.lists(_WORD, min_size=1, max_size=6),
    st.sampled_from([".", "!", "?", "…", ".”", "?)"]),
)


@settings(max_examples=60)
@given(st.lists(_SENTENCE, min_size=1, max_size=8), st.integers(min_value=0, max_value=200))
def test_shorten_is_a_prefix_of_whole_sentences_within_the_limit(
    parts: list[str], limit: int
) -> None:
    text = " ".join(parts)
    short = shorten(text, limit)
    assert len(short) <= limit or short == text
    assert text.startswith(short)
    kept = sentences(short)
    assert kept == parts[: len(kept)]
    if short and short != text:
        assert text[len(short)] == " "  # the cut falls between sentences


def test_plain_joins_spans_lines_and_blocks_as_every_renderer_shows_them() -> None:
    document = (
        ((Span("Title", Style.BOLD),),),
        ((Span("• "), Span("one", Style.ITALIC)), (Span("two"),)),
    )
    assert plain(document) == "Title\n\n• one\ntwo"
    assert visible_length(document) == len("Title\n\n• one\ntwo")


@pytest.mark.parametrize(
    ("text", "limit", "expected"),
    [
        ("Hamas must move quickly.", 40, "Hamas must move quickly."),
        ("Hamas must move quickly, or else all bets are off.", 26, "Hamas must move quickly…"),
        ("Hamas must move quickly, or else", 25, "Hamas must move quickly…"),
        ("Hamas must move", 11, "Hamas must…"),  # the cut falls on a space
        ("one two: three", 10, "one two…"),  # no colon left hanging before the ellipsis
        ("Supercalifragilistic words", 8, "Superca…"),  # one word longer than the limit
    ],
)
def test_clip_words_cuts_at_a_word_boundary_with_an_ellipsis(
    text: str, limit: int, expected: str
) -> None:
    clipped = clip_words(text, limit)

    assert clipped == expected
    assert len(clipped) <= limit
