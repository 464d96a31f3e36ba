"""Statements in a sentence's own words: paraphrases and reports.

A sentence is tried, in order, as a report of another outlet ("Reuters reported that…",
"Dilansir dari BBC, …", "X reportedly …"), as "According to X, …" / "Menurut X, …" (a report when
X is an outlet), as "Dikatakan oleh X, …", then as a speaker and a verb of saying: "X said
(that) …", "…, X said", "X menegaskan bahwa …", "…, ujar X" / "…, demikian disampaikan oleh X".
The statement's text is the content clause, without its speaker and cue. "Hal itu disampaikan X"
says nothing itself: it hands X what came before (`Said.refers_back`, which the reader fills in).
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterable
from dataclasses import dataclass

from bot.core.content import figures
from bot.core.content.names import normalize
from bot.core.models import Kind, Lang
from bot.curation import lexicon
from bot.curation.speakers import Cast, Speakers, name_after

# Openers of a sentence that are not its subject ("In Jerusalem,", "Sementara itu,").
_INTRO_WORDS: dict[Lang, frozenset[str]] = {
    "en": lexicon.words_of(
        """
        in at on after before during speaking addressing asked citing under meanwhile earlier later
        critics but however through via
        """
    ),
    "id": lexicon.words_of(
        """
        sementara di dalam menanggapi adapun namun kemarin sebelumnya selain pada usai saat ketika
        sesuai lewat melalui kepada
        """
    ),
}
_CONNECTIVES = frozenset({"but", "however", "meanwhile", "namun", "adapun", "sementara", "itu"})
# Words that may stand between a verb of saying and its content ("said on Friday that").
_ADVERBIAL = lexicon.words_of(
    """
    on in at late last earlier later also again publicly privately briefly repeatedly a an the
    joint televised written statement interview post issued after phone call evening night morning
    week monday tuesday wednesday thursday friday saturday sunday juga pula x truth social
    telegram facebook instagram twitter for days weeks months years long
    """
)
_LISTENERS = lexicon.words_of(
    "reporters journalists lawmakers parliament wartawan awak media kepada"
)
_ADVERB_OPENERS = lexicon.words_of(
    "on in at late last earlier later also again publicly privately briefly repeatedly"
)
_SUBJECT_END: dict[Lang, frozenset[str]] = {
    "en": lexicon.words_of(
        "had has have is are was were will would could may might should can expect expects"
    ),
    "id": lexicon.words_of(
        """
        tengah telah akan sedang masih sudah belum tidak
        """
    ),
}
_AUXILIARIES = frozenset({"has", "have", "had", "is", "was", "were", "are"})
_NOUN_PHRASE = lexicon.DETERMINERS | lexicon.PERSON_WORDS | {"and", "of", "for", "s"}
_RELATIVES = frozenset({"who", "which", "yang"})
_NOT_BEFORE_VERB = lexicon.words_of("of the a an his her its their our my")
_AFTER_NOT = frozenset({"to", "akan", "pernah", "mau", "ingin"})
_MONEY = lexicon.words_of("more over nearly about millions billions bantuan dana uang sekitar")
_THAT = {"en": "that", "id": "bahwa"}
# Nouns that point back to what was just said ("Hal itu disampaikan X", "Pernyataan tersebut …").
_ANAPHORS = lexicon.words_of(
    "hal pernyataan ucapan keterangan komentar penegasan penjelasan seruan desakan"
)
_ANAPHORIC_OBJECTS = frozenset(
    f"{noun} {pointer}"
    for noun in ("hal", "pernyataan", "sikap", "posisi", "ucapan")
    for pointer in ("itu", "ini", "tersebut")
)
# Words after which an Indonesian subject is over: when, where, to whom ("PBB pada Senin").
# ("di" stays: "Perwakilan Israel di Jenewa" is a name.)
_ID_SCENE = lexicon.words_of("pada kepada dalam saat ketika usai melalui lewat")
_SAME = lexicon.words_of("senada serupa sama")
# Words between a fronted clause's comma and its passive verb ("…, demikian disampaikan X").
_FRAMING = lexicon.words_of("demikian seperti sebagaimana hal itu")
# Past tenses that follow an appositive's comma as the sentence's verb ("X, a spokesman, added").
_FINITE_AFTER_COMMA = lexicon.words_of(
    """
    added stated warned insisted urged argued claimed noted posted announced declared stressed
    explained acknowledged admitted confirmed denied pledged vowed promised predicted accused
    called described threatened demanded suggested tweeted asserted reiterated welcomed replied
    responded complained cautioned conceded remarked commented hoped
    """
)
# Whom a report cites: "Axios reported, citing two officials, that …", "…, citing diplomats.",
# "melaporkan, mengutip tiga diplomat, bahwa …".
_CITING = re.compile(r"^(?:citing|mengutip)\s+(?P<who>[^,]+),\s*", re.IGNORECASE)
_CITING_LAST = re.compile(r",\s*(?:citing|mengutip)\s+(?P<who>[^,]+?)\.?$", re.IGNORECASE)
_STATEMENT_FROM = re.compile(
    r"^(?:an? |the )?(?:(?:joint |written )?statement|post|letter) (?:from|by|of) "
    r"|^(?:pernyataan|keterangan|unggahan)(?: tertulis| resmi)? ",
    re.IGNORECASE,
)
# A verb of saying that continues an attribution: ", adding (that) …", ", seraya menambahkan …".
_ADDING: dict[Lang, re.Pattern[str]] = {
    "en": re.compile(
        r",\s*(?P<cue>adding|saying|noting|warning|insisting|stressing|arguing)\s+(?:that\s+)?"
        r"(?P<text>.+)$"
    ),
    "id": re.compile(r",?\s*(?:seraya|sambil)\s+(?P<cue>\w+)\s+(?:bahwa\s+)?(?P<text>.+)$"),
}
_PASSIVE_FIRST = re.compile(r"^(?P<cue>Di\w+)\s+(?:oleh\s+)?(?P<who>[^,]+),\s*(?P<clause>.+)$")
# A verb of saying as the means of what the subject did: "by calling on", "dengan seruan".
_BY_SAYING: dict[Lang, re.Pattern[str]] = {
    "en": re.compile(
        r"\bby (?P<cue>calling on|calling for|urging|warning|saying|demanding|insisting|telling)"
        r"\s+(?:that\s+)?(?P<text>.+)$"
    ),
    "id": re.compile(
        r"\bdengan (?P<cue>seruan|desakan|imbauan|permintaan|peringatan)\s+"
        r"(?P<text>(?:kepada|agar|bahwa|supaya)\b.+)$"
    ),
}
_ID_FRAME_AFTER = re.compile(
    r"^(?P<clause>.+?),\s*(?:seperti|sebagaimana)\s+(?P<cue>\w+)(?:\s+(?:dari|oleh))?\s+"
    r"(?P<outlet>[^,]+?)\.?$",
    re.IGNORECASE,
)
_ID_FRAME = re.compile(
    r"^(?:(?:seperti|sebagaimana)\s+)?(?P<cue>\w+)(?:\s+(?:dari|oleh))?\s+(?P<outlet>[^,]+),\s*"
    r"(?P<clause>.+)$",
    re.IGNORECASE,
)


@dataclass(frozen=True, slots=True)
class Said:
    """A statement found in a sentence, before it is dated and placed."""

    speakers: Speakers
    kind: Kind
    cue: str | None
    text: str
    reported_by: str | None = None
    # "Hal itu disampaikan X": the statement is the sentence before, which the reader fills in.
    refers_back: bool = False


class Clauses:
    def __init__(self, cast: Cast, outlets: Iterable[str] = ()) -> None:
        self.cast = cast
        self.lang = cast.lang
        self.outlets = {*lexicon.OUTLETS, *filter(None, map(normalize, outlets))}

    def statement(self, sentence: str) -> Said | None:
        sentence = sentence.strip()
        return (
            self._reported(sentence)
            or self._according(sentence)
            or self._passive_first(sentence)
            or self._cued(sentence, True)
            or self._by_saying(sentence)
        )

    def _by_saying(self, sentence: str) -> Said | None:
        """ "Sisi opened the summit by calling on leaders to fund …", "… dengan seruan kepada
        negara donor untuk …": what the sentence's subject said, as the means of an act."""
        means = _BY_SAYING[self.lang].search(sentence)
        if means is None:
            return None
        speakers = self.cast.opening(sentence[: means.start()])
        text = _sentence_text(means["text"])
        if speakers is None or len(text.split()) < 3:
            return None
        return Said(speakers, Kind.PARAPHRASE, means["cue"], text)

    def _passive_first(self, sentence: str) -> Said | None:
        """ "Dikatakan oleh Guterres, bantuan harus ditingkatkan.": a passive verb of saying,
        its speaker, then the clause, as "Menurut X, …" puts it."""
        front = _PASSIVE_FIRST.match(sentence) if self.lang == "id" else None
        if front is None or not lexicon.cue_of(front["cue"].casefold(), "id"):
            return None
        speakers = self.cast.resolve(front["who"])
        text = _sentence_text(front["clause"])
        return Said(speakers, Kind.PARAPHRASE, front["cue"], text) if speakers and text else None

    def addition(self, attribution: str, speakers: Speakers) -> Said | None:
        """What a speaker adds after a quotation's attribution: "…,” Guterres said, adding
        that the crossings must open." / "…," kata Guterres, seraya menambahkan bahwa …"."""
        found = _ADDING[self.lang].search(attribution)
        # The English gerunds are listed; an Indonesian verb is checked by its root.
        if found is None or (self.lang == "id" and not lexicon.cue_of(found["cue"], "id")):
            return None
        text = _sentence_text(found["text"])
        if len(text.split()) < 3 or lexicon.bare(text.split()[0]) in lexicon.PREPOSITIONS:
            return None  # "…,” he said, adding to the confusion."
        return Said(speakers, Kind.PARAPHRASE, found["cue"], text)

    # --- reports ---

    def _reported(self, sentence: str) -> Said | None:
        words = sentence.split()
        for index, word in enumerate(words):
            if lexicon.bare(word) == "reportedly":
                subject = [w for w in words[:index] if lexicon.bare(w) not in _AUXILIARIES]
                speakers = self.cast.resolve(" ".join(subject))
                text = _sentence_text(" ".join(words[index + 1 :]))
                # "According to the Times of Israel, … Ben-Gvir, who reportedly demanded …"
                frame = re.match(
                    rf"^{lexicon.ACCORDING_TO[self.lang]}\s+([^,]+),", sentence, re.IGNORECASE
                )
                outlet = _outlet_name(frame[1]) if frame and self._is_outlet(frame[1]) else None
                if speakers and text:
                    return Said(speakers, Kind.REPORTED, word, text, outlet)
        if self.lang == "id":
            frame = _ID_FRAME.match(sentence)
            if frame and lexicon.reporting_of(frame["cue"], "id"):
                return self._report(frame["clause"], frame["cue"], frame["outlet"])
            # "…, seperti dikutip dari Reuters.", "…, sebagaimana dilaporkan Al Jazeera."
            frame = _ID_FRAME_AFTER.match(sentence)
            if frame and lexicon.reporting_of(frame["cue"], "id"):
                return self._report(frame["clause"], frame["cue"], frame["outlet"])
        for index, word in enumerate(words):
            if index and lexicon.reporting_of(word, self.lang):
                outlet, citing = self._outlet_before(words[:index])
                rest = " ".join(words[index + 1 :]).lstrip(", ")
                clause, _, named = outlet.rpartition(", ")
                if clause and self._is_outlet(named) and all(map(_setting, _bare(rest))):
                    # "Hamas had agreed to …, the BBC reported on Friday."
                    return self._report(clause, word.strip(",.:;"), named, citing)
                cited = _CITING.match(rest) or _CITING_LAST.search(rest)
                if cited:
                    citing, rest = cited["who"], (rest[: cited.start()] + rest[cited.end() :])
                rest = re.sub(rf"^{_THAT[self.lang]}\s+", "", rest.strip(), flags=re.IGNORECASE)
                if outlet:
                    return self._report(rest, word, outlet, citing)
        return None

    def _outlet_before(self, words: list[str]) -> tuple[str, str | None]:
        """The outlet before "reported", and whom it cites when a "Citing …," opens it."""
        text = " ".join(words)
        citing = None
        opened = re.match(r"citing ([^,]+),\s*", text, re.IGNORECASE)
        if opened:
            citing, text = opened[1], text[opened.end() :]
        return text.strip(" ,"), citing

    def _report(self, clause: str, cue: str, outlet: str, citing: str | None = None) -> Said | None:
        """The statement a report relays: the clause's subject is the speaker (after "citing
        X", X when the subject is no one), and a verb of saying right after it is left out."""
        found = self._subject(clause, citing)
        if found is None:
            return None
        speakers, text = found
        words = text.split()
        if self.lang == "id" and words and lexicon.cue_of(words[0], self.lang):
            text = _sentence_text(" ".join(self._content(words[1:], words[0])))
        return Said(speakers, Kind.REPORTED, cue, text, _outlet_name(outlet))

    def _subject(self, clause: str, citing: str | None) -> tuple[Speakers, str] | None:
        """The speaker a reported clause opens with, and the clause (Indonesian: after it)."""
        words = clause.split()
        head: list[str] = []
        for word in words[:8]:
            core = lexicon.bare(word)
            if core in _SUBJECT_END[self.lang] or _verb(word, self.lang):
                break
            named = any(w[:1].isupper() for w in head)
            if self.lang == "en" and named and word.islower() and core not in _NOUN_PHRASE:
                break  # "Saudi Arabia and the UAE made …": the verb after the names
            head.append(word)
        subject = " ".join(head)
        if (
            self.lang == "id"
            and len(head) == 1
            and lexicon.indonesian_root(head[0]) != (lexicon.bare(head[0]))
        ):
            subject = ""  # "Bantuan sudah masuk …": a derived common noun, not a name
        speakers = self.cast.known(subject) if subject else None
        if speakers is None and citing:
            speakers = self.cast.resolve(citing)
        if speakers is None and subject:
            speakers = self.cast.resolve(subject)
        if speakers is None:
            return None
        text = " ".join(words[len(head) :]) if self.lang == "id" and head else clause
        return speakers, _sentence_text(text)

    def _according(self, sentence: str) -> Said | None:
        phrase = lexicon.ACCORDING_TO[self.lang]
        front = re.match(rf"^({phrase})\s+([^,]+),\s*(.+)$", sentence, re.IGNORECASE)
        back = re.match(rf"^(.+),\s*({phrase})\s+([^,]+?)\.?$", sentence, re.IGNORECASE)
        own = re.match(rf"^({phrase}nya),\s*(.+)$", sentence, re.IGNORECASE)
        if own:  # "Menurutnya, …": according to him or her
            speakers = self.cast.last()
            text = _sentence_text(own[2])
            return Said(speakers, Kind.PARAPHRASE, own[1], text) if speakers and text else None
        if front:
            cue, who, clause = front.groups()
        elif back:
            clause, cue, who = back.groups()
        else:
            return None
        if self._is_outlet(who):
            return self._report(clause, cue, who)
        # "According to a statement from Hamas": Hamas; "menurut keterangan X": X.
        who = _STATEMENT_FROM.sub("", who)
        speakers = self.cast.resolve(who)
        text = _sentence_text(clause)
        return Said(speakers, Kind.PARAPHRASE, cue, text) if speakers and text else None

    def _is_outlet(self, phrase: str) -> bool:
        """An outlet by a word that names one ("newspaper", "harian") or by its name."""
        key = f" {normalize(phrase)} "
        return bool(set(key.split()) & lexicon.OUTLET_WORDS) or any(
            f" {outlet} " in key for outlet in self.outlets
        )

    # --- a speaker and a verb of saying ---

    def _cued(self, sentence: str, new: bool) -> Said | None:
        words = sentence.split()
        for index, word in enumerate(words):
            # After a comma, as after a quotation, Indonesian says "…, ujar X" with a bare root.
            # ("Namun, jelas …" is no such clause: it wants a few words before the comma.)
            after_comma = index >= 3 and words[index - 1].endswith(",")
            if lexicon.cue_of(word, self.lang, after_quote=after_comma) and not self._not_a_cue(
                words, index
            ):
                break
        else:
            return None
        inserted = self._attribution_inside(words)
        if inserted is not None:
            return inserted
        before, after = words[:index], words[index + 1 :]
        if self._clause_first(before, word, after):
            return self._fronted_id(before, word, after)  # nobody else's, if not its speaker's
        fronted = self._fronted(before, after) or self._inserted(before, word, after)
        if fronted is not None:
            return fronted
        if self.lang == "id" and before and lexicon.bare(before[0]) in _ANAPHORS:
            # "Hal itu disampaikan X.", "Pernyataan tersebut ditegaskan oleh X": X said what
            # the sentence before says; "Hal senada …": X says the same as the last speaker.
            named = self.cast.resolve(name_after(_past_by(after), self.lang))
            if named is None or any(lexicon.bare(w) in _SAME for w in before):
                if named is not None:
                    self.cast.spoke(named)
                return None
            return Said(named, Kind.PARAPHRASE, word.strip(",.:;"), "", refers_back=True)
        subject = self._subject_phrase(before)
        if not subject or len(subject.split()) > 14:
            return None
        speakers = self.cast.resolve(subject, new=new)
        content = self._content(after, word)
        text = _sentence_text(" ".join(content))
        if speakers is None or len(text.split()) < 2:
            return None  # "She said nothing."
        if " ".join(lexicon.bare(w) for w in content[:2]) in _ANAPHORIC_OBJECTS:
            # "Netanyahu mengatakan hal itu kepada wartawan", "menegaskan sikap itu": what he
            # said is the sentence before, if that said nothing itself.
            return Said(speakers, Kind.PARAPHRASE, word.strip(",.:;"), "", refers_back=True)
        return Said(speakers, Kind.PARAPHRASE, word.strip(",.:;"), text)

    def _not_a_cue(self, words: list[str], index: int) -> bool:
        previous = [lexicon.bare(w) for w in words[max(0, index - 2) : index]]
        if previous and previous[-1] in lexicon.NEGATIONS and not words[index - 1].endswith(","):
            return True  # "did not say", "tidak mengatakan"; not "Belum, kata X"
        if self.lang == "en" and previous and previous[-1] in _NOT_BEFORE_VERB:
            return True  # "the secretary of state said", "a call", "his warning"
        # The words back to the last comma, nearest first: a relative word right before the
        # verb, or opening that stretch, makes it a relative clause's.
        back = list(itertools.takewhile(lambda w: not w.endswith(","), reversed(words[:index])))
        if any(lexicon.bare(w) in _RELATIVES for w in back[:1] + back[-2:]):
            # "X, who asked not to be named, said …", "The plan, which Trump announced, …":
            # the verb of a relative clause, not of the sentence.
            return True
        if len(previous) == 2 and previous[0] in lexicon.NEGATIONS and previous[1] in _AFTER_NOT:
            return True  # "declined to say", "tidak akan mengatakan"
        following = lexicon.bare(words[index + 1]) if index + 1 < len(words) else ""
        root = lexicon.cue_of(words[index], self.lang)
        if root in ("pledge", "pledged", "promise", "promised", "janji") and (
            following[:1].isdigit() or following in _MONEY or words[index + 1][:1] in "$€£"
        ):
            return True  # "pledged $9 billion", "menjanjikan bantuan": money, not words
        # "Trump, asked about the force, said …": a participle after a comma describes the
        # subject; ", saying that …" continues a statement already found.
        return (
            self.lang == "en"
            and index > 0
            and words[index - 1].endswith(",")
            and lexicon.bare(words[index]).endswith(("ing", "ed"))
            and lexicon.bare(words[index]) not in _FINITE_AFTER_COMMA
        )

    def _fronted(self, before: list[str], after: list[str]) -> Said | None:
        """ "The UN is ready to send aid, Guterres said on Friday.": the speaker after the
        clause, and nothing but when and where after the verb."""
        text = " ".join(before)
        comma = text.rfind(", ")
        # After the verb only when and where, up to a clause of its own (", as mediators …").
        ending = next((i for i, w in enumerate(after) if w.endswith(",")), len(after) - 1)
        tail = [lexicon.bare(w) for w in after[: ending + 1]]
        # After the verb only when, where and to whom ("said on Friday", "told reporters").
        setting = all(_setting(w) or w in _LISTENERS for w in tail)
        if comma < 0 or text.endswith(",") or len(tail) > 5 or not setting:
            return None
        speakers = self.cast.resolve(text[comma + 2 :])
        clause = _sentence_text(text[:comma])
        if speakers is None or len(clause.split()) < 4:
            return None
        return Said(speakers, Kind.PARAPHRASE, None, clause)

    def _clause_first(self, before: list[str], cue: str, after: list[str]) -> bool:
        """ "Perlintasan harus dibuka, ujar Guterres.": an Indonesian clause before its verb of
        saying; not an active verb after an appositive ("Dana Levi, putri …, mendesak …")."""
        lead = _unframed(before)
        if not (lead and lead[-1].endswith(",")) or (cue.endswith(",") and len(after) > 2):
            return False  # (", katanya, bekerja …": an attribution set inside the sentence)
        if self.lang == "en":
            # "…, says Yossi Klein, a former negotiator.": the speaker right after the verb.
            return _speaker_shaped(after)
        return lexicon.after_clause(cue)

    def _fronted_id(self, before: list[str], cue: str, after: list[str]) -> Said | None:
        """ "Perlintasan harus dibuka, ujar Guterres di New York.", "…, demikian disampaikan
        oleh X", "…, tegasnya": the clause first, then the verb and its speaker."""
        lead = _unframed(before)
        if self.lang == "id" and lexicon.ends_in_pronoun(cue):
            speakers = self.cast.last()
        else:
            named = name_after(_past_by(after), self.lang)
            speakers = self.cast.resolve(named) if named.strip(" ,.") else None
        clause = _sentence_text(" ".join(lead))
        if speakers is None or len(clause.split()) < 3:
            # "Belum, kata Yossi Klein, …": too short to be a statement, but a speaker met.
            if speakers is not None:
                self.cast.spoke(speakers)
            return None
        return Said(speakers, Kind.PARAPHRASE, cue.strip(",.:;"), clause)

    def _attribution_inside(self, words: list[str]) -> Said | None:
        """ "He promised her, she said, that no one …": an attribution between commas, later
        in the sentence than another verb, names who says the whole of it."""
        for index in range(2, len(words) - 2):
            word = words[index]
            if not (word.endswith(",") and lexicon.cue_of(word, self.lang)):
                continue
            start = max((i + 1 for i in range(index) if words[i].endswith(",")), default=0)
            if start and 1 <= index - start <= 4:
                said = self._inserted(words[:index], word, words[index + 1 :])
                if said is not None:
                    return said
        return None

    def _inserted(self, before: list[str], cue: str, after: list[str]) -> Said | None:
        """ "His government, he added, had told …": an attribution set inside the sentence."""
        if not (cue.endswith(",") and before and len(after) > 2):
            return None
        text = " ".join(before)
        if self.lang == "id" and lexicon.ends_in_pronoun(cue):
            # "Para mediator, katanya, bekerja …": the -nya is the speaker, the rest the clause.
            speakers = self.cast.last()
            clause = _sentence_text(f"{text.rstrip(',')} {' '.join(after)}")
            return Said(speakers, Kind.PARAPHRASE, cue.strip(","), clause) if speakers else None
        comma = text.rfind(", ")
        if comma < 0:
            return None
        who = text[comma + 2 :]
        # A new speaker only when the words name people ("the mediators", "a Hamas official").
        new = bool({lexicon.bare(w) for w in who.split()} & lexicon.PERSON_WORDS)
        speakers = self.cast.resolve(who, new=new)
        clause = _sentence_text(f"{text[:comma]} {' '.join(after)}")
        return Said(speakers, Kind.PARAPHRASE, cue.strip(","), clause) if speakers else None

    def _subject_phrase(self, before: list[str]) -> str:
        text = " ".join(before)
        while True:
            first, comma, rest = text.partition(", ")
            opener = lexicon.bare(first.split()[0]) if first.split() else ""
            # "In Cairo,", "Separately,", "Diberitakan sebelumnya,": the scene, not the subject.
            intro = (
                opener in _INTRO_WORDS[self.lang]
                or _opening_word(opener, self.lang)
                or figures.is_month_or_weekday(opener)  # "Senin, ia menegaskan …"
            )
            if comma and intro and self.cast.known(first) is None:
                text = rest
            else:
                break
        words = text.split()
        while words and lexicon.bare(words[0]) in _CONNECTIVES:
            words = words[1:]
        for index, word in enumerate(words[1:], 1):
            # "PBB pada Senin memperingatkan", "The UN on Monday warned": when, not who.
            following = lexicon.bare(words[index + 1]) if index + 1 < len(words) else ""
            if self.lang == "id" and lexicon.bare(word) in _ID_SCENE:
                words = words[:index]
                break
            if lexicon.bare(word) in ("on", "in", "at") and _setting(following) and following:
                words = words[:index]
                break
        while self.lang == "en" and words and lexicon.bare(words[-1]) in _AUXILIARIES:
            words = words[:-1]  # "Aid groups have warned": the subject without its auxiliary
        return " ".join(words)

    def _content(self, after: list[str], cue: str) -> list[str]:
        """The words after the verb that are the statement: past "that"/"bahwa" when only
        when, where, how or (after "told") to whom stands before it."""
        that = _THAT[self.lang]
        folded = [lexicon.bare(w) for w in after]
        if that in folded[:12]:
            position = folded.index(that)
            lead = folded[:position]
            told = lexicon.bare(cue) in ("told", "tell", "tells") or lead[:1] == ["kepada"]
            if told or all(map(_setting, lead)):
                return after[position + 1 :]  # "told reporters that", "kepada wartawan bahwa"
        start = 0
        if (
            self.lang == "en"
            and folded[:1]
            and folded[0] in _ADVERB_OPENERS
            and folded[1:2] != ["least"]
        ):  # ("said at least 30 …": a figure, not where it was said)
            while start < len(after) and _setting(folded[start]):
                start += 1  # "said on Saturday it had…", "said in a statement it would…"
        if lexicon.bare(cue) in ("told", "tell", "tells"):
            start = _past_the_listener(folded, start)
        if self.lang == "id":
            while start < len(after) and folded[start] in ("juga", "pula", "baik", ""):
                start += 1
        return after[start:]


def _setting(word: str) -> bool:
    """A word of when, where or how something was said: "on 7 October", "in a statement"."""
    return word in _ADVERBIAL or word[:1].isdigit() or figures.is_month_or_weekday(word)


def _opening_word(word: str, lang: Lang) -> bool:
    """An adverb or a participle ("Separately", "Writing on X") or an Indonesian verb
    ("Diberitakan", "Dikutip") opening a sentence before its comma."""
    if lang == "en":  # "Separately,", "Writing on X,", "Responding to the vote,"
        return len(word) > 4 and word.endswith(("ly", "ing"))
    return _verb(word, lang)


def _verb(word: str, lang: Lang) -> bool:
    """An Indonesian verb by its prefix ("menyiapkan", "dibebaskan"): where a subject ends."""
    core = lexicon.bare(word)
    return (
        lang == "id"
        and word[:1].islower()
        and core.startswith(("me", "di", "ber", "ter"))
        and lexicon.indonesian_root(core) != core
    )


def _past_the_listener(folded: list[str], start: int) -> int:
    """ "told reporters he did not …": the content starts after one to three words."""
    openers = {"he", "she", "they", "it", "the", "his", "her", "their", "its", "there"}
    for index in range(start + 1, min(start + 4, len(folded))):
        if folded[index] in openers:
            return index
    return start


def _speaker_shaped(after: list[str]) -> bool:
    """Whether the words after a verb are a speaker and nothing else: "Yossi Klein, a former
    negotiator.", "one diplomat."; not "Netanyahu was ready." nor "that the talks …"."""
    named = name_after(after, "en")
    if not named or len(named.split()) < len(after) - 4:
        return False  # more than when and where follows the name
    head = named.split(",")[0].split()
    allowed = lexicon.DETERMINERS | lexicon.PERSON_WORDS | lexicon.ROLE_WORDS | lexicon.BODY_WORDS
    allowed |= {"of", "the"}
    return 0 < len(head) <= 6 and all(w[:1].isupper() or lexicon.bare(w) in allowed for w in head)


def _bare(text: str) -> list[str]:
    return [lexicon.bare(w) for w in text.split()]


def _unframed(before: list[str]) -> list[str]:
    """A fronted clause without the words that frame its verb ("…, demikian disampaikan")."""
    lead = list(before)
    while lead and lexicon.bare(lead[-1]) in _FRAMING:
        lead.pop()
    return lead


def _past_by(words: list[str]) -> list[str]:
    """The agent of a passive: "disampaikan oleh Guterres" → "Guterres"."""
    return words[1:] if words and lexicon.bare(words[0]) in ("oleh", "by") else words


def _outlet_name(phrase: str) -> str:
    """The outlet's name in the words that describe it: "the state-run Al-Ahram newspaper" →
    "Al-Ahram", "harian The New York Times" → "The New York Times"."""
    runs: list[list[str]] = [[]]
    words = phrase.split()
    for index, word in enumerate(words):
        numbered = index + 1 < len(words) and words[index + 1][:1].isdigit()  # "Channel 12"
        if lexicon.bare(word) in lexicon.OUTLET_WORDS and not numbered:
            runs.append([])  # "Harian", "newspaper": what it is, not its name
        elif word[:1].isupper() or word[:1].isdigit() or (runs[-1] and word in ("of", "the")):
            runs[-1].append(word.strip(",."))
        elif runs[-1]:
            runs.append([])
    named = [run for run in runs if run and run != ["The"]]
    best = max(named, key=len) if named else []
    while best and best[-1] in ("of", "the"):
        best.pop()
    return " ".join(best) if best else phrase.strip()


def _sentence_text(text: str) -> str:
    return text.strip().rstrip(".").strip(" ,;:")
