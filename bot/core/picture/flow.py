"""Styled text flowed into lines of a given width, broken at spaces; and a statement's label
fitted into a few lines by shortening its excerpt, never its speaker.

Pure: text is measured by the function passed in (the drawing passes matplotlib's measure).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from bot.core.text.document import Span, Style, clip_words

Measure = Callable[[str, Style], float]  # the width of a text in a style, in pixels


@dataclass(frozen=True, slots=True)
class Run:
    """Text in one style, drawn from `x` (pixels from the start of its line)."""

    text: str
    style: Style
    x: float


Line = tuple[Run, ...]

_SPACE = re.compile(r"\s")  # any white space parts words: a line break in a text is a space
# A word, made of pieces in their styles with nothing between them ("Trump" bold, ":" plain).
_Word = tuple[tuple[str, Style], ...]


def flow(spans: Sequence[Span], width: float, measure: Measure) -> list[Line]:
    """The spans in lines at most `width` wide, broken at spaces only; a word wider than a line
    has a line of its own."""
    space = measure(" ", Style.PLAIN)
    lines: list[Line] = []
    current: list[tuple[float, str, Style, bool]] = []  # (x, text, style, after a space)
    x = 0.0
    for word in _words(spans):
        word_width = sum(measure(text, style) for text, style in word)
        start = x + space if current else 0.0
        if current and start + word_width > width:
            lines.append(_runs(current))
            current, start = [], 0.0
        after_space = bool(current)
        for text, style in word:
            current.append((start, text, style, after_space))
            start += measure(text, style)
            after_space = False
        x = start
    if current:
        lines.append(_runs(current))
    return lines


def fit_label(
    head: Sequence[Span],
    excerpt: str,
    quoted: bool,
    tail: Sequence[Span],
    width: float,
    max_lines: int,
    measure: Measure,
) -> list[Line]:
    """`head`, the excerpt and `tail` in at most `max_lines` lines: the excerpt is shortened at
    a word boundary ("…") as much as that takes, down to nothing but "…". The head (who said
    it) is never cut, so a head too long for the lines takes more of them."""

    def lines_with(text: str) -> list[Line]:
        words = f"“{text}”" if quoted else text
        return flow([*head, Span(words), *tail], width, measure)

    lines = lines_with(excerpt)
    if len(lines) <= max_lines:
        return lines
    # The longest word-prefix that fits: fewer words never take more lines (binary search).
    ends = [i for i, char in enumerate(excerpt) if char == " "]
    low, high = 0, len(ends) - 1
    best = lines_with(clip_words(excerpt, 1))
    while low <= high:
        middle = (low + high) // 2
        candidate = lines_with(clip_words(excerpt, ends[middle] + 1))
        if len(candidate) <= max_lines:
            best, low = candidate, middle + 1
        else:
            high = middle - 1
    return best


def _words(spans: Sequence[Span]) -> list[_Word]:
    """The spans' words: pieces that touch (no space between), across spans, make one word."""
    words: list[list[tuple[str, Style]]] = []
    glued = False  # the next piece continues the last word
    for span in spans:
        parts = _SPACE.split(span.text)
        for index, part in enumerate(parts):
            if index > 0:
                glued = False
            if not part:
                continue
            if glued and words:
                words[-1].append((part, span.style))
            else:
                words.append([(part, span.style)])
            glued = True
    return [tuple(word) for word in words]


def _runs(pieces: list[tuple[float, str, Style, bool]]) -> Line:
    """Pieces of one line merged into runs of one style each."""
    runs: list[Run] = []
    for x, text, style, after_space in pieces:
        if runs and runs[-1].style is style:
            last = runs[-1]
            runs[-1] = Run(last.text + (" " if after_space else "") + text, style, last.x)
        else:
            runs.append(Run(text, style, x))
    return tuple(runs)
