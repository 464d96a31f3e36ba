"""A news article as text: its headline, dateline, paragraphs, sentences and quotations.

Paragraphs are separated by blank lines (or, in an article with none, by line breaks). The first
paragraph is the headline when it is one line that does not end a sentence. A dateline opening
the first paragraph ("SHARM EL-SHEIKH, Egypt — ", "Jakarta - ") is left out of it, and dates
the article when it holds a date.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from bot.core.content import figures
from bot.core.models import Lang
from bot.curation.lexicon import words_of

# Quotation marks: curly ones say which way they face; straight ones pair up in order. Single
# curly marks (‘…’, as British news quotes) count where no double mark is open; their closing
# mark is also the apostrophe ("Israel’s"), which a letter follows.
OPENING, CLOSING, STRAIGHT = "“", "”", '"'
SINGLE_OPENING, SINGLE_CLOSING = "‘", "’"
_SENTENCE_END = ".!?"
_ABBREVIATIONS = words_of(
    "mr mrs ms dr st jr sr no gen lt col sgt prof rev sen rep gov vs etc u.s u.n e.g i.e"
)
_DATELINE = re.compile(r"^(?P<place>[A-Z][^\n—–]{0,60}?)\s+[—–-]{1,2}\s+(?=\S)")
_COMMON: dict[Lang, frozenset[str]] = {
    "en": words_of(
        """
        the and of to that in is was said for with on his her they have
        """
    ),
    "id": words_of(
        """
        yang dan di itu dengan untuk akan tidak dari ini ke pada bahwa kata
        """
    ),
}


@dataclass(frozen=True, slots=True)
class Quote:
    """A span in quotation marks: where its words are, and whether the paragraph closes it."""

    start: int  # the opening mark
    end: int  # after the closing mark (the paragraph's end when it stays open)
    closed: bool

    def words(self, paragraph: str) -> str:
        end = self.end - 1 if self.closed else self.end
        # The comma that ends a quoted clause before its attribution is not the speaker's.
        return paragraph[self.start + 1 : end].strip().rstrip(",")


@dataclass(frozen=True, slots=True)
class Article:
    lang: Lang
    headline: str | None
    paragraphs: tuple[str, ...]
    dated: dt.date | None  # from the dateline, when it holds a date


def read(text: str, lang: Lang | None = None) -> Article:
    text = text.replace("\r\n", "\n").strip()
    blocks = [b.strip() for b in re.split(r"\n\s*\n", text) if b.strip()]
    if len(blocks) == 1:
        blocks = [line.strip() for line in text.splitlines() if line.strip()]
    headline = None
    if len(blocks) > 1 and "\n" not in blocks[0] and not _ends_sentence(blocks[0]):
        headline, blocks = blocks[0], blocks[1:]
    # The items of a list are paragraphs of their own ("- Israel says …", "• Hamas says …").
    blocks = [item for block in blocks for item in _items(block)]
    paragraphs = [" ".join(block.split()) for block in blocks]
    lang = lang or guess_language(" ".join(paragraphs))
    dated = None
    if paragraphs:
        dateline = _DATELINE.match(paragraphs[0])
        if dateline:
            dated = _full_date(dateline["place"], lang)
            paragraphs[0] = paragraphs[0][dateline.end() :]
    return Article(lang, headline, tuple(paragraphs), dated)


_BULLET = re.compile(r"^\s*[-•*–]\s+", re.MULTILINE)


def _items(block: str) -> list[str]:
    if not _BULLET.match(block):
        return [block]
    return [item.strip() for item in _BULLET.split(block) if item.strip()]


def guess_language(text: str) -> Lang:
    words = [w.casefold() for w, _, _ in figures.words(text)]
    en, id_ = (sum(w in _COMMON[lang] for w in words) for lang in ("en", "id"))
    return "id" if id_ > en else "en"


def _ends_sentence(line: str) -> bool:
    return line.rstrip(f"{CLOSING}{STRAIGHT}'’)")[-1:] in _SENTENCE_END


def _full_date(text: str, lang: Lang) -> dt.date | None:
    for found in figures.days_of_month(text, lang):
        if found.year is not None:
            return dt.date(found.year, found.month, found.day)
    return None


def quotes(paragraph: str) -> list[Quote]:
    """The quotations of a paragraph, in order; the last may stay open (continued in the next
    paragraph, as news writes a quote of several paragraphs)."""
    found: list[Quote] = []
    start: int | None = None
    single = False  # whether the open quotation opened with a single mark
    for index, char in enumerate(paragraph):
        following = paragraph[index + 1 : index + 2]
        if start is None and char in (OPENING, STRAIGHT):
            start, single = index, False
        elif start is None and char == SINGLE_OPENING and paragraph[index - 1 : index] in " (":
            start, single = index, True
        elif (start is not None and not single and char in (CLOSING, STRAIGHT)) or (
            start is not None and single and char == SINGLE_CLOSING and not following.isalnum()
        ):
            found.append(Quote(start, index + 1, closed=True))
            start = None
    if start is not None:
        found.append(Quote(start, len(paragraph), closed=False))
    return found


def sentences(paragraph: str, spans: list[Quote]) -> list[tuple[int, int]]:
    """Sentence spans of a paragraph; a quotation never ends a sentence inside itself."""
    inside = [False] * len(paragraph)
    for quote in spans:
        for index in range(quote.start + 1, max(quote.start + 1, quote.end - 1)):
            inside[index] = True
    found: list[tuple[int, int]] = []
    start = 0
    for match in re.finditer(r"[.!?][”\"’')]*\s+(?=[“‘\"A-Z0-9])", paragraph):
        # The run's last mark: a closing quotation mark after the stop ends the sentence too.
        last = match.start() + len(match.group().rstrip()) - 1
        if inside[last] or _abbreviation(paragraph, match.start()):
            continue
        found.append((start, match.end()))
        start = match.end()
    if start < len(paragraph):
        found.append((start, len(paragraph)))
    return found


def _abbreviation(paragraph: str, dot: int) -> bool:
    word = paragraph[:dot].rsplit(" ", 1)[-1].casefold()
    return paragraph[dot] == "." and (word in _ABBREVIATIONS or (len(word) == 1 and word.isalpha()))
