"""Flowing styled text into lines, and fitting a statement's label: measured here at a fixed
width per character, so every expectation can be counted by hand."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from bot.core.picture.flow import Line, Run, fit_label, flow
from bot.core.text.document import Span, Style

CHAR = 10.0  # pixels a character, whatever its style


def measure(text: str, style: Style) -> float:
    return len(text) * CHAR


def texts(lines: list[Line]) -> list[str]:
    """Each line as read: its runs, a space wherever one run ends before the next begins."""
    read = []
    for line in lines:
        text, end = "", 0.0
        for run in line:
            text += (" " if run.x > end else "") + run.text
            end = run.x + measure(run.text, run.style)
        read.append(text)
    return read


def test_words_fill_a_line_and_break_at_spaces() -> None:
    lines = flow([Span("one two three four")], 9 * CHAR, measure)

    assert texts(lines) == ["one two", "three", "four"]


def test_any_white_space_parts_words_as_a_space_does() -> None:
    lines = flow([Span("one\ntwo\t three")], 100 * CHAR, measure)

    assert texts(lines) == ["one two three"]


def test_styles_become_runs_placed_where_the_text_before_them_ends() -> None:
    [line] = flow([Span("Donald Trump", Style.BOLD), Span(": “Go.”")], 100 * CHAR, measure)

    assert line == (Run("Donald Trump", Style.BOLD, 0.0), Run(": “Go.”", Style.PLAIN, 12 * CHAR))


def test_touching_pieces_of_two_styles_never_part() -> None:
    lines = flow([Span("Ana Speaker", Style.BOLD), Span(": said")], 11 * CHAR, measure)

    # "Speaker:" is one word: the colon goes down to the next line with it.
    assert texts(lines) == ["Ana", "Speaker:", "said"]


def test_a_word_wider_than_the_line_gets_a_line_of_its_own() -> None:
    lines = flow([Span("a Supercalifragilistic b")], 5 * CHAR, measure)

    assert texts(lines) == ["a", "Supercalifragilistic", "b"]


def test_a_label_that_fits_keeps_its_whole_excerpt() -> None:
    lines = fit_label(
        [Span("Ana", Style.BOLD), Span(": ")], "We go now.", True, [], 40 * CHAR, 1, measure
    )

    assert texts(lines) == ["Ana: “We go now.”"]


def test_the_excerpt_is_shortened_at_a_word_boundary_to_fit_the_lines() -> None:
    head = [Span("Ana", Style.BOLD), Span(": ")]
    tail = [Span(" (translated)", Style.ITALIC)]
    excerpt = "We will talk again tomorrow about every point of the plan."

    lines = fit_label(head, excerpt, True, tail, 20 * CHAR, 2, measure)

    assert texts(lines) == ["Ana: “We will talk", "again…” (translated)"]


def test_the_speaker_is_never_cut_even_when_it_alone_fills_the_lines() -> None:
    head = [Span("Bezalel Smotrich and Itamar Ben-Gvir", Style.BOLD), Span(": ")]

    lines = fit_label(head, "They threaten to leave.", False, [], 12 * CHAR, 2, measure)

    assert texts(lines) == ["Bezalel", "Smotrich and", "Itamar", "Ben-Gvir: …"]


@given(
    words=st.lists(st.text("abcdefghij", min_size=1, max_size=12), min_size=1, max_size=40),
    width=st.integers(12, 60),
    max_lines=st.integers(1, 4),
)
def test_a_fitted_label_keeps_its_speaker_and_stays_within_its_lines(
    words: list[str], width: int, max_lines: int
) -> None:
    head = [Span("Ana", Style.BOLD), Span(": ")]
    excerpt = " ".join(words)

    lines = fit_label(head, excerpt, False, [], width * CHAR, max_lines, measure)

    read = " ".join(texts(lines))
    assert read.startswith("Ana: ")
    assert len(lines) <= max_lines
    shown = read.removeprefix("Ana: ")
    assert shown == excerpt or (shown.endswith("…") and excerpt.startswith(shown[:-1]))
    for line in texts(lines):  # only a single word too wide for any line runs over
        assert len(line) * CHAR <= width * CHAR or " " not in line
