"""An article's statements: who said what, how (direct, paraphrase, reported), and when.

Paragraph by paragraph, the quotations come first. A quotation that opens its sentence (or
follows "X said:" / "X mengatakan,") is a direct statement of whoever the words around it name
("…,” Rubio said."; "…," ujarnya); one that continues into the next paragraph joins what follows;
quoted sentences of one speaker in a row are one statement; a quotation in a paragraph of its
own after a speaker's is theirs. A quotation inside a sentence is part of that sentence (a
paraphrase that quotes a few words, or a scare quote: the so-called “yellow line”). Every other
sentence is read for a paraphrase or a report (`clauses`). Two rules span sentences: "Hal itu
disampaikan X" gives X the sentence (or the guessed quotation) before it, and a counted
description ("Two far-right ministers said …") is the joint speakers named right after it.
"""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import Iterable
from dataclasses import dataclass, replace

from bot.core.models import Kind, Lang, Person
from bot.curation import article as articles
from bot.curation import lexicon
from bot.curation.clauses import Clauses, Said
from bot.curation.dating import When, when
from bot.curation.speakers import Cast, NewSpeaker, Speakers, name_after

_RELATIVE_OPENERS = frozenset({"who", "whose", "which", "yang"})


@dataclass(frozen=True, slots=True)
class Statement:
    """A statement as the article gives it."""

    speakers: Speakers
    kind: Kind
    cue: str | None  # the word that attributes it, as written
    text: str  # in the article's language, as the article words it
    reported_by: str | None
    when: When
    paragraph: int  # 0-based, after the headline


@dataclass(frozen=True, slots=True)
class Extraction:
    statements: tuple[Statement, ...]
    new_speakers: tuple[NewSpeaker, ...]  # speakers the registry lacks, in order met


def extract(
    article: articles.Article,
    people: Iterable[Person],
    *,
    dated: dt.date | None = None,
    outlets: Iterable[str] = (),
) -> Extraction:
    """`dated`: the article's date, which dates what it says of "Monday (6/10)"."""
    cast = Cast(people, article.lang)
    reading = _Reading(article, cast, Clauses(cast, outlets), dated or article.dated)
    for index, paragraph in enumerate(article.paragraphs):
        reading.paragraph(index, paragraph)
    found = _named_after(reading.found, cast)
    used = {speaker for statement in found for speaker in statement.speakers}
    return Extraction(tuple(found), tuple(s for s in cast.new.values() if s.id in used))


def _named_after(found: list[Statement], cast: Cast) -> list[Statement]:
    """ "Two far-right ministers said … (paragraph) Smotrich and Ben-Gvir said …": a counted
    description is the joint speakers of the statement right after it, when they are as many
    and named in the same paragraph or the next."""
    named: dict[Speakers, Speakers] = {}
    for statement, following in itertools.pairwise(found):
        [speaker, *others] = statement.speakers
        new = cast.new.get(speaker)
        if (
            new is not None
            and not others
            and new.counted == len(following.speakers)
            and following.paragraph <= statement.paragraph + 1
            and all(cast.is_individual(s) for s in following.speakers)
        ):
            named.setdefault(statement.speakers, following.speakers)
    return [replace(s, speakers=named.get(s.speakers, s.speakers)) for s in found]


@dataclass
class _Open:
    """A quotation still open at a paragraph's end: its words so far, and its statement."""

    words: list[str]
    statement: int | None  # its index in `found`, once attributed


class _Reading:
    def __init__(
        self, article: articles.Article, cast: Cast, clauses: Clauses, dated: dt.date | None
    ) -> None:
        self.lang = article.lang
        self.cast = cast
        self.clauses = clauses
        self.dated = dated
        self.found: list[Statement] = []
        self.open: _Open | None = None
        # What the sentence before left unattributed, for a "Hal itu disampaikan X" after it.
        self.behind: _Behind | None = None

    def paragraph(self, index: int, text: str) -> None:
        quotes = articles.quotes(text)
        last_direct: int | None = None  # in this paragraph: the statement a next quote joins
        for start, end in articles.sentences(text, quotes):
            taken = False  # whether a quotation took the sentence as a direct statement
            count = len(self.found)
            split: tuple[int, int] | None = None  # this sentence's quotation: its end, statement
            for quote in (q for q in quotes if start <= q.start < end):
                before = text[start : quote.start]
                after = text[quote.end : end] if quote.closed else ""
                if split is not None and text[split[0] : quote.start].rstrip().endswith(","):
                    # "“A,” Rubio said on Friday, “and B.”": one quotation around its attribution.
                    self._join(split[1], quote.words(text), sentence=False)
                    split = (quote.end, split[1])
                    continue
                taken_now, statement = self._quotation(
                    index, quote, quote is quotes[0], before, after, text, last_direct
                )
                if not taken_now and last_direct is not None and not before.strip():
                    self._join(last_direct, quote.words(text))  # "“A,” he said. “B.”"
                    taken_now = True
                taken = taken or taken_now
                last_direct = statement if statement is not None else last_direct
                split = (quote.end, statement) if statement is not None else None
            if not taken:
                self._sentence(index, text[start:end])
            elif len(self.found) > count and self.found[-1].cue is None:
                self.behind = _Behind(statement=len(self.found) - 1)  # its speaker a guess
            else:
                self.behind = None
        if not (quotes and not quotes[-1].closed):
            self.open = None  # a quotation the paragraph closed is not carried further

    def _quotation(
        self,
        index: int,
        quote: articles.Quote,
        first: bool,
        before: str,
        after: str,
        text: str,
        last_direct: int | None,
    ) -> tuple[bool, int | None]:
        """Whether a quotation stands as a direct statement (or waits, open, for its speaker
        in the next paragraph), and the statement it makes or continues."""
        words = quote.words(text)
        if self.open is not None and first and not before.strip():
            return True, self._continue(index, words, after, quote.closed)
        if not self._opens(before):
            return False, None
        said = self._attributed(after, before)
        if said is None and not before.strip() and not quote.closed and last_direct is not None:
            # "“A,” he said. “B … (paragraph) “C.”": one statement, continued.
            self._join(last_direct, words)
            self.open = _Open([], last_direct)
            return True, last_direct
        if said is None and not before.strip() and not quote.closed:
            self.open = _Open([words], None)  # its speaker, named after it or the last one
            return True, None
        if said is None and not before.strip() and first:
            # A quotation in a paragraph of its own, after a speaker's statement: theirs.
            speakers = self._spoke_last(index)
            said = Said(speakers, Kind.DIRECT, None, "") if speakers else None
        if said is None:
            return False, None
        statement = self._add(replace(said, text=words), index, before + after)
        if not quote.closed:
            self.open = _Open([words], statement)
        added = self.clauses.addition(after, said.speakers)
        if added is not None:
            self._add(added, index, after.replace(added.text, " "))
        return True, statement

    def _opens(self, before: str) -> bool:
        """Whether a quotation stands as a statement of its own: it opens its sentence, or
        follows a verb of saying and a colon or comma."""
        stripped = before.strip()
        if not stripped:
            return True
        if stripped[-1] not in ":,":
            return False
        return any(lexicon.cue_of(w, self.lang) for w in stripped.split()[-4:])

    def _attributed(self, after: str, before: str) -> Said | None:
        """The speaker and cue in the words after a quotation (", Rubio told reporters"), or
        before it ("Trump wrote:")."""
        words = after.strip(" ,").split()
        for index, word in enumerate(words[:9]):
            cue = lexicon.cue_of(word, self.lang, after_quote=True)
            if cue is None:
                continue
            if self.lang == "id" and lexicon.ends_in_pronoun(word):
                speakers = self.cast.last()
            elif index:
                speakers = self.cast.resolve(" ".join(words[:index]))
            else:
                speakers = self.cast.resolve(name_after(words[1:], self.lang))
            if speakers is None:
                return None
            reporter = _quoted_from(words[index + 1 :], self.lang)
            kind = Kind.DIRECT if reporter is None else Kind.REPORTED
            return Said(speakers, kind, word.strip(",.:;"), "", reporter)
        prefix = before.strip().rstrip(":,").split()
        for index in range(len(prefix) - 1, -1, -1):
            if lexicon.cue_of(prefix[index], self.lang):
                # The subject before the verb, past a clause about it ("Trump, who hosted the
                # summit, said:") and what sets the scene ("In Cairo, Sisi said:").
                parts = " ".join(prefix[:index]).split(", ")
                while len(parts) > 1 and lexicon.bare(parts[-1].split()[0]) in _RELATIVE_OPENERS:
                    parts.pop()
                speakers = self.cast.resolve(parts[-1])
                word = prefix[index].strip(",.:;")
                return Said(speakers, Kind.DIRECT, word, "") if speakers else None
        return None

    def _continue(self, paragraph: int, words: str, after: str, closed: bool) -> int | None:
        """A quotation that goes on from the paragraph before: it joins its statement, or
        makes one with the speaker named after it (or the last speaker)."""
        assert self.open is not None
        waiting, self.open = self.open, (None if closed else self.open)
        if waiting.statement is not None:
            self._join(waiting.statement, words)
            return waiting.statement
        said = self._attributed(after, "")
        speakers = said.speakers if said else self.cast.last()
        if speakers is None:
            return None
        said = said or Said(speakers, Kind.DIRECT, None, "")
        text = _sentences_joined([*waiting.words, words])
        statement = self._add(replace(said, text=text), paragraph, after)
        if not closed:
            self.open = _Open([], statement)
        return statement

    def _join(self, statement: int, words: str, *, sentence: bool = True) -> None:
        """Words of the same speaker's quotation added to its statement: a sentence after it,
        or (`sentence` False) the rest of a sentence its attribution interrupted."""
        old = self.found[statement]
        text = _sentences_joined([old.text, words]) if sentence else f"{old.text}, {words}"
        self.found[statement] = replace(old, text=text)

    def _spoke_last(self, paragraph: int) -> Speakers | None:
        """Who made the last statement, when it was in this paragraph or the one before."""
        if self.found and self.found[-1].paragraph >= paragraph - 1:
            return self.found[-1].speakers
        return None

    def _sentence(self, paragraph: int, sentence: str) -> None:
        said = self.clauses.statement(sentence)
        behind, self.behind = self.behind, None
        if said is None:
            subject = self.cast.opening(sentence)
            if subject is not None:
                self.cast.spoke(subject)
            self.behind = _Behind(sentence=sentence)
        elif said.refers_back:
            self._refer_back(said, behind, paragraph, sentence)
        else:
            self._add(said, paragraph, sentence.replace(said.text, " "))

    def _refer_back(
        self, said: Said, behind: _Behind | None, paragraph: int, sentence: str
    ) -> None:
        """ "Hal itu disampaikan X": the sentence before is X's (a quotation in it, direct),
        or the quotation before, whose speaker was only guessed, is."""
        self.cast.spoke(said.speakers)
        if behind is not None and behind.statement is not None:
            old = self.found[behind.statement]
            self.found[behind.statement] = replace(old, speakers=said.speakers, cue=said.cue)
        elif behind is not None and len(behind.sentence.split()) >= 4:
            text, kind = _quoted_whole(behind.sentence), Kind.DIRECT
            if text is None:
                text, kind = behind.sentence.strip().rstrip("."), Kind.PARAPHRASE
            self._add(replace(said, kind=kind, text=text), paragraph, sentence)

    def _add(self, said: Said, paragraph: int, zone: str) -> int:
        self.cast.spoke(said.speakers)
        dated = when(zone, self.lang, self.dated)
        self.found.append(
            Statement(
                said.speakers, said.kind, said.cue, said.text, said.reported_by, dated, paragraph
            )
        )
        return len(self.found) - 1


@dataclass(frozen=True, slots=True)
class _Behind:
    """A sentence that made no statement, or a statement whose speaker was a guess."""

    sentence: str = ""
    statement: int | None = None


def _quoted_whole(sentence: str) -> str | None:
    """The words of a sentence that is one quotation and nothing else, or None."""
    sentence = sentence.strip()
    spans = articles.quotes(sentence)
    whole = len(spans) == 1 and spans[0].start == 0 and spans[0].closed
    if whole and not sentence[spans[0].end :].strip(" .,!?"):
        return spans[0].words(sentence)
    return None


def _sentences_joined(parts: list[str]) -> str:
    """Quoted parts as one text: "“…are,” one official said. “This is…”": the comma before
    the attribution ended a sentence."""
    return " ".join(
        part if part[-1:] in ".!?" or number == len(parts) - 1 else f"{part}."
        for number, part in enumerate(p for p in parts if p)
    )


def _quoted_from(words: list[str], lang: Lang) -> str | None:
    """The outlet a quotation is taken from: "… seperti dikutip dari The Times of Israel"."""
    for index, word in enumerate(words):
        if lexicon.reporting_of(word, lang) or lexicon.bare(word) == "quoted":
            rest = words[index + 1 :]
            if rest and lexicon.bare(rest[0]) in ("dari", "by", "oleh"):
                rest = rest[1:]
            name = " ".join(rest).strip(" .,")
            return name or None
    return None
